//! Daily counters outside the audit chain (`daily_tallies`).

use diesel::prelude::*;
use time::Date;

use super::DbConnection;
use super::schema::daily_tallies;

/// Sign-in attempts naming an e-mail no account has.
pub const UNKNOWN_SIGN_IN: &str = "sign_in.unknown_account";
/// Card API callers slowed down for asking for too many unknown IDs (once per caller and
/// window, however many calls were refused in it).
pub const CARD_THROTTLED: &str = "card.throttled";

/// Adds one to `kind`'s count for `day`, in one statement (no read-modify-write race).
pub fn add(conn: &mut DbConnection, kind: &str, day: Date) -> QueryResult<()> {
    let row = (daily_tallies::kind.eq(kind), daily_tallies::day.eq(day), daily_tallies::count.eq(1i64));
    let bump = daily_tallies::count.eq(daily_tallies::count + 1i64);
    let target = (daily_tallies::kind, daily_tallies::day);
    on_backend!(conn, |c| {
        diesel::insert_into(daily_tallies::table).values(row).on_conflict(target).do_update().set(bump).execute(c)
    })
    .map(drop)
}

/// The count of `kind` on each day in `from..=to`, newest first (days without any are absent).
pub fn per_day(conn: &mut DbConnection, kind: &str, from: Date, to: Date) -> QueryResult<Vec<(Date, i64)>> {
    daily_tallies::table
        .filter(daily_tallies::kind.eq(kind).and(daily_tallies::day.between(from, to)))
        .order(daily_tallies::day.desc())
        .select((daily_tallies::day, daily_tallies::count))
        .load(conn)
}
