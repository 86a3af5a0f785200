//! The signature on Myna Portal callbacks (CONTRACT.md): `X-Myna-Timestamp` (unix seconds) and
//! `X-Myna-Signature`, the hex HMAC-SHA256 of `timestamp + "." + body`. Several secrets are
//! accepted so one can be rotated without refusing deliveries signed with the other; the
//! comparison takes constant time; a timestamp more than five minutes away is refused, so a
//! captured delivery cannot be replayed later.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::secrets::Secret;

/// How far a callback's timestamp may be from our clock, either way.
pub const WINDOW_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing or malformed X-Myna-Timestamp or X-Myna-Signature")]
    Missing,
    #[error("the timestamp is outside the 300-second window")]
    Stale,
    #[error("the signature does not match")]
    Bad,
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac.finalize().into_bytes().to_vec())
}

/// The signature header for `body` sent at `timestamp` (the simulator and tests sign with it).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, &timestamp.to_string(), body).unwrap_or_default())
}

/// Checks a delivery's headers against any of `secrets` at `now` (unix seconds).
pub fn verify(
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    secrets: &[Secret<String>],
    now: i64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else { return Err(SignatureError::Missing) };
    let sent: i64 = timestamp.trim().parse().map_err(|_| SignatureError::Missing)?;
    let given = hex::decode(signature.trim()).map_err(|_| SignatureError::Missing)?;
    if (now - sent).abs() > WINDOW_SECONDS {
        return Err(SignatureError::Stale);
    }
    let matches = secrets.iter().any(|secret| {
        mac(secret.expose(), timestamp.trim(), body)
            .is_some_and(|expected| crate::secrets::constant_time_eq(&expected, &given))
    });
    if matches { Ok(()) } else { Err(SignatureError::Bad) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(list: &[&str]) -> Vec<Secret<String>> {
        list.iter().map(|s| Secret::new((*s).to_owned())).collect()
    }

    #[test]
    fn good_bad_stale_altered_and_rotated() {
        let body = br#"{"request_id":"r1"}"#;
        let now = 1_790_000_000;
        let good = sign("current", now, body);
        let ts = now.to_string();
        let check = |ts: &str, sig: &str, body: &[u8], keys: &[&str], at: i64| {
            verify(Some(ts), Some(sig), body, &secrets(keys), at)
        };
        assert_eq!(check(&ts, &good, body, &["current"], now), Ok(()));
        assert_eq!(check(&ts, &good, body, &["current"], now + 300), Ok(()), "the window's edge");
        assert_eq!(check(&ts, &good, body, &["current"], now + 301), Err(SignatureError::Stale));
        assert_eq!(check(&ts, &good, body, &["current"], now - 301), Err(SignatureError::Stale), "from the future");
        assert_eq!(check(&ts, &good, br#"{"request_id":"r2"}"#, &["current"], now), Err(SignatureError::Bad));
        assert_eq!(
            check(&(now + 1).to_string(), &good, body, &["current"], now),
            Err(SignatureError::Bad),
            "timestamp is signed"
        );
        assert_eq!(check(&ts, &good, body, &["other"], now), Err(SignatureError::Bad));
        // Rotation: the old secret still verifies while both are configured.
        let old = sign("previous", now, body);
        assert_eq!(check(&ts, &old, body, &["current", "previous"], now), Ok(()));
        assert_eq!(check(&ts, "zz", body, &["current"], now), Err(SignatureError::Missing));
        assert_eq!(verify(None, Some(&good), body, &secrets(&["current"]), now), Err(SignatureError::Missing));
    }
}
