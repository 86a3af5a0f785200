//! Distinct holders each card credential read per window (`card_token_reads`), for the budget
//! of `domain::card_budget`, shared by every node.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::card_token_reads;

/// How many holders the credential read in the window, and whether `holder_id` is one of them.
pub fn in_window(
    conn: &mut DbConnection,
    token: &str,
    window: PrimitiveDateTime,
    holder_id: i64,
) -> QueryResult<(i64, bool)> {
    let of_window = card_token_reads::table
        .filter(card_token_reads::token.eq(token))
        .filter(card_token_reads::window_start.eq(window));
    let count = of_window.count().get_result(conn)?;
    let known = diesel::select(diesel::dsl::exists(of_window.filter(card_token_reads::holder_id.eq(holder_id))))
        .get_result(conn)?;
    Ok((count, known))
}

pub fn add(conn: &mut DbConnection, token: &str, window: PrimitiveDateTime, holder_id: i64) -> QueryResult<()> {
    let row = (
        card_token_reads::token.eq(token),
        card_token_reads::window_start.eq(window),
        card_token_reads::holder_id.eq(holder_id),
    );
    on_backend!(conn, |c| diesel::insert_into(card_token_reads::table).values(row).on_conflict_do_nothing().execute(c))
        .map(drop)
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
