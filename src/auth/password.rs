//! argon2id password hashes in PHC string form (parameters travel with the hash, so they can
//! be raised later without breaking old hashes).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|_| HashError)
}

/// True when `password` matches `phc`. A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows. Verifying against it when the e-mail is unknown makes a
/// sign-in for a missing account take as long as one for a real account.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&crate::secrets::random::token(16)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() -> Result<(), HashError> {
        let phc = hash("correct horse battery staple")?;
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapler", &phc));
        Ok(())
    }

    #[test]
    fn same_password_gets_a_fresh_salt() -> Result<(), HashError> {
        assert_ne!(hash("same password here")?, hash("same password here")?);
        Ok(())
    }

    #[test]
    fn garbage_hash_never_matches() {
        assert!(!verify("anything", "not-a-phc-string"));
        assert!(!verify("", ""));
    }
}
