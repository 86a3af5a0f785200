//! Every file name the photo store holds for a row, read in keyset pages (a backup copies them,
//! a restore opens them).

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{handbook_images, handbooks};

/// Photos and their thumbnails after image id `after`, in id order: (id, photo key, thumbnail key).
pub fn images_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<(i64, String, String)>> {
    handbook_images::table
        .filter(handbook_images::id.gt(after))
        .order(handbook_images::id.asc())
        .select((handbook_images::id, handbook_images::storage_key, handbook_images::thumb_key))
        .limit(limit)
        .load(conn)
}

/// Face crops after handbook id `after`, in id order: (id, face key).
pub fn faces_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    let rows: Vec<(i64, Option<String>)> = handbooks::table
        .filter(handbooks::id.gt(after))
        .filter(handbooks::face_key.is_not_null())
        .order(handbooks::id.asc())
        .select((handbooks::id, handbooks::face_key))
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, key)| key.map(|k| (id, k))).collect())
}

/// Every store key rows name, page by page, handed to `each` in order.
pub fn for_each_key<E: From<diesel::result::Error>>(
    conn: &mut DbConnection,
    mut each: impl FnMut(&str) -> Result<(), E>,
) -> Result<usize, E> {
    const PAGE: i64 = 1000;
    let mut seen = 0;
    let mut after = 0;
    loop {
        let page = images_after(conn, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (_, photo, thumb) in &page {
            each(photo)?;
            each(thumb)?;
            seen += 2;
        }
    }
    let mut after = 0;
    loop {
        let page = faces_after(conn, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (_, face) in &page {
            each(face)?;
            seen += 1;
        }
    }
    Ok(seen)
}
