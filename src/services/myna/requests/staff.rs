//! What staff may do with a request: cancel it, or move it to a later opening.

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::{from_db, to_db};
use crate::db::myna_requests::{self as store, NextState, RequestRow};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::myna_request::{self as rule, Plan, State};
use crate::error::Fault;
use crate::services::acting::Acting;

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
