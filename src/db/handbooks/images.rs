//! A registration's photos (`handbook_images`) and its face crop: the rows naming the files
//! of the photo store.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::{handbook_images, handbooks};

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

pub fn insert_images(conn: &mut DbConnection, images: &[NewImage]) -> QueryResult<usize> {
    let mut n = 0;
    for image in images {
        n += diesel::insert_into(handbook_images::table).values(image).execute(conn)?;
    }
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
