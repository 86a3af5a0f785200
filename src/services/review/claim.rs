//! Taking, renewing, releasing and reassigning registrations.

use serde_json::json;

use super::{Acting, ReviewFailure, claim_state};
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::handbook::HandbookKind;
use crate::domain::review::{self, LEASE, ReviewError};

/// The oldest registration nobody holds, claimed for the acting reviewer.
pub fn take_next(
    conn: &mut DbConnection,
    acting: &Acting<'_>,
    kind: Option<HandbookKind>,
) -> Result<Option<i64>, ReviewFailure> {
    if !acting.role.may_review() {
        return Err(ReviewError::NotAllowed.into());
    }
    let (now, until) = (to_db(acting.now), to_db(acting.now + LEASE));
    write_tx(conn, |c| {
        let Some((id, from)) = db::queue::take_next(c, acting.staff_id, kind, now, until)? else {
            return Ok(None);
        };
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.claimed", "handbook", id)
                .details(json!({"via": "take_next", "from": from.as_str()}))
                .request_id(acting.request_id),
        )?;
        Ok(Some(id))
    })
}

/// Claims one registration, or renews the acting reviewer's own lease on it. Returns whether
/// it was a renewal.
pub fn claim(conn: &mut DbConnection, id: i64, acting: &Acting<'_>) -> Result<bool, ReviewFailure> {
    let (now, until) = (to_db(acting.now), to_db(acting.now + LEASE));
    write_tx(conn, |c| {
        let row = db::handbooks::lock(c, id)?.ok_or(ReviewFailure::NotFound)?;
        let state = claim_state(&row);
        review::may_claim(&state, acting.staff_id, acting.role, acting.now)?;
        let renewal = state.held_by(acting.staff_id, acting.now);
        // A registration parked for a supervisor is a supervisor's to take; taking it ends the
        // hold (the claim's audit event says who took it).
        if !renewal && db::queue::hold_of(c, id)?.is_some() {
            if acting.role != crate::domain::staff::Role::Supervisor {
                return Err(ReviewError::OnHold.into());
            }
            db::queue::unhold(c, id)?;
        }
        db::queue::claim(c, id, acting.staff_id, now, until)?;
        // Renewals keep a lease alive while someone works; they change nothing of substance
        // and are not audited, so a long review does not bury the trail in heartbeats.
        if !renewal {
            audit::append(
                c,
                acting.audit,
                now,
                AuditEntry::new(Actor::Staff(acting.staff_id), "registration.claimed", "handbook", id)
                    .details(json!({"via": "claim", "previous_holder": row.claimed_by}))
                    .request_id(acting.request_id),
            )?;
        }
        Ok(renewal)
    })
}

pub fn release(conn: &mut DbConnection, id: i64, acting: &Acting<'_>) -> Result<(), ReviewFailure> {
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        let row = db::handbooks::lock(c, id)?.ok_or(ReviewFailure::NotFound)?;
        review::may_work(&claim_state(&row), acting.staff_id, acting.role, acting.now)?;
        db::queue::release(c, id, acting.staff_id, now)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.released", "handbook", id)
                .request_id(acting.request_id),
        )?;
        Ok(())
    })
}

/// A supervisor gives the registration to another reviewer (or supervisor).
pub fn reassign(conn: &mut DbConnection, id: i64, to_staff: i64, acting: &Acting<'_>) -> Result<(), ReviewFailure> {
    let (now, until) = (to_db(acting.now), to_db(acting.now + LEASE));
    write_tx(conn, |c| {
        let row = db::handbooks::lock(c, id)?.ok_or(ReviewFailure::NotFound)?;
        let assignee = db::staff::find(c, to_staff)?.map(|s| (s.role, s.active));
        review::may_reassign(&claim_state(&row), acting.role, assignee)?;
        db::queue::claim(c, id, to_staff, now, until)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.reassigned", "handbook", id)
                .details(json!({"from": row.claimed_by, "to": to_staff}))
                .request_id(acting.request_id),
        )?;
        Ok(())
    })
}

/// Why a hold was not placed.
#[derive(Debug, thiserror::Error)]
pub enum HoldFailure {
    #[error("保留の理由を入力してください（責任者が読みます）。")]
    NoReason,
    #[error(transparent)]
    Review(#[from] ReviewFailure),
}

/// The reviewer who holds a registration parks it for a supervisor (保留（責任者確認）) with a
/// reason: it goes back to waiting, and take-next passes it by until a supervisor lifts it.
pub fn hold(conn: &mut DbConnection, id: i64, reason: &str, acting: &Acting<'_>) -> Result<(), HoldFailure> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(HoldFailure::NoReason);
    }
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        let row = db::handbooks::lock(c, id)?.ok_or(ReviewFailure::NotFound)?;
        review::may_work(&claim_state(&row), acting.staff_id, acting.role, acting.now).map_err(ReviewFailure::from)?;
        db::queue::hold(c, id, acting.staff_id, reason, now)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.held", "handbook", id)
                .reason(reason)
                .request_id(acting.request_id),
        )?;
        Ok(())
    })
}

/// A supervisor lifts a hold: the registration waits for take-next again.
pub fn unhold(conn: &mut DbConnection, id: i64, acting: &Acting<'_>) -> Result<(), ReviewFailure> {
    if acting.role != crate::domain::staff::Role::Supervisor {
        return Err(ReviewError::NotAllowed.into());
    }
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        db::handbooks::lock(c, id)?.ok_or(ReviewFailure::NotFound)?;
        if db::queue::unhold(c, id)? > 0 {
            audit::append(
                c,
                acting.audit,
                now,
                AuditEntry::new(Actor::Staff(acting.staff_id), "registration.unheld", "handbook", id)
                    .request_id(acting.request_id),
            )?;
        }
        Ok(())
    })
}

impl From<diesel::result::Error> for HoldFailure {
    fn from(e: diesel::result::Error) -> Self {
        HoldFailure::Review(e.into())
    }
}
