//! The audit tables: `audit_events` (the chain) and `audit_head` (the last sequence number
//! and hash, whose row lock serialises writers so the chain never forks). The chain's rules
//! live in `crate::audit`; this is only its storage.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{audit_events, audit_head, staff};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub seq: i64,
    pub occurred_at: PrimitiveDateTime,
    pub actor_staff_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub reason: Option<String>,
    pub details: String,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The audit key that sealed the row; `None` for rows from before the chain was keyed.
    pub key_id: Option<String>,
}

/// Takes the next sequence number and the previous hash. On PostgreSQL the update takes the
/// head's row lock until commit; on SQLite the write transaction already holds the lock.
pub fn advance_head(conn: &mut DbConnection) -> QueryResult<(i64, String)> {
    diesel::update(audit_head::table.find(1))
        .set(audit_head::last_seq.eq(audit_head::last_seq + 1))
        .returning((audit_head::last_seq, audit_head::last_hash))
        .get_result(conn)
}

/// Writes the event and moves the head's hash to it.
pub fn insert(conn: &mut DbConnection, row: &AuditEventRow) -> QueryResult<()> {
    diesel::insert_into(audit_events::table).values(row).execute(conn)?;
    diesel::update(audit_head::table.find(1)).set(audit_head::last_hash.eq(&row.hash)).execute(conn)?;
    Ok(())
}

/// Writes rows already sealed in order (a bulk append); the head moves with `set_head`.
pub fn insert_many(conn: &mut DbConnection, rows: &[AuditEventRow]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    // A multi-row INSERT is written per backend: the multi-connection cannot batch.
    let insert = diesel::insert_into(audit_events::table).values(rows);
    match conn {
        DbConnection::Sqlite(c) => insert.execute(c),
        DbConnection::Pg(c) => insert.execute(c),
    }
}

pub fn set_head(conn: &mut DbConnection, seq: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(audit_head::table.find(1))
        .set((audit_head::last_seq.eq(seq), audit_head::last_hash.eq(hash)))
        .execute(conn)
}

/// Up to `limit` events from `from_seq` to `to_seq`, in order.
pub fn page_between(
    conn: &mut DbConnection,
    from_seq: i64,
    to_seq: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::seq.ge(from_seq))
        .filter(audit_events::seq.le(to_seq))
        .order(audit_events::seq.asc())
        .limit(limit)
        .select(AuditEventRow::as_select())
        .load(conn)
}

/// The head: the last sequence number written and its hash.
pub fn head(conn: &mut DbConnection) -> QueryResult<(i64, String)> {
    audit_head::table.find(1).select((audit_head::last_seq, audit_head::last_hash)).first(conn)
}

/// Since when checkpoints of this chain are kept (`None`: not yet).
pub fn checkpoints_since(conn: &mut DbConnection) -> QueryResult<Option<PrimitiveDateTime>> {
    audit_head::table.find(1).select(audit_head::checkpoints_since).first(conn)
}

/// Records that checkpoints are kept from `at` on (the first time only).
pub fn keep_checkpoints_since(conn: &mut DbConnection, at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(audit_head::table.find(1).filter(audit_head::checkpoints_since.is_null()))
        .set(audit_head::checkpoints_since.eq(at))
        .execute(conn)
}

/// The newest events about one target, with the acting staff member's name.
pub fn of_target(
    conn: &mut DbConnection,
    target_type: &str,
    target_id: i64,
    limit: i64,
) -> QueryResult<Vec<(AuditEventRow, Option<String>)>> {
    changes_of(conn, target_type, target_id, &[], limit)
}

/// The newest changes to one target: like `of_target`, leaving out reads (`except`).
pub fn changes_of(
    conn: &mut DbConnection,
    target_type: &str,
    target_id: i64,
    except: &[&str],
    limit: i64,
) -> QueryResult<Vec<(AuditEventRow, Option<String>)>> {
    audit_events::table
        .left_join(staff::table.on(staff::id.nullable().eq(audit_events::actor_staff_id)))
        .filter(audit_events::target_type.eq(target_type))
        .filter(audit_events::target_id.eq(target_id.to_string()))
        .filter(audit_events::action.ne_all(except))
        .order(audit_events::seq.desc())
        .limit(limit)
        .select((AuditEventRow::as_select(), staff::display_name.nullable()))
        .load(conn)
}

/// Events of one action (tests and reports).
pub fn count_of_action(conn: &mut DbConnection, action: &str) -> QueryResult<i64> {
    audit_events::table.filter(audit_events::action.eq(action)).count().get_result(conn)
}

/// Who acted, as the audit browser filters it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActorFilter {
    Staff(i64),
    /// `app`, `myna`, `system`, `cli` or `anonymous`: the stored label.
    Other(&'static str),
}

/// What the audit browser asks for; every part optional.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<ActorFilter>,
    pub action: Option<String>,
    /// Target type and, optionally, its id.
    pub target: Option<(String, Option<String>)>,
    /// A holder: events about the holder and about each of the holder's registrations.
    pub holder: Option<(i64, Vec<i64>)>,
    pub from: Option<PrimitiveDateTime>,
    pub until: Option<PrimitiveDateTime>,
}

/// One event as the browser and the export show it: with the acting staff member's name and
/// e-mail (staff data, which auditors need; no holder's personal data is in the trail).
#[derive(Queryable, Debug, Clone)]
pub struct BrowsedEvent {
    pub event: AuditEventRow,
    pub staff_name: Option<String>,
    pub staff_email: Option<String>,
}

/// Events matching `filter`, newest first, before the keyset `(occurred_at, seq)`; each filter
/// has an index that starts with it and ends with `(occurred_at, seq)`.
pub fn browse(
    conn: &mut DbConnection,
    filter: &Filter,
    before: Option<(PrimitiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<BrowsedEvent>> {
    // The keyset is the upper bound the index seeks to: with a second one (the range's end)
    // the planner could pick that and scan every later page again.
    let mut narrowed = filter.clone();
    if before.is_some() {
        narrowed.until = None;
    }
    let mut query = filtered(&narrowed);
    if let Some((at, seq)) = before {
        query = query.filter(
            audit_events::occurred_at.le(at).and(audit_events::occurred_at.lt(at).or(audit_events::seq.lt(seq))),
        );
    }
    query.order((audit_events::occurred_at.desc(), audit_events::seq.desc())).limit(limit).load(conn)
}

/// Events matching `filter`, oldest first, after the keyset: the export's pages.
pub fn export_page(
    conn: &mut DbConnection,
    filter: &Filter,
    after: Option<(PrimitiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<BrowsedEvent>> {
    // As in `browse`: the keyset, not the range's start, is the lower bound the index seeks to.
    let mut narrowed = filter.clone();
    if after.is_some() {
        narrowed.from = None;
    }
    let mut query = filtered(&narrowed);
    if let Some((at, seq)) = after {
        query = query.filter(
            audit_events::occurred_at.ge(at).and(audit_events::occurred_at.gt(at).or(audit_events::seq.gt(seq))),
        );
    }
    query.order((audit_events::occurred_at.asc(), audit_events::seq.asc())).limit(limit).load(conn)
}

type Browsed<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::Select<
        diesel::dsl::LeftJoinOn<
            audit_events::table,
            staff::table,
            diesel::dsl::Eq<diesel::dsl::Nullable<staff::id>, audit_events::actor_staff_id>,
        >,
        (
            diesel::dsl::AsSelect<AuditEventRow, Db>,
            diesel::dsl::Nullable<staff::display_name>,
            diesel::dsl::Nullable<staff::email>,
        ),
    >,
    Db,
>;

type Db = <DbConnection as diesel::Connection>::Backend;

fn filtered(filter: &Filter) -> Browsed<'_> {
    let mut query = audit_events::table
        .left_join(staff::table.on(staff::id.nullable().eq(audit_events::actor_staff_id)))
        .select((AuditEventRow::as_select(), staff::display_name.nullable(), staff::email.nullable()))
        .into_boxed();
    match &filter.actor {
        Some(ActorFilter::Staff(id)) => query = query.filter(audit_events::actor_staff_id.eq(*id)),
        Some(ActorFilter::Other(label)) => query = query.filter(audit_events::actor.eq(*label)),
        None => {}
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.as_str()));
    }
    if let Some((kind, id)) = &filter.target {
        query = query.filter(audit_events::target_type.eq(kind.as_str()));
        if let Some(id) = id {
            query = query.filter(audit_events::target_id.eq(id.as_str()));
        }
    }
    if let Some((holder, handbooks)) = &filter.holder {
        let ids: Vec<String> = handbooks.iter().map(i64::to_string).collect();
        query = query.filter(
            audit_events::target_type
                .eq("holder")
                .and(audit_events::target_id.eq(holder.to_string()))
                .or(audit_events::target_type.eq("handbook").and(audit_events::target_id.eq_any(ids))),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::occurred_at.lt(until));
    }
    query
}
