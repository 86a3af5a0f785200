//! The retention schedule's queries: what has outlived its period, marking it done, and the
//! litigation holds that keep a holder's data past it.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{handbooks, holders, legal_holds, staff};
use crate::domain::handbook::ReviewStatus;

/// Ended IDs whose period ran out before `cutoff`, not yet purged and not held.
pub fn ended_due(conn: &mut DbConnection, cutoff: PrimitiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    holders::table
        .filter(holders::ended_at.lt(cutoff))
        .filter(holders::retention_purged_at.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            legal_holds::table.filter(legal_holds::holder_id.eq(holders::id)).filter(legal_holds::lifted_at.is_null()),
        )))
        .select(holders::id)
        .order((holders::ended_at.asc(), holders::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Registrations in `status` idle since before `cutoff`, not yet purged, of holders not held.
pub fn registrations_due(
    conn: &mut DbConnection,
    status: ReviewStatus,
    cutoff: PrimitiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    handbooks::table
        .filter(handbooks::status.eq(status.as_str()))
        .filter(handbooks::updated_at.lt(cutoff))
        .filter(handbooks::retention_purged_at.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            legal_holds::table
                .filter(legal_holds::holder_id.eq(handbooks::holder_id))
                .filter(legal_holds::lifted_at.is_null()),
        )))
        .select(handbooks::id)
        .order((handbooks::updated_at.asc(), handbooks::id.asc()))
        .limit(limit)
        .load(conn)
}

/// The registrations of these holders.
pub fn registrations_of(conn: &mut DbConnection, holder_ids: &[i64]) -> QueryResult<Vec<i64>> {
    handbooks::table.filter(handbooks::holder_id.eq_any(holder_ids)).select(handbooks::id).load(conn)
}

pub fn mark_holders(conn: &mut DbConnection, ids: &[i64], at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(holders::table.filter(holders::id.eq_any(ids)).filter(holders::retention_purged_at.is_null()))
        .set(holders::retention_purged_at.eq(at))
        .execute(conn)
}

pub fn mark_registrations(conn: &mut DbConnection, ids: &[i64], at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(handbooks::table.filter(handbooks::id.eq_any(ids)))
        .set(handbooks::retention_purged_at.eq(at))
        .execute(conn)
}

/// Records when the ID ended, once (the retention clock of an ended ID).
pub fn ended(conn: &mut DbConnection, holder_id: i64, at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(holders::table.find(holder_id).filter(holders::ended_at.is_null()))
        .set(holders::ended_at.eq(at))
        .execute(conn)
}

/// A hold in force: its id, reason, who placed it and when.
#[derive(Queryable, Debug, Clone)]
pub struct Hold {
    pub id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub reason: String,
    pub placed_by_name: String,
    pub placed_at: PrimitiveDateTime,
}

/// Holds in force, oldest first (at most `limit`); with `holder`, that holder's only.
pub fn holds_in_force(conn: &mut DbConnection, holder: Option<i64>, limit: i64) -> QueryResult<Vec<Hold>> {
    let mut q = legal_holds::table
        .inner_join(holders::table.on(holders::id.eq(legal_holds::holder_id)))
        .inner_join(staff::table.on(staff::id.eq(legal_holds::placed_by)))
        .filter(legal_holds::lifted_at.is_null())
        .select((
            legal_holds::id,
            legal_holds::holder_id,
            holders::public_id,
            legal_holds::reason,
            staff::display_name,
            legal_holds::placed_at,
        ))
        .order((legal_holds::placed_at.asc(), legal_holds::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(h) = holder {
        q = q.filter(legal_holds::holder_id.eq(h));
    }
    q.load(conn)
}

pub fn place_hold(
    conn: &mut DbConnection,
    holder_id: i64,
    reason: &str,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(legal_holds::table)
        .values((
            legal_holds::holder_id.eq(holder_id),
            legal_holds::reason.eq(reason),
            legal_holds::placed_by.eq(by),
            legal_holds::placed_at.eq(at),
        ))
        .returning(legal_holds::id)
        .get_result(conn)
}

/// Lifts the hold in force on the holder; 0 rows when there is none.
pub fn lift_hold(
    conn: &mut DbConnection,
    holder_id: i64,
    note: &str,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        legal_holds::table.filter(legal_holds::holder_id.eq(holder_id)).filter(legal_holds::lifted_at.is_null()),
    )
    .set((legal_holds::lifted_by.eq(by), legal_holds::lifted_at.eq(at), legal_holds::lift_note.eq(note)))
    .execute(conn)
}
