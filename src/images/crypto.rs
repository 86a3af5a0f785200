//! AES-256-GCM for stored photos.
//!
//! File layout (version 1):
//! `"HBAI"` | version `0x01` | key id (4 bytes) | nonce (12 bytes) | ciphertext with tag.
//! The header and the file's storage name are the associated data, so a file cannot be
//! swapped for another under a different name, nor its header altered, without detection.
//! The key id lets old files be read after the key rotates.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};

use crate::secrets::Secret;

const MAGIC: &[u8; 4] = b"HBAI";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 4 + 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("not an encrypted photo file")]
    BadHeader,
    #[error("unsupported photo file version {0}")]
    UnsupportedVersion(u8),
    #[error("photo encrypted with unknown key {0}")]
    UnknownKey(String),
    #[error("photo file fails authentication (damaged or altered)")]
    Authentication,
}

struct Key {
    id: [u8; 4],
    cipher: Aes256Gcm,
}

/// The current key (encrypts and decrypts) and retired keys (decrypt only).
pub struct Keyring {
    current: Key,
    retired: Vec<Key>,
}

fn key_id(key: &[u8; 32]) -> [u8; 4] {
    let digest = Sha256::digest(key);
    [digest[0], digest[1], digest[2], digest[3]]
}

fn make_key(bytes: &[u8; 32]) -> Key {
    // A 32-byte slice always makes an AES-256 key.
    let cipher = Aes256Gcm::new_from_slice(bytes).unwrap_or_else(|_| unreachable!("32-byte key"));
    Key { id: key_id(bytes), cipher }
}

impl Keyring {
    pub fn new(current: &Secret<[u8; 32]>, retired: &[Secret<[u8; 32]>]) -> Self {
        Self { current: make_key(current.expose()), retired: retired.iter().map(|k| make_key(k.expose())).collect() }
    }

    /// The current key's id in hex (first 8 hex digits of its SHA-256).
    pub fn current_id(&self) -> String {
        hex::encode(self.current.id)
    }

    pub fn encrypt(&self, plaintext: &[u8], name: &str) -> Vec<u8> {
        let nonce_bytes = crate::secrets::random::bytes::<12>();
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + 16);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.current.id);
        out.extend_from_slice(&nonce_bytes);
        let aad = [&out[..HEADER_LEN], name.as_bytes()].concat();
        let nonce = Nonce::from(nonce_bytes);
        // Encryption with a valid key and nonce cannot fail for messages under 64 GiB.
        let sealed = self
            .current
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: &aad })
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of a bounded message"));
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, file: &[u8], name: &str) -> Result<Vec<u8>, CryptoError> {
        if file.len() < HEADER_LEN + 16 || &file[..4] != MAGIC {
            return Err(CryptoError::BadHeader);
        }
        if file[4] != VERSION {
            return Err(CryptoError::UnsupportedVersion(file[4]));
        }
        let id = &file[5..9];
        let key = std::iter::once(&self.current)
            .chain(self.retired.iter())
            .find(|k| k.id == id)
            .ok_or_else(|| CryptoError::UnknownKey(hex::encode(id)))?;
        let mut nonce_bytes = [0u8; 12];
        nonce_bytes.copy_from_slice(&file[9..HEADER_LEN]);
        let aad = [&file[..HEADER_LEN], name.as_bytes()].concat();
        key.cipher
            .decrypt(&Nonce::from(nonce_bytes), Payload { msg: &file[HEADER_LEN..], aad: &aad })
            .map_err(|_| CryptoError::Authentication)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(key: u8) -> Keyring {
        Keyring::new(&Secret::new([key; 32]), &[])
    }

    #[test]
    fn round_trip_with_header_and_fresh_nonces() {
        let ring = ring(1);
        let a = ring.encrypt(b"photo bytes", "ab/cd/x");
        let b = ring.encrypt(b"photo bytes", "ab/cd/x");
        assert_ne!(a, b, "random nonce");
        assert_eq!(&a[..4], b"HBAI");
        assert_eq!(a[4], 1);
        assert_eq!(hex::encode(&a[5..9]), ring.current_id());
        assert_eq!(ring.decrypt(&a, "ab/cd/x").as_deref(), Ok(&b"photo bytes"[..]));
    }

    #[test]
    fn altered_files_or_names_are_refused() {
        let ring = ring(1);
        let mut file = ring.encrypt(b"photo bytes", "name");
        assert_eq!(ring.decrypt(&file, "other-name"), Err(CryptoError::Authentication));
        let last = file.len() - 1;
        file[last] ^= 1;
        assert_eq!(ring.decrypt(&file, "name"), Err(CryptoError::Authentication));
        assert_eq!(ring.decrypt(b"JPEG", "name"), Err(CryptoError::BadHeader));
    }

    #[test]
    fn retired_keys_still_decrypt_and_unknown_keys_are_named() {
        let old = ring(1);
        let file = old.encrypt(b"old photo", "n");
        let rotated = Keyring::new(&Secret::new([2; 32]), &[Secret::new([1; 32])]);
        assert_eq!(rotated.decrypt(&file, "n").as_deref(), Ok(&b"old photo"[..]));
        let stranger = ring(3);
        assert!(matches!(stranger.decrypt(&file, "n"), Err(CryptoError::UnknownKey(_))));
    }
}
