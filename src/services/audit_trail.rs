//! The compliance auditors' use of the audit trail (`/audit`): browsing it newest first by
//! keyset, a holder's events with those of its registrations, and verifying the chain, which is
//! itself recorded (`audit.verified`) in the trail it checked.

use std::path::Path;

use serde_json::json;

use crate::audit::{self, Actor, AuditEntry, VerifyError, VerifyReport};
use crate::clock::to_db;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::holder::PublicId;
use crate::error::Fault;
use crate::services::acting::Acting;

pub use crate::db::audit::{ActorFilter, BrowsedEvent, Filter};

/// The most registrations of one holder a holder filter covers.
const HANDBOOKS_PER_HOLDER: i64 = 500;

/// A holder filter's scope: the holder's row id and its registrations' ids, or `None` when no
/// holder has this public ID.
pub fn holder_scope(conn: &mut DbConnection, public_id: &PublicId) -> Result<Option<(i64, Vec<i64>)>, Fault> {
    let Some(holder) = db::holders::find_by_public_id(conn, public_id.as_str())? else { return Ok(None) };
    let handbooks =
        db::handbooks::of_holder(conn, holder.id, HANDBOOKS_PER_HOLDER)?.into_iter().map(|h| h.id).collect();
    Ok(Some((holder.id, handbooks)))
}

/// Events matching `filter`, newest first, before the `(occurred_at, seq)` keyset.
pub fn browse(
    conn: &mut DbConnection,
    filter: &Filter,
    before: Option<(time::PrimitiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<BrowsedEvent>, Fault> {
    Ok(db::audit::browse(conn, filter, before, limit)?)
}

/// Runs the same check as `handbook-admin audit verify` and records that it ran, with its
/// result. A broken chain is the check's answer (`Ok(Err(..))`), not a fault of this call.
pub fn verify(
    conn: &mut DbConnection,
    checkpoints: &Path,
    acting: &Acting<'_>,
) -> Result<Result<VerifyReport, VerifyError>, Fault> {
    let result = audit::verify(conn, acting.audit, checkpoints);
    let (ok, summary) = match &result {
        Ok(r) => (true, format!("{} events, {} checkpoints", r.events, r.checkpoints)),
        Err(e) => (false, e.to_string()),
    };
    write_tx(conn, |c| {
        audit::append(
            c,
            acting.audit,
            to_db(acting.now),
            AuditEntry::new(Actor::Staff(acting.staff_id), "audit.verified", "audit", "chain")
                .details(json!({"intact": ok, "result": summary}))
                .request_id(acting.request_id),
        )
    })?;
    Ok(result)
}
