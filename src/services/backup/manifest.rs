//! A backup's manifest: every file with its size and SHA-256, the audit chain's head at the
//! moment of the copy, sealed with the audit key so an edited manifest is refused as surely as
//! an edited file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audit::AuditKeys;

pub const FORMAT: &str = "handbook-admin-backup/1";
pub const FILE_NAME: &str = "manifest.json";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub bytes: u64,
    pub sha256: String,
}

/// A table as the backup's snapshot held it (PostgreSQL): its rows and the digest of their
/// contents (`db::snapshot::table_digests`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub rows: i64,
    pub digest: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    /// `sqlite` (the database file is in the backup) or `postgres` (a `pg_dump` beside it).
    pub backend: String,
    pub audit_head: AuditHead,
    /// Path inside the backup folder → size and digest, in path order.
    pub files: BTreeMap<String, FileEntry>,
    /// PostgreSQL: every table's rows and digest in the dump's snapshot, so a restored database
    /// is checked against what was sealed, not only its audit head. (Absent from SQLite
    /// backups and from older ones, which keep their seal.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, TableEntry>,
    /// The audit key's id and HMAC over everything above.
    pub key_id: String,
    pub mac: String,
}

/// Why a backup folder is not what its manifest says.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Mismatch {
    #[error("the manifest is not a {FORMAT} manifest")]
    Format,
    #[error("the manifest's seal does not match (edited, or sealed with another audit key)")]
    Seal,
    #[error("{0}: listed in the manifest but missing")]
    Missing(String),
    #[error("{0}: its size or SHA-256 differs from the manifest")]
    Altered(String),
    #[error("{0}: in the folder but not in the manifest")]
    Unlisted(String),
    #[error("table {0}: its rows differ from what the backup sealed (another or an edited dump)")]
    TableDiffers(String),
}

impl Manifest {
    /// The bytes the seal covers: the manifest without its seal, as compact JSON.
    fn sealed_part(&self) -> Vec<u8> {
        let mut unsealed = self.clone();
        unsealed.key_id.clear();
        unsealed.mac.clear();
        serde_json::to_vec(&unsealed).unwrap_or_default()
    }

    pub fn seal(&mut self, keys: &AuditKeys) {
        self.key_id = keys.current_id().to_owned();
        self.mac = keys.seal(&[b"backup-manifest", &self.sealed_part()]);
    }

    pub fn check_seal(&self, keys: &AuditKeys) -> Result<(), Mismatch> {
        if self.format != FORMAT {
            return Err(Mismatch::Format);
        }
        let expected = keys.seal_with(&self.key_id, &[b"backup-manifest", &self.sealed_part()]);
        match expected {
            Some(mac) if crate::secrets::constant_time_eq(mac.as_bytes(), self.mac.as_bytes()) => Ok(()),
            _ => Err(Mismatch::Seal),
        }
    }

    /// Compares the folder's files (path → what was found) with the manifest: the first
    /// difference, in path order.
    /// Compares a restored database's tables with the sealed ones, both ways.
    pub fn compare_tables(&self, found: &BTreeMap<String, TableEntry>) -> Result<(), Mismatch> {
        for (table, entry) in &self.tables {
            if found.get(table) != Some(entry) {
                return Err(Mismatch::TableDiffers(table.clone()));
            }
        }
        match found.keys().find(|t| !self.tables.contains_key(*t)) {
            Some(extra) if !self.tables.is_empty() => Err(Mismatch::TableDiffers(extra.clone())),
            _ => Ok(()),
        }
    }

    pub fn compare(&self, found: &BTreeMap<String, FileEntry>) -> Result<(), Mismatch> {
        for (path, entry) in &self.files {
            match found.get(path) {
                None => return Err(Mismatch::Missing(path.clone())),
                Some(seen) if seen != entry => return Err(Mismatch::Altered(path.clone())),
                Some(_) => {}
            }
        }
        match found.keys().find(|path| !self.files.contains_key(*path)) {
            Some(extra) => Err(Mismatch::Unlisted(extra.clone())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secret;

    fn manifest() -> Manifest {
        let mut files = BTreeMap::new();
        files.insert("database.sqlite".to_owned(), FileEntry { bytes: 10, sha256: "aa".into() });
        files.insert("photos/ab/cd/x.hbai".to_owned(), FileEntry { bytes: 5, sha256: "bb".into() });
        Manifest {
            format: FORMAT.into(),
            created_at: "2026-11-26T00:00:00Z".into(),
            backend: "sqlite".into(),
            audit_head: AuditHead { seq: 7, hash: "cc".into() },
            files,
            tables: BTreeMap::new(),
            key_id: String::new(),
            mac: String::new(),
        }
    }

    fn keys(byte: u8) -> AuditKeys {
        AuditKeys::new(&Secret::new([byte; 32]), &[])
    }

    #[test]
    fn a_sealed_manifest_checks_and_any_edit_breaks_the_seal() {
        let mut m = manifest();
        m.seal(&keys(1));
        assert_eq!(m.check_seal(&keys(1)), Ok(()));
        assert_eq!(m.check_seal(&keys(2)), Err(Mismatch::Seal), "another key");
        let mut edited = m.clone();
        edited.audit_head.seq = 6;
        assert_eq!(edited.check_seal(&keys(1)), Err(Mismatch::Seal));
        let mut edited = m.clone();
        edited.files.remove("photos/ab/cd/x.hbai");
        assert_eq!(edited.check_seal(&keys(1)), Err(Mismatch::Seal), "a file dropped from the list");
        let mut other = m;
        other.format = "something/2".into();
        assert_eq!(other.check_seal(&keys(1)), Err(Mismatch::Format));
    }

    #[test]
    fn the_folder_must_hold_exactly_the_listed_files() {
        let m = manifest();
        let mut found = m.files.clone();
        assert_eq!(m.compare(&found), Ok(()));
        found.insert("photos/ab/cd/x.hbai".into(), FileEntry { bytes: 5, sha256: "bx".into() });
        assert_eq!(m.compare(&found), Err(Mismatch::Altered("photos/ab/cd/x.hbai".into())));
        found.remove("photos/ab/cd/x.hbai");
        assert_eq!(m.compare(&found), Err(Mismatch::Missing("photos/ab/cd/x.hbai".into())));
        let mut found = m.files.clone();
        found.insert("photos/zz/zz/y.hbai".into(), FileEntry { bytes: 1, sha256: "dd".into() });
        assert_eq!(m.compare(&found), Err(Mismatch::Unlisted("photos/zz/zz/y.hbai".into())));
    }
}
