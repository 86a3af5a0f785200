//! Withdrawals proposed by staff, waiting for a second supervisor (`withdrawal_proposals`),
//! and what the approval screen shows of the IDs involved.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{handbook_fields, handbooks, holders, staff, withdrawal_proposals};
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::holder::HolderStatus;
use crate::domain::holder_state::WithdrawalReason;
use crate::domain::sanctions::SanctionState;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = withdrawal_proposals)]
pub struct ProposalRow {
    pub id: i64,
    pub holder_id: i64,
    pub reason: WithdrawalReason,
    pub note: String,
    pub related_holder_id: Option<i64>,
    pub state: SanctionState,
    pub proposed_by: i64,
    pub proposed_at: PrimitiveDateTime,
}

pub struct NewProposal<'a> {
    pub holder_id: i64,
    pub reason: WithdrawalReason,
    pub note: &'a str,
    pub related_holder_id: Option<i64>,
    pub proposed_by: i64,
    pub proposed_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewProposal<'_>) -> QueryResult<i64> {
    diesel::insert_into(withdrawal_proposals::table)
        .values((
            withdrawal_proposals::holder_id.eq(new.holder_id),
            withdrawal_proposals::reason.eq(new.reason.code()),
            withdrawal_proposals::note.eq(new.note),
            withdrawal_proposals::related_holder_id.eq(new.related_holder_id),
            withdrawal_proposals::state.eq(SanctionState::Proposed.code()),
            withdrawal_proposals::proposed_by.eq(new.proposed_by),
            withdrawal_proposals::proposed_at.eq(new.proposed_at),
        ))
        .returning(withdrawal_proposals::id)
        .get_result(conn)
}

/// The proposal waiting for this ID, if any.
pub fn pending_of(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Option<i64>> {
    withdrawal_proposals::table
        .filter(withdrawal_proposals::holder_id.eq(holder_id))
        .filter(withdrawal_proposals::state.eq(SanctionState::Proposed.code()))
        .select(withdrawal_proposals::id)
        .first(conn)
        .optional()
}

pub fn holder_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    withdrawal_proposals::table.find(id).select(withdrawal_proposals::holder_id).first(conn).optional()
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ProposalRow>> {
    withdrawal_proposals::table.find(id).select(ProposalRow::as_select()).first(conn).optional()
}

/// Records the decision on a proposal still waiting; 0 rows when it was decided meanwhile.
pub fn decided(
    conn: &mut DbConnection,
    id: i64,
    outcome: SanctionState,
    by: Option<i64>,
    at: PrimitiveDateTime,
    note: &str,
) -> QueryResult<usize> {
    diesel::update(
        withdrawal_proposals::table.find(id).filter(withdrawal_proposals::state.eq(SanctionState::Proposed.code())),
    )
    .set((
        withdrawal_proposals::state.eq(outcome.code()),
        withdrawal_proposals::decided_by.eq(by),
        withdrawal_proposals::decided_at.eq(at),
        withdrawal_proposals::decision_note.eq(note),
    ))
    .execute(conn)
}

/// A waiting proposal as the approval list shows it.
#[derive(Queryable, Debug, Clone)]
pub struct WaitingLine {
    pub id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub reason: WithdrawalReason,
    pub note: String,
    pub related_holder_id: Option<i64>,
    pub proposed_by: i64,
    pub proposed_by_name: String,
    pub proposed_at: PrimitiveDateTime,
}

/// Proposals waiting, oldest first.
pub fn waiting(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<WaitingLine>> {
    withdrawal_proposals::table
        .inner_join(holders::table.on(holders::id.eq(withdrawal_proposals::holder_id)))
        .inner_join(staff::table.on(staff::id.eq(withdrawal_proposals::proposed_by)))
        .filter(withdrawal_proposals::state.eq(SanctionState::Proposed.code()))
        .select((
            withdrawal_proposals::id,
            withdrawal_proposals::holder_id,
            holders::public_id,
            withdrawal_proposals::reason,
            withdrawal_proposals::note,
            withdrawal_proposals::related_holder_id,
            withdrawal_proposals::proposed_by,
            staff::display_name,
            withdrawal_proposals::proposed_at,
        ))
        .order((withdrawal_proposals::proposed_at.asc(), withdrawal_proposals::id.asc()))
        .limit(limit)
        .load(conn)
}

/// One ID as the approval screen sets it beside another.
#[derive(Debug, Clone)]
pub struct IdSummary {
    pub holder_id: i64,
    pub public_id: String,
    pub status: HolderStatus,
    pub registered_at: PrimitiveDateTime,
    /// Live registrations: kind, review status and the issue date transcribed, if any.
    pub handbooks: Vec<(HandbookKind, ReviewStatus, Option<time::Date>)>,
}

/// The IDs `ids`, in two queries whatever their number.
pub fn summaries(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<IdSummary>> {
    let rows: Vec<(i64, String, HolderStatus, PrimitiveDateTime)> = holders::table
        .filter(holders::id.eq_any(ids))
        .select((holders::id, holders::public_id, holders::status, holders::created_at))
        .load(conn)?;
    let books: Vec<(i64, HandbookKind, ReviewStatus, Option<time::Date>)> = handbooks::table
        .left_join(handbook_fields::table)
        .filter(handbooks::holder_id.eq_any(ids))
        .filter(handbooks::status.eq_any(ReviewStatus::LIVE.iter().map(|s| s.as_str())))
        .order((handbooks::holder_id.asc(), handbooks::id.asc()))
        .select((handbooks::holder_id, handbooks::kind, handbooks::status, handbook_fields::issued_on.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(holder_id, public_id, status, registered_at)| IdSummary {
            holder_id,
            public_id,
            status,
            registered_at,
            handbooks: books.iter().filter(|b| b.0 == holder_id).map(|b| (b.1, b.2, b.3)).collect(),
        })
        .collect())
}
