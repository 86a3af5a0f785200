//! Bulk loading for benchmarks (`seed`): multi-row batches with explicit ids, then the
//! derived state (counts, sequences) brought back in step.

use diesel::prelude::*;

use super::schema::{handbook_images, handbooks, holders};
use super::{DbConnection, write_tx};

/// Multi-row INSERTs are backend-specific in diesel (the MultiConnection cannot express them),
/// so this is the one place that matches on the backend.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(200) {
            match $conn {
                DbConnection::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
                DbConnection::Pg(c) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
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
) -> QueryResult<()> {
    write_tx(conn, |c| {
        insert_all!(c, holders::table, holders_rows);
        insert_all!(c, handbooks::table, handbook_rows);
        insert_all!(c, handbook_images::table, image_rows);
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
