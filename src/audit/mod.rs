//! The tamper-evident audit trail. Every row is sealed (HMAC-SHA256, under a key held outside
//! the database) over the previous row's seal and its own canonical content, so editing,
//! inserting or removing a row breaks the chain for anyone without the key; signed checkpoints
//! of the head, kept outside the database, catch a chain cut back to an older head; and the
//! database refuses UPDATE and DELETE on the table.

pub mod catalogue;
pub mod chain;
pub mod checkpoint;
pub mod keys;
pub mod reads;
mod store;

pub use crate::db::audit::AuditEventRow;
pub use chain::{Actor, GENESIS_HASH};
pub use keys::AuditKeys;
pub use reads::append_read;
pub use store::{AuditEntry, VerifyError, VerifyReport, append, append_many, content, verify};

/// Writes a checkpoint of the chain's head now, unless the chain is empty; returns it.
pub fn checkpoint_now(
    conn: &mut crate::db::DbConnection,
    keys: &AuditKeys,
    dir: &std::path::Path,
    now: time::OffsetDateTime,
) -> Result<Option<checkpoint::Checkpoint>, crate::error::Fault> {
    let (seq, hash) = crate::db::audit::head(conn)?;
    if seq == 0 {
        return Ok(None);
    }
    let mark = checkpoint::Checkpoint::seal(seq, &hash, now, keys)?;
    checkpoint::write(dir, &mark)?;
    Ok(Some(mark))
}

/// Why `serve` will not start on this trail.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointsRefused {
    #[error(
        "the audit checkpoint folder {0} is missing, though this database has kept checkpoints there since {1}: \
         restore it (from the backup) or point HANDBOOK_ADMIN_AUDIT_CHECKPOINT_DIR at it; starting without it would hide a cut chain"
    )]
    Missing(std::path::PathBuf, String),
    #[error("the audit checkpoint folder {0} cannot be written: {1}")]
    Unwritable(std::path::PathBuf, std::io::Error),
    #[error(transparent)]
    Fault(#[from] crate::error::Fault),
}

/// At `serve`'s start: the checkpoint folder must be there once the database has kept
/// checkpoints (a fresh or upgraded database creates it and records that it does), must be
/// writable, and gets a checkpoint of the head now, so every event before this start (old
/// unkeyed ones included) is vouched for from the first minute.
pub fn keep_checkpoints(
    conn: &mut crate::db::DbConnection,
    keys: &AuditKeys,
    dir: &std::path::Path,
    now: time::OffsetDateTime,
) -> Result<Option<checkpoint::Checkpoint>, CheckpointsRefused> {
    let fault = |e: diesel::result::Error| CheckpointsRefused::Fault(e.into());
    let since = crate::db::audit::checkpoints_since(conn).map_err(fault)?;
    if !dir.is_dir() {
        if let Some(since) = since {
            return Err(CheckpointsRefused::Missing(dir.to_owned(), since.to_string()));
        }
        std::fs::create_dir_all(dir).map_err(|e| CheckpointsRefused::Unwritable(dir.to_owned(), e))?;
    }
    let probe = dir.join(".write-probe");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| CheckpointsRefused::Unwritable(dir.to_owned(), e))?;
    crate::db::audit::keep_checkpoints_since(conn, crate::clock::to_db(now)).map_err(fault)?;
    Ok(checkpoint_now(conn, keys, dir, now)?)
}
