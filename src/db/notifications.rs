//! The notification outbox: rows written by decisions in their own transaction, claimed by
//! the worker with a short lease so two workers (or instances) never send one twice.

use diesel::prelude::*;
use time::{Duration, PrimitiveDateTime};

use super::schema::notifications;
use super::{DbConnection, write_tx};
use crate::domain::notice::Delivery;

/// A notice due for sending, as claimed by one worker.
#[derive(Queryable, Debug)]
pub struct Due {
    pub id: i64,
    pub recipient: Option<String>,
    pub subject: String,
    pub body: String,
    /// Counting this one.
    pub attempts: i32,
}

/// Claims up to `batch` due notices until `now + lease` under `token`, counting the attempt.
/// PostgreSQL skips rows another worker holds; SQLite has one writer anyway.
pub fn claim_due(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
    lease: Duration,
    batch: i64,
    token: &str,
) -> QueryResult<Vec<Due>> {
    write_tx(conn, |c| {
        let due = notifications::table
            .filter(notifications::status.eq(Delivery::Pending.as_str()))
            .filter(notifications::next_attempt_at.le(now))
            .filter(notifications::locked_until.is_null().or(notifications::locked_until.lt(now)))
            .order(notifications::id.asc())
            .limit(batch)
            .select(notifications::id);
        let ids: Vec<i64> = match c {
            DbConnection::Sqlite(c) => due.load(c)?,
            DbConnection::Pg(c) => due.for_update().skip_locked().load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(notifications::table.filter(notifications::id.eq_any(&ids)))
            .set((
                notifications::locked_until.eq(now + lease),
                notifications::lease_token.eq(token),
                notifications::attempts.eq(notifications::attempts + 1),
            ))
            .execute(c)?;
        notifications::table
            .filter(notifications::id.eq_any(&ids))
            .select((
                notifications::id,
                notifications::recipient,
                notifications::subject,
                notifications::body,
                notifications::attempts,
            ))
            .load(c)
    })
}

/// What became of one attempt.
pub enum AfterAttempt<'a> {
    Sent,
    RetryAt(PrimitiveDateTime, &'a str),
    Failed(&'a str),
}

/// The notice, while `token` still holds its lease and it is still to be sent.
fn held(id: i64, token: &str) -> HeldRow<'_> {
    notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::lease_token.eq(token))
        .filter(notifications::status.eq(Delivery::Pending.as_str()))
}

type HeldRow<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<notifications::table, diesel::dsl::Eq<notifications::id, i64>>,
        diesel::dsl::Eq<notifications::lease_token, &'a str>,
    >,
    diesel::dsl::Eq<notifications::status, &'static str>,
>;

/// Renews the lease just before a send: `false` when another worker took the notice meanwhile
/// (this one's lease ran out), which must then not send it.
pub fn renew(conn: &mut DbConnection, id: i64, token: &str, until: PrimitiveDateTime) -> QueryResult<bool> {
    Ok(diesel::update(held(id, token)).set(notifications::locked_until.eq(until)).execute(conn)? == 1)
}

/// Gives back notices claimed but not tried (the worker is stopping): the attempt is not
/// counted and any worker may take them at once.
pub fn release(conn: &mut DbConnection, ids: &[i64], token: &str) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq_any(ids))
            .filter(notifications::lease_token.eq(token))
            .filter(notifications::status.eq(Delivery::Pending.as_str())),
    )
    .set((
        notifications::locked_until.eq(None::<PrimitiveDateTime>),
        notifications::lease_token.eq(None::<String>),
        notifications::attempts.eq(notifications::attempts - 1),
    ))
    .execute(conn)
}

/// Records the outcome of an attempt (inside the caller's transaction, beside its audit
/// event), only while `token` still holds the lease. Returns the rows changed (0: lost).
pub fn record(
    conn: &mut DbConnection,
    id: i64,
    token: &str,
    outcome: AfterAttempt<'_>,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    let row = held(id, token);
    let unlocked = notifications::locked_until.eq(None::<PrimitiveDateTime>);
    match outcome {
        AfterAttempt::Sent => diesel::update(row)
            .set((
                notifications::status.eq(Delivery::Sent.as_str()),
                notifications::sent_at.eq(now),
                unlocked,
                notifications::last_error.eq(None::<String>),
            ))
            .execute(conn),
        AfterAttempt::RetryAt(at, error) => diesel::update(row)
            .set((notifications::next_attempt_at.eq(at), unlocked, notifications::last_error.eq(error)))
            .execute(conn),
        AfterAttempt::Failed(error) => diesel::update(row)
            .set((notifications::status.eq(Delivery::Failed.as_str()), unlocked, notifications::last_error.eq(error)))
            .execute(conn),
    }
}

/// A notice as the holder's profile lists it.
#[derive(Queryable, Debug, Clone)]
pub struct NoticeLine {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub status: Delivery,
    pub attempts: i32,
    pub created_at: PrimitiveDateTime,
    pub sent_at: Option<PrimitiveDateTime>,
}

/// The holder's notices, newest first.
pub fn of_holder(conn: &mut DbConnection, holder_id: i64, limit: i64) -> QueryResult<Vec<NoticeLine>> {
    notifications::table
        .filter(notifications::holder_id.eq(holder_id))
        .order(notifications::id.desc())
        .limit(limit)
        .select((
            notifications::id,
            notifications::kind,
            notifications::subject,
            notifications::status,
            notifications::attempts,
            notifications::created_at,
            notifications::sent_at,
        ))
        .load(conn)
}
