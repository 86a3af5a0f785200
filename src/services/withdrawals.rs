//! Withdrawal (退会) by staff, as a four-eyes act. A supervisor proposes it with a reason and a
//! note (from the holder's profile or a work list, naming the other ID of a reissue); another
//! supervisor approves it and only then does the ID end. The app's own withdrawal, which the
//! holder asked for, stays immediate (`services::holders::withdraw`).

use serde_json::json;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::withdrawals::NewProposal;
pub use crate::db::withdrawals::{IdSummary, WaitingLine};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::holder_state::{Event, GateRefusal, WithdrawalReason};
use crate::domain::sanctions::{self, SanctionError, SanctionState};
use crate::domain::staff::Role;
use crate::error::Fault;
use crate::services::acting::Acting;
use crate::services::holders::WithdrawFailure;

/// Why a proposal or a decision did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WithdrawalFailure {
    #[error(transparent)]
    Rule(#[from] SanctionError),
    #[error(transparent)]
    Gate(#[from] GateRefusal),
    #[error("no such holder or proposal")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for WithdrawalFailure {
    fn from(e: diesel::result::Error) -> Self {
        WithdrawalFailure::Fault(e.into())
    }
}

impl From<WithdrawFailure> for WithdrawalFailure {
    fn from(e: WithdrawFailure) -> Self {
        match e {
            WithdrawFailure::NotFound => WithdrawalFailure::NotFound,
            WithdrawFailure::Gate(g) => WithdrawalFailure::Gate(g),
            WithdrawFailure::Fault(f) => WithdrawalFailure::Fault(f),
        }
    }
}

/// What a supervisor proposes.
pub struct Proposal<'a> {
    pub holder_id: i64,
    pub reason: WithdrawalReason,
    pub note: &'a str,
    /// The other ID of a work-list pair (the new ID of a reissue).
    pub related_holder_id: Option<i64>,
}

/// Records a proposal to withdraw an ID; nothing changes for the holder yet. Refused for an
/// ID the gate would not let end this way (already ended) and while another proposal waits.
pub fn propose(conn: &mut DbConnection, p: &Proposal<'_>, acting: &Acting<'_>) -> Result<i64, WithdrawalFailure> {
    if acting.role != Role::Supervisor {
        return Err(SanctionError::NotAllowedForRole.into());
    }
    sanctions::check_note(p.note)?;
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        let holder = db::holders::lock(c, p.holder_id)?.ok_or(WithdrawalFailure::NotFound)?;
        db::sanctions::holder_state(c, &holder)?.apply(Event::Withdraw)?;
        if let Some(related) = p.related_holder_id
            && (related == p.holder_id || db::holders::find(c, related)?.is_none())
        {
            return Err(WithdrawalFailure::NotFound);
        }
        if db::withdrawals::pending_of(c, p.holder_id)?.is_some() {
            return Err(SanctionError::AlreadyProposed.into());
        }
        let id = db::withdrawals::insert(
            c,
            &NewProposal {
                holder_id: p.holder_id,
                reason: p.reason,
                note: p.note.trim(),
                related_holder_id: p.related_holder_id,
                proposed_by: acting.staff_id,
                proposed_at: now,
            },
        )?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "withdrawal.proposed", "holder", p.holder_id)
                .details(json!({
                    "proposal_id": id,
                    "reason": p.reason.code(),
                    "related_holder_id": p.related_holder_id,
                }))
                .request_id(acting.request_id),
        )?;
        Ok(id)
    })
}

/// The second supervisor's decision: never the proposer's, exactly once. An approval ends the ID
/// in the same transaction (through the gate: an ID revoked meanwhile stays revoked).
pub fn decide(
    conn: &mut DbConnection,
    proposal_id: i64,
    approve: bool,
    note: &str,
    acting: &Acting<'_>,
) -> Result<SanctionState, WithdrawalFailure> {
    if acting.role != Role::Supervisor {
        return Err(SanctionError::NotAllowedForRole.into());
    }
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        // Lock order as everywhere: the holder first.
        let holder_id = db::withdrawals::holder_of(c, proposal_id)?.ok_or(WithdrawalFailure::NotFound)?;
        db::holders::lock(c, holder_id)?.ok_or(WithdrawalFailure::NotFound)?;
        let proposal = db::withdrawals::find(c, proposal_id)?.ok_or(WithdrawalFailure::NotFound)?;
        sanctions::may_decide(proposal.state, Some(proposal.proposed_by), acting.staff_id)?;
        if crate::services::accounts::appointed_by_proposer(c, proposal.proposed_by, acting.staff_id)? {
            return Err(SanctionError::AppointedByProposer.into());
        }
        let outcome = if approve { SanctionState::Applied } else { SanctionState::Rejected };
        if db::withdrawals::decided(c, proposal_id, outcome, Some(acting.staff_id), now, note.trim())? == 0 {
            return Err(SanctionError::AlreadyDecided.into());
        }
        let actor = Actor::Staff(acting.staff_id);
        if approve {
            crate::services::holders::withdraw_in(
                c,
                holder_id,
                proposal.reason,
                &actor,
                now,
                acting.request_id,
                acting.audit,
            )?;
        }
        let action = if approve { "withdrawal.approved" } else { "withdrawal.rejected" };
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(actor, action, "holder", holder_id)
                .details(json!({"proposal_id": proposal_id, "reason": proposal.reason.code()}))
                .request_id(acting.request_id),
        )?;
        Ok(outcome)
    })
}

/// Closes the proposal waiting on an ID that ended another way (the holder withdrew through
/// the app, a deletion was approved): nobody can approve it any more.
pub fn close_for_ended_id(
    c: &mut DbConnection,
    ended: &crate::services::sanctions::Ended<'_>,
    keys: &crate::audit::AuditKeys,
) -> Result<(), Fault> {
    let Some(id) = db::withdrawals::pending_of(c, ended.holder_id)? else { return Ok(()) };
    if db::withdrawals::decided(
        c,
        id,
        SanctionState::Rejected,
        None,
        ended.at,
        "IDが終了したため、承認できなくなりました。",
    )? > 0
    {
        audit::append(
            c,
            keys,
            ended.at,
            AuditEntry::new(ended.actor.clone(), "withdrawal.closed", "holder", ended.holder_id)
                .details(json!({"proposal_id": id}))
                .request_id(ended.request_id),
        )?;
    }
    Ok(())
}

/// The approval list: proposals waiting, oldest first, with every ID they involve (the holder's
/// and the related one) summarised for the side-by-side view. Three queries.
pub fn waiting(conn: &mut DbConnection, limit: i64) -> Result<(Vec<WaitingLine>, Vec<IdSummary>), Fault> {
    let lines = db::withdrawals::waiting(conn, limit)?;
    let ids: Vec<i64> = lines.iter().flat_map(|l| std::iter::once(l.holder_id).chain(l.related_holder_id)).collect();
    let summaries = db::withdrawals::summaries(conn, &ids)?;
    Ok((lines, summaries))
}

/// What the proposal form shows of the ID and of the related one.
pub fn summaries(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<IdSummary>, Fault> {
    Ok(db::withdrawals::summaries(conn, ids)?)
}
