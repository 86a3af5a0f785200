//! The `handbooks` table (one row per registration of a handbook) and its photos.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{handbook_images, handbooks};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = handbooks)]
pub struct HandbookRow {
    pub id: i64,
    pub holder_id: i64,
    pub kind: String,
    pub status: String,
    pub channel: String,
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
}

#[derive(Insertable)]
#[diesel(table_name = handbooks)]
pub struct NewHandbook<'a> {
    pub holder_id: i64,
    pub kind: &'a str,
    pub status: &'a str,
    pub channel: &'a str,
    pub proxy: bool,
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

pub fn insert(conn: &mut DbConnection, new: &NewHandbook<'_>) -> QueryResult<i64> {
    let id = diesel::insert_into(handbooks::table)
        .values((new, handbooks::submitted_kind.eq(new.kind)))
        .returning(handbooks::id)
        .get_result(conn)?;
    super::counts::moved(conn, new.kind, None, Some(new.status))?;
    Ok(id)
}

pub fn insert_images(conn: &mut DbConnection, images: &[NewImage]) -> QueryResult<usize> {
    let mut n = 0;
    for image in images {
        n += diesel::insert_into(handbook_images::table).values(image).execute(conn)?;
    }
    Ok(n)
}

/// Row locks on the holder's open registrations of one kind (PostgreSQL; SQLite's write
/// transaction already excludes other writers).
pub fn lock_open_of_kind(conn: &mut DbConnection, holder_id: i64, kind: &str) -> QueryResult<usize> {
    diesel::update(
        handbooks::table
            .filter(handbooks::holder_id.eq(holder_id))
            .filter(handbooks::kind.eq(kind))
            .filter(handbooks::status.eq_any(["submitted", "in_review", "returned"])),
    )
    .set(handbooks::id.eq(handbooks::id))
    .execute(conn)
}

/// The holder's open registrations of one kind (waiting, in review or returned).
pub fn open_of_kind(conn: &mut DbConnection, holder_id: i64, kind: &str) -> QueryResult<Vec<HandbookRow>> {
    handbooks::table
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::kind.eq(kind))
        .filter(handbooks::status.eq_any(["submitted", "in_review", "returned"]))
        .select(HandbookRow::as_select())
        .order(handbooks::id.asc())
        .load(conn)
}

/// Moves a registration to `status` (bumping its version) and keeps the counts in step.
pub fn set_status(conn: &mut DbConnection, id: i64, status: &str, now: PrimitiveDateTime) -> QueryResult<usize> {
    let (old, kind): (String, String) =
        handbooks::table.find(id).select((handbooks::status, handbooks::kind)).first(conn)?;
    let n = diesel::update(handbooks::table.find(id))
        .set((
            handbooks::status.eq(status),
            handbooks::updated_at.eq(now),
            handbooks::version.eq(handbooks::version + 1),
        ))
        .execute(conn)?;
    super::counts::moved(conn, &kind, Some(&old), Some(status))?;
    Ok(n)
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
