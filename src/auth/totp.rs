//! RFC 6238 time-based one-time passwords (SHA-1, 6 digits, 30-second steps: what every
//! authenticator app understands). A code is accepted once: the step it matched is stored and
//! later codes must come from a later step.

use time::OffsetDateTime;
use totp_rs::{Builder, Secret, Totp};

use crate::images::crypto::Keyring;

pub const ISSUER: &str = "handbook-admin";

#[derive(Debug, thiserror::Error)]
#[error("the stored TOTP secret is unusable")]
pub struct TotpSecretError;

/// Stored secrets carry this prefix; a value without it predates sealing and is sealed at
/// start-up ([`crate::services::accounts::seal_totp_secrets`]).
const SEALED: &str = "sealed:";

/// The secret as stored: encrypted with the application key, bound to the account (a sealed
/// secret copied onto another row does not open), as hex text.
pub fn seal(keyring: &Keyring, staff_id: i64, secret_base32: &str) -> String {
    let blob = keyring.encrypt(secret_base32.as_bytes(), &aad(staff_id));
    format!("{SEALED}{}", hex::encode(blob))
}

/// The base32 secret from its stored form (a legacy clear value is returned as it is).
pub fn open(keyring: &Keyring, staff_id: i64, stored: &str) -> Result<String, TotpSecretError> {
    let Some(sealed) = stored.strip_prefix(SEALED) else {
        return Ok(stored.to_owned());
    };
    let blob = hex::decode(sealed).map_err(|_| TotpSecretError)?;
    let clear = keyring.decrypt(&blob, &aad(staff_id)).map_err(|_| TotpSecretError)?;
    String::from_utf8(clear).map_err(|_| TotpSecretError)
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

fn aad(staff_id: i64) -> String {
    format!("staff-totp/{staff_id}")
}

/// A new random secret, base32 encoded (what is stored and what a person may type by hand).
pub fn new_secret() -> String {
    Secret::new_stack(crate::secrets::random::bytes::<20>()).to_base32()
}

fn totp(secret_base32: &str, account: &str) -> Result<Totp, TotpSecretError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|_| TotpSecretError)?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|_| TotpSecretError)
}

/// Checks `code` at `now`, allowing one step of clock drift. Returns the matched step when the
/// code is right and newer than `last_step`.
pub fn verify(
    secret_base32: &str,
    code: &str,
    now: OffsetDateTime,
    last_step: Option<i64>,
) -> Result<Option<i64>, TotpSecretError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let code = crate::domain::normalize::ascii_digits(&code);
    if code.len() != 6 {
        return Ok(None);
    }
    let at = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let matched = totp(secret_base32, "staff")?.check(&code, at).and_then(|s| i64::try_from(s).ok());
    Ok(matched.filter(|step| last_step.is_none_or(|last| *step > last)))
}

/// The current code, for tests and the enrolment check.
pub fn code_at(secret_base32: &str, now: OffsetDateTime) -> Result<String, TotpSecretError> {
    let at = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    Ok(totp(secret_base32, "staff")?.generate(at).to_string())
}

/// The `otpauth://` URI and a QR code (PNG, base64) of it for enrolment.
pub fn enrolment(secret_base32: &str, account: &str) -> Result<(String, String), TotpSecretError> {
    let totp = totp(secret_base32, account)?;
    let url = totp.to_url().map_err(|_| TotpSecretError)?;
    let qr = totp.to_qr_base64().map_err(|_| TotpSecretError)?;
    Ok((url, qr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"

    #[test]
    fn secrets_are_stored_sealed_and_bound_to_their_account() {
        let ring = Keyring::new(&crate::secrets::Secret::new([4; 32]), &[]);
        let stored = seal(&ring, 7, RFC_SECRET);
        assert!(is_sealed(&stored));
        assert!(!stored.contains(RFC_SECRET));
        assert_eq!(open(&ring, 7, &stored).ok().as_deref(), Some(RFC_SECRET));
        assert!(open(&ring, 8, &stored).is_err(), "copied onto another account it does not open");
        let stranger = Keyring::new(&crate::secrets::Secret::new([5; 32]), &[]);
        assert!(open(&stranger, 7, &stored).is_err());
        assert_eq!(open(&ring, 7, RFC_SECRET).ok().as_deref(), Some(RFC_SECRET), "a legacy clear value");
    }

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B, T = 59 s, 8 digits 94287082 → 6 digits 287082.
        let now = OffsetDateTime::from_unix_timestamp(59).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(code_at(RFC_SECRET, now).ok().as_deref(), Some("287082"));
    }

    #[test]
    fn a_code_is_accepted_once() {
        let now = datetime!(2026-11-23 10:00:00 UTC);
        let code = code_at(RFC_SECRET, now).unwrap_or_default();
        let step = verify(RFC_SECRET, &code, now, None).ok().flatten();
        assert!(step.is_some());
        assert_eq!(verify(RFC_SECRET, &code, now, step).ok().flatten(), None);
    }

    #[test]
    fn full_width_digits_and_spaces_are_read() {
        let now = datetime!(2026-11-23 10:00:00 UTC);
        let code = code_at(RFC_SECRET, now).unwrap_or_default();
        let typed: String =
            code.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c)).collect();
        let typed = format!("{} {}", &typed[..9], &typed[9..]);
        assert!(verify(RFC_SECRET, &typed, now, None).ok().flatten().is_some());
    }

    #[test]
    fn wrong_or_old_codes_fail() {
        let now = datetime!(2026-11-23 10:00:00 UTC);
        let old = code_at(RFC_SECRET, now - time::Duration::minutes(5)).unwrap_or_default();
        assert_eq!(verify(RFC_SECRET, &old, now, None).ok().flatten(), None);
        assert_eq!(verify(RFC_SECRET, "abcdef", now, None).ok().flatten(), None);
        assert_eq!(verify(RFC_SECRET, "12345", now, None).ok().flatten(), None);
    }

    #[test]
    fn enrolment_uri_names_the_issuer() {
        let (url, qr) = enrolment(RFC_SECRET, "reviewer@example.jp").unwrap_or_default();
        assert!(url.starts_with("otpauth://totp/"));
        assert!(url.contains("issuer=handbook-admin"));
        assert!(!qr.is_empty());
    }
}
