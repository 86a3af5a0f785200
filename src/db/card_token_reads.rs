//! Distinct holders each card credential read per window (`card_token_reads`), for the budget
//! of `domain::card_budget`, shared by every node.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::card_token_reads;

/// Counts the holder against the credential's window: `None` when it was read before in the
/// window (one statement, the common case of a card opened again), else how many holders the
/// window holds now, this one included.
pub fn take(
    conn: &mut DbConnection,
    token: &str,
    window: PrimitiveDateTime,
    holder_id: i64,
) -> QueryResult<Option<i64>> {
    let row = (
        card_token_reads::token.eq(token),
        card_token_reads::window_start.eq(window),
        card_token_reads::holder_id.eq(holder_id),
    );
    let added = on_backend!(conn, |c| diesel::insert_into(card_token_reads::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    if added == 0 {
        return Ok(None);
    }
    card_token_reads::table
        .filter(card_token_reads::token.eq(token))
        .filter(card_token_reads::window_start.eq(window))
        .count()
        .get_result(conn)
        .map(Some)
}

/// Takes back a holder counted by a read that was then refused.
pub fn give_back(
    conn: &mut DbConnection,
    token: &str,
    window: PrimitiveDateTime,
    holder_id: i64,
) -> QueryResult<usize> {
    diesel::delete(
        card_token_reads::table
            .filter(card_token_reads::token.eq(token))
            .filter(card_token_reads::window_start.eq(window))
            .filter(card_token_reads::holder_id.eq(holder_id)),
    )
    .execute(conn)
}

/// Credentials that used their whole budget in the window, by fingerprint.
pub fn at_budget(conn: &mut DbConnection, window: PrimitiveDateTime, holders: i64) -> QueryResult<Vec<String>> {
    card_token_reads::table
        .filter(card_token_reads::window_start.eq(window))
        .group_by(card_token_reads::token)
        .having(diesel::dsl::count_star().ge(holders))
        .select(card_token_reads::token)
        .order(card_token_reads::token.asc())
        .load(conn)
}

/// Forgets windows that ended before `before`.
pub fn prune(conn: &mut DbConnection, before: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::delete(card_token_reads::table.filter(card_token_reads::window_start.lt(before))).execute(conn)
}
