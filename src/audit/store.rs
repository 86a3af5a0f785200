//! Appending to and verifying the chain in the database.

use diesel::QueryResult;
use serde_json::Value;
use time::PrimitiveDateTime;

use std::path::Path;

use super::chain::{Actor, Content, GENESIS_HASH};
use super::checkpoint;
use super::keys::AuditKeys;
use crate::db::DbConnection;
use crate::db::audit::{self as store, AuditEventRow};

/// One event to record. Details must not carry personal data (names, numbers, e-mails):
/// ids and codes only.
pub struct AuditEntry<'a> {
    pub actor: Actor,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub reason: Option<&'a str>,
    pub details: Value,
    pub request_id: Option<&'a str>,
}

impl<'a> AuditEntry<'a> {
    pub fn new(actor: Actor, action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Self {
            actor,
            action,
            target_type,
            target_id: target_id.to_string(),
            reason: None,
            details: Value::Object(Default::default()),
            request_id: None,
        }
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn reason(mut self, reason: &'a str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn request_id(mut self, request_id: Option<&'a str>) -> Self {
        self.request_id = request_id;
        self
    }
}

/// The sealed fields of a stored row.
pub fn content(row: &AuditEventRow) -> Content<'_> {
    Content {
        seq: row.seq,
        occurred_at: row.occurred_at,
        actor_staff_id: row.actor_staff_id,
        actor: &row.actor,
        action: &row.action,
        target_type: &row.target_type,
        target_id: &row.target_id,
        reason: row.reason.as_deref(),
        details: &row.details,
        request_id: row.request_id.as_deref(),
    }
}

/// Appends one event inside the caller's transaction (which must be a `write_tx`), sealed
/// with the current audit key.
///
/// The head row is updated first: on PostgreSQL that takes its row lock, on SQLite the
/// transaction already holds the write lock, so concurrent writers line up and the chain
/// never forks. Call it last in a transaction to hold the lock briefly.
pub fn append(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    at: PrimitiveDateTime,
    entry: AuditEntry<'_>,
) -> QueryResult<i64> {
    let (seq, prev_hash) = store::advance_head(conn)?;
    let row = sealed(seq, at, entry, prev_hash, keys)?;
    store::insert(conn, &row)?;
    Ok(seq)
}

/// The row of event `seq`, following `prev_hash`, sealed under the current key. A time that
/// cannot be written as RFC 3339 cannot be sealed: the write fails, loudly.
fn sealed(
    seq: i64,
    at: PrimitiveDateTime,
    entry: AuditEntry<'_>,
    prev_hash: String,
    keys: &AuditKeys,
) -> QueryResult<AuditEventRow> {
    let mut row = AuditEventRow {
        seq,
        occurred_at: at,
        actor_staff_id: entry.actor.staff_id(),
        actor: entry.actor.label(),
        action: entry.action.to_owned(),
        target_type: entry.target_type.to_owned(),
        target_id: entry.target_id,
        reason: entry.reason.map(str::to_owned),
        details: entry.details.to_string(),
        request_id: entry.request_id.map(str::to_owned),
        prev_hash,
        hash: String::new(),
        key_id: None,
    };
    let (key_id, seal) =
        content(&row).seal(&row.prev_hash, keys).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    row.hash = seal;
    row.key_id = Some(key_id);
    Ok(row)
}

/// Appends many events at once, sealed like `append`, in multi-row inserts: for seeding a
/// benchmark's trail. Inside the caller's write transaction.
pub fn append_many(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    entries: impl IntoIterator<Item = (PrimitiveDateTime, AuditEntry<'static>)>,
) -> QueryResult<i64> {
    const BATCH: usize = 500;
    let (mut seq, mut prev_hash) = store::head(conn)?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut written = 0;
    for (at, entry) in entries {
        seq += 1;
        let row = sealed(seq, at, entry, prev_hash, keys)?;
        prev_hash = row.hash.clone();
        batch.push(row);
        if batch.len() == BATCH {
            written += store::insert_many(conn, &std::mem::take(&mut batch))?;
        }
    }
    written += store::insert_many(conn, &batch)?;
    store::set_head(conn, seq, &prev_hash)?;
    Ok(written as i64)
}

#[derive(Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: i64,
    /// Checkpoints compared with the chain, and the newest one's sequence.
    pub checkpoints: usize,
    pub last_checkpoint: Option<i64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("audit event #{seq}: its seal does not match its content (edited)")]
    ContentMismatch { seq: i64 },
    #[error("audit event #{seq}: sealed with key {key_id}, which this server does not hold")]
    UnknownKey { seq: i64, key_id: String },
    #[error("audit event #{seq}: unkeyed, after keyed events (rewritten without the key)")]
    UnkeyedAfterKeyed { seq: i64 },
    #[error(
        "audit event #{seq}: unkeyed, past the last signed checkpoint (#{checkpoint}) that vouches for the old unkeyed events (rewritten without the key)"
    )]
    UnkeyedPastCheckpoint { seq: i64, checkpoint: i64 },
    #[error(
        "the audit checkpoint folder is missing, though checkpoints have been kept since {since} (removed or moved)"
    )]
    CheckpointsMissing { since: String },
    #[error("audit event #{seq}: it does not follow the previous event's seal (inserted or reordered)")]
    BrokenLink { seq: i64 },
    #[error("audit event #{seq}: expected #{expected} here (events removed)")]
    Gap { seq: i64, expected: i64 },
    #[error("the chain ends at #{last_seen} but its head records #{head} (events removed from the end)")]
    Truncated { last_seen: i64, head: i64 },
    #[error("the chain's head is #{head} but checkpoint #{checkpoint} was written (events removed from the end)")]
    BehindCheckpoint { head: i64, checkpoint: i64 },
    #[error("audit event #{seq}: differs from the checkpoint written at #{seq} (the chain was rewritten)")]
    CheckpointMismatch { seq: i64 },
    #[error("checkpoint file {file}: unreadable or not sealed with our key (forged)")]
    BadCheckpoint { file: String },
    #[error("database error while verifying: {0}")]
    Database(String),
}

/// Recomputes the chain up to the head read first (so events being written meanwhile are not
/// taken for a truncation: the head and its rows commit together), in pages with flat memory,
/// and compares it with every checkpoint in `checkpoints`.
pub fn verify(conn: &mut DbConnection, keys: &AuditKeys, checkpoints: &Path) -> Result<VerifyReport, VerifyError> {
    const PAGE: i64 = 5_000;
    let db = |e: diesel::result::Error| VerifyError::Database(e.to_string());
    // Checkpoints first, then the head: a checkpoint written in between is of a head this read
    // still covers, never one ahead of it (which would read as a truncation).
    if !checkpoints.is_dir()
        && let Some(since) = store::checkpoints_since(conn).map_err(db)?
    {
        return Err(VerifyError::CheckpointsMissing { since: since.to_string() });
    }
    let marks = checkpoint::read_all(checkpoints, keys).map_err(|b| VerifyError::BadCheckpoint { file: b.file })?;
    // Unkeyed rows (written before the chain was keyed) are only as good as a signed checkpoint
    // that covers them: anyone can compute a plain hash, so past the last checkpoint none is
    // accepted, and with no checkpoint none at all.
    let vouched = marks.last().map_or(0, |m| m.seq);
    let (head_seq, head_hash) = store::head(conn).map_err(db)?;
    if let Some(last) = marks.last().filter(|c| c.seq > head_seq) {
        return Err(VerifyError::BehindCheckpoint { head: head_seq, checkpoint: last.seq });
    }
    let mut marks_ahead = marks.iter().peekable();
    let mut expected_seq = 1_i64;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut keyed = false;
    while expected_seq <= head_seq {
        let page = store::page_between(conn, expected_seq, head_seq, PAGE).map_err(db)?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if row.seq != expected_seq {
                return Err(VerifyError::Gap { seq: row.seq, expected: expected_seq });
            }
            if row.prev_hash != prev_hash {
                return Err(VerifyError::BrokenLink { seq: row.seq });
            }
            match &row.key_id {
                Some(_) => keyed = true,
                None if keyed => return Err(VerifyError::UnkeyedAfterKeyed { seq: row.seq }),
                None if row.seq > vouched => {
                    return Err(VerifyError::UnkeyedPastCheckpoint { seq: row.seq, checkpoint: vouched });
                }
                None => {}
            }
            let Some(expected) = content(&row).expected(&row.prev_hash, row.key_id.as_deref(), keys) else {
                return Err(VerifyError::UnknownKey { seq: row.seq, key_id: row.key_id.clone().unwrap_or_default() });
            };
            if !crate::secrets::constant_time_eq(expected.as_bytes(), row.hash.as_bytes()) {
                return Err(VerifyError::ContentMismatch { seq: row.seq });
            }
            while let Some(mark) = marks_ahead.next_if(|m| m.seq <= row.seq) {
                if mark.seq == row.seq && mark.hash != row.hash {
                    return Err(VerifyError::CheckpointMismatch { seq: row.seq });
                }
            }
            prev_hash = row.hash;
            expected_seq += 1;
        }
    }
    let last_seen = expected_seq - 1;
    if head_seq != last_seen || head_hash != prev_hash {
        return Err(VerifyError::Truncated { last_seen, head: head_seq });
    }
    Ok(VerifyReport { events: last_seen, checkpoints: marks.len(), last_checkpoint: marks.last().map(|c| c.seq) })
}
