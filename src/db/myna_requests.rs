//! Outbound Myna Portal requests: the queue the worker runs and staff watch.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::DbConnection;
use super::schema::{holders, myna_requests};
use crate::domain::myna_request::{State, Wait};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = myna_requests)]
pub struct RequestRow {
    pub id: i64,
    pub request_id: String,
    pub holder_id: i64,
    pub mode: String,
    pub from_on: Date,
    pub to_on: Date,
    pub purpose: String,
    pub consent_granted_at: PrimitiveDateTime,
    pub consent_valid_until: PrimitiveDateTime,
    pub state: State,
    pub run_at: Option<PrimitiveDateTime>,
    pub wait_reason: Option<Wait>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub lease_until: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub sent_at: Option<PrimitiveDateTime>,
    pub finished_at: Option<PrimitiveDateTime>,
    pub version: i32,
}

pub struct NewRequest<'a> {
    pub request_id: &'a str,
    pub holder_id: i64,
    pub mode: &'a str,
    pub from_on: Date,
    pub to_on: Date,
    pub purpose: &'a str,
    pub consent_granted_at: PrimitiveDateTime,
    pub consent_valid_until: PrimitiveDateTime,
    pub created_at: PrimitiveDateTime,
}

/// Inserts a request, scheduled to run at `created_at` (the worker plans it from there).
pub fn insert(conn: &mut DbConnection, new: &NewRequest<'_>) -> QueryResult<i64> {
    diesel::insert_into(myna_requests::table)
        .values((
            myna_requests::request_id.eq(new.request_id),
            myna_requests::holder_id.eq(new.holder_id),
            myna_requests::mode.eq(new.mode),
            myna_requests::from_on.eq(new.from_on),
            myna_requests::to_on.eq(new.to_on),
            myna_requests::purpose.eq(new.purpose),
            myna_requests::consent_granted_at.eq(new.consent_granted_at),
            myna_requests::consent_valid_until.eq(new.consent_valid_until),
            myna_requests::state.eq(State::Scheduled.code()),
            myna_requests::run_at.eq(new.created_at),
            myna_requests::created_at.eq(new.created_at),
        ))
        .returning(myna_requests::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RequestRow>> {
    myna_requests::table.find(id).select(RequestRow::as_select()).first(conn).optional()
}

pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RequestRow>> {
    select_for_update!(conn, myna_requests::table.find(id).select(RequestRow::as_select()), first).optional()
}

pub fn by_request_id(conn: &mut DbConnection, request_id: &str) -> QueryResult<Option<RequestRow>> {
    myna_requests::table
        .filter(myna_requests::request_id.eq(request_id))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()
}

/// Requests due at `now` that no worker holds, oldest run time first (`myna_requests_due`).
pub fn due(conn: &mut DbConnection, now: PrimitiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    myna_requests::table
        .filter(myna_requests::state.eq(State::Scheduled.code()))
        .filter(myna_requests::run_at.le(now))
        .filter(myna_requests::lease_until.is_null().or(myna_requests::lease_until.lt(now)))
        .order((myna_requests::run_at.asc(), myna_requests::id.asc()))
        .limit(limit)
        .select(myna_requests::id)
        .load(conn)
}

/// Takes a due request for a worker until `until`: one update that only succeeds while the
/// request is still due and free, so two workers never both send it. Comes back with the
/// holder's public ID, which the portal is asked about.
pub fn take(
    conn: &mut DbConnection,
    id: i64,
    now: PrimitiveDateTime,
    until: PrimitiveDateTime,
) -> QueryResult<Option<Listed>> {
    let taken = diesel::update(
        myna_requests::table
            .find(id)
            .filter(myna_requests::state.eq(State::Scheduled.code()))
            .filter(myna_requests::run_at.le(now))
            .filter(myna_requests::lease_until.is_null().or(myna_requests::lease_until.lt(now))),
    )
    .set(myna_requests::lease_until.eq(until))
    .execute(conn)?;
    if taken == 0 {
        return Ok(None);
    }
    let row: Option<(RequestRow, String)> = myna_requests::table
        .inner_join(holders::table)
        .filter(myna_requests::id.eq(id))
        .select((RequestRow::as_select(), holders::public_id))
        .first(conn)
        .optional()?;
    Ok(row.map(|(row, public_id)| Listed { row, public_id }))
}

/// What a run (or a member of staff) decided: the request's next state.
pub enum NextState<'a> {
    Wait { at: PrimitiveDateTime, why: Wait, error: Option<&'a str> },
    Sent { at: PrimitiveDateTime },
    Finished { state: State, at: PrimitiveDateTime, error: Option<&'a str> },
}

/// Records an outcome, counting an attempt when `attempted`; releases the worker's lease.
pub fn record(conn: &mut DbConnection, id: i64, outcome: &NextState<'_>, attempted: bool) -> QueryResult<usize> {
    let target = myna_requests::table.find(id);
    let attempts = myna_requests::attempts + i32::from(attempted);
    let none = None::<PrimitiveDateTime>;
    let common = (
        myna_requests::lease_until.eq(none),
        myna_requests::attempts.eq(attempts),
        myna_requests::version.eq(myna_requests::version + 1),
    );
    match *outcome {
        NextState::Wait { at, why, error } => diesel::update(target)
            .set((
                common,
                myna_requests::state.eq(State::Scheduled.code()),
                myna_requests::run_at.eq(at),
                myna_requests::wait_reason.eq(why.code()),
                myna_requests::last_error.eq(error),
            ))
            .execute(conn),
        NextState::Sent { at } => diesel::update(target)
            .set((
                common,
                myna_requests::state.eq(State::Sent.code()),
                myna_requests::run_at.eq(none),
                myna_requests::wait_reason.eq(None::<&str>),
                myna_requests::last_error.eq(None::<&str>),
                myna_requests::sent_at.eq(at),
            ))
            .execute(conn),
        NextState::Finished { state, at, error } => diesel::update(target)
            .set((
                common,
                myna_requests::state.eq(state.code()),
                myna_requests::run_at.eq(none),
                myna_requests::finished_at.eq(at),
                myna_requests::last_error.eq(error),
            ))
            .execute(conn),
    }
}

/// Counts a send whose answer came back before it was recorded (the state stays).
pub fn count_attempt(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(myna_requests::table.find(id))
        .set((
            myna_requests::attempts.eq(myna_requests::attempts + 1),
            myna_requests::lease_until.eq(None::<PrimitiveDateTime>),
        ))
        .execute(conn)
}

/// A request in the staff list, with its holder's public ID.
pub struct Listed {
    pub row: RequestRow,
    pub public_id: String,
}

/// Open requests (waiting or sent) after `after`, by id: one query (`myna_requests_open`).
pub fn open(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<Listed>> {
    let rows: Vec<(RequestRow, String)> = myna_requests::table
        .inner_join(holders::table)
        .filter(myna_requests::state.eq_any([State::Scheduled.code(), State::Sent.code()]))
        .filter(myna_requests::id.gt(after))
        .order(myna_requests::id.asc())
        .limit(limit)
        .select((RequestRow::as_select(), holders::public_id))
        .load(conn)?;
    Ok(rows.into_iter().map(|(row, public_id)| Listed { row, public_id }).collect())
}

/// The holder's newest requests, newest first (the profile and the review screen).
pub fn of_holder(conn: &mut DbConnection, holder_id: i64, limit: i64) -> QueryResult<Vec<RequestRow>> {
    myna_requests::table
        .filter(myna_requests::holder_id.eq(holder_id))
        .order(myna_requests::id.desc())
        .limit(limit)
        .select(RequestRow::as_select())
        .load(conn)
}

/// Whether the holder has a request still open other than `except`.
pub fn has_open(conn: &mut DbConnection, holder_id: i64, except: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        myna_requests::table
            .filter(myna_requests::holder_id.eq(holder_id))
            .filter(myna_requests::id.ne(except))
            .filter(myna_requests::state.eq_any([State::Scheduled.code(), State::Sent.code()])),
    ))
    .get_result(conn)
}

/// Ends the holder's open requests (the ID ended or the consent was withdrawn); returns them.
pub fn cancel_open_of_holder(conn: &mut DbConnection, holder_id: i64, at: PrimitiveDateTime) -> QueryResult<Vec<i64>> {
    let ids: Vec<i64> = myna_requests::table
        .filter(myna_requests::holder_id.eq(holder_id))
        .filter(myna_requests::state.eq_any([State::Scheduled.code(), State::Sent.code()]))
        .select(myna_requests::id)
        .load(conn)?;
    for id in &ids {
        record(conn, *id, &NextState::Finished { state: State::Cancelled, at, error: Some("id_ended") }, false)?;
    }
    Ok(ids)
}
