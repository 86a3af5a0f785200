//! The `handbooks` table (one row per registration of a handbook): its life from submission
//! to decision. Its photos are in `images`, the screens' reads in `reads`.

mod images;
mod reads;

pub use self::images::*;
pub use self::reads::*;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::counts::moved;
use super::schema::handbooks;
use crate::domain::handbook::{Channel, HandbookKind, ReviewStatus};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = handbooks)]
pub struct HandbookRow {
    pub id: i64,
    pub holder_id: i64,
    pub kind: HandbookKind,
    pub status: ReviewStatus,
    pub channel: Channel,
    pub proxy: bool,
    pub submitted_at: PrimitiveDateTime,
    pub claimed_by: Option<i64>,
    pub claim_expires_at: Option<PrimitiveDateTime>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub supersedes_id: Option<i64>,
    pub version: i32,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    /// The member of staff who uploaded it on the holder's behalf, if one did.
    pub uploaded_by: Option<i64>,
}

pub struct NewHandbook {
    pub holder_id: i64,
    pub kind: HandbookKind,
    pub status: ReviewStatus,
    pub channel: Channel,
    pub proxy: bool,
    pub uploaded_by: Option<i64>,
    pub submitted_at: PrimitiveDateTime,
    pub supersedes_id: Option<i64>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<HandbookRow>> {
    handbooks::table.find(id).select(HandbookRow::as_select()).first(conn).optional()
}

/// The registration's row, locked for the rest of the write transaction, read as it is now.
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<HandbookRow>> {
    select_for_update!(conn, handbooks::table.find(id).select(HandbookRow::as_select()), first).optional()
}

/// The holder a registration belongs to.
pub fn holder_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    handbooks::table.find(id).select(handbooks::holder_id).first(conn).optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewHandbook) -> QueryResult<i64> {
    let id = diesel::insert_into(handbooks::table)
        .values((
            handbooks::holder_id.eq(new.holder_id),
            handbooks::kind.eq(new.kind.as_str()),
            handbooks::submitted_kind.eq(new.kind.as_str()),
            handbooks::status.eq(new.status.as_str()),
            handbooks::channel.eq(new.channel.as_str()),
            handbooks::proxy.eq(new.proxy),
            handbooks::uploaded_by.eq(new.uploaded_by),
            handbooks::submitted_at.eq(new.submitted_at),
            handbooks::supersedes_id.eq(new.supersedes_id),
            handbooks::created_at.eq(new.created_at),
            handbooks::updated_at.eq(new.updated_at),
        ))
        .returning(handbooks::id)
        .get_result(conn)?;
    moved(conn, new.kind, None, Some(new.status))?;
    Ok(id)
}

/// The kind the holder said they sent (before any correction by staff).
pub fn submitted_kind(conn: &mut DbConnection, id: i64) -> QueryResult<Option<HandbookKind>> {
    handbooks::table.find(id).select(handbooks::submitted_kind).first(conn)
}

/// The holder's open registrations of one kind (waiting, in review or returned), oldest
/// first, locked for the rest of the transaction: a reviewer claiming one right now either
/// finishes first or waits.
pub fn lock_open_of_kind(conn: &mut DbConnection, holder_id: i64, kind: HandbookKind) -> QueryResult<Vec<HandbookRow>> {
    select_for_update!(
        conn,
        handbooks::table
            .filter(handbooks::holder_id.eq(holder_id))
            .filter(handbooks::kind.eq(kind.as_str()))
            .filter(handbooks::status.eq_any(ReviewStatus::OPEN.map(ReviewStatus::as_str)))
            .select(HandbookRow::as_select())
            .order(handbooks::id.asc()),
        load
    )
}

/// Moves a registration to `status` (bumping its version) and keeps the counts in step.
pub fn set_status(
    conn: &mut DbConnection,
    id: i64,
    status: ReviewStatus,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    let (old, kind): (ReviewStatus, HandbookKind) =
        handbooks::table.find(id).select((handbooks::status, handbooks::kind)).first(conn)?;
    let n = diesel::update(handbooks::table.find(id))
        .set((
            handbooks::status.eq(status.as_str()),
            handbooks::updated_at.eq(now),
            handbooks::version.eq(handbooks::version + 1),
        ))
        .execute(conn)?;
    moved(conn, kind, Some(old), Some(status))?;
    Ok(n)
}

/// Staff found the handbook is of another kind than the holder said; counts follow.
pub fn change_kind(conn: &mut DbConnection, row: &HandbookRow, to: HandbookKind) -> QueryResult<()> {
    if row.kind == to {
        return Ok(());
    }
    diesel::update(handbooks::table.find(row.id)).set(handbooks::kind.eq(to.as_str())).execute(conn)?;
    moved(conn, row.kind, Some(row.status), None)?;
    moved(conn, to, None, Some(row.status))
}

/// A transcription was saved as `version`: the row's version moves and the saver's lease is
/// renewed until `lease_until`.
pub fn transcribed(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    now: PrimitiveDateTime,
    lease_until: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(handbooks::table.find(id))
        .set((
            handbooks::version.eq(version),
            handbooks::updated_at.eq(now),
            handbooks::claim_expires_at.eq(lease_until),
        ))
        .execute(conn)
}

/// A new version of a decided registration (its transcription corrected after the decision);
/// the claim is not touched.
pub fn bump_version(conn: &mut DbConnection, id: i64, version: i32, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(handbooks::table.find(id))
        .set((handbooks::version.eq(version), handbooks::updated_at.eq(now)))
        .execute(conn)
}

/// Records the decision on the registration: its new status, who decided and when, and the
/// claim let go.
pub fn decided(
    conn: &mut DbConnection,
    id: i64,
    status: ReviewStatus,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    set_status(conn, id, status, at)?;
    diesel::update(handbooks::table.find(id))
        .set((
            handbooks::decided_by.eq(by),
            handbooks::decided_at.eq(at),
            handbooks::claimed_by.eq(None::<i64>),
            handbooks::claim_expires_at.eq(None::<PrimitiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}

/// Closes the holder's open registrations (waiting, being reviewed, or returned for a new
/// photo) when the ID ends, letting go of any claim; returns the ids closed. Counts follow.
pub fn close_open_of_holder(conn: &mut DbConnection, holder_id: i64, at: PrimitiveDateTime) -> QueryResult<Vec<i64>> {
    let open: Vec<i64> = handbooks::table
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::status.eq_any(ReviewStatus::OPEN.map(ReviewStatus::as_str)))
        .select(handbooks::id)
        .load(conn)?;
    for id in &open {
        set_status(conn, *id, ReviewStatus::Closed, at)?;
    }
    if !open.is_empty() {
        diesel::update(handbooks::table.filter(handbooks::id.eq_any(&open)))
            .set((handbooks::claimed_by.eq(None::<i64>), handbooks::claim_expires_at.eq(None::<PrimitiveDateTime>)))
            .execute(conn)?;
    }
    Ok(open)
}

/// Where the news of a returned handbook came from. Only a person records a return: the Myna
/// Portal's "no record" is a gap to look into (`handbooks.myna_absent_at`), not a return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnSource {
    /// Staff recorded a report (the holder, the municipality).
    Report,
}

impl ReturnSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnSource::Report => "report",
        }
    }
}

/// Marks the handbook as returned to the municipality (art. 3(1)(v)), keeping the first
/// time it was known; returns whether it was news.
pub fn mark_returned(
    conn: &mut DbConnection,
    id: i64,
    source: ReturnSource,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(handbooks::table.find(id).filter(handbooks::returned_at.is_null()))
        .set((handbooks::returned_at.eq(at), handbooks::returned_source.eq(source.as_str())))
        .execute(conn)?;
    Ok(n == 1)
}
