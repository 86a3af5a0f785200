//! Staff accounts: roles, e-mail addresses, passwords and the sign-in lock-out rule.

use std::fmt;

use time::{Duration, OffsetDateTime};

/// What a member of staff is for (DESIGN.md "Roles"). Permissions are granted per role and
/// denied by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reviewer,
    Supervisor,
    Support,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Reviewer, Role::Supervisor, Role::Support, Role::Auditor, Role::Admin];

    /// Roles whose grant is four-eyes: a supervisor decides final acts, an admin makes accounts.
    /// One admin alone could otherwise make the second pair of eyes.
    pub fn grant_needs_second_admin(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Supervisor => "supervisor",
            Role::Support => "support",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }

    /// Review work (claim, transcribe, decide); supervisors may do all a reviewer may.
    pub const REVIEWERS: [Role; 2] = [Role::Reviewer, Role::Supervisor];

    /// Who may open handbook photos and transcribed data (special-care personal data).
    pub const PHOTO_VIEWERS: [Role; 3] = [Role::Reviewer, Role::Supervisor, Role::Auditor];

    pub fn may_review(self) -> bool {
        Self::REVIEWERS.contains(&self)
    }

    pub fn may_view_photos(self) -> bool {
        Self::PHOTO_VIEWERS.contains(&self)
    }

    /// Who looks holders up: review, the support center, and auditors (read only).
    pub const HOLDER_VIEWERS: [Role; 4] = [Role::Reviewer, Role::Supervisor, Role::Support, Role::Auditor];

    /// Handbook numbers and grades are shown to those who review them; the support center
    /// and auditors see a holder's registrations without them.
    pub fn sees_handbook_numbers(self) -> bool {
        Self::REVIEWERS.contains(&self)
    }

    /// The role's name on screen.
    pub fn label(self) -> &'static str {
        match self {
            Role::Reviewer => "審査担当",
            Role::Supervisor => "審査責任者",
            Role::Support => "サポートセンター",
            Role::Auditor => "監査担当",
            Role::Admin => "システム管理者",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub use super::email::{EmailAddress as StaffEmail, EmailError};

/// A password someone chose, long enough to resist guessing. Length is what matters; the
/// upper bound keeps hashing cost bounded.
pub struct NewPassword(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("パスワードは12文字以上にしてください。")]
    TooShort,
    #[error("パスワードは128文字以内にしてください。")]
    TooLong,
    #[error("パスワードにメールアドレスを含めないでください。")]
    ContainsEmail,
}

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str, email: Option<&StaffEmail>) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > Self::MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        if let Some(email) = email {
            let local = email.as_str().split('@').next().unwrap_or_default();
            if local.len() >= 4 && raw.to_lowercase().contains(local) {
                return Err(PasswordError::ContainsEmail);
            }
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

/// Five failed sign-ins in a row lock the account for fifteen minutes.
pub struct LockoutPolicy {
    pub max_failures: i32,
    pub lock_for: Duration,
}

pub const LOCKOUT: LockoutPolicy = LockoutPolicy { max_failures: 5, lock_for: Duration::minutes(15) };

/// What a failed attempt does to the account.
#[derive(Debug, PartialEq, Eq)]
pub struct AfterFailure {
    pub failed_logins: i32,
    pub locked_until: Option<OffsetDateTime>,
    /// This failure is the one that locked the account (worth its own audit event).
    pub just_locked: bool,
}

impl LockoutPolicy {
    pub fn is_locked(&self, locked_until: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
        locked_until.is_some_and(|until| until > now)
    }

    /// Counts a failed attempt. An expired lock starts a fresh count.
    pub fn after_failure(
        &self,
        failed_logins: i32,
        locked_until: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> AfterFailure {
        if self.is_locked(locked_until, now) {
            return AfterFailure { failed_logins, locked_until, just_locked: false };
        }
        let base = if locked_until.is_some() { 0 } else { failed_logins };
        let count = base.saturating_add(1);
        if count >= self.max_failures {
            AfterFailure { failed_logins: count, locked_until: Some(now + self.lock_for), just_locked: true }
        } else {
            AfterFailure { failed_logins: count, locked_until: None, just_locked: false }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn roles_round_trip_and_unknown_is_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn password_length_rules() {
        assert_eq!(NewPassword::parse("short", None).err(), Some(PasswordError::TooShort));
        assert!(NewPassword::parse("correct horse battery", None).is_ok());
        assert!(NewPassword::parse("１２３４５６７８９０ab", None).is_ok(), "counts characters, not bytes");
        assert_eq!(NewPassword::parse(&"x".repeat(129), None).err(), Some(PasswordError::TooLong));
        let email = StaffEmail::parse("tanaka@example.jp").ok();
        assert_eq!(NewPassword::parse("my-Tanaka-password", email.as_ref()).err(), Some(PasswordError::ContainsEmail));
    }

    #[test]
    fn fifth_failure_locks_for_fifteen_minutes() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut count = 0;
        let mut until = None;
        for attempt in 1..=5 {
            let after = LOCKOUT.after_failure(count, until, now);
            count = after.failed_logins;
            until = after.locked_until;
            assert_eq!(after.just_locked, attempt == 5);
        }
        assert_eq!(until, Some(datetime!(2026-11-23 10:15 UTC)));
        assert!(LOCKOUT.is_locked(until, now + Duration::minutes(14)));
        assert!(!LOCKOUT.is_locked(until, now + Duration::minutes(15)));
    }

    #[test]
    fn failures_while_locked_do_not_extend_the_lock() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let until = Some(now + Duration::minutes(15));
        let after = LOCKOUT.after_failure(5, until, now + Duration::minutes(1));
        assert_eq!(after.locked_until, until);
        assert!(!after.just_locked);
    }

    #[test]
    fn an_expired_lock_starts_a_fresh_count() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let after = LOCKOUT.after_failure(5, Some(now - Duration::minutes(1)), now);
        assert_eq!(after, AfterFailure { failed_logins: 1, locked_until: None, just_locked: false });
    }
}
