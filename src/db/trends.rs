//! What the dashboard's charts count, each through an index range and never a scan of a whole
//! table: decisions per day (`decisions_time`), defects per reason (`defects_code`), sanctions
//! per article (`sanctions_time`).

use diesel::dsl::count_star;
use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{decisions, defects, sanctions};
use crate::domain::review::{Decision, Defect};
use crate::domain::sanctions::Article;

/// Decisions of each kind made in `[from, until)`.
pub fn decisions_between(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    until: PrimitiveDateTime,
) -> QueryResult<Vec<(Decision, i64)>> {
    decisions::table
        .filter(decisions::decided_at.ge(from))
        .filter(decisions::decided_at.lt(until))
        .group_by(decisions::decision)
        .select((decisions::decision, count_star()))
        .load(conn)
}

/// Defects of each reason recorded since `from`: one count per reason on `(code, created_at)`.
pub fn defects_since(conn: &mut DbConnection, from: PrimitiveDateTime) -> QueryResult<Vec<(Defect, i64)>> {
    Defect::ALL
        .iter()
        .map(|d| {
            let n = defects::table
                .filter(defects::code.eq(d.code()))
                .filter(defects::created_at.ge(from))
                .count()
                .get_result(conn)?;
            Ok((*d, n))
        })
        .collect()
}

/// Sanctions requested since `from`, per article.
pub fn sanctions_since(conn: &mut DbConnection, from: PrimitiveDateTime) -> QueryResult<Vec<(Article, i64)>> {
    // Read as `Article` (db::codes): an unknown code is an error, not a bar quietly missing.
    sanctions::table
        .filter(sanctions::requested_at.ge(from))
        .group_by(sanctions::article)
        .select((sanctions::article, count_star()))
        .load(conn)
}
