//! The few numbers an operator's dashboard watches, each read through an index: how much work
//! waits and since when. Counts only, never a row's content.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{handbooks, myna_requests, notifications};
use crate::domain::handbook::ReviewStatus;
use crate::domain::myna_request::State;
use crate::domain::notice::Delivery;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Registrations waiting for a reviewer.
    pub queue_depth: i64,
    /// When the longest-waiting registration was submitted.
    pub queue_oldest: Option<PrimitiveDateTime>,
    /// Notices waiting for their (next) attempt.
    pub outbox_pending: i64,
    /// Notices given up on.
    pub outbox_failed: i64,
    /// Myna Portal requests scheduled (for the operating window or a retry).
    pub myna_waiting: i64,
    /// Events in the audit chain.
    pub audit_chain_length: i64,
}

pub fn read(conn: &mut DbConnection) -> QueryResult<Gauges> {
    let waiting = ReviewStatus::Submitted.as_str();
    let queue_depth = super::counts::in_status(conn, ReviewStatus::Submitted)?;
    let queue_oldest = handbooks::table
        .filter(handbooks::status.eq(waiting))
        .order((handbooks::submitted_at.asc(), handbooks::id.asc()))
        .select(handbooks::submitted_at)
        .first(conn)
        .optional()?;
    let outbox = |conn: &mut DbConnection, delivery: Delivery| -> QueryResult<i64> {
        notifications::table.filter(notifications::status.eq(delivery.as_str())).count().get_result(conn)
    };
    let outbox_pending = outbox(conn, Delivery::Pending)?;
    let outbox_failed = outbox(conn, Delivery::Failed)?;
    let myna_waiting =
        myna_requests::table.filter(myna_requests::state.eq(State::Scheduled.code())).count().get_result(conn)?;
    let audit_chain_length = super::audit::head(conn)?.0;
    Ok(Gauges { queue_depth, queue_oldest, outbox_pending, outbox_failed, myna_waiting, audit_chain_length })
}
