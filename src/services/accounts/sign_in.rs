//! The sign-in decision. Every outcome a caller might see is the same generic failure, so the
//! form never tells whether an e-mail exists, is locked or is deactivated; the audit trail
//! records which it was.

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry};
use crate::auth::{password, totp};
use crate::clock::{from_db, to_db};
use crate::db::staff::StaffRow;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::staff::{LOCKOUT, StaffEmail};
use crate::error::Fault;
use crate::images::crypto::Keyring;

/// Enrolment could not finish: the account changed since the password was checked (ended
/// sessions, deactivated, or an authenticator already set).
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error("the account changed since sign-in began")]
    Stale,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for EnrolError {
    fn from(e: diesel::result::Error) -> Self {
        EnrolError::Fault(e.into())
    }
}

pub struct Attempt<'a> {
    pub email: &'a str,
    pub totp: &'a str,
    pub require_totp: bool,
    pub now: OffsetDateTime,
    pub request_id: Option<&'a str>,
    /// The keys that seal the attempt's audit event.
    pub audit: &'a crate::audit::AuditKeys,
    /// Opens the stored TOTP secret.
    pub keyring: &'a Keyring,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SignInVerdict {
    SignedIn {
        staff_id: i64,
        epoch: i32,
    },
    /// Password right, no authenticator yet: enrol one before the session starts.
    MustEnrolTotp {
        staff_id: i64,
        epoch: i32,
    },
    Failed,
}

/// The account an attempt names, read before any hashing so the password check can run away
/// from the database pool.
pub fn look_up(conn: &mut DbConnection, email: &str) -> Result<Option<StaffRow>, Fault> {
    match StaffEmail::parse(email) {
        Ok(email) => Ok(db::staff::find_by_email(conn, email.as_str())?),
        Err(_) => Ok(None),
    }
}

/// The hash the password is checked against: the account's own when it may sign in, else a
/// hash nobody knows, so an unknown, locked or deactivated account costs the same time.
pub fn hash_to_check(row: Option<&StaffRow>, now: OffsetDateTime) -> &str {
    match row {
        Some(r) if may_try(r, now) => &r.password_hash,
        _ => password::dummy_hash(),
    }
}

fn may_try(row: &StaffRow, now: OffsetDateTime) -> bool {
    row.active && !LOCKOUT.is_locked(row.locked_until.map(from_db), now)
}

/// Decides the attempt once the password was checked against [`hash_to_check`].
pub fn conclude(
    conn: &mut DbConnection,
    input: &Attempt<'_>,
    row: Option<StaffRow>,
    password_ok: bool,
) -> Result<SignInVerdict, Fault> {
    let at = to_db(input.now);
    let Some(row) = row else {
        // Counted per day outside the chain: a spray of made-up e-mails must not grow the
        // chain by one sealed row each, nor serialise on its head.
        write_tx(conn, |c| db::tallies::add(c, db::tallies::UNKNOWN_SIGN_IN, crate::clock::today_jst(input.now)))?;
        return Ok(SignInVerdict::Failed);
    };
    let actor = Actor::Staff(row.id);
    let target = row.id.to_string();
    if !may_try(&row, input.now) {
        let reason = if row.active { "locked" } else { "inactive" };
        write_tx(conn, |c| {
            audit::append(c, input.audit, at, failure(actor.clone(), &target, reason, input.request_id))
        })?;
        return Ok(SignInVerdict::Failed);
    }

    let (second_factor_ok, step) = match (password_ok, input.require_totp, row.totp_secret.as_deref()) {
        (false, _, _) => (false, None),
        (true, false, _) | (true, true, None) => (true, None),
        (true, true, Some(sealed)) => {
            let secret = totp::open(input.keyring, row.id, sealed)?;
            let step = totp::verify(&secret, input.totp, input.now, row.totp_last_step)?;
            (step.is_some(), step)
        }
    };

    if !password_ok || !second_factor_ok {
        let reason = if password_ok { "wrong_totp" } else { "wrong_password" };
        write_tx(conn, |c| count_failure(c, row.id, reason, input.audit, input.now, input.request_id))?;
        return Ok(SignInVerdict::Failed);
    }
    if input.require_totp && row.totp_secret.is_none() {
        return Ok(SignInVerdict::MustEnrolTotp { staff_id: row.id, epoch: row.session_epoch });
    }
    Ok(match write_tx(conn, |c| confirm_success(c, row.id, step, input))? {
        Some(epoch) => SignInVerdict::SignedIn { staff_id: row.id, epoch },
        None => SignInVerdict::Failed,
    })
}

/// A wrong password or code: counted on the row as it is now, under its lock, so concurrent
/// failures do not overwrite each other's count; the lock-out starts at the limit.
/// Also counts a wrong current password on the password-change form: whoever holds a session
/// must not get unlimited guesses at the password behind it. Returns whether this failure
/// locked the account.
pub fn count_failure(
    c: &mut DbConnection,
    staff_id: i64,
    reason: &'static str,
    keys: &crate::audit::AuditKeys,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<bool, Fault> {
    let at = to_db(now);
    let (actor, target) = (Actor::Staff(staff_id), staff_id.to_string());
    let fresh = db::staff::lock(c, staff_id)?.ok_or(Fault::Corrupt("staff row vanished during sign-in"))?;
    let after = LOCKOUT.after_failure(fresh.failed_logins, fresh.locked_until.map(from_db), now);
    db::staff::record_failure(c, staff_id, after.failed_logins, after.locked_until.map(to_db), at)?;
    audit::append(c, keys, at, failure(actor.clone(), &target, reason, request_id))?;
    if after.just_locked {
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(actor, "staff.locked_out", "staff", &target)
                .details(json!({"failed_logins": after.failed_logins, "minutes": LOCKOUT.lock_for.whole_minutes()}))
                .request_id(request_id),
        )?;
    }
    Ok(after.just_locked)
}

/// Password and code were right: decide again under the row lock (a parallel attempt may have
/// locked the account or used this code meanwhile), then record the sign-in. Returns the
/// session epoch, or `None` when the race was lost.
fn confirm_success(
    c: &mut DbConnection,
    staff_id: i64,
    step: Option<i64>,
    input: &Attempt<'_>,
) -> Result<Option<i32>, Fault> {
    let at = to_db(input.now);
    let (actor, target) = (Actor::Staff(staff_id), staff_id.to_string());
    let fresh = db::staff::lock(c, staff_id)?.ok_or(Fault::Corrupt("staff row vanished during sign-in"))?;
    let replayed = step.is_some_and(|s| fresh.totp_last_step.is_some_and(|last| s <= last));
    if !fresh.active || LOCKOUT.is_locked(fresh.locked_until.map(from_db), input.now) || replayed {
        audit::append(c, input.audit, at, failure(actor, &target, "raced", input.request_id))?;
        return Ok(None);
    }
    db::staff::record_success(c, staff_id, step, at)?;
    audit::append(
        c,
        input.audit,
        at,
        AuditEntry::new(actor, "staff.login", "staff", &target)
            .details(json!({"second_factor": step.is_some()}))
            .request_id(input.request_id),
    )?;
    Ok(Some(fresh.session_epoch))
}

fn failure<'a>(actor: Actor, target: &str, reason: &'static str, request_id: Option<&'a str>) -> AuditEntry<'a> {
    AuditEntry::new(actor, "staff.login_failed", "staff", target)
        .details(json!({ "reason": reason }))
        .request_id(request_id)
}

/// An enrolment under way: who, the session epoch it started in, and the secret shown.
pub struct Enrolment<'a> {
    pub staff_id: i64,
    pub epoch: i32,
    pub secret: &'a str,
}

/// Finishes TOTP enrolment: the first code proves the authenticator works; the secret is
/// stored and the person is signed in.
pub fn complete_enrolment(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    keyring: &Keyring,
    enrolment: &Enrolment<'_>,
    code: &str,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<bool, EnrolError> {
    let Enrolment { staff_id, epoch, secret } = *enrolment;
    let Some(step) = totp::verify(secret, code, now, None).map_err(Fault::from)? else {
        return Ok(false);
    };
    let at = to_db(now);
    let row = db::staff::find(conn, staff_id)?;
    if !row.is_some_and(|r| r.active && r.session_epoch == epoch && r.totp_secret.is_none()) {
        return Err(EnrolError::Stale);
    }
    write_tx(conn, |c| {
        db::staff::set_totp(c, staff_id, Some(&totp::seal(keyring, staff_id, secret)), Some(step), at)?;
        db::staff::record_success(c, staff_id, Some(step), at)?;
        let actor = Actor::Staff(staff_id);
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(actor.clone(), "staff.totp_enrolled", "staff", staff_id).request_id(request_id),
        )?;
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(actor, "staff.login", "staff", staff_id)
                .details(json!({"second_factor": true}))
                .request_id(request_id),
        )?;
        Ok::<_, Fault>(())
    })?;
    Ok(true)
}

/// Signing out ends every session of this person (epoch bump): a copied cookie stops working
/// too, which a cookie-held session could not otherwise promise.
pub fn sign_out(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    staff_id: i64,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<(), Fault> {
    let at = to_db(now);
    write_tx(conn, |c| {
        db::staff::bump_epoch(c, staff_id, at)?;
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::Staff(staff_id), "staff.logout", "staff", staff_id).request_id(request_id),
        )?;
        Ok(())
    })
}
