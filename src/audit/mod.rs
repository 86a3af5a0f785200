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
