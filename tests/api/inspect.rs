//! What tests read back from the database, in the domain's words.
//!
//! Every read goes through the crate's own data-access functions or diesel's typed DSL over
//! `handbook_admin::db::schema`, never through SQL strings: renaming a table or column breaks
//! these helpers at compile time instead of failing a test at run time. Statuses, kinds and
//! roles are passed as the domain's enums and filtered in SQL, so the text stored for them is
//! spelled in one place. Each helper panics on a database error: a query that fails must never
//! read as "0 rows" and let an assertion pass.

use std::collections::HashMap;

use diesel::prelude::*;
use handbook_admin::db::handbooks::{HandbookRow, ImageRow};
use handbook_admin::db::holders::HolderRow;
use handbook_admin::db::schema::{
    audit_events, defects, handbook_counts, handbook_fields, handbook_images, handbooks, holders, notifications,
    sanctions, staff,
};
use handbook_admin::db::{self, DbConnection};
use handbook_admin::domain::handbook::{HandbookKind, ReviewStatus};
use handbook_admin::domain::holder::HolderStatus;
use handbook_admin::domain::notice::Delivery;
use handbook_admin::domain::review::Defect;
use handbook_admin::domain::staff::Role;

use crate::helpers::TestApp;

/// One audit event, as far as tests look at it.
#[derive(Queryable, Debug, Clone)]
pub struct AuditLine {
    pub actor_staff_id: Option<i64>,
    pub actor: String,
    pub reason: Option<String>,
    pub details: String,
}

/// One defect recorded with a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefectLine {
    pub code: Defect,
    pub field: Option<String>,
    pub correctable: bool,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
}

/// One sanction proposal.
#[derive(Queryable, Debug, Clone, PartialEq, Eq)]
pub struct SanctionLine {
    pub action: String,
    pub article: String,
    pub state: String,
}

/// One notice in the outbox.
#[derive(Queryable, Debug, Clone)]
pub struct NoticeLine {
    pub recipient: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

impl NoticeLine {
    pub fn is(&self, state: Delivery) -> bool {
        self.status == state.as_str()
    }
}

/// Runs one read on its own pooled connection; `what` names it in the panic message.
fn read<T>(app: &TestApp, what: &str, f: impl FnOnce(&mut DbConnection) -> QueryResult<T>) -> T {
    let mut conn = app.pool.get().expect("database pool");
    f(&mut conn).expect(what)
}

/// Every notice in the outbox, oldest first (for tests that hold a connection of their own).
pub fn notices(conn: &mut DbConnection) -> Vec<NoticeLine> {
    notifications::table
        .order(notifications::id.asc())
        .select((notifications::recipient, notifications::status, notifications::attempts, notifications::last_error))
        .load(conn)
        .expect("notices")
}

/// How many audit events have one of these actions (for tests that hold a connection).
pub fn audit_count_in(conn: &mut DbConnection, actions: &[&str]) -> i64 {
    audit_events::table
        .filter(audit_events::action.eq_any(actions))
        .count()
        .get_result(conn)
        .expect("audit events by action")
}

impl TestApp {
    // Registrations.

    /// The registration's row; panics if there is none.
    pub fn handbook(&self, id: i64) -> HandbookRow {
        read(self, "handbook", |c| db::handbooks::find(c, id)).unwrap_or_else(|| panic!("no registration {id}"))
    }

    /// Where the registration stands.
    pub fn status_of(&self, id: i64) -> ReviewStatus {
        self.handbook(id).status
    }

    /// Which kind of handbook the registration is for.
    pub fn kind_of(&self, id: i64) -> HandbookKind {
        self.handbook(id).kind
    }

    /// All registrations, whatever their state.
    pub fn handbook_count(&self) -> i64 {
        read(self, "handbook count", |c| handbooks::table.count().get_result(c))
    }

    pub fn handbooks_with_status(&self, status: ReviewStatus) -> i64 {
        read(self, "handbooks by status", |c| {
            handbooks::table.filter(handbooks::status.eq(status.as_str())).count().get_result(c)
        })
    }

    /// Ids of the registrations in this state, oldest first.
    pub fn handbook_ids_with_status(&self, status: ReviewStatus) -> Vec<i64> {
        read(self, "handbook ids by status", |c| {
            handbooks::table
                .filter(handbooks::status.eq(status.as_str()))
                .order(handbooks::id.asc())
                .select(handbooks::id)
                .load(c)
        })
    }

    /// Ids of the registrations of the holder with this public id, oldest first.
    pub fn handbook_ids_of_holder(&self, public_id: &str) -> Vec<i64> {
        read(self, "handbook ids by holder", |c| {
            handbooks::table
                .inner_join(holders::table)
                .filter(holders::public_id.eq(public_id))
                .order(handbooks::id.asc())
                .select(handbooks::id)
                .load(c)
        })
    }

    /// The distinct handbook kinds registered so far.
    pub fn handbook_kinds(&self) -> Vec<HandbookKind> {
        read(self, "handbook kinds", |c| handbooks::table.select(handbooks::kind).distinct().load(c))
    }

    /// The counter the queue shows for this status and kind (the `handbook_counts` table).
    pub fn counted(&self, status: ReviewStatus, kind: HandbookKind) -> i64 {
        read(self, "handbook counter", |c| {
            handbook_counts::table.find((status.as_str(), kind.as_str())).select(handbook_counts::n).first(c)
        })
    }

    /// Asserts that every status/kind counter equals the number of registrations it counts:
    /// fixtures that bypass the workflow would leave the queue's numbers wrong.
    pub fn assert_counters_agree(&self) {
        let rows: Vec<(ReviewStatus, HandbookKind)> =
            read(self, "handbook statuses", |c| handbooks::table.select((handbooks::status, handbooks::kind)).load(c));
        let mut actual: HashMap<(ReviewStatus, HandbookKind), i64> = HashMap::new();
        for row in rows {
            *actual.entry(row).or_default() += 1;
        }
        let counters = read(self, "handbook counters", db::counts::all);
        for (status, kind, n) in &counters {
            let real = actual.remove(&(*status, *kind)).unwrap_or(0);
            assert_eq!(*n, real, "counter for {status:?}/{kind}");
        }
        assert!(actual.is_empty(), "registrations without a counter: {actual:?}");
    }

    /// Moves a registration to `status` through the crate's own `set_status`, which keeps the
    /// counters in step. For set-ups whose subject is what happens *after* that state.
    pub fn set_status(&self, id: i64, status: ReviewStatus) {
        let now = handbook_admin::clock::to_db(handbook_admin::clock::Clock::now(&*self.clock));
        read(self, "set handbook status", |c| db::handbooks::set_status(c, id, status, now));
    }

    // Transcription.

    /// The transcribed fields, if any were saved.
    pub fn fields_of(&self, handbook_id: i64) -> Option<db::fields::FieldsRow> {
        read(self, "handbook fields", |c| db::fields::find(c, handbook_id))
    }

    /// How many registrations have transcribed fields.
    pub fn transcribed_count(&self) -> i64 {
        read(self, "handbook fields count", |c| handbook_fields::table.count().get_result(c))
    }

    /// How many revisions of the transcription were saved.
    pub fn transcriptions_of(&self, handbook_id: i64) -> usize {
        read(self, "transcriptions", |c| db::fields::revisions(c, handbook_id)).len()
    }

    // Photos.

    /// The registration's photos in page order.
    pub fn images_of(&self, handbook_id: i64) -> Vec<ImageRow> {
        read(self, "images", |c| db::handbooks::images_of(c, handbook_id))
    }

    pub fn image(&self, id: i64) -> ImageRow {
        read(self, "image", |c| db::handbooks::find_image(c, id)).unwrap_or_else(|| panic!("no image {id}"))
    }

    pub fn image_count(&self) -> i64 {
        read(self, "image count", |c| handbook_images::table.count().get_result(c))
    }

    /// Photos whose upload was of this type.
    pub fn images_with_mime(&self, mime: &str) -> i64 {
        read(self, "images by type", |c| {
            handbook_images::table.filter(handbook_images::original_mime.eq(mime)).count().get_result(c)
        })
    }

    // Holders.

    pub fn holder(&self, public_id: &str) -> Option<HolderRow> {
        read(self, "holder", |c| db::holders::find_by_public_id(c, public_id))
    }

    pub fn holder_status(&self, public_id: &str) -> HolderStatus {
        self.holder(public_id).unwrap_or_else(|| panic!("no holder {public_id}")).status
    }

    pub fn holder_count(&self) -> i64 {
        read(self, "holder count", db::holders::count)
    }

    pub fn holders_with_status(&self, status: HolderStatus) -> i64 {
        read(self, "holders by status", |c| {
            holders::table.filter(holders::status.eq(status.as_str())).count().get_result(c)
        })
    }

    /// Changes the holder's standing directly: the crate has no workflow for it yet.
    pub fn set_holder_status(&self, public_id: &str, status: HolderStatus) {
        let n = read(self, "set holder status", |c| {
            diesel::update(holders::table.filter(holders::public_id.eq(public_id)))
                .set(holders::status.eq(status.as_str()))
                .execute(c)
        });
        assert_eq!(n, 1, "no holder {public_id}");
    }

    // Sanctions.

    /// The holder's sanctions, newest first.
    pub fn sanctions_of_holder(&self, holder_id: i64) -> Vec<i64> {
        read(self, "sanctions of holder", |c| db::sanctions::of_holder(c, holder_id, 100))
            .into_iter()
            .map(|s| s.id)
            .collect()
    }

    pub fn sanction_state(&self, id: i64) -> handbook_admin::domain::sanctions::SanctionState {
        read(self, "sanction", |c| db::sanctions::lock(c, id)).unwrap_or_else(|| panic!("no sanction {id}")).state
    }

    // Staff.

    /// The staff row; panics if there is none.
    pub fn staff_row(&self, id: i64) -> db::staff::StaffRow {
        read(self, "staff row", |c| db::staff::find(c, id)).unwrap_or_else(|| panic!("no staff {id}"))
    }

    pub fn staff_id(&self, email: &str) -> i64 {
        read(self, "staff", |c| db::staff::find_by_email(c, email)).unwrap_or_else(|| panic!("no staff {email}")).id
    }

    pub fn staff_count(&self) -> i64 {
        read(self, "staff count", |c| staff::table.count().get_result(c))
    }

    pub fn staff_with_role(&self, role: Role) -> i64 {
        read(self, "staff by role", |c| staff::table.filter(staff::role.eq(role.as_str())).count().get_result(c))
    }

    pub fn active_staff_with_role(&self, role: Role) -> i64 {
        read(self, "active staff by role", |c| {
            staff::table.filter(staff::role.eq(role.as_str())).filter(staff::active.eq(true)).count().get_result(c)
        })
    }

    // Decisions and what follows them.

    pub fn decision_count(&self) -> i64 {
        read(self, "decision count", |c| handbook_admin::db::schema::decisions::table.count().get_result(c))
    }

    pub fn decisions_of(&self, handbook_id: i64) -> Vec<db::decisions::DecisionLine> {
        read(self, "decisions", |c| db::decisions::of_handbook(c, handbook_id))
    }

    pub fn defects_of(&self, handbook_id: i64) -> Vec<DefectLine> {
        type Raw = (String, Option<String>, bool, Option<String>, Option<String>);
        let raw: Vec<Raw> = read(self, "defects", |c| {
            defects::table
                .filter(defects::handbook_id.eq(handbook_id))
                .order(defects::id.asc())
                .select((
                    defects::code,
                    defects::field,
                    defects::correctable,
                    defects::before_value,
                    defects::after_value,
                ))
                .load(c)
        });
        raw.into_iter()
            .map(|(code, field, correctable, before_value, after_value)| DefectLine {
                code: Defect::parse(&code).unwrap_or_else(|| panic!("unknown defect code {code:?}")),
                field,
                correctable,
                before_value,
                after_value,
            })
            .collect()
    }

    pub fn sanctions_of(&self, handbook_id: i64) -> Vec<SanctionLine> {
        read(self, "sanctions", |c| {
            sanctions::table
                .filter(sanctions::handbook_id.eq(handbook_id))
                .order(sanctions::id.asc())
                .select((sanctions::action, sanctions::article, sanctions::state))
                .load(c)
        })
    }

    /// The latest notice of this kind to the holder: recipient and body.
    pub fn latest_notice(&self, holder_id: i64, kind: &str) -> Option<(Option<String>, String)> {
        read(self, "latest notice", |c| {
            notifications::table
                .filter(notifications::holder_id.eq(holder_id))
                .filter(notifications::kind.eq(kind))
                .order(notifications::id.desc())
                .select((notifications::recipient, notifications::body))
                .first(c)
                .optional()
        })
    }

    /// A holder's request by its reference.
    pub fn holder_request(&self, holder_id: i64, reference: &str) -> db::requests::RequestRow {
        read(self, "holder request", |c| db::requests::by_reference(c, holder_id, reference)).expect("request")
    }

    /// The causes of the holder's suspensions in force.
    pub fn suspensions_of(&self, holder_id: i64) -> Vec<String> {
        read(self, "suspensions", |c| {
            db::schema::holder_suspensions::table
                .filter(db::schema::holder_suspensions::holder_id.eq(holder_id))
                .filter(db::schema::holder_suspensions::lifted_at.is_null())
                .select(db::schema::holder_suspensions::article)
                .load(c)
        })
    }

    /// Every notice in the outbox.
    pub fn notification_count(&self) -> i64 {
        read(self, "notification count", |c| notifications::table.count().get_result(c))
    }

    /// Notices about one registration.
    pub fn notifications_of(&self, handbook_id: i64) -> i64 {
        read(self, "notifications of a registration", |c| {
            notifications::table.filter(notifications::handbook_id.eq(handbook_id)).count().get_result(c)
        })
    }

    /// Notices about one registration that are in this state.
    pub fn notifications_of_in(&self, handbook_id: i64, state: Delivery) -> i64 {
        read(self, "notifications of a registration by state", |c| {
            notifications::table
                .filter(notifications::handbook_id.eq(handbook_id))
                .filter(notifications::status.eq(state.as_str()))
                .count()
                .get_result(c)
        })
    }

    /// Notices sent, over every holder.
    pub fn notices_sent(&self) -> usize {
        let n: i64 = read(self, "notices sent", |c| {
            notifications::table.filter(notifications::status.eq(Delivery::Sent.as_str())).count().get_result(c)
        });
        usize::try_from(n).unwrap()
    }

    // The audit trail.

    /// The events of this action, in order.
    pub fn audit_events(&self, action: &str) -> Vec<AuditLine> {
        read(self, "audit events", |c| {
            audit_events::table
                .filter(audit_events::action.eq(action))
                .order(audit_events::seq.asc())
                .select((
                    audit_events::actor_staff_id,
                    audit_events::actor,
                    audit_events::reason,
                    audit_events::details,
                ))
                .load(c)
        })
    }

    pub fn audit_count(&self, action: &str) -> usize {
        self.audit_events(action).len()
    }

    /// How many different parents the chain's rows name (a fork shows as fewer than rows).
    pub fn audit_parent_count(&self) -> i64 {
        read(self, "audit parents", |c| {
            audit_events::table.select(diesel::dsl::count(audit_events::prev_hash).aggregate_distinct()).first(c)
        })
    }

    /// Every action in the audit trail, in order.
    pub fn audit_actions(&self) -> Vec<String> {
        read(self, "audit actions", |c| {
            audit_events::table.order(audit_events::seq.asc()).select(audit_events::action).load(c)
        })
    }

    /// Card reads of the holder on the test clock's day in Japan.
    pub fn card_reads_today(&self, public_id: &str) -> i64 {
        let holder = self.holder(public_id).expect("holder").id;
        use handbook_admin::clock::Clock;
        let today = handbook_admin::clock::today_jst(self.clock.now());
        read(self, "card reads", |c| db::card_reads::of_holder(c, holder, 30))
            .into_iter()
            .find(|(day, _)| *day == today)
            .map_or(0, |(_, n)| n)
    }

    /// Today's count of a daily tally (`db::tallies`).
    pub fn tally_today(&self, kind: &str) -> i64 {
        use handbook_admin::clock::Clock;
        let today = handbook_admin::clock::today_jst(self.clock.now());
        read(self, "tally", |c| db::tallies::per_day(c, kind, today, today)).first().map_or(0, |(_, n)| *n)
    }

    /// The TOTP secret column as stored.
    pub fn stored_totp(&self, email: &str) -> Option<String> {
        read(self, "staff", |c| db::staff::find_by_email(c, email)).and_then(|r| r.totp_secret)
    }

    /// Runs SQL against the database as a rogue administrator with direct access would.
    /// Deliberately raw and untyped: the tests using it show that the audit chain exposes edits
    /// made outside the application, so they must bypass everything the application offers.
    /// Not for setting up state; use the typed helpers above or the real workflow for that.
    pub fn tamper_sql(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        read(self, "tampering SQL", |c| c.batch_execute(sql));
    }

    /// The same, returning the database's refusal instead of failing the test.
    pub fn try_sql(&self, sql: &str) -> Result<(), String> {
        use diesel::connection::SimpleConnection;
        let mut conn = self.pool.get().expect("pool");
        conn.batch_execute(sql).map_err(|e| e.to_string())
    }

    /// What a rogue administrator who owns the tables does first: removes the triggers that
    /// make the audit table append-only.
    pub fn drop_audit_guards(&self) {
        let on = if self.database_url.starts_with("postgres") { " ON audit_events" } else { "" };
        self.tamper_sql(&format!("DROP TRIGGER audit_events_no_update{on}; DROP TRIGGER audit_events_no_delete{on};"));
    }

    /// Runs `edit`, then reseals every row from `from` on under `keys` (recomputing the chain
    /// as someone who holds `keys` could) and moves the head: a rewrite of history.
    pub fn reseal_audit_from(&self, from: i64, edit: &str, keys: &handbook_admin::audit::AuditKeys) {
        self.tamper_sql(edit);
        self.rewrite_audit(from, 0, keys);
    }

    /// Recomputes the chain from `from` on: rows up to `legacy_through` get the plain SHA-256
    /// of a trail written before the chain was keyed (no key id), the rest are sealed under
    /// `keys`; the head follows.
    pub fn rewrite_audit(&self, from: i64, legacy_through: i64, keys: &handbook_admin::audit::AuditKeys) {
        let rows: Vec<db::audit::AuditEventRow> = read(self, "audit rows", |c| {
            audit_events::table.order(audit_events::seq.asc()).select(db::audit::AuditEventRow::as_select()).load(c)
        });
        let mut prev = rows
            .iter()
            .find(|r| r.seq == from - 1)
            .map(|r| r.hash.clone())
            .unwrap_or_else(|| handbook_admin::audit::GENESIS_HASH.to_owned());
        for row in rows.iter().filter(|r| r.seq >= from) {
            let content = handbook_admin::audit::content(row);
            let (key_id, seal) = if row.seq <= legacy_through {
                ("NULL".to_owned(), content.hash(&prev).expect("hash"))
            } else {
                let (id, seal) = content.seal(&prev, keys).expect("seal");
                (format!("'{id}'"), seal)
            };
            self.tamper_sql(&format!(
                "UPDATE audit_events SET prev_hash = '{prev}', hash = '{seal}', key_id = {key_id} WHERE seq = {}",
                row.seq
            ));
            prev = seal;
        }
        self.tamper_sql(&format!("UPDATE audit_head SET last_hash = '{prev}'"));
    }

    /// The holder's registration of one kind (the first one found).
    pub fn handbook_of_kind(&self, public_id: &str, kind: HandbookKind) -> i64 {
        self.handbook_ids_of_holder(public_id)
            .into_iter()
            .find(|id| self.kind_of(*id) == kind)
            .unwrap_or_else(|| panic!("no {kind:?} handbook"))
    }

    /// The holder's Myna Portal requests, newest first.
    pub fn myna_requests_of(&self, public_id: &str) -> Vec<db::myna_requests::RequestRow> {
        let holder = self.holder(public_id).expect("holder").id;
        read(self, "myna requests", |c| db::myna_requests::of_holder(c, holder, 50))
    }

    /// How many Myna Portal deliveries were stored.
    pub fn myna_delivery_count(&self) -> i64 {
        read(self, "myna deliveries", |c| handbook_admin::db::schema::myna_deliveries::table.count().get_result(c))
    }

    /// How many Myna Portal value rows the holder has.
    pub fn myna_records_of(&self, holder_id: i64) -> i64 {
        read(self, "myna records", |c| db::myna::records_of(c, holder_id))
    }
}
