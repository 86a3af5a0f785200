//! What the (signed and encrypted) session cookie holds, and the idle timeout.

use actix_session::Session;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::error::AppError;

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
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

pub fn is_idle(auth: &AuthSession, now: OffsetDateTime) -> bool {
    now.unix_timestamp() - auth.seen > IDLE_TIMEOUT.whole_seconds()
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
    session.insert(AUTH_KEY, AuthSession { staff_id, epoch, seen: now.unix_timestamp() }).map_err(session_error)?;
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
