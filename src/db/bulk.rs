//! Bulk loading for benchmarks (`seed`): multi-row batches with explicit ids, then the
//! derived state (counts, sequences) brought back in step.

use diesel::prelude::*;

use super::schema::{handbook_fields, handbook_images, handbooks, holders};
use super::{DbConnection, write_tx};

/// Multi-row INSERTs are backend-specific in diesel (the MultiConnection cannot express them).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(200) {
            on_backend!($conn, |c| diesel::insert_into($table).values(chunk).execute(c)?);
        }
    };
}

#[derive(Insertable)]
#[diesel(table_name = holders)]
pub struct BulkHolder {
    pub id: i64,
    pub public_id: String,
    pub email: Option<String>,
    pub status: &'static str,
    pub created_at: time::PrimitiveDateTime,
    pub updated_at: time::PrimitiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = handbooks)]
pub struct BulkHandbook {
    pub id: i64,
    pub holder_id: i64,
    pub kind: &'static str,
    pub submitted_kind: &'static str,
    pub status: &'static str,
    pub channel: &'static str,
    pub proxy: bool,
    pub submitted_at: time::PrimitiveDateTime,
    pub created_at: time::PrimitiveDateTime,
    pub updated_at: time::PrimitiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = handbook_images)]
pub struct BulkImage<'a> {
    pub handbook_id: i64,
    pub page: i32,
    pub storage_key: &'a str,
    pub thumb_key: &'a str,
    pub key_id: &'a str,
    pub original_sha256: String,
    pub original_bytes: i64,
    pub original_mime: &'static str,
    pub stored_bytes: i64,
    pub width: i32,
    pub height: i32,
    pub created_at: time::PrimitiveDateTime,
}

/// A transcription as staff would have saved it, keys included (the searches read them).
#[derive(Insertable)]
#[diesel(table_name = handbook_fields)]
pub struct BulkFields {
    pub handbook_id: i64,
    pub name: String,
    pub name_kana: String,
    pub birth_date: time::Date,
    pub disability_category: Option<&'static str>,
    pub grade: String,
    pub fare_class: Option<&'static str>,
    pub care: bool,
    pub municipality: &'static str,
    pub number: String,
    pub issued_on: time::Date,
    pub expires_on: Option<time::Date>,
    pub recert_month_only: bool,
    pub name_key: String,
    pub kana_key: String,
    pub municipality_key: String,
    pub number_key: String,
    pub transcribed_by: i64,
    pub transcribed_at: time::PrimitiveDateTime,
}

/// The first free ids of holders and handbooks.
pub fn next_ids(conn: &mut DbConnection) -> QueryResult<(i64, i64)> {
    let holder: Option<i64> = holders::table.select(diesel::dsl::max(holders::id)).first(conn)?;
    let handbook: Option<i64> = handbooks::table.select(diesel::dsl::max(handbooks::id)).first(conn)?;
    Ok((holder.unwrap_or(0) + 1, handbook.unwrap_or(0) + 1))
}

/// One batch in one transaction.
pub fn insert_batch(
    conn: &mut DbConnection,
    holders_rows: &[BulkHolder],
    handbook_rows: &[BulkHandbook],
    image_rows: &[BulkImage<'_>],
    field_rows: &[BulkFields],
) -> QueryResult<()> {
    write_tx(conn, |c| {
        insert_all!(c, holders::table, holders_rows);
        insert_all!(c, handbooks::table, handbook_rows);
        insert_all!(c, handbook_images::table, image_rows);
        insert_all!(c, handbook_fields::table, field_rows);
        Ok(())
    })
}

/// After loading: recount the queue counters and, on PostgreSQL, move the identity sequences
/// past the explicit ids.
pub fn finish(conn: &mut DbConnection) -> QueryResult<()> {
    super::counts::recount(conn)?;
    if let DbConnection::Pg(_) = conn {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(
            "SELECT setval(pg_get_serial_sequence('holders', 'id'), (SELECT MAX(id) FROM holders));
             SELECT setval(pg_get_serial_sequence('handbooks', 'id'), (SELECT MAX(id) FROM handbooks));",
        )?;
    }
    Ok(())
}
