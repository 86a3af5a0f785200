//! Card reads per holder and day (`card_reads`), written beside each read instead of an audit
//! event: counter traffic must not serialise on the chain's head.

use diesel::prelude::*;
use time::Date;

use super::DbConnection;
use super::schema::{card_reads, holders};

pub fn add(conn: &mut DbConnection, holder_id: i64, day: Date) -> QueryResult<()> {
    let row = (card_reads::holder_id.eq(holder_id), card_reads::day.eq(day), card_reads::reads.eq(1i64));
    let bump = card_reads::reads.eq(card_reads::reads + 1i64);
    let target = (card_reads::holder_id, card_reads::day);
    on_backend!(conn, |c| {
        diesel::insert_into(card_reads::table).values(row).on_conflict(target).do_update().set(bump).execute(c)
    })
    .map(drop)
}

/// Reads and distinct holders on `day`.
pub fn day_totals(conn: &mut DbConnection, day: Date) -> QueryResult<(i64, i64)> {
    use diesel::sql_types::{BigInt, Nullable};
    // SUM of a BIGINT is NUMERIC on PostgreSQL; cast back so both backends read an i64.
    let sum = diesel::dsl::sql::<Nullable<BigInt>>("CAST(SUM(reads) AS BIGINT)");
    let (reads, holders): (Option<i64>, i64) =
        card_reads::table.filter(card_reads::day.eq(day)).select((sum, diesel::dsl::count_star())).first(conn)?;
    Ok((reads.unwrap_or(0), holders))
}

/// One page of a day range's reads for the export: (day, holder public id, reads), keyset on
/// (day, holder id).
pub fn page(
    conn: &mut DbConnection,
    from: Date,
    to: Date,
    after: Option<(Date, i64)>,
    limit: i64,
) -> QueryResult<Vec<(Date, i64, String, i64)>> {
    let mut query = card_reads::table
        .inner_join(holders::table)
        .filter(card_reads::day.between(from, to))
        .select((card_reads::day, card_reads::holder_id, holders::public_id, card_reads::reads))
        .order((card_reads::day, card_reads::holder_id))
        .limit(limit)
        .into_boxed();
    if let Some((day, id)) = after {
        query = query.filter(card_reads::day.gt(day).or(card_reads::day.eq(day).and(card_reads::holder_id.gt(id))));
    }
    query.load(conn)
}

/// A holder's reads per day, newest first (the profile).
pub fn of_holder(conn: &mut DbConnection, holder_id: i64, limit: i64) -> QueryResult<Vec<(Date, i64)>> {
    card_reads::table
        .filter(card_reads::holder_id.eq(holder_id))
        .order(card_reads::day.desc())
        .select((card_reads::day, card_reads::reads))
        .limit(limit)
        .load(conn)
}
