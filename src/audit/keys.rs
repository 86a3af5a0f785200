//! The audit chain's MAC keys. They live outside the database (`HANDBOOK_ADMIN_AUDIT_KEY`,
//! retired ones in `HANDBOOK_ADMIN_OLD_AUDIT_KEYS`), so someone who can write the database but
//! not read the server's environment cannot recompute the chain after editing a row. Each row
//! names the id of the key that sealed it, so keys rotate without rewriting history.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::secrets::Secret;

#[derive(Clone)]
struct Key {
    id: String,
    bytes: [u8; 32],
}

fn key(secret: &Secret<[u8; 32]>) -> Key {
    let bytes = *secret.expose();
    Key { id: hex::encode(&Sha256::digest(bytes)[..4]), bytes }
}

/// The current key (which seals new rows and checkpoints) and the retired ones (which still
/// verify the rows they sealed).
#[derive(Clone)]
pub struct AuditKeys {
    current: Key,
    retired: Vec<Key>,
    /// Read events waiting to join the chain these keys seal (`reads`): one batch per chain
    /// writer, so two consoles in one process (as in the tests) never mix their events.
    reads: std::sync::Arc<super::reads::ReadBatch>,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeys").field("current", &self.current.id).finish_non_exhaustive()
    }
}

impl AuditKeys {
    pub fn new(current: &Secret<[u8; 32]>, retired: &[Secret<[u8; 32]>]) -> Self {
        Self { current: key(current), retired: retired.iter().map(key).collect(), reads: Default::default() }
    }

    pub(super) fn reads(&self) -> &super::reads::ReadBatch {
        &self.reads
    }

    /// The current key's id: the first 8 hex digits of its SHA-256.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// HMAC-SHA256 of `parts` (each followed by a newline) under the current key.
    pub fn seal(&self, parts: &[&[u8]]) -> String {
        mac(&self.current.bytes, parts)
    }

    /// HMAC-SHA256 of `parts` under the key `id`, or `None` when no key of that id is held.
    pub fn seal_with(&self, id: &str, parts: &[&[u8]]) -> Option<String> {
        std::iter::once(&self.current).chain(&self.retired).find(|k| k.id == id).map(|k| mac(&k.bytes, parts))
    }
}

fn mac(key: &[u8; 32], parts: &[&[u8]]) -> String {
    // HMAC takes keys of any length: a 32-byte key always works.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else { unreachable!("HMAC key of 32 bytes") };
    for part in parts {
        mac.update(part);
        mac.update(b"\n");
    }
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retired_key_still_verifies_what_it_sealed() {
        let (old, new) = (Secret::new([1u8; 32]), Secret::new([2u8; 32]));
        let before = AuditKeys::new(&old, &[]);
        let sealed = before.seal(&[b"row"]);
        let after = AuditKeys::new(&new, std::slice::from_ref(&old));
        assert_ne!(after.current_id(), before.current_id());
        assert_eq!(after.seal_with(before.current_id(), &[b"row"]), Some(sealed.clone()));
        assert_ne!(after.seal(&[b"row"]), sealed, "new rows are sealed with the new key");
        assert_eq!(AuditKeys::new(&new, &[]).seal_with(before.current_id(), &[b"row"]), None, "unknown key id");
    }

    #[test]
    fn parts_cannot_be_shifted_across_boundaries() {
        let keys = AuditKeys::new(&Secret::new([3u8; 32]), &[]);
        assert_ne!(keys.seal(&[b"ab", b"c"]), keys.seal(&[b"a", b"bc"]));
        assert!(!format!("{keys:?}").contains("3, 3"), "the key never prints");
    }
}
