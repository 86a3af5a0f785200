//! The review workflow: claiming registrations, transcribing them, deciding. Each change
//! runs in one write transaction with its audit event (and, for decisions, its notice and any
//! sanction proposal).

pub mod claim;
pub mod decide;
pub mod transcribe;
pub mod view;

use time::OffsetDateTime;

use crate::db::handbooks::HandbookRow;
use crate::domain::handbook::ReviewStatus;
use crate::domain::review::{ClaimState, ReviewError};
use crate::domain::staff::Role;
use crate::error::AppError;

/// Who acts, and when.
#[derive(Clone, Copy)]
pub struct Acting<'a> {
    pub staff_id: i64,
    pub role: Role,
    pub now: OffsetDateTime,
    pub request_id: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewFailure {
    #[error(transparent)]
    Rule(#[from] ReviewError),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<diesel::result::Error> for ReviewFailure {
    fn from(e: diesel::result::Error) -> Self {
        ReviewFailure::App(e.into())
    }
}

pub fn claim_state(row: &HandbookRow) -> ClaimState {
    ClaimState {
        status: ReviewStatus::parse(&row.status).unwrap_or(ReviewStatus::Rejected),
        claimed_by: row.claimed_by,
        claim_expires_at: row.claim_expires_at.map(crate::clock::from_db),
    }
}
