//! The seal of one audit row, pure so it can be tested without a database: an HMAC-SHA256 under
//! a key held outside the database over the previous row's seal and this row's canonical
//! content. Rows written before the chain was keyed carry a plain SHA-256 instead.

use sha2::{Digest, Sha256};

use super::keys::AuditKeys;
use time::PrimitiveDateTime;
use time::format_description::well_known::Rfc3339;

/// `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it. Stored as text so a row stays readable when a staff account is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Staff(i64),
    /// The smartphone app through the intake API.
    App,
    /// Myna Portal through the callback API.
    Myna,
    /// Background jobs.
    System,
    /// An operator on the command line.
    Cli,
    /// A sign-in attempt not tied to an account.
    Anonymous,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::Staff(id) => format!("staff:{id}"),
            Actor::App => "app".into(),
            Actor::Myna => "myna".into(),
            Actor::System => "system".into(),
            Actor::Cli => "cli".into(),
            Actor::Anonymous => "anonymous".into(),
        }
    }

    pub fn staff_id(&self) -> Option<i64> {
        match self {
            Actor::Staff(id) => Some(*id),
            _ => None,
        }
    }
}

/// The fields that are hashed, in a fixed order.
pub struct Content<'a> {
    pub seq: i64,
    pub occurred_at: PrimitiveDateTime,
    pub actor_staff_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub reason: Option<&'a str>,
    pub details: &'a str,
    pub request_id: Option<&'a str>,
}

impl Content<'_> {
    /// A JSON array: unambiguous (strings are quoted and escaped) and stable across serde
    /// versions for these primitive types.
    pub fn canonical(&self) -> Result<String, time::error::Format> {
        let at = self.occurred_at.assume_utc().format(&Rfc3339)?;
        Ok(serde_json::json!([
            self.seq,
            at,
            self.actor_staff_id,
            self.actor,
            self.action,
            self.target_type,
            self.target_id,
            self.reason,
            self.details,
            self.request_id,
        ])
        .to_string())
    }

    /// The row's seal under the current key, and that key's id; fails (rather than sealing an
    /// empty time) when the time cannot be written as RFC 3339 (a year outside 0 to 9999).
    pub fn seal(&self, prev_hash: &str, keys: &AuditKeys) -> Result<(String, String), time::error::Format> {
        let canonical = self.canonical()?;
        Ok((keys.current_id().to_owned(), keys.seal(&[prev_hash.as_bytes(), canonical.as_bytes()])))
    }

    /// What the seal of this row must be under the key `key_id` (`None`: a row from before the
    /// chain was keyed), or `None` when that key is not held.
    pub fn expected(&self, prev_hash: &str, key_id: Option<&str>, keys: &AuditKeys) -> Option<String> {
        let canonical = self.canonical().ok()?;
        match key_id {
            Some(id) => keys.seal_with(id, &[prev_hash.as_bytes(), canonical.as_bytes()]),
            None => self.hash(prev_hash).ok(),
        }
    }

    /// The plain SHA-256 of rows written before the chain was keyed.
    pub fn hash(&self, prev_hash: &str) -> Result<String, time::error::Format> {
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.canonical()?.as_bytes());
        Ok(hex::encode(hasher.finalize()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sample() -> Content<'static> {
        Content {
            seq: 1,
            occurred_at: datetime!(2026-11-23 10:00:00.123456),
            actor_staff_id: Some(7),
            actor: "staff:7",
            action: "login",
            target_type: "staff",
            target_id: "7",
            reason: None,
            details: "{}",
            request_id: Some("req-1"),
        }
    }

    #[test]
    fn hash_is_deterministic_and_hex() {
        let a = sample().hash(GENESIS_HASH).unwrap();
        assert_eq!(a, sample().hash(GENESIS_HASH).unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn every_field_and_the_previous_hash_matter() {
        let base = sample().hash(GENESIS_HASH).unwrap();
        assert_ne!(base, sample().hash(&"1".repeat(64)).unwrap());
        let variants = [
            Content { seq: 2, ..sample() },
            Content { occurred_at: datetime!(2026-11-23 10:00:00.123457), ..sample() },
            Content { actor_staff_id: None, ..sample() },
            Content { actor: "staff:8", ..sample() },
            Content { action: "logout", ..sample() },
            Content { target_type: "holder", ..sample() },
            Content { target_id: "8", ..sample() },
            Content { reason: Some("check"), ..sample() },
            Content { details: "{\"a\":1}", ..sample() },
            Content { request_id: None, ..sample() },
        ];
        for v in variants {
            assert_ne!(v.hash(GENESIS_HASH).unwrap(), base);
        }
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        // "ab" + "c" must not hash like "a" + "bc".
        let one = Content { action: "ab", target_type: "c", ..sample() };
        let two = Content { action: "a", target_type: "bc", ..sample() };
        assert_ne!(one.hash(GENESIS_HASH).unwrap(), two.hash(GENESIS_HASH).unwrap());
    }

    #[test]
    fn a_time_that_cannot_be_written_is_an_error_not_an_empty_string() {
        let far = Content { occurred_at: datetime!(-0001-01-01 00:00), ..sample() };
        assert!(far.hash(GENESIS_HASH).is_err());
        assert!(far.seal(GENESIS_HASH, &keys(1)).is_err());
    }

    fn keys(b: u8) -> AuditKeys {
        AuditKeys::new(&crate::secrets::Secret::new([b; 32]), &[])
    }

    #[test]
    fn the_seal_needs_the_key() {
        let (id, seal) = sample().seal(GENESIS_HASH, &keys(1)).unwrap();
        assert_eq!(sample().expected(GENESIS_HASH, Some(&id), &keys(1)), Some(seal.clone()));
        assert_eq!(sample().expected(GENESIS_HASH, Some(&id), &keys(2)), None, "another key: no seal at all");
        assert_ne!(seal, sample().hash(GENESIS_HASH).unwrap(), "not the plain hash anyone can recompute");
        let edited = Content { details: "{\"role\":\"admin\"}", ..sample() };
        assert_ne!(edited.expected(GENESIS_HASH, Some(&id), &keys(1)), Some(seal));
        assert_eq!(sample().expected(GENESIS_HASH, None, &keys(1)), sample().hash(GENESIS_HASH).ok());
    }
}
