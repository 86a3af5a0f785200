//! Signed checkpoints of the chain's head, kept outside the database.
//!
//! Someone who can write the database could cut the chain back to an older event and move the
//! head with it: every remaining row would still verify. A checkpoint records the head
//! (sequence, seal, time) sealed with the audit key, one file per checkpoint in a folder the
//! console only ever adds to, and also writes it to the log. `verify` compares the chain with
//! every checkpoint, so a chain shorter than a checkpoint, or different at its sequence, is
//! caught.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::keys::AuditKeys;

/// One checkpoint as written to its file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub key_id: String,
    pub mac: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint folder {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("checkpoint time: {0}")]
    Time(#[from] time::error::Format),
}

fn parts(seq: i64, hash: &str, at: &str) -> [Vec<u8>; 4] {
    [b"checkpoint".to_vec(), seq.to_string().into_bytes(), hash.as_bytes().to_vec(), at.as_bytes().to_vec()]
}

impl Checkpoint {
    /// A checkpoint of the head `(seq, hash)` at `now`, sealed with the current key.
    pub fn seal(seq: i64, hash: &str, now: OffsetDateTime, keys: &AuditKeys) -> Result<Self, CheckpointError> {
        let at = now.format(&Rfc3339)?;
        let p = parts(seq, hash, &at);
        let mac = keys.seal(&p.each_ref().map(Vec::as_slice));
        Ok(Self { seq, hash: hash.to_owned(), at, key_id: keys.current_id().to_owned(), mac })
    }

    /// Whether the seal is one of ours (under the key it names).
    pub fn authentic(&self, keys: &AuditKeys) -> bool {
        let p = parts(self.seq, &self.hash, &self.at);
        keys.seal_with(&self.key_id, &p.each_ref().map(Vec::as_slice))
            .is_some_and(|expected| crate::secrets::constant_time_eq(expected.as_bytes(), self.mac.as_bytes()))
    }
}

/// Writes a checkpoint file (temp name, synced, renamed; never over an existing one) and logs
/// it. Returns the path written.
pub fn write(dir: &Path, checkpoint: &Checkpoint) -> Result<PathBuf, CheckpointError> {
    let io = |e| CheckpointError::Io(dir.to_owned(), e);
    std::fs::create_dir_all(dir).map_err(io)?;
    let stamp = checkpoint.at.replace([':', '-'], "").replace('.', "_");
    let path = dir.join(format!("{:020}-{stamp}.json", checkpoint.seq));
    if !path.exists() {
        let text = serde_json::to_vec_pretty(checkpoint).unwrap_or_default();
        crate::atomic_file::write(&path, &text, false).map_err(io)?;
    }
    tracing::info!(
        seq = checkpoint.seq,
        hash = %checkpoint.hash,
        key_id = %checkpoint.key_id,
        mac = %checkpoint.mac,
        "audit checkpoint"
    );
    Ok(path)
}

/// One checkpoint file that could not be read or is not ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCheckpoint {
    pub file: String,
}

/// Every checkpoint in `dir`, in sequence order, each checked; a missing folder has none.
pub fn read_all(dir: &Path, keys: &AuditKeys) -> Result<Vec<Checkpoint>, BadCheckpoint> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let checkpoint: Checkpoint = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| BadCheckpoint { file: file.clone() })?;
        if !checkpoint.authentic(keys) {
            return Err(BadCheckpoint { file });
        }
        out.push(checkpoint);
    }
    out.sort_by_key(|c| c.seq);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secret;

    fn keys(b: u8) -> AuditKeys {
        AuditKeys::new(&Secret::new([b; 32]), &[])
    }

    #[test]
    fn a_checkpoint_is_ours_only_untouched_and_under_our_key() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let c = Checkpoint::seal(42, "ab", now, &keys(1)).unwrap();
        assert!(c.authentic(&keys(1)));
        assert!(!c.authentic(&keys(2)));
        assert!(!Checkpoint { seq: 41, ..c.clone() }.authentic(&keys(1)), "moved back");
        assert!(!Checkpoint { hash: "ac".into(), ..c }.authentic(&keys(1)));
    }

    #[test]
    fn files_are_added_and_read_back_in_order() {
        let dir = std::env::temp_dir().join(format!("hb-checkpoints-{}", crate::secrets::random::token(6)));
        let k = keys(3);
        let now = OffsetDateTime::UNIX_EPOCH;
        write(&dir, &Checkpoint::seal(9, "x", now, &k).unwrap()).unwrap();
        write(&dir, &Checkpoint::seal(3, "y", now, &k).unwrap()).unwrap();
        let all = read_all(&dir, &k).unwrap();
        assert_eq!(all.iter().map(|c| c.seq).collect::<Vec<_>>(), [3, 9]);
        std::fs::write(
            dir.join("00000000000000000010-forged.json"),
            br#"{"seq":10,"hash":"z","at":"x","key_id":"y","mac":"0"}"#,
        )
        .unwrap();
        assert_eq!(read_all(&dir, &k).err().map(|b| b.file), Some("00000000000000000010-forged.json".into()));
        assert_eq!(read_all(&dir.join("absent"), &k), Ok(Vec::new()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
