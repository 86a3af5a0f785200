//! A holder's requests (`holder_requests`): arrival, verification, the disclosure file, the
//! answer, and the supervisors' work list by due date.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::DbConnection;
use super::schema::{holder_requests as r, holders, staff};
use crate::domain::requests::{Channel, IdentityCheck, RequestKind, RequestState};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = r)]
pub struct RequestRow {
    pub id: i64,
    pub reference: String,
    pub holder_id: i64,
    pub kind: RequestKind,
    pub channel: Channel,
    pub detail: String,
    pub state: RequestState,
    pub received_at: PrimitiveDateTime,
    pub received_by: Option<i64>,
    pub due_on: Date,
    pub verified_how: Option<String>,
    pub verification_note: Option<String>,
    pub verified_by: Option<i64>,
    pub verified_at: Option<PrimitiveDateTime>,
    pub disclosure_produced_at: Option<PrimitiveDateTime>,
    pub disclosure_produced_by: Option<i64>,
    pub answer_note: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<PrimitiveDateTime>,
    pub version: i32,
}

pub struct NewRequest<'a> {
    pub reference: &'a str,
    pub holder_id: i64,
    pub kind: RequestKind,
    pub channel: Channel,
    pub detail: &'a str,
    pub received_at: PrimitiveDateTime,
    pub received_by: Option<i64>,
    pub due_on: Date,
}

pub fn insert(conn: &mut DbConnection, new: &NewRequest<'_>) -> QueryResult<i64> {
    diesel::insert_into(r::table)
        .values((
            r::reference.eq(new.reference),
            r::holder_id.eq(new.holder_id),
            r::kind.eq(new.kind.code()),
            r::channel.eq(new.channel.code()),
            r::detail.eq(new.detail),
            r::state.eq(RequestState::Received.code()),
            r::received_at.eq(new.received_at),
            r::received_by.eq(new.received_by),
            r::due_on.eq(new.due_on),
        ))
        .returning(r::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RequestRow>> {
    r::table.find(id).select(RequestRow::as_select()).first(conn).optional()
}

pub fn holder_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    r::table.find(id).select(r::holder_id).first(conn).optional()
}

/// The open request of this kind for the holder: an app retry answers it instead of a copy.
pub fn open_of_kind(conn: &mut DbConnection, holder_id: i64, kind: RequestKind) -> QueryResult<Option<RequestRow>> {
    r::table
        .filter(r::holder_id.eq(holder_id))
        .filter(r::kind.eq(kind.code()))
        .filter(r::state.eq_any(RequestState::OPEN.map(RequestState::code)))
        .select(RequestRow::as_select())
        .order(r::id.desc())
        .first(conn)
        .optional()
}

pub fn by_reference(conn: &mut DbConnection, holder_id: i64, reference: &str) -> QueryResult<Option<RequestRow>> {
    r::table
        .filter(r::holder_id.eq(holder_id))
        .filter(r::reference.eq(reference))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()
}

/// A holder's requests, newest first (their profile and the disclosure file).
pub fn of_holder(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<RequestRow>> {
    r::table.filter(r::holder_id.eq(holder_id)).select(RequestRow::as_select()).order(r::id.desc()).load(conn)
}

/// Records the verification on a request still received at `version`; 0 rows when it moved.
pub fn verified(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    how: IdentityCheck,
    note: &str,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(r::table.find(id).filter(r::version.eq(version)).filter(r::state.eq(RequestState::Received.code())))
        .set((
            r::state.eq(RequestState::Verified.code()),
            r::verified_how.eq(how.code()),
            r::verification_note.eq(note),
            r::verified_by.eq(by),
            r::verified_at.eq(at),
            r::version.eq(r::version + 1),
        ))
        .execute(conn)
}

pub fn disclosure_produced(conn: &mut DbConnection, id: i64, by: i64, at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(r::table.find(id))
        .set((r::disclosure_produced_at.eq(at), r::disclosure_produced_by.eq(by)))
        .execute(conn)
}

/// Closes an open request at `version` as answered or refused; 0 rows when it moved.
pub fn closed(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    outcome: RequestState,
    note: &str,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        r::table
            .find(id)
            .filter(r::version.eq(version))
            .filter(r::state.eq_any(RequestState::OPEN.map(RequestState::code))),
    )
    .set((
        r::state.eq(outcome.code()),
        r::answer_note.eq(note),
        r::answered_by.eq(by),
        r::answered_at.eq(at),
        r::version.eq(r::version + 1),
    ))
    .execute(conn)
}

/// Erases what the holder wrote in their requests (erasure, 抹消); the references, dates and
/// who handled them stay.
pub fn erase_details(conn: &mut DbConnection, holder_id: i64) -> QueryResult<usize> {
    diesel::update(r::table.filter(r::holder_id.eq(holder_id))).set(r::detail.eq("")).execute(conn)
}

/// One line of the work list.
#[derive(Queryable, Debug, Clone)]
pub struct OpenLine {
    pub id: i64,
    pub reference: String,
    pub holder_id: i64,
    pub public_id: String,
    pub kind: RequestKind,
    pub channel: Channel,
    pub state: RequestState,
    pub received_at: PrimitiveDateTime,
    pub due_on: Date,
    pub verified_by: Option<i64>,
    pub verified_by_name: Option<String>,
}

/// Open requests by due date, `limit` after the keyset cursor `(due_on, id)`.
pub fn open(conn: &mut DbConnection, after: Option<(Date, i64)>, limit: i64) -> QueryResult<Vec<OpenLine>> {
    let mut q = r::table
        .inner_join(holders::table.on(holders::id.eq(r::holder_id)))
        .left_join(staff::table.on(staff::id.nullable().eq(r::verified_by)))
        .filter(r::state.eq_any(RequestState::OPEN.map(RequestState::code)))
        .select((
            r::id,
            r::reference,
            r::holder_id,
            holders::public_id,
            r::kind,
            r::channel,
            r::state,
            r::received_at,
            r::due_on,
            r::verified_by,
            staff::display_name.nullable(),
        ))
        .order((r::due_on.asc(), r::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((due, id)) = after {
        q = q.filter(r::due_on.gt(due).or(r::due_on.eq(due).and(r::id.gt(id))));
    }
    q.load(conn)
}

/// Open requests due before `today` (the dashboard).
pub fn overdue(conn: &mut DbConnection, today: Date) -> QueryResult<i64> {
    r::table
        .filter(r::state.eq_any(RequestState::OPEN.map(RequestState::code)))
        .filter(r::due_on.lt(today))
        .count()
        .get_result(conn)
}
