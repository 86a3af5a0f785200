//! Attempts per key and fixed window (`attempt_budgets`), shared by every node.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::attempt_budgets as b;

/// Counts one attempt; returns the attempts used in the window, this one included.
pub fn take(conn: &mut DbConnection, scope: &str, key: &str, window: PrimitiveDateTime) -> QueryResult<i32> {
    let row = (b::scope.eq(scope), b::key.eq(key), b::window_start.eq(window), b::used.eq(1));
    on_backend!(conn, |c| {
        diesel::insert_into(b::table)
            .values(row)
            .on_conflict((b::scope, b::key, b::window_start))
            .do_update()
            .set(b::used.eq(b::used + 1))
            .returning(b::used)
            .get_result(c)
    })
}

/// Gives one attempt back (a sign-in that succeeded).
pub fn give_back(conn: &mut DbConnection, scope: &str, key: &str, window: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(
        b::table
            .filter(b::scope.eq(scope))
            .filter(b::key.eq(key))
            .filter(b::window_start.eq(window))
            .filter(b::used.gt(0)),
    )
    .set(b::used.eq(b::used - 1))
    .execute(conn)
}

/// Keys of the scope that used `at_least` attempts in the window.
pub fn exhausted(conn: &mut DbConnection, scope: &str, window: PrimitiveDateTime, at_least: i32) -> QueryResult<i64> {
    b::table
        .filter(b::scope.eq(scope))
        .filter(b::window_start.eq(window))
        .filter(b::used.ge(at_least))
        .count()
        .get_result(conn)
}

/// Forgets windows that started before `before`.
pub fn prune(conn: &mut DbConnection, before: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::delete(b::table.filter(b::window_start.lt(before))).execute(conn)
}
