//! Sends the notices decisions left in the outbox, with retries and back-off.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use diesel::prelude::*;
use serde_json::json;
use time::{Duration, PrimitiveDateTime};

use super::transport::{SendError, Transport};
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::schema::notifications;
use crate::db::{DbConnection, write_tx};
use crate::web::state::AppState;

/// Waits after the 1st, 2nd … failed attempt; after the last, the notice is marked failed.
pub const BACKOFF_MINUTES: [i64; 6] = [1, 5, 15, 60, 180, 720];
const LEASE: Duration = Duration::minutes(2);
const BATCH: i64 = 20;

#[derive(Queryable, Debug)]
struct Due {
    id: i64,
    recipient: Option<String>,
    subject: String,
    body: String,
    attempts: i32,
}

/// The wait before the next attempt, or `None` when attempts are used up.
pub fn next_wait(attempts: i32) -> Option<Duration> {
    usize::try_from(attempts - 1).ok().and_then(|i| BACKOFF_MINUTES.get(i)).map(|m| Duration::minutes(*m))
}

macro_rules! due_ids {
    ($conn:expr, $query:expr) => {
        match $conn {
            DbConnection::Sqlite(c) => $query.load::<i64>(c),
            DbConnection::Pg(c) => $query.for_update().skip_locked().load::<i64>(c),
        }
    };
}

fn claim_due(conn: &mut DbConnection, now: PrimitiveDateTime) -> QueryResult<Vec<Due>> {
    write_tx(conn, |c| {
        let ids = due_ids!(
            c,
            notifications::table
                .filter(notifications::status.eq("pending"))
                .filter(notifications::next_attempt_at.le(now))
                .filter(notifications::locked_until.is_null().or(notifications::locked_until.lt(now)))
                .order(notifications::id.asc())
                .limit(BATCH)
                .select(notifications::id)
        )?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(notifications::table.filter(notifications::id.eq_any(&ids)))
            .set((notifications::locked_until.eq(now + LEASE), notifications::attempts.eq(notifications::attempts + 1)))
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

fn record(
    conn: &mut DbConnection,
    due: &Due,
    outcome: Result<(), SendError>,
    now: PrimitiveDateTime,
    transport: &str,
) -> QueryResult<()> {
    write_tx(conn, |c| {
        let row = notifications::table.find(due.id);
        let (action, details) = match outcome {
            Ok(()) => {
                diesel::update(row)
                    .set((
                        notifications::status.eq("sent"),
                        notifications::sent_at.eq(now),
                        notifications::locked_until.eq(None::<PrimitiveDateTime>),
                        notifications::last_error.eq(None::<String>),
                    ))
                    .execute(c)?;
                ("notification.sent", json!({"attempt": due.attempts, "transport": transport}))
            }
            Err(error) => {
                let retry = match &error {
                    SendError::Temporary(_) => next_wait(due.attempts),
                    SendError::Permanent(_) => None,
                };
                match retry {
                    Some(wait) => {
                        diesel::update(row)
                            .set((
                                notifications::next_attempt_at.eq(now + wait),
                                notifications::locked_until.eq(None::<PrimitiveDateTime>),
                                notifications::last_error.eq(error.to_string()),
                            ))
                            .execute(c)?;
                        (
                            "notification.retry_scheduled",
                            json!({"attempt": due.attempts, "wait_minutes": wait.whole_minutes()}),
                        )
                    }
                    None => {
                        diesel::update(row)
                            .set((
                                notifications::status.eq("failed"),
                                notifications::locked_until.eq(None::<PrimitiveDateTime>),
                                notifications::last_error.eq(error.to_string()),
                            ))
                            .execute(c)?;
                        ("notification.failed", json!({"attempt": due.attempts, "error": error.to_string()}))
                    }
                }
            }
        };
        audit::append(c, now, AuditEntry::new(Actor::System, action, "notification", due.id).details(details))?;
        Ok(())
    })
}

/// One pass: claims what is due, sends it, records each outcome. Returns how many were tried.
pub fn run_once(conn: &mut DbConnection, transport: &dyn Transport, now: time::OffsetDateTime) -> QueryResult<usize> {
    let now = to_db(now);
    let due = claim_due(conn, now)?;
    for item in &due {
        let outcome = match item.recipient.as_deref() {
            Some(to) => transport.send(to, &item.subject, &item.body),
            None => Err(SendError::Permanent("the holder has no e-mail address".into())),
        };
        if let Err(e) = &outcome {
            tracing::warn!(notification = item.id, error = %e, "notice not sent");
        }
        record(conn, item, outcome, now, transport.name())?;
    }
    Ok(due.len())
}

/// The worker loop inside `serve` and `demo`.
pub async fn run(state: AppState, transport: Arc<dyn Transport>, idle: StdDuration) {
    loop {
        let (pool, clock, transport2) = (state.pool.clone(), state.clock.clone(), transport.clone());
        let result = actix_web::web::block(move || -> anyhow::Result<usize> {
            let mut conn = pool.get()?;
            Ok(run_once(&mut conn, transport2.as_ref(), clock.now())?)
        })
        .await;
        let worked = match result {
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "notification worker failed");
                0
            }
            Err(e) => {
                tracing::error!(error = %e, "notification worker task failed");
                0
            }
        };
        if worked == 0 {
            actix_web::rt::time::sleep(idle).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_then_gives_up() {
        assert_eq!(next_wait(1), Some(Duration::minutes(1)));
        assert_eq!(next_wait(2), Some(Duration::minutes(5)));
        assert_eq!(next_wait(6), Some(Duration::minutes(720)));
        assert_eq!(next_wait(7), None);
        assert_eq!(next_wait(0), None);
    }
}
