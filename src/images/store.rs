//! The photo store: encrypted files under random names in the data folder, written
//! temp → fsync → rename, so a crash leaves either the whole file or none.

use std::path::{Path, PathBuf};

use super::backend::{Backend, Listed, S3Bucket};
use super::crypto::{CryptoError, Keyring};

pub struct ImageStore {
    backend: Backend,
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
    #[error("object storage: {0}")]
    Object(#[source] Box<object_store::Error>),
    #[error("the object storage client has stopped")]
    Stopped,
}

impl StoreError {
    pub fn object(e: object_store::Error) -> Self {
        StoreError::Object(Box::new(e))
    }
}

impl ImageStore {
    /// The local folder `<data_dir>/images`.
    pub fn new(data_dir: &Path, keyring: Keyring) -> Self {
        Self { backend: Backend::Folder(data_dir.join("images")), keyring }
    }

    /// The store `HANDBOOK_ADMIN_PHOTO_STORE` names: the data folder's `images`, or a bucket.
    pub fn from_settings(settings: &crate::settings::Settings) -> Result<Self, StoreError> {
        Self::open(
            &settings.photo_store,
            &settings.data_dir,
            Keyring::new(&settings.image_key, &settings.old_image_keys),
        )
    }

    pub fn open(choice: &crate::settings::PhotoStore, data_dir: &Path, keyring: Keyring) -> Result<Self, StoreError> {
        Ok(match choice {
            crate::settings::PhotoStore::Folder => Self::new(data_dir, keyring),
            crate::settings::PhotoStore::S3(s3) => Self { backend: Backend::S3(S3Bucket::connect(s3)?), keyring },
        })
    }

    /// The store answers (readiness): the folder is there, the bucket lists.
    pub fn is_reachable(&self) -> bool {
        self.backend.is_reachable()
    }

    /// Creates the folder at start (nothing to do for a bucket).
    pub fn prepare(&self) -> Result<(), StoreError> {
        self.backend.prepare()
    }

    /// Which store, for logs (never a credential).
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// The local folder, when the store is one.
    pub fn root(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Folder(root) => Some(root),
            Backend::S3(_) => None,
        }
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

    /// Only names the store itself makes are ever used as paths or object names.
    fn check(key: &str) -> Result<&str, StoreError> {
        let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
        let parts: Vec<&str> = key.split('/').collect();
        let safe = matches!(parts.as_slice(), [a, b, file]
            if hex(a, 2) && hex(b, 2) && file.strip_suffix(".hbai").is_some_and(|stem| hex(stem, 32)));
        if safe { Ok(key) } else { Err(StoreError::BadKey) }
    }

    /// Encrypts and writes; returns the storage key.
    pub fn put(&self, plaintext: &[u8]) -> Result<String, StoreError> {
        let key = Self::new_key();
        let sealed = self.keyring.encrypt(plaintext, &key);
        self.backend.put(Self::check(&key)?, sealed)?;
        Ok(key)
    }

    pub fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let sealed = self.backend.get(Self::check(key)?)?;
        Ok(self.keyring.decrypt(&sealed, key)?)
    }

    /// The encrypted file as stored (a backup copies it unopened).
    pub fn get_sealed(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        self.backend.get(Self::check(key)?)
    }

    /// Writes an encrypted file back under its own name (a restore).
    pub fn put_sealed(&self, key: &str, sealed: Vec<u8>) -> Result<(), StoreError> {
        self.backend.put(Self::check(key)?, sealed)
    }

    /// Removes a file; a missing file is not an error (clean-up after a failed intake).
    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.backend.remove(Self::check(key)?)
    }

    /// Every file in the store with its age (the sweep).
    pub fn list(&self) -> Result<Vec<Listed>, StoreError> {
        self.backend.list()
    }

    /// Removes a temporary file a crash left in the folder (the sweep).
    pub fn remove_leftover(&self, listed: &Listed) -> Result<(), StoreError> {
        if !listed.temp {
            return Err(StoreError::BadKey);
        }
        self.backend.remove(&listed.key)
    }

    /// The file on disk of a folder store, for tests that check nothing readable is stored.
    pub fn raw_path(&self, key: &str) -> Option<PathBuf> {
        let key = Self::check(key).ok()?;
        self.root().map(|root| root.join(key))
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
