//! Events that record a read (a view of a holder, a registration, a photo or portal data; a
//! search) are the only write of their transaction. Requests reading at the same time hand
//! theirs to whichever of them holds the turn, which appends them all in one transaction: one
//! commit instead of one per request (group commit).
//!
//! Nothing is weaker for it: each request returns only once the transaction holding its event
//! committed, and fails if it failed. What it saves is the write lock's hand-overs and, on
//! SQLite, the page caches of every other connection, which a commit empties.

use std::sync::{Arc, Mutex, PoisonError};

use diesel::QueryResult;
use serde_json::Value;
use time::PrimitiveDateTime;

use super::chain::Actor;
use super::{AuditEntry, AuditKeys};
use crate::db::{DbConnection, write_tx};

/// The events waiting for a turn, and the turn itself.
#[derive(Default)]
pub struct ReadBatch {
    waiting: Mutex<Vec<Arc<Waiting>>>,
    turn: Mutex<()>,
}

/// One request's event, owned so another thread can append it.
struct Waiting {
    at: PrimitiveDateTime,
    actor: Actor,
    action: String,
    target_type: String,
    target_id: String,
    reason: Option<String>,
    details: Value,
    request_id: Option<String>,
    /// The event's sequence number once committed, or why it was not.
    outcome: Mutex<Option<Result<i64, String>>>,
}

impl Waiting {
    fn entry(&self) -> AuditEntry<'_> {
        AuditEntry {
            actor: self.actor.clone(),
            action: &self.action,
            target_type: &self.target_type,
            target_id: self.target_id.clone(),
            reason: self.reason.as_deref(),
            details: self.details.clone(),
            request_id: self.request_id.as_deref(),
        }
    }

    fn outcome(&self) -> Option<Result<i64, String>> {
        self.outcome.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn settle(&self, outcome: Result<i64, String>) {
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
    }
}

/// Appends `entry`, which records a read and is its transaction's only write, together with
/// the events of other requests doing the same; returns once it is committed.
pub fn append_read(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    at: PrimitiveDateTime,
    entry: AuditEntry<'_>,
) -> QueryResult<i64> {
    let batch = keys.reads();
    let mine = Arc::new(Waiting {
        at,
        actor: entry.actor,
        action: entry.action.to_owned(),
        target_type: entry.target_type.to_owned(),
        target_id: entry.target_id,
        reason: entry.reason.map(str::to_owned),
        details: entry.details,
        request_id: entry.request_id.map(str::to_owned),
        outcome: Mutex::new(None),
    });
    batch.waiting.lock().unwrap_or_else(PoisonError::into_inner).push(mine.clone());
    // Whoever holds the turn settles every event it took before letting go, so by the time
    // this request has it, its event is either settled or still waiting.
    let _turn = batch.turn.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(outcome) = mine.outcome() {
        return outcome.map_err(failed);
    }
    let mut taken = Vec::new();
    let written = write_tx(conn, |c| {
        // Taken once the write lock is held: everything that arrived meanwhile goes too.
        taken = std::mem::take(&mut *batch.waiting.lock().unwrap_or_else(PoisonError::into_inner));
        taken.iter().map(|w| super::append(c, keys, w.at, w.entry())).collect::<QueryResult<Vec<i64>>>()
    });
    match written {
        Ok(seqs) => taken.iter().zip(seqs).for_each(|(w, seq)| w.settle(Ok(seq))),
        Err(e) => taken.iter().for_each(|w| w.settle(Err(e.to_string()))),
    }
    mine.outcome().unwrap_or_else(|| Err("the audit event was not appended".into())).map_err(failed)
}

fn failed(reason: String) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(reason.into())
}
