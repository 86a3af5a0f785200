//! The `handbooks` table (one row per registration of a handbook) and its photos.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::counts::moved;
use super::schema::{handbook_fields, handbook_images, handbooks};
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

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = handbook_images)]
pub struct ImageRow {
    pub id: i64,
    pub handbook_id: i64,
    pub page: i32,
    pub page_role: Option<String>,
    pub storage_key: String,
    pub thumb_key: String,
    pub key_id: String,
    pub original_sha256: String,
    pub original_bytes: i64,
    pub original_mime: String,
    pub stored_bytes: i64,
    pub width: i32,
    pub height: i32,
    pub created_at: PrimitiveDateTime,
}

#[derive(Insertable, Clone)]
#[diesel(table_name = handbook_images)]
pub struct NewImage {
    pub handbook_id: i64,
    pub page: i32,
    pub storage_key: String,
    pub thumb_key: String,
    pub key_id: String,
    pub original_sha256: String,
    pub original_bytes: i64,
    pub original_mime: String,
    pub stored_bytes: i64,
    pub width: i32,
    pub height: i32,
    pub created_at: PrimitiveDateTime,
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

pub fn insert_images(conn: &mut DbConnection, images: &[NewImage]) -> QueryResult<usize> {
    let mut n = 0;
    for image in images {
        n += diesel::insert_into(handbook_images::table).values(image).execute(conn)?;
    }
    Ok(n)
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
            handbooks::face_key,
            handbooks::myna_link,
            handbooks::myna_verified_at,
        ))
        .load(conn)
}

pub fn images_of(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Vec<ImageRow>> {
    handbook_images::table
        .filter(handbook_images::handbook_id.eq(handbook_id))
        .order(handbook_images::page.asc())
        .select(ImageRow::as_select())
        .load(conn)
}

pub fn find_image(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ImageRow>> {
    handbook_images::table.find(id).select(ImageRow::as_select()).first(conn).optional()
}

/// The original photo hashes of a registration, in page order (to recognise a retried upload).
pub fn image_hashes(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Vec<String>> {
    handbook_images::table
        .filter(handbook_images::handbook_id.eq(handbook_id))
        .order(handbook_images::page.asc())
        .select(handbook_images::original_sha256)
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

/// Where the news of a returned handbook came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnSource {
    /// Staff recorded a report (the holder, the municipality).
    Report,
    /// The Myna Portal no longer knows the handbook (`not_found`).
    Myna,
}

impl ReturnSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnSource::Report => "report",
            ReturnSource::Myna => "myna",
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

/// The face crop a registration has: the page it was cut from, the box, the stored crop.
#[derive(Queryable, Debug, Clone)]
pub struct FaceRow {
    pub image_id: Option<i64>,
    pub face_box: Option<String>,
    pub key: Option<String>,
}

pub fn face_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<FaceRow>> {
    handbooks::table
        .find(id)
        .select((handbooks::face_image_id, handbooks::face_box, handbooks::face_key))
        .first(conn)
        .optional()
}

/// Records the face crop of a registration; returns the crop it replaces, to remove after
/// commit.
pub fn set_face(
    conn: &mut DbConnection,
    id: i64,
    image_id: i64,
    face_box: &str,
    key: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Option<String>> {
    let old = face_of(conn, id)?.and_then(|f| f.key);
    diesel::update(handbooks::table.find(id))
        .set((
            handbooks::face_image_id.eq(image_id),
            handbooks::face_box.eq(face_box),
            handbooks::face_key.eq(key),
            handbooks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(old)
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

/// Which of `keys` a row names (a photo, its thumbnail or a face crop): the store sweep keeps
/// those and removes the rest.
pub fn referenced_keys(conn: &mut DbConnection, keys: &[String]) -> QueryResult<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    let full: Vec<String> = handbook_images::table
        .filter(handbook_images::storage_key.eq_any(keys))
        .select(handbook_images::storage_key)
        .load(conn)?;
    let thumbs: Vec<String> = handbook_images::table
        .filter(handbook_images::thumb_key.eq_any(keys))
        .select(handbook_images::thumb_key)
        .load(conn)?;
    let faces: Vec<Option<String>> =
        handbooks::table.filter(handbooks::face_key.eq_any(keys)).select(handbooks::face_key).load(conn)?;
    found.extend(full);
    found.extend(thumbs);
    found.extend(faces.into_iter().flatten());
    Ok(found)
}
