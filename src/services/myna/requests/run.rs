//! The worker's pass over the requests that are due: each taken with a lease, planned again,
//! sent when the municipal server answers, and what came of it recorded.

use serde_json::json;
use time::OffsetDateTime;

use super::finish;
use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::{from_db, to_db};
use crate::db::myna_requests::{self as store, NextState, RequestRow};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::myna_request::{self as rule, Mode, Plan, State};
use crate::error::Fault;
use crate::myna::portal::{MynaPortal, PortalError, PortalRequest};

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub waiting: usize,
    pub ended: usize,
}

/// Why a pass of the worker stopped short.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the database work of a request run did not finish")]
    Blocking(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Fault(#[from] Fault),
}

/// Runs every request due at `now`: each is taken with a lease, planned again (the hours, the
/// consent), sent if the server answers, and its outcome recorded with an audit event.
pub async fn run_due(
    pool: &db::Pool,
    portal: &dyn MynaPortal,
    keys: &std::sync::Arc<AuditKeys>,
    now: OffsetDateTime,
) -> Result<Pass, RunError> {
    let mut pass = Pass::default();
    let taken = {
        let (pool, at) = (pool.clone(), to_db(now));
        tokio::task::spawn_blocking(move || -> Result<Vec<store::Listed>, Fault> {
            let mut conn = pool.get()?;
            let lease = to_db(now + time::Duration::minutes(2));
            let mut rows = Vec::new();
            for id in store::due(&mut conn, at, 20)? {
                if let Some(row) = store::take(&mut conn, id, at, lease)? {
                    rows.push(row);
                }
            }
            Ok(rows)
        })
        .await??
    };
    for store::Listed { row, public_id } in taken {
        let valid_until = from_db(row.consent_valid_until);
        let plan = rule::plan(now, valid_until);
        let sent = match plan {
            Plan::Now => Some(portal.send(&portal_request(&row, public_id)?).await),
            _ => None,
        };
        let (pool, keys) = (pool.clone(), keys.clone());
        let outcome = tokio::task::spawn_blocking(move || -> Result<&'static str, Fault> {
            let mut conn = pool.get()?;
            record_run(&mut conn, &keys, &row, plan, sent, now)
        })
        .await??;
        match outcome {
            "sent" => pass.sent += 1,
            "waiting" => pass.waiting += 1,
            _ => pass.ended += 1,
        }
    }
    Ok(pass)
}

fn portal_request(row: &RequestRow, public_id: String) -> Result<PortalRequest, Fault> {
    let mode = Mode::from_parts(&row.mode, row.from_on, row.to_on).ok_or(Fault::Corrupt("myna_requests.mode"))?;
    Ok(PortalRequest {
        request_id: row.request_id.clone(),
        holder_public_id: public_id,
        mode,
        purpose: row.purpose.clone(),
        granted_at: from_db(row.consent_granted_at),
        valid_until: from_db(row.consent_valid_until),
    })
}

/// Records what a run came to; returns `sent`, `waiting` or `ended`.
fn record_run(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    row: &RequestRow,
    plan: Plan,
    sent: Option<Result<(), PortalError>>,
    now: OffsetDateTime,
) -> Result<&'static str, Fault> {
    let at = to_db(now);
    let valid_until = from_db(row.consent_valid_until);
    write_tx(conn, |c| {
        let Some(current) = store::lock(c, row.id)? else { return Ok("ended") };
        if current.state != State::Scheduled {
            // The portal may call back before we get here: the send still happened.
            if current.state == State::Delivered && matches!((plan, &sent), (Plan::Now, Some(Ok(())))) {
                store::count_attempt(c, row.id)?;
                audit::append(
                    c,
                    keys,
                    at,
                    AuditEntry::new(Actor::System, "myna.request_sent", "holder", row.holder_id)
                        .details(json!({"request_id": row.request_id, "answered_first": true})),
                )?;
                return Ok("sent");
            }
            // Otherwise a member of staff closed it while it was out: theirs is the last word.
            return Ok("ended");
        }
        let next = match (plan, sent) {
            (Plan::Lapsed, _) => {
                finish(c, keys, row, State::Lapsed, None, at, false)?;
                return Ok("ended");
            }
            (Plan::At { at: run, why }, _) => Some((run, why, None)),
            (Plan::Now, Some(Ok(()))) => None,
            (Plan::Now, Some(Err(PortalError::Unavailable))) => match rule::after_unavailable(now, valid_until) {
                Plan::At { at: run, why } => Some((run, why, Some("unavailable".to_owned()))),
                _ => {
                    finish(c, keys, row, State::Lapsed, Some("unavailable"), at, true)?;
                    return Ok("ended");
                }
            },
            (Plan::Now, Some(Err(PortalError::Transport(e)))) => {
                match rule::after_transport(now, row.attempts + 1, valid_until) {
                    Some(Plan::At { at: run, why }) => Some((run, why, Some(e))),
                    Some(_) => {
                        finish(c, keys, row, State::Lapsed, Some(&e), at, true)?;
                        return Ok("ended");
                    }
                    None => {
                        finish(c, keys, row, State::Failed, Some(&e), at, true)?;
                        return Ok("ended");
                    }
                }
            }
            (Plan::Now, Some(Err(PortalError::Refused(code)))) => {
                finish(c, keys, row, State::Failed, Some(&code), at, true)?;
                return Ok("ended");
            }
            (Plan::Now, None) => return Ok("waiting"),
        };
        let attempted = matches!(plan, Plan::Now);
        match next {
            None => {
                store::record(c, row.id, &NextState::Sent { at }, attempted)?;
                audit::append(
                    c,
                    keys,
                    at,
                    AuditEntry::new(Actor::System, "myna.request_sent", "holder", row.holder_id)
                        .details(json!({"request_id": row.request_id})),
                )?;
                Ok("sent")
            }
            Some((run, why, error)) => {
                store::record(c, row.id, &NextState::Wait { at: to_db(run), why, error: error.as_deref() }, attempted)?;
                // Waiting again for the same reason is not news; a new reason or a failure is.
                if current.wait_reason != Some(why) || error.is_some() {
                    audit::append(
                        c,
                        keys,
                        at,
                        AuditEntry::new(Actor::System, "myna.request_waiting", "holder", row.holder_id).details(
                            json!({"request_id": row.request_id, "why": why.code(), "run_at": run.unix_timestamp(), "error": error}),
                        ),
                    )?;
                }
                Ok("waiting")
            }
        }
    })
}
