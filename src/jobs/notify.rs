//! Sends the notices decisions left in the outbox, with retries and back-off.

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::QueryResult;
use serde_json::json;
use time::{Duration, PrimitiveDateTime};

use super::transport::{SendError, Transport};
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::notifications::{self, AfterAttempt, Due};
use crate::db::{DbConnection, write_tx};

/// Waits after the 1st, 2nd … failed attempt; after the last, the notice is marked failed.
pub const BACKOFF_MINUTES: [i64; 6] = [1, 5, 15, 60, 180, 720];
const LEASE: Duration = Duration::minutes(2);
const BATCH: i64 = 20;

/// The wait before the next attempt, or `None` when attempts are used up.
pub fn next_wait(attempts: i32) -> Option<Duration> {
    usize::try_from(attempts - 1).ok().and_then(|i| BACKOFF_MINUTES.get(i)).map(|m| Duration::minutes(*m))
}

fn record(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    due: &Due,
    token: &str,
    outcome: Result<(), SendError>,
    now: PrimitiveDateTime,
    transport: &str,
) -> QueryResult<()> {
    let error = outcome.as_ref().err().map(ToString::to_string).unwrap_or_default();
    let retry = match &outcome {
        Err(SendError::Temporary(_)) => next_wait(due.attempts),
        Ok(()) | Err(SendError::Permanent(_)) => None,
    };
    let (stored, action, details) = match (&outcome, retry) {
        (Ok(()), _) => {
            (AfterAttempt::Sent, "notification.sent", json!({"attempt": due.attempts, "transport": transport}))
        }
        (Err(_), Some(wait)) => (
            AfterAttempt::RetryAt(now + wait, &error),
            "notification.retry_scheduled",
            json!({"attempt": due.attempts, "wait_minutes": wait.whole_minutes()}),
        ),
        (Err(_), None) => {
            (AfterAttempt::Failed(&error), "notification.failed", json!({"attempt": due.attempts, "error": error}))
        }
    };
    write_tx(conn, |c| {
        if notifications::record(c, due.id, token, stored, now)? == 0 {
            // Another worker took the notice after this one's lease ran out; its record stands.
            tracing::warn!(notification = due.id, "notice lease lost before its outcome was recorded");
            return Ok(());
        }
        audit::append(c, keys, now, AuditEntry::new(Actor::System, action, "notification", due.id).details(details))?;
        Ok(())
    })
}

/// One pass: claims what is due, sends it, records each outcome. Returns how many were tried.
pub fn run_once(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    transport: &dyn Transport,
    now: time::OffsetDateTime,
) -> QueryResult<usize> {
    run_pass(conn, keys, transport, &|| now, &AtomicBool::new(false))
}

/// [`run_once`] that stops between notices once `stop` is set, giving back the rest. Each
/// notice's lease is renewed just before its send: a slow transport can outlast the lease of a
/// batch, and a notice another worker has taken since is skipped, never sent twice.
pub fn run_pass(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    transport: &dyn Transport,
    clock: &dyn Fn() -> time::OffsetDateTime,
    stop: &AtomicBool,
) -> QueryResult<usize> {
    let now = to_db(clock());
    let token = crate::secrets::random::token(16);
    let due = notifications::claim_due(conn, now, LEASE, BATCH, &token)?;
    let mut tried = 0;
    for (index, item) in due.iter().enumerate() {
        if stop.load(Ordering::Acquire) {
            let rest: Vec<i64> = due[index..].iter().map(|d| d.id).collect();
            notifications::release(conn, &rest, &token)?;
            break;
        }
        let now = to_db(clock());
        if !notifications::renew(conn, item.id, &token, now + LEASE)? {
            continue;
        }
        tried += 1;
        let outcome = match item.recipient.as_deref() {
            Some(to) => transport.send(to, &item.subject, &item.body),
            None => Err(SendError::Permanent("the holder has no e-mail address".into())),
        };
        if let Err(e) = &outcome {
            tracing::warn!(notification = item.id, error = %e, "notice not sent");
        }
        record(conn, keys, item, &token, outcome, now, transport.name())?;
    }
    Ok(tried)
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
