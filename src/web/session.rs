//! What the (signed and encrypted) session cookie holds, and the idle timeout.

use actix_session::Session;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::error::AppError;

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// However active, a session ends this long after sign-in: a cookie taken from a shared PC
/// or kept alive by a script stops working within a working day.
pub const MAX_SESSION: Duration = Duration::hours(12);
const AUTH_KEY: &str = "auth";
const CSRF_KEY: &str = "csrf";
const ENROL_KEY: &str = "totp_enrol";
const NOTICE_KEY: &str = "notice";

/// A signed-in member of staff. `epoch` must equal the row's `session_epoch`, so bumping it
/// ends every session of that person at once.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct AuthSession {
    pub staff_id: i64,
    pub epoch: i32,
    /// Unix seconds of the last request, for the idle timeout.
    pub seen: i64,
    /// Unix seconds of the sign-in (a cookie from before this field reads 0: expired).
    #[serde(default)]
    pub since: i64,
}

/// Why a session is over.
#[derive(Debug, PartialEq, Eq)]
pub enum Expiry {
    Idle,
    TooOld,
}

/// Someone who passed the password check and must enrol a TOTP authenticator next.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct PendingEnrolment {
    pub staff_id: i64,
    pub epoch: i32,
    pub secret: String,
    pub started: i64,
}

pub const ENROLMENT_WINDOW: Duration = Duration::minutes(10);

fn session_error(_: impl std::fmt::Debug) -> AppError {
    AppError::Internal("session storage failed")
}

pub fn auth(session: &Session) -> Option<AuthSession> {
    session.get::<AuthSession>(AUTH_KEY).ok().flatten()
}

pub fn expiry(auth: &AuthSession, now: OffsetDateTime) -> Option<Expiry> {
    let now = now.unix_timestamp();
    if now - auth.since >= MAX_SESSION.whole_seconds() {
        Some(Expiry::TooOld)
    } else if now - auth.seen > IDLE_TIMEOUT.whole_seconds() {
        Some(Expiry::Idle)
    } else {
        None
    }
}

/// Records activity for the idle timeout. The cookie is rewritten at most once a minute:
/// re-encrypting it on every request costs more than a minute of precision is worth.
pub fn touch(session: &Session, mut auth: AuthSession, now: OffsetDateTime) -> Result<(), AppError> {
    if now.unix_timestamp() - auth.seen < 60 {
        return Ok(());
    }
    auth.seen = now.unix_timestamp();
    session.insert(AUTH_KEY, auth).map_err(session_error)
}

/// Starts a fresh session for `staff_id`: a new cookie (no fixation), a new CSRF token.
pub fn sign_in(session: &Session, staff_id: i64, epoch: i32, now: OffsetDateTime) -> Result<(), AppError> {
    session.renew();
    session.remove(ENROL_KEY);
    session
        .insert(AUTH_KEY, AuthSession { staff_id, epoch, seen: now.unix_timestamp(), since: now.unix_timestamp() })
        .map_err(session_error)?;
    session.insert(CSRF_KEY, crate::secrets::random::token(32)).map_err(session_error)
}

pub fn sign_out(session: &Session) {
    session.purge();
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).ok().flatten() {
        return Ok(token);
    }
    let token = crate::secrets::random::token(32);
    session.insert(CSRF_KEY, &token).map_err(session_error)?;
    Ok(token)
}

/// The token without creating one (the CSRF check must not mint a token it then accepts).
pub fn existing_csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF_KEY).ok().flatten()
}

pub fn pending_enrolment(session: &Session) -> Option<PendingEnrolment> {
    session.get::<PendingEnrolment>(ENROL_KEY).ok().flatten()
}

pub fn start_enrolment(session: &Session, pending: PendingEnrolment) -> Result<(), AppError> {
    session.renew();
    session.remove(AUTH_KEY);
    session.insert(ENROL_KEY, pending).map_err(session_error)
}

/// A one-time message for the next page (after a redirect).
pub fn set_notice(session: &Session, message: &str) -> Result<(), AppError> {
    session.insert(NOTICE_KEY, message).map_err(session_error)
}

pub fn take_notice(session: &Session) -> Option<String> {
    session.remove_as::<String>(NOTICE_KEY).and_then(Result::ok)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn sessions_end_when_idle_or_twelve_hours_after_sign_in() {
        let start = datetime!(2026-11-26 08:00 UTC);
        let mut auth = AuthSession { staff_id: 1, epoch: 0, seen: 0, since: start.unix_timestamp() };
        let mut now = start;
        // Active every 20 minutes for almost 12 hours: never idle, still alive.
        while now < start + MAX_SESSION - Duration::minutes(20) {
            now += Duration::minutes(20);
            auth.seen = now.unix_timestamp();
            assert_eq!(expiry(&auth, now), None, "{now}");
        }
        assert_eq!(expiry(&auth, start + MAX_SESSION), Some(Expiry::TooOld), "however active");
        let idle = AuthSession { seen: start.unix_timestamp(), ..auth.clone() };
        assert_eq!(expiry(&idle, start + Duration::minutes(31)), Some(Expiry::Idle));
        let legacy = AuthSession { since: 0, ..auth };
        assert_eq!(expiry(&legacy, start), Some(Expiry::TooOld), "a cookie from before the rule");
    }
}
