//! Outbound requests to the Myna Portal. The app's backend reports that the holder just
//! consented (consent is per use); that opens one request, which runs only while the consent
//! holds and only when the municipal server answers (`domain::myna_request`). Staff watch the
//! queue and may reschedule or cancel, never start a request themselves. Each change is audited
//! with the request, in one transaction.

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::{from_db, to_db};
use crate::db::myna_requests::{self as store, NextState, RequestRow};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::handbook::HandbookKind;
use crate::domain::holder::{HolderStatus, PublicId};
use crate::domain::myna_request::{self as rule, Mode, Plan, State};
use crate::domain::reconcile::Provided;
use crate::error::Fault;
use crate::myna::portal::{MynaPortal, PortalError, PortalRequest};
use crate::services::acting::Acting;

/// The only purpose a consent may carry: checking the registered handbook (art. 2(2)).
pub const PURPOSE: &str = "handbook_verification";

/// A consent the holder just gave in the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentGiven {
    pub purpose: String,
    pub granted_at: OffsetDateTime,
    pub valid_until: OffsetDateTime,
    pub mode: Mode,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("no holder has that public ID")]
    UnknownHolder,
    #[error("the ID has ended")]
    Ended,
    #[error("the consent's purpose is not handbook verification")]
    Purpose,
    #[error("the consent is not valid now")]
    ConsentNotValid,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for OpenError {
    fn from(e: diesel::result::Error) -> Self {
        OpenError::Fault(e.into())
    }
}

fn new_request_id() -> String {
    let bytes: [u8; 16] = rand::random();
    format!("mr-{}", hex::encode(bytes))
}

/// Kinds the portal provides data for (the intellectual handbook: none, today).
fn provided_kinds(provided: &Provided) -> Vec<HandbookKind> {
    HandbookKind::ALL.into_iter().filter(|k| !provided.fields(*k).is_empty()).collect()
}

/// Opens a request on a fresh consent. The holder's unlinked approved handbooks show 申請中
/// while it runs; when the server is closed now the request is planned for its next opening
/// at once, so the screen can say when and why.
pub fn open(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    provided: &Provided,
    public_id: &PublicId,
    consent: &ConsentGiven,
    now: OffsetDateTime,
) -> Result<RequestRow, OpenError> {
    if consent.purpose != PURPOSE {
        return Err(OpenError::Purpose);
    }
    // A consent "given" in the future, or already over, is not one the holder just gave.
    if consent.valid_until <= now || consent.granted_at > now + time::Duration::minutes(5) {
        return Err(OpenError::ConsentNotValid);
    }
    let at = to_db(now);
    write_tx(conn, |c| {
        let holder = db::holders::find_by_public_id(c, public_id.as_str())?.ok_or(OpenError::UnknownHolder)?;
        let holder = db::holders::lock(c, holder.id)?.ok_or(OpenError::UnknownHolder)?;
        if holder.deleted_at.is_some() || matches!(holder.status, HolderStatus::Revoked | HolderStatus::Withdrawn) {
            return Err(OpenError::Ended);
        }
        let request_id = new_request_id();
        let id = store::insert(
            c,
            &store::NewRequest {
                request_id: &request_id,
                holder_id: holder.id,
                mode: consent.mode.code(),
                from_on: consent.mode.from_on(),
                to_on: consent.mode.to_on(),
                purpose: &consent.purpose,
                consent_granted_at: to_db(consent.granted_at),
                consent_valid_until: to_db(consent.valid_until),
                created_at: at,
            },
        )?;
        let pending = db::myna::mark_requested(c, holder.id, &provided_kinds(provided))?;
        let plan = rule::plan(now, consent.valid_until);
        if let Plan::At { at: run, why } = plan {
            store::record(c, id, &NextState::Wait { at: to_db(run), why, error: None }, false)?;
        }
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::App, "myna.requested", "holder", holder.id).details(json!({
                "request_id": request_id,
                "mode": consent.mode.code(),
                "purpose": consent.purpose,
                "valid_until": consent.valid_until.unix_timestamp(),
                "handbooks": pending,
                "plan": plan_code(&plan),
            })),
        )?;
        Ok(store::find(c, id)?.ok_or(Fault::Corrupt("myna_requests"))?)
    })
}

fn plan_code(plan: &Plan) -> serde_json::Value {
    match plan {
        Plan::Now => json!("now"),
        Plan::At { at, why } => json!({"at": at.unix_timestamp(), "why": why.code()}),
        Plan::Lapsed => json!("lapsed"),
    }
}

/// Ends a request that will not run, puts its holder's handbooks that were waiting for it (and
/// got no data) back to 未連携, and audits why.
fn finish(
    c: &mut DbConnection,
    keys: &AuditKeys,
    row: &RequestRow,
    state: State,
    error: Option<&str>,
    at: time::PrimitiveDateTime,
    attempted: bool,
) -> Result<(), Fault> {
    store::record(c, row.id, &NextState::Finished { state, at, error }, attempted)?;
    if !store::has_open(c, row.holder_id, row.id)? {
        db::myna::unmark_requested(c, row.holder_id)?;
    }
    audit::append(
        c,
        keys,
        at,
        AuditEntry::new(Actor::System, "myna.request_ended", "holder", row.holder_id)
            .details(json!({"request_id": row.request_id, "state": state.code(), "error": error})),
    )?;
    Ok(())
}

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

/// Why staff could not change a request.
#[derive(Debug, thiserror::Error)]
pub enum ChangeFailure {
    #[error("照会が見つかりません。")]
    NotFound,
    #[error("この照会は終了しているため変更できません。")]
    Closed,
    #[error("ほかの操作で照会が更新されました。最新の状態を確認してからやり直してください。")]
    Stale,
    #[error("{0}")]
    Refused(rule::Refusal),
    #[error("理由を入力してください。")]
    NoReason,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for ChangeFailure {
    fn from(e: diesel::result::Error) -> Self {
        ChangeFailure::Fault(e.into())
    }
}

fn locked_open(c: &mut DbConnection, id: i64, version: i32) -> Result<RequestRow, ChangeFailure> {
    let row = store::lock(c, id)?.ok_or(ChangeFailure::NotFound)?;
    if !row.state.is_open() {
        return Err(ChangeFailure::Closed);
    }
    if row.version != version {
        return Err(ChangeFailure::Stale);
    }
    Ok(row)
}

/// Staff cancel a request (with a reason; the holder may consent again from the app).
pub fn cancel(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    reason: &str,
    acting: &Acting<'_>,
) -> Result<(), ChangeFailure> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ChangeFailure::NoReason);
    }
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        let row = locked_open(c, id, version)?;
        store::record(c, row.id, &NextState::Finished { state: State::Cancelled, at, error: None }, false)?;
        if !store::has_open(c, row.holder_id, row.id)? {
            db::myna::unmark_requested(c, row.holder_id)?;
        }
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "myna.request_cancelled", "holder", row.holder_id)
                .details(json!({"request_id": row.request_id}))
                .reason(reason)
                .request_id(acting.request_id),
        )?;
        Ok(())
    })
}

/// Staff move a waiting request to `wanted` (the opening after it when the server is closed
/// then); returns when it will run.
pub fn reschedule(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    wanted: OffsetDateTime,
    acting: &Acting<'_>,
) -> Result<OffsetDateTime, ChangeFailure> {
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        let row = locked_open(c, id, version)?;
        if row.state != State::Scheduled {
            return Err(ChangeFailure::Closed);
        }
        let plan =
            rule::reschedule(acting.now, wanted, from_db(row.consent_valid_until)).map_err(ChangeFailure::Refused)?;
        let Plan::At { at: run, why } = plan else { return Err(ChangeFailure::Closed) };
        store::record(c, row.id, &NextState::Wait { at: to_db(run), why, error: None }, false)?;
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "myna.request_rescheduled", "holder", row.holder_id)
                .details(json!({"request_id": row.request_id, "run_at": run.unix_timestamp()}))
                .request_id(acting.request_id),
        )?;
        Ok(run)
    })
}

/// A callback arrived for `request_id` (inside the delivery's transaction): the request it
/// answers is delivered, or, for `unavailable`, waits for the next opening. A callback with no
/// request behind it (the holder consented from the app) changes nothing here.
pub fn delivered(
    c: &mut DbConnection,
    request_id: &str,
    unavailable: bool,
    now: OffsetDateTime,
) -> Result<Option<i64>, Fault> {
    let Some(row) = store::by_request_id(c, request_id)? else { return Ok(None) };
    let row = store::lock(c, row.id)?.unwrap_or(row);
    if !row.state.is_open() {
        return Ok(Some(row.id));
    }
    let at = to_db(now);
    if unavailable {
        match rule::after_unavailable(now, from_db(row.consent_valid_until)) {
            Plan::At { at: run, why } => {
                store::record(c, row.id, &NextState::Wait { at: to_db(run), why, error: Some("unavailable") }, false)?
            }
            _ => store::record(
                c,
                row.id,
                &NextState::Finished { state: State::Lapsed, at, error: Some("unavailable") },
                false,
            )?,
        };
    } else {
        store::record(c, row.id, &NextState::Finished { state: State::Delivered, at, error: None }, false)?;
    }
    Ok(Some(row.id))
}
