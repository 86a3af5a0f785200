//! Registrations per status and kind, kept in step with every change inside the same
//! transaction, so the queue shows counts without counting millions of rows.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::handbook_counts;
use crate::domain::handbook::{HandbookKind, ReviewStatus};

/// One registration of `kind` moved from `from` to `to` (either may be `None`: created or
/// removed). Private to `db/`: the functions that change a registration's status or kind call
/// it, so no service can forget it.
pub(super) fn moved(
    conn: &mut DbConnection,
    kind: HandbookKind,
    from: Option<ReviewStatus>,
    to: Option<ReviewStatus>,
) -> QueryResult<()> {
    if from == to {
        return Ok(());
    }
    let kind = kind.as_str();
    match (from.map(ReviewStatus::as_str), to.map(ReviewStatus::as_str)) {
        (Some(from), Some(to)) => {
            // Row by row in one fixed order: one UPDATE of both rows locks them in the order
            // it finds them, which on PostgreSQL changes as rows are rewritten, and two
            // reviewers taking at once deadlocked.
            let (first, second) = if from < to { ((from, -1), (to, 1)) } else { ((to, 1), (from, -1)) };
            for (status, delta) in [first, second] {
                diesel::update(handbook_counts::table.find((status, kind)))
                    .set(handbook_counts::n.eq(handbook_counts::n + delta))
                    .execute(conn)?;
            }
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
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(ReviewStatus, HandbookKind, i64)>> {
    handbook_counts::table.select((handbook_counts::status, handbook_counts::kind, handbook_counts::n)).load(conn)
}

/// Registrations in `status`, over every kind.
pub fn in_status(conn: &mut DbConnection, status: ReviewStatus) -> QueryResult<i64> {
    let counts: Vec<i64> = handbook_counts::table
        .filter(handbook_counts::status.eq(status.as_str()))
        .select(handbook_counts::n)
        .load(conn)?;
    Ok(counts.into_iter().sum())
}

/// Recounts from the table (after bulk loads that bypass `moved`).
pub fn recount(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(
        "UPDATE handbook_counts SET n = (SELECT COUNT(*) FROM handbooks h
           WHERE h.status = handbook_counts.status AND h.kind = handbook_counts.kind)",
    )
}
