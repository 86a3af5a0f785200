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

mod run;
mod staff;

pub use self::run::{Pass, RunError, run_due};
pub use self::staff::{ChangeFailure, cancel, reschedule};

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
pub(super) fn finish(
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
