//! Lost-phone reports and what identifying a caller compares against.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{handbook_fields, handbooks, holders, lost_device_attempts, lost_device_reports, staff};
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::lost_device::{Challenge, Registered, ReportChannel};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = lost_device_reports)]
pub struct ReportRow {
    pub id: i64,
    pub reference: String,
    pub channel: ReportChannel,
    pub received_at: PrimitiveDateTime,
    pub recorded_by: i64,
    pub recorded_at: PrimitiveDateTime,
    pub holder_id: Option<i64>,
    pub challenge: Challenge,
    pub failed_attempts: i32,
    pub verified_at: Option<PrimitiveDateTime>,
    pub suspended_at: Option<PrimitiveDateTime>,
    pub sanction_id: Option<i64>,
    pub first_refused_at: Option<PrimitiveDateTime>,
    pub reinstated_at: Option<PrimitiveDateTime>,
    /// When the reinstatement code sent for this report stops being good (`None`: none waits).
    pub code_expires_at: Option<PrimitiveDateTime>,
    pub locked_at: Option<PrimitiveDateTime>,
    pub unlocked_at: Option<PrimitiveDateTime>,
    pub reviewed_at: Option<PrimitiveDateTime>,
}

pub struct NewReport<'a> {
    pub reference: &'a str,
    pub channel: ReportChannel,
    pub received_at: PrimitiveDateTime,
    pub recorded_by: i64,
    pub recorded_at: PrimitiveDateTime,
    pub holder_id: Option<i64>,
    pub challenge: Challenge,
}

pub fn insert(conn: &mut DbConnection, new: &NewReport<'_>) -> QueryResult<i64> {
    diesel::insert_into(lost_device_reports::table)
        .values((
            lost_device_reports::reference.eq(new.reference),
            lost_device_reports::channel.eq(new.channel.code()),
            lost_device_reports::received_at.eq(new.received_at),
            lost_device_reports::recorded_by.eq(new.recorded_by),
            lost_device_reports::recorded_at.eq(new.recorded_at),
            lost_device_reports::holder_id.eq(new.holder_id),
            lost_device_reports::challenge.eq(new.challenge.code()),
        ))
        .returning(lost_device_reports::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ReportRow>> {
    lost_device_reports::table.find(id).select(ReportRow::as_select()).first(conn).optional()
}

pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ReportRow>> {
    select_for_update!(conn, lost_device_reports::table.find(id).select(ReportRow::as_select()), first).optional()
}

/// The newest reports, for the support center's list.
pub fn recent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<ReportRow>> {
    lost_device_reports::table
        .order(lost_device_reports::id.desc())
        .limit(limit)
        .select(ReportRow::as_select())
        .load(conn)
}

/// Records one identification attempt on a report, with its time; a mismatch also counts
/// on the report itself.
pub fn attempted(
    conn: &mut DbConnection,
    report: &ReportRow,
    at: PrimitiveDateTime,
    by: i64,
    matched: bool,
) -> QueryResult<()> {
    diesel::insert_into(lost_device_attempts::table)
        .values((
            lost_device_attempts::report_id.eq(report.id),
            lost_device_attempts::holder_id.eq(report.holder_id),
            lost_device_attempts::attempted_at.eq(at),
            lost_device_attempts::attempted_by.eq(by),
            lost_device_attempts::matched.eq(matched),
        ))
        .execute(conn)?;
    if !matched {
        diesel::update(lost_device_reports::table.find(report.id))
            .set(lost_device_reports::failed_attempts.eq(lost_device_reports::failed_attempts + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// Mismatches on this holder, over all reports, since `since`.
pub fn failures_since(conn: &mut DbConnection, holder_id: i64, since: PrimitiveDateTime) -> QueryResult<i64> {
    lost_device_attempts::table
        .filter(lost_device_attempts::holder_id.eq(holder_id))
        .filter(lost_device_attempts::attempted_at.ge(since))
        .filter(lost_device_attempts::matched.eq(false))
        .count()
        .get_result(conn)
}

/// One identification attempt, for the report's page.
#[derive(Queryable, Debug, Clone)]
pub struct AttemptRow {
    pub attempted_at: PrimitiveDateTime,
    pub attempted_by: Option<String>,
    pub matched: bool,
}

/// The report's identification attempts, in order.
pub fn attempts_of(conn: &mut DbConnection, report_id: i64) -> QueryResult<Vec<AttemptRow>> {
    lost_device_attempts::table
        .left_join(staff::table.on(staff::id.eq(lost_device_attempts::attempted_by)))
        .filter(lost_device_attempts::report_id.eq(report_id))
        .order(lost_device_attempts::id.asc())
        .limit(100)
        .select((lost_device_attempts::attempted_at, staff::display_name.nullable(), lost_device_attempts::matched))
        .load(conn)
}

pub fn suspended(
    conn: &mut DbConnection,
    id: i64,
    at: PrimitiveDateTime,
    sanction_id: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(lost_device_reports::table.find(id))
        .set((
            lost_device_reports::verified_at.eq(at),
            lost_device_reports::suspended_at.eq(at),
            lost_device_reports::sanction_id.eq(sanction_id),
        ))
        .execute(conn)
}

/// Records the first card read refused after a suspension (the third time of a report).
pub fn note_refused_read(conn: &mut DbConnection, holder_id: i64, at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(
        lost_device_reports::table
            .filter(lost_device_reports::holder_id.eq(holder_id))
            .filter(lost_device_reports::suspended_at.is_not_null())
            .filter(lost_device_reports::reinstated_at.is_null())
            .filter(lost_device_reports::first_refused_at.is_null()),
    )
    .set(lost_device_reports::first_refused_at.eq(at))
    .execute(conn)
}

/// What is registered for the holder: the transcribed facts of registrations that stand.
pub fn registered_facts(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Registered> {
    let rows: Vec<(HandbookKind, time::Date, String, String)> = handbook_fields::table
        .inner_join(handbooks::table)
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::status.eq_any(ReviewStatus::LIVE.map(ReviewStatus::as_str)))
        .select((
            handbooks::kind,
            handbook_fields::birth_date,
            handbook_fields::municipality,
            handbook_fields::name_kana,
        ))
        .load(conn)?;
    let mut facts = Registered::default();
    for (kind, birth, municipality, kana) in rows {
        facts.kinds.push(kind);
        facts.birth_dates.push(birth);
        facts.municipalities.push(municipality);
        facts.kanas.push(kana);
    }
    Ok(facts)
}

/// The holder a caller names by public ID or e-mail address.
pub fn holder_named(conn: &mut DbConnection, public_id: Option<&str>, email: Option<&str>) -> QueryResult<Option<i64>> {
    let mut query = holders::table.select(holders::id).into_boxed();
    query = match (public_id, email) {
        (Some(id), _) => query.filter(holders::public_id.eq(id.to_owned())),
        (None, Some(email)) => query.filter(holders::email.eq(email.to_owned())),
        (None, None) => return Ok(None),
    };
    query.first(conn).optional()
}

/// Closes the holder's open reports (suspended, not yet reinstated) when the lost-phone
/// suspension is lifted, so a later refused read is not taken for theirs; any code waiting
/// is void. `supervisor`: who lifted it, when a supervisor did (nothing left to review).
pub fn close_open(
    conn: &mut DbConnection,
    holder_id: i64,
    at: PrimitiveDateTime,
    supervisor: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(
        lost_device_reports::table
            .filter(lost_device_reports::holder_id.eq(holder_id))
            .filter(lost_device_reports::suspended_at.is_not_null())
            .filter(lost_device_reports::reinstated_at.is_null()),
    )
    .set((
        lost_device_reports::reinstated_at.eq(at),
        lost_device_reports::code_hash.eq(None::<String>),
        lost_device_reports::code_expires_at.eq(None::<PrimitiveDateTime>),
        lost_device_reports::reviewed_at.eq(supervisor.map(|_| at)),
        lost_device_reports::reviewed_by.eq(supervisor),
    ))
    .execute(conn)
}

/// The holder's reports, newest first.
pub fn of_holder(conn: &mut DbConnection, holder_id: i64, limit: i64) -> QueryResult<Vec<ReportRow>> {
    lost_device_reports::table
        .filter(lost_device_reports::holder_id.eq(holder_id))
        .order(lost_device_reports::id.desc())
        .limit(limit)
        .select(ReportRow::as_select())
        .load(conn)
}

/// The question of the holder's latest report still waiting for identification, so a new
/// report on the same holder asks the same (no rerolling to an easier question).
pub fn pending_challenge(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Option<Challenge>> {
    lost_device_reports::table
        .filter(lost_device_reports::holder_id.eq(holder_id))
        .filter(lost_device_reports::suspended_at.is_null())
        .order(lost_device_reports::id.desc())
        .select(lost_device_reports::challenge)
        .first(conn)
        .optional()
}

/// Keeps the keyed hash of a new reinstatement code (replacing any earlier one).
pub fn set_code(conn: &mut DbConnection, id: i64, hash: &str, expires_at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(lost_device_reports::table.find(id))
        .set((lost_device_reports::code_hash.eq(hash), lost_device_reports::code_expires_at.eq(expires_at)))
        .execute(conn)
}

/// The keyed hash of the code waiting on the report, if any.
pub fn code_hash(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    lost_device_reports::table.find(id).select(lost_device_reports::code_hash).first(conn)
}

/// A code is used once.
pub fn clear_code(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(lost_device_reports::table.find(id))
        .set((
            lost_device_reports::code_hash.eq(None::<String>),
            lost_device_reports::code_expires_at.eq(None::<PrimitiveDateTime>),
        ))
        .execute(conn)
}

/// The report reached the caps: it waits for a supervisor (the first time is kept).
pub fn locked(conn: &mut DbConnection, id: i64, at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(lost_device_reports::table.find(id).filter(lost_device_reports::locked_at.is_null()))
        .set(lost_device_reports::locked_at.eq(at))
        .execute(conn)
}

/// A supervisor lets the report be checked again: its own misses start over, and the holder's
/// daily count starts from now (`failures_since` reads `unlocked_at`).
pub fn unlock(conn: &mut DbConnection, id: i64, by: i64, at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(lost_device_reports::table.find(id).filter(lost_device_reports::locked_at.is_not_null()))
        .set((
            lost_device_reports::locked_at.eq(None::<PrimitiveDateTime>),
            lost_device_reports::failed_attempts.eq(0),
            lost_device_reports::unlocked_at.eq(at),
            lost_device_reports::unlocked_by.eq(by),
        ))
        .execute(conn)
}

/// The latest unlock on any report of the holder: the daily count starts after it.
pub fn last_unlock(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Option<PrimitiveDateTime>> {
    lost_device_reports::table
        .filter(lost_device_reports::holder_id.eq(holder_id))
        .select(diesel::dsl::max(lost_device_reports::unlocked_at))
        .first(conn)
}

/// A supervisor looked at a reinstatement by the support center.
pub fn reviewed(conn: &mut DbConnection, id: i64, by: i64, at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(
        lost_device_reports::table
            .find(id)
            .filter(lost_device_reports::reinstated_at.is_not_null())
            .filter(lost_device_reports::reviewed_at.is_null()),
    )
    .set((lost_device_reports::reviewed_at.eq(at), lost_device_reports::reviewed_by.eq(by)))
    .execute(conn)
}

/// A report on a supervisor's work list: id, reference, holder (row id, public ID), since when.
pub type Waiting = (i64, String, Option<i64>, Option<String>, PrimitiveDateTime);

/// Which of the two supervisor lists: locked reports not yet resolved (oldest lock first), or
/// reinstatements by the support center no supervisor has looked at yet (oldest first). Each
/// reads through its partial index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SupervisorList {
    Locked,
    ToReview,
}

/// A report's id, reference and holder (row id, public ID).
type WaitingRow = (i64, String, Option<i64>, Option<String>);

pub fn supervisor_list(conn: &mut DbConnection, list: SupervisorList, limit: i64) -> QueryResult<Vec<Waiting>> {
    use lost_device_reports as r;
    let query = r::table
        .left_join(holders::table.on(holders::id.nullable().eq(r::holder_id)))
        .select((r::id, r::reference, r::holder_id, holders::public_id.nullable(), r::locked_at, r::reinstated_at))
        .limit(limit)
        .into_boxed();
    let query = match list {
        SupervisorList::Locked => query
            .filter(r::locked_at.is_not_null())
            .filter(r::reinstated_at.is_null())
            .order((r::locked_at.asc(), r::id.asc())),
        SupervisorList::ToReview => query
            .filter(r::reinstated_at.is_not_null())
            .filter(r::reviewed_at.is_null())
            .order((r::reinstated_at.asc(), r::id.asc())),
    };
    let rows: Vec<(WaitingRow, Option<PrimitiveDateTime>, Option<PrimitiveDateTime>)> = query
        .load::<(i64, String, Option<i64>, Option<String>, _, _)>(conn)?
        .into_iter()
        .map(|(id, reference, holder, public_id, locked, reinstated)| {
            ((id, reference, holder, public_id), locked, reinstated)
        })
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|((id, reference, holder, public_id), locked, reinstated)| {
            let since = if list == SupervisorList::Locked { locked } else { reinstated };
            Some((id, reference, holder, public_id, since?))
        })
        .collect())
}
