//! Reads of registrations for the screens: a holder's registrations and approved handbooks,
//! the waiting backlog.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::{handbook_fields, handbooks};
use crate::domain::handbook::{HandbookKind, ReviewStatus};

/// The holder's approved registrations of one kind other than `except`.
pub fn approved_of_kind(
    conn: &mut DbConnection,
    holder_id: i64,
    kind: HandbookKind,
    except: i64,
) -> QueryResult<Vec<i64>> {
    handbooks::table
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::kind.eq(kind.as_str()))
        .filter(handbooks::status.eq_any(ReviewStatus::APPROVED.map(ReviewStatus::as_str)))
        .filter(handbooks::id.ne(except))
        .select(handbooks::id)
        .load(conn)
}

#[derive(Queryable, Debug, Clone)]
pub struct OtherRegistration {
    pub id: i64,
    pub kind: HandbookKind,
    pub status: ReviewStatus,
    pub submitted_at: PrimitiveDateTime,
}

/// The holder's other registrations, newest first.
pub fn others_of_holder(
    conn: &mut DbConnection,
    holder_id: i64,
    except: i64,
    limit: i64,
) -> QueryResult<Vec<OtherRegistration>> {
    handbooks::table
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::id.ne(except))
        .order(handbooks::id.desc())
        .limit(limit)
        .select((handbooks::id, handbooks::kind, handbooks::status, handbooks::submitted_at))
        .load(conn)
}

/// Waiting registrations submitted before `cutoff` (past the SLA), counted up to `cap`: the
/// dashboard says "more than" beyond it. Counted in full, a backlog of 24,000 took 12 ms of
/// PostgreSQL on every dashboard load.
pub fn waiting_since_before(conn: &mut DbConnection, cutoff: PrimitiveDateTime, cap: i64) -> QueryResult<i64> {
    let ids: Vec<i64> = handbooks::table
        .filter(handbooks::status.eq(ReviewStatus::Submitted.as_str()))
        .filter(handbooks::submitted_at.lt(cutoff))
        .order((handbooks::submitted_at.asc(), handbooks::id.asc()))
        .select(handbooks::id)
        .limit(cap)
        .load(conn)?;
    Ok(ids.len() as i64)
}

/// When the longest-waiting registration was submitted.
pub fn oldest_waiting(conn: &mut DbConnection) -> QueryResult<Option<PrimitiveDateTime>> {
    handbooks::table
        .filter(handbooks::status.eq(ReviewStatus::Submitted.as_str()))
        .order((handbooks::submitted_at.asc(), handbooks::id.asc()))
        .select(handbooks::submitted_at)
        .first(conn)
        .optional()
}

/// What a counter may be shown of one approved handbook.
#[derive(Queryable, Debug, Clone)]
pub struct ApprovedHandbook {
    pub kind: HandbookKind,
    pub name: String,
    pub name_kana: String,
    pub birth_date: time::Date,
    pub grade: String,
    pub fare_class: Option<String>,
    pub care: bool,
    pub municipality: String,
    pub number: String,
    pub issued_on: time::Date,
    pub renewed_on: Option<time::Date>,
    pub expires_on: Option<time::Date>,
    pub recert_on: Option<time::Date>,
    pub recert_month_only: bool,
    pub disability_category: Option<String>,
    pub medical_number: Option<String>,
    pub handbook_name: Option<String>,
    /// The stored face crop, when a reviewer marked one.
    pub face_key: Option<String>,
    /// This registration's Myna Portal link: `unlinked`, `pending` or `linked`.
    pub myna_link: String,
    /// When staff verified it against the portal (連携済).
    pub myna_verified_at: Option<PrimitiveDateTime>,
}

/// The holder's approved handbooks with their transcribed facts, by kind.
pub fn approved_of_holder(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<ApprovedHandbook>> {
    handbooks::table
        .inner_join(handbook_fields::table)
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::status.eq_any(ReviewStatus::APPROVED.map(ReviewStatus::as_str)))
        .order(handbooks::kind.asc())
        .select((
            handbooks::kind,
            handbook_fields::name,
            handbook_fields::name_kana,
            handbook_fields::birth_date,
            handbook_fields::grade,
            handbook_fields::fare_class,
            handbook_fields::care,
            handbook_fields::municipality,
            handbook_fields::number,
            handbook_fields::issued_on,
            handbook_fields::renewed_on,
            handbook_fields::expires_on,
            handbook_fields::recert_on,
            handbook_fields::recert_month_only,
            handbook_fields::disability_category,
            handbook_fields::medical_number,
            handbook_fields::handbook_name,
            handbooks::face_key,
            handbooks::myna_link,
            handbooks::myna_verified_at,
        ))
        .load(conn)
}

/// A holder's registration as the profile lists it; the number only when asked for.
#[derive(Queryable, Debug, Clone)]
pub struct HolderHandbook {
    pub id: i64,
    pub kind: HandbookKind,
    pub status: ReviewStatus,
    pub submitted_at: PrimitiveDateTime,
    pub municipality: Option<String>,
    pub number: Option<String>,
    pub expires_on: Option<time::Date>,
    /// When the handbook was reported or detected as returned to the municipality.
    pub returned_at: Option<PrimitiveDateTime>,
    /// Its own Myna Portal link status.
    pub myna_link: String,
}

/// The holder's registrations, newest first, with their transcribed municipality, number and
/// expiry where there is one.
pub fn of_holder(conn: &mut DbConnection, holder_id: i64, limit: i64) -> QueryResult<Vec<HolderHandbook>> {
    handbooks::table
        .left_join(handbook_fields::table)
        .filter(handbooks::holder_id.eq(holder_id))
        .order(handbooks::id.desc())
        .limit(limit)
        .select((
            handbooks::id,
            handbooks::kind,
            handbooks::status,
            handbooks::submitted_at,
            handbook_fields::municipality.nullable(),
            handbook_fields::number.nullable(),
            handbook_fields::expires_on.nullable(),
            handbooks::returned_at,
            handbooks::myna_link,
        ))
        .load(conn)
}

/// The first registrations in any of `statuses`, by id (demo data and tests).
pub fn ids_with_status(conn: &mut DbConnection, statuses: &[ReviewStatus], limit: i64) -> QueryResult<Vec<i64>> {
    handbooks::table
        .filter(handbooks::status.eq_any(statuses.iter().map(|s| s.as_str())))
        .order(handbooks::id.asc())
        .limit(limit)
        .select(handbooks::id)
        .load(conn)
}
