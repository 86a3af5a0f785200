//! The photo store: encrypted files under random names in the data folder, written
//! temp → fsync → rename, so a crash leaves either the whole file or none.

use std::path::{Path, PathBuf};

use super::crypto::{CryptoError, Keyring};
use crate::atomic_file;

pub struct ImageStore {
    root: PathBuf,
    keyring: Keyring,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("photo store I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("malformed storage key")]
    BadKey,
}

impl ImageStore {
    pub fn new(data_dir: &Path, keyring: Keyring) -> Self {
        Self { root: data_dir.join("images"), keyring }
    }

    pub fn from_settings(settings: &crate::settings::Settings) -> Self {
        Self::new(&settings.data_dir, Keyring::new(&settings.image_key, &settings.old_image_keys))
    }

    /// The store's folder is there and is a folder (a lost mount shows here before an upload
    /// fails on it).
    pub fn is_reachable(&self) -> bool {
        std::fs::metadata(&self.root).is_ok_and(|m| m.is_dir())
    }

    /// The folder the photos live in (the sweep walks it).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The application key also seals other secrets at rest (TOTP).
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    pub fn key_id(&self) -> String {
        self.keyring.current_id()
    }

    /// Random, meaningless names, two levels of fan-out: `3f/a9/3fa9…c1.hbai`.
    fn new_key() -> String {
        let token = crate::secrets::random::token(16);
        format!("{}/{}/{token}.hbai", &token[..2], &token[2..4])
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
        let parts: Vec<&str> = key.split('/').collect();
        let safe = matches!(parts.as_slice(), [a, b, file]
            if hex(a, 2) && hex(b, 2) && file.strip_suffix(".hbai").is_some_and(|stem| hex(stem, 32)));
        if !safe {
            return Err(StoreError::BadKey);
        }
        Ok(self.root.join(key))
    }

    /// Encrypts and writes; returns the storage key.
    pub fn put(&self, plaintext: &[u8]) -> Result<String, StoreError> {
        let key = Self::new_key();
        let path = self.path(&key)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let sealed = self.keyring.encrypt(plaintext, &key);
        atomic_file::write(&path, &sealed, true)?;
        Ok(key)
    }

    pub fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let sealed = std::fs::read(self.path(key)?)?;
        Ok(self.keyring.decrypt(&sealed, key)?)
    }

    /// Removes a file; a missing file is not an error (clean-up after a failed intake).
    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// The file on disk, for tests that check nothing readable is stored.
    pub fn raw_path(&self, key: &str) -> Option<PathBuf> {
        self.path(key).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secret;

    #[test]
    fn put_get_remove() -> Result<(), StoreError> {
        let dir = tempfile::tempdir()?;
        let store = ImageStore::new(dir.path(), Keyring::new(&Secret::new([5; 32]), &[]));
        let key = store.put(b"\xFF\xD8\xFFpretend jpeg")?;
        let on_disk = std::fs::read(store.raw_path(&key).ok_or(StoreError::BadKey)?)?;
        assert!(!crate::images::sniff::looks_like_image(&on_disk));
        assert_eq!(store.get(&key)?, b"\xFF\xD8\xFFpretend jpeg");
        store.remove(&key)?;
        store.remove(&key)?;
        assert!(store.get(&key).is_err());
        Ok(())
    }

    #[test]
    fn keys_cannot_escape_the_store() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let store = ImageStore::new(dir.path(), Keyring::new(&Secret::new([5; 32]), &[]));
        for key in ["../../etc/passwd", "/etc/passwd", "ab/cd/../../x.hbai", "ab/cd/ef.txt"] {
            assert!(matches!(store.get(key), Err(StoreError::BadKey)), "{key}");
        }
    }
}
