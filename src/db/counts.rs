//! Registrations per status and kind, kept in step with every change inside the same
//! transaction, so the queue shows counts without counting millions of rows.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::handbook_counts;

/// One registration of `kind` moved from `from` to `to` (either may be `None`: created).
pub fn moved(conn: &mut DbConnection, kind: &str, from: Option<&str>, to: Option<&str>) -> QueryResult<()> {
    if from == to {
        return Ok(());
    }
    if let Some(from) = from {
        diesel::update(handbook_counts::table.find((from, kind)))
            .set(handbook_counts::n.eq(handbook_counts::n - 1))
            .execute(conn)?;
    }
    if let Some(to) = to {
        diesel::update(handbook_counts::table.find((to, kind)))
            .set(handbook_counts::n.eq(handbook_counts::n + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// (status, kind, count) for every pair.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64)>> {
    handbook_counts::table.select((handbook_counts::status, handbook_counts::kind, handbook_counts::n)).load(conn)
}

/// Recounts from the table (after bulk loads that bypass `moved`).
pub fn recount(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(
        "UPDATE handbook_counts SET n = (SELECT COUNT(*) FROM handbooks h
           WHERE h.status = handbook_counts.status AND h.kind = handbook_counts.kind)",
    )
}
