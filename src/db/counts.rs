//! Registrations per status and kind, kept in step with every change inside the same
//! transaction, so the queue shows counts without counting millions of rows.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::handbook_counts;

/// One registration of `kind` moved from `from` to `to` (either may be `None`: created).
pub fn moved(conn: &mut DbConnection, kind: &str, from: Option<&str>, to: Option<&str>) -> QueryResult<()> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    if from == to {
        return Ok(());
    }
    match (from, to) {
        (Some(from), Some(to)) => {
            // One statement for both rows: the writer's time is what "take next" waits on.
            let delta =
                diesel::dsl::case_when(handbook_counts::status.eq(to), sql::<BigInt>("1"))
                    .otherwise(sql::<BigInt>("-1"));
            diesel::update(handbook_counts::table)
                .filter(handbook_counts::kind.eq(kind))
                .filter(handbook_counts::status.eq_any([from, to]))
                .set(handbook_counts::n.eq(handbook_counts::n + delta))
                .execute(conn)?;
        }
        (Some(from), None) => {
            diesel::update(handbook_counts::table.find((from, kind)))
                .set(handbook_counts::n.eq(handbook_counts::n - 1))
                .execute(conn)?;
        }
        (None, Some(to)) => {
            diesel::update(handbook_counts::table.find((to, kind)))
                .set(handbook_counts::n.eq(handbook_counts::n + 1))
                .execute(conn)?;
        }
        (None, None) => {}
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
