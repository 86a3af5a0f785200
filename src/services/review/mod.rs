//! The review workflow: claiming registrations, transcribing them, deciding. Each change
//! runs in one write transaction with its audit event (and, for decisions, its notice and any
//! sanction proposal).

pub mod claim;
pub mod decide;
pub mod face;
pub mod transcribe;
pub mod view;

use crate::db::handbooks::HandbookRow;
use crate::db::{self, DbConnection};
use crate::domain::review::{ClaimState, ReviewError};
use crate::error::Fault;

pub use crate::services::acting::Acting;

/// Why a review action did not happen: a rule said no (the screen explains it), the
/// registration does not exist, or something broke.
#[derive(Debug, thiserror::Error)]
pub enum ReviewFailure {
    #[error(transparent)]
    Rule(#[from] ReviewError),
    #[error("no such registration")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for ReviewFailure {
    fn from(e: diesel::result::Error) -> Self {
        ReviewFailure::Fault(e.into())
    }
}

pub fn claim_state(row: &HandbookRow) -> ClaimState {
    ClaimState {
        status: row.status,
        claimed_by: row.claimed_by,
        claim_expires_at: row.claim_expires_at.map(crate::clock::from_db),
        uploaded_by: row.uploaded_by,
    }
}

/// Locks the registration (and first its holder: the lock order of every writer, so two never
/// deadlock) and reads it as it is now.
fn lock_registration(conn: &mut DbConnection, id: i64) -> Result<HandbookRow, ReviewFailure> {
    let holder_id = db::handbooks::holder_of(conn, id)?.ok_or(ReviewFailure::NotFound)?;
    db::holders::lock(conn, holder_id)?;
    db::handbooks::lock(conn, id)?.ok_or(ReviewFailure::NotFound)
}

/// The ID ended (withdrawn, revoked or deleted): its open registrations are closed, so nobody
/// reviews or resubmits for an ID that can no longer be used. Runs in the caller's transaction,
/// under the holder's lock, with an audit event per registration.
pub fn close_for_ended_id(
    c: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    holder_id: i64,
    actor: &crate::audit::Actor,
    at: time::PrimitiveDateTime,
    request_id: Option<&str>,
) -> Result<usize, Fault> {
    let closed = db::handbooks::close_open_of_holder(c, holder_id, at)?;
    for id in &closed {
        crate::audit::append(
            c,
            keys,
            at,
            crate::audit::AuditEntry::new(actor.clone(), "registration.closed", "handbook", id)
                .details(serde_json::json!({"holder_id": holder_id}))
                .request_id(request_id),
        )?;
    }
    Ok(closed.len())
}
