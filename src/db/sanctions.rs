//! Sanctions (proposals and those in effect) and the suspensions in force, by cause.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::holders::HolderRow;
use super::schema::{disclosures, handbooks, holder_suspensions, holders, sanctions, staff};
use crate::domain::handbook::ReviewStatus;
use crate::domain::holder_state::{HolderState, standing_of};
use crate::domain::sanctions::{Action, Article, SanctionState};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = sanctions)]
pub struct SanctionRow {
    pub id: i64,
    pub holder_id: i64,
    pub handbook_id: Option<i64>,
    pub action: Action,
    pub article: Article,
    pub note: String,
    pub state: SanctionState,
    pub requested_by: Option<i64>,
    pub requested_at: PrimitiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub effective_at: Option<PrimitiveDateTime>,
    pub without_notice: bool,
    pub decision_note: Option<String>,
}

pub struct NewSanction<'a> {
    pub holder_id: i64,
    pub handbook_id: Option<i64>,
    pub action: Action,
    pub article: Article,
    pub note: &'a str,
    pub state: SanctionState,
    pub requested_by: Option<i64>,
    pub requested_at: PrimitiveDateTime,
    /// When it took effect (taken at once), or `None` for a proposal.
    pub effective_at: Option<PrimitiveDateTime>,
    pub without_notice: bool,
    /// The terms version in force for the holder (their latest consent), when known.
    pub terms_version: Option<&'a str>,
}

pub fn insert(conn: &mut DbConnection, new: &NewSanction<'_>) -> QueryResult<i64> {
    diesel::insert_into(sanctions::table)
        .values((
            sanctions::holder_id.eq(new.holder_id),
            sanctions::handbook_id.eq(new.handbook_id),
            sanctions::action.eq(new.action.code()),
            sanctions::article.eq(new.article.code()),
            sanctions::note.eq(new.note),
            sanctions::state.eq(new.state.code()),
            sanctions::requested_by.eq(new.requested_by),
            sanctions::requested_at.eq(new.requested_at),
            sanctions::effective_at.eq(new.effective_at),
            sanctions::without_notice.eq(new.without_notice),
            sanctions::terms_version.eq(new.terms_version),
        ))
        .returning(sanctions::id)
        .get_result(conn)
}

/// The sanction, locked for the rest of the transaction: two supervisors deciding one proposal
/// at once line up here, and the second sees the first's outcome.
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<SanctionRow>> {
    select_for_update!(conn, sanctions::table.find(id).select(SanctionRow::as_select()), first).optional()
}

/// The holder a sanction is about.
pub fn holder_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    sanctions::table.find(id).select(sanctions::holder_id).first(conn).optional()
}

/// Whether a proposal of this action waits for a second supervisor on the holder.
pub fn proposal_pending(conn: &mut DbConnection, holder_id: i64, action: Action) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sanctions::table
            .filter(sanctions::holder_id.eq(holder_id))
            .filter(sanctions::action.eq(action.code()))
            .filter(sanctions::state.eq(SanctionState::Proposed.code())),
    ))
    .get_result(conn)
}

/// The holder's proposals still waiting for a second supervisor: (id, action, article).
pub fn pending_of(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<(i64, Action, Article)>> {
    sanctions::table
        .filter(sanctions::holder_id.eq(holder_id))
        .filter(sanctions::state.eq(SanctionState::Proposed.code()))
        .select((sanctions::id, sanctions::action, sanctions::article))
        .load(conn)
}

/// Closes a proposal nobody can approve any more (the ID ended): rejected, by no one, with
/// the reason.
pub fn close_moot(conn: &mut DbConnection, id: i64, at: PrimitiveDateTime, note: &str) -> QueryResult<usize> {
    diesel::update(sanctions::table.find(id).filter(sanctions::state.eq(SanctionState::Proposed.code())))
        .set((
            sanctions::state.eq(SanctionState::Rejected.code()),
            sanctions::decided_at.eq(at),
            sanctions::decision_note.eq(note),
        ))
        .execute(conn)
}

/// Records a four-eyes decision.
pub fn decided(
    conn: &mut DbConnection,
    id: i64,
    state: SanctionState,
    by: i64,
    at: PrimitiveDateTime,
    note: &str,
) -> QueryResult<usize> {
    let effective = (state == SanctionState::Applied).then_some(at);
    diesel::update(sanctions::table.find(id))
        .set((
            sanctions::state.eq(state.code()),
            sanctions::decided_by.eq(by),
            sanctions::decided_at.eq(at),
            sanctions::effective_at.eq(effective),
            sanctions::decision_note.eq(note),
        ))
        .execute(conn)
}

pub fn set_notification(conn: &mut DbConnection, id: i64, notification_id: i64) -> QueryResult<usize> {
    diesel::update(sanctions::table.find(id)).set(sanctions::notification_id.eq(notification_id)).execute(conn)
}

/// A sanction as lists show it, with who asked and who decided.
#[derive(Queryable, Debug, Clone)]
pub struct SanctionLine {
    pub id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub action: Action,
    pub article: Article,
    pub note: String,
    pub state: SanctionState,
    pub requested_by: Option<i64>,
    pub requested_by_name: Option<String>,
    pub requested_at: PrimitiveDateTime,
    pub without_notice: bool,
    pub terms_version: Option<String>,
}

macro_rules! sanction_line {
    () => {
        (
            sanctions::id,
            sanctions::holder_id,
            holders::public_id,
            sanctions::action,
            sanctions::article,
            sanctions::note,
            sanctions::state,
            sanctions::requested_by,
            staff::display_name.nullable(),
            sanctions::requested_at,
            sanctions::without_notice,
            sanctions::terms_version,
        )
    };
}

/// A holder's sanctions, newest first.
pub fn of_holder(conn: &mut DbConnection, holder_id: i64, limit: i64) -> QueryResult<Vec<SanctionLine>> {
    sanctions::table
        .inner_join(holders::table)
        .left_join(staff::table.on(staff::id.nullable().eq(sanctions::requested_by)))
        .filter(sanctions::holder_id.eq(holder_id))
        .order(sanctions::id.desc())
        .limit(limit)
        .select(sanction_line!())
        .load(conn)
}

/// Proposals waiting for a second supervisor, oldest first, one keyset page after `after`
/// (requested_at, id).
pub fn waiting(
    conn: &mut DbConnection,
    after: Option<(PrimitiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<SanctionLine>> {
    let mut query = sanctions::table
        .inner_join(holders::table)
        .left_join(staff::table.on(staff::id.nullable().eq(sanctions::requested_by)))
        .filter(sanctions::state.eq(SanctionState::Proposed.code()))
        .select(sanction_line!())
        .into_boxed();
    if let Some((at, id)) = after {
        query =
            query.filter(sanctions::requested_at.ge(at).and(sanctions::requested_at.gt(at).or(sanctions::id.gt(id))));
    }
    query.order((sanctions::requested_at.asc(), sanctions::id.asc())).limit(limit).load(conn)
}

/// A suspension in force or lifted.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = holder_suspensions)]
pub struct SuspensionRow {
    pub id: i64,
    pub holder_id: i64,
    pub article: Article,
    pub sanction_id: Option<i64>,
    pub started_at: PrimitiveDateTime,
    pub lifted_at: Option<PrimitiveDateTime>,
    pub lifted_by: Option<i64>,
    pub lift_reason: Option<String>,
}

/// The suspensions in force on a holder.
pub fn suspensions_in_force(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<SuspensionRow>> {
    holder_suspensions::table
        .filter(holder_suspensions::holder_id.eq(holder_id))
        .filter(holder_suspensions::lifted_at.is_null())
        .order(holder_suspensions::id.asc())
        .select(SuspensionRow::as_select())
        .load(conn)
}

/// Every suspension of a holder, newest first (the profile's timeline).
pub fn suspensions_of(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<SuspensionRow>> {
    holder_suspensions::table
        .filter(holder_suspensions::holder_id.eq(holder_id))
        .order(holder_suspensions::id.desc())
        .limit(100)
        .select(SuspensionRow::as_select())
        .load(conn)
}

pub fn start_suspension(
    conn: &mut DbConnection,
    holder_id: i64,
    article: Article,
    sanction_id: Option<i64>,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(holder_suspensions::table)
        .values((
            holder_suspensions::holder_id.eq(holder_id),
            holder_suspensions::article.eq(article.code()),
            holder_suspensions::sanction_id.eq(sanction_id),
            holder_suspensions::started_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Lifts the suspension of this cause; returns how many were lifted (0 or 1).
pub fn lift_suspension(
    conn: &mut DbConnection,
    holder_id: i64,
    article: Article,
    by: i64,
    reason: &str,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        holder_suspensions::table
            .filter(holder_suspensions::holder_id.eq(holder_id))
            .filter(holder_suspensions::article.eq(article.code()))
            .filter(holder_suspensions::lifted_at.is_null()),
    )
    .set((
        holder_suspensions::lifted_at.eq(at),
        holder_suspensions::lifted_by.eq(by),
        holder_suspensions::lift_reason.eq(reason),
    ))
    .execute(conn)
}

/// Whether any of the holder's handbooks was ever approved (what a suspended holder returns to).
pub fn has_approval(conn: &mut DbConnection, holder_id: i64) -> QueryResult<bool> {
    let statuses =
        [ReviewStatus::Approved, ReviewStatus::Corrected, ReviewStatus::Superseded].map(ReviewStatus::as_str);
    diesel::select(diesel::dsl::exists(
        handbooks::table.filter(handbooks::holder_id.eq(holder_id)).filter(handbooks::status.eq_any(statuses)),
    ))
    .get_result(conn)
}

/// The holder's state as the gate sees it (read it under the holder's lock to act on it).
pub fn holder_state(conn: &mut DbConnection, holder: &HolderRow) -> QueryResult<HolderState> {
    let mut state = HolderState::new(standing_of(holder.status, has_approval(conn, holder.id)?));
    state.erased = holder.deleted_at.is_some();
    state.suspensions = suspensions_in_force(conn, holder.id)?.into_iter().map(|s| s.article).collect();
    state.coupon_suspended = holder.coupon_suspended;
    Ok(state)
}

/// What was disclosed, to whom and on what basis.
pub struct NewDisclosure<'a> {
    pub holder_id: i64,
    pub sanction_id: Option<i64>,
    pub recipient: &'a str,
    pub basis: &'a str,
    pub disclosed: &'a str,
    pub disclosed_by: i64,
    pub disclosed_at: PrimitiveDateTime,
}

pub fn record_disclosure(conn: &mut DbConnection, new: &NewDisclosure<'_>) -> QueryResult<i64> {
    diesel::insert_into(disclosures::table)
        .values((
            disclosures::holder_id.eq(new.holder_id),
            disclosures::sanction_id.eq(new.sanction_id),
            disclosures::recipient.eq(new.recipient),
            disclosures::basis.eq(new.basis),
            disclosures::disclosed.eq(new.disclosed),
            disclosures::disclosed_by.eq(new.disclosed_by),
            disclosures::disclosed_at.eq(new.disclosed_at),
        ))
        .returning(disclosures::id)
        .get_result(conn)
}

/// A holder's disclosures, newest first: (recipient, basis, what, when).
pub fn disclosures_of(
    conn: &mut DbConnection,
    holder_id: i64,
) -> QueryResult<Vec<(String, String, String, PrimitiveDateTime)>> {
    disclosures::table
        .filter(disclosures::holder_id.eq(holder_id))
        .order(disclosures::id.desc())
        .limit(50)
        .select((disclosures::recipient, disclosures::basis, disclosures::disclosed, disclosures::disclosed_at))
        .load(conn)
}
