//! Creating and administering staff accounts.

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry};
use crate::auth::password;
use crate::clock::to_db;
use crate::db::staff::NewStaff;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::staff::{NewPassword, Role, StaffEmail};
use crate::error::Fault;

#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("このメールアドレスのアカウントは既にあります。")]
    EmailTaken,
    #[error("自分自身のアカウントにはこの操作はできません。")]
    OwnAccount,
    #[error("有効なシステム管理者が1人もいなくなるため、この操作はできません。")]
    LastAdmin,
    #[error("現在のパスワードが正しくありません。")]
    WrongCurrentPassword,
    #[error("新しいパスワードは現在のものと違うものにしてください。")]
    SamePassword,
    #[error("no such account")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for ManageError {
    fn from(e: diesel::result::Error) -> Self {
        ManageError::Fault(e.into())
    }
}

impl From<crate::auth::password::HashError> for ManageError {
    fn from(e: crate::auth::password::HashError) -> Self {
        ManageError::Fault(e.into())
    }
}

pub struct NewAccount<'a> {
    pub email: &'a StaffEmail,
    pub display_name: &'a str,
    pub role: Role,
    pub password: &'a NewPassword,
    /// An admin handed the password out: the person must choose their own at first sign-in.
    pub temporary: bool,
}

pub fn create(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    actor: Actor,
    account: &NewAccount<'_>,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<i64, ManageError> {
    let hash = password::hash(account.password.expose())?;
    let at = to_db(now);
    write_tx(conn, |c| {
        if db::staff::find_by_email(c, account.email.as_str())?.is_some() {
            return Err(ManageError::EmailTaken);
        }
        let id = db::staff::insert(
            c,
            &NewStaff {
                email: account.email.as_str(),
                display_name: account.display_name,
                role: account.role,
                password_hash: &hash,
                must_change_password: account.temporary,
                created_at: at,
                updated_at: at,
            },
        )?;
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(actor.clone(), "staff.created", "staff", id)
                .details(json!({"role": account.role.as_str()}))
                .request_id(request_id),
        )?;
        Ok(id)
    })
}

/// An admin's action on another account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminAction {
    Deactivate,
    Activate,
    EndSessions,
    ResetTotp,
    ChangeRole(Role),
}

impl AdminAction {
    fn audit_action(self) -> &'static str {
        match self {
            AdminAction::Deactivate => "staff.deactivated",
            AdminAction::Activate => "staff.activated",
            AdminAction::EndSessions => "staff.sessions_ended",
            AdminAction::ResetTotp => "staff.totp_reset",
            AdminAction::ChangeRole(_) => "staff.role_changed",
        }
    }
}

pub fn administer(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    admin_id: i64,
    target_id: i64,
    action: AdminAction,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<(), ManageError> {
    let at = to_db(now);
    if admin_id == target_id && !matches!(action, AdminAction::EndSessions) {
        return Err(ManageError::OwnAccount);
    }
    write_tx(conn, |c| {
        let target = db::staff::lock(c, target_id)?.ok_or(ManageError::NotFound)?;
        let removes_admin = target.active
            && target.role == Role::Admin
            && match action {
                AdminAction::Deactivate => true,
                AdminAction::ChangeRole(role) => role != Role::Admin,
                _ => false,
            };
        if removes_admin && db::staff::count_active_admins(c)? <= 1 {
            return Err(ManageError::LastAdmin);
        }
        let mut details = json!({});
        match action {
            AdminAction::Deactivate => {
                db::staff::set_active(c, target_id, false, at)?;
            }
            AdminAction::Activate => {
                db::staff::set_active(c, target_id, true, at)?;
            }
            AdminAction::EndSessions => {
                db::staff::bump_epoch(c, target_id, at)?;
            }
            AdminAction::ResetTotp => {
                db::staff::set_totp(c, target_id, None, None, at)?;
                db::staff::bump_epoch(c, target_id, at)?;
            }
            AdminAction::ChangeRole(role) => {
                details = json!({"from": target.role.as_str(), "to": role.as_str()});
                db::staff::set_role(c, target_id, role, at)?;
            }
        }
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::Staff(admin_id), action.audit_action(), "staff", target_id)
                .details(details)
                .request_id(request_id),
        )?;
        Ok(())
    })
}

/// An admin resets someone's password to a temporary one, which is returned to show once.
pub fn reset_password(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    admin_id: i64,
    target_id: i64,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<String, ManageError> {
    if admin_id == target_id {
        return Err(ManageError::OwnAccount);
    }
    let temporary = temporary_password();
    let hash = password::hash(&temporary)?;
    let at = to_db(now);
    write_tx(conn, |c| {
        db::staff::lock(c, target_id)?.ok_or(ManageError::NotFound)?;
        db::staff::set_password(c, target_id, &hash, true, at)?;
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::Staff(admin_id), "staff.password_reset", "staff", target_id).request_id(request_id),
        )?;
        Ok::<_, ManageError>(())
    })?;
    Ok(temporary)
}

/// A wrong current password on the password-change form counts toward the lock-out like a
/// failed sign-in. Returns whether it locked the account; then every session ends too, so a
/// borrowed session cannot keep guessing.
pub fn refuse_current_password(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    staff_id: i64,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<bool, ManageError> {
    let at = to_db(now);
    Ok(write_tx(conn, |c| {
        let locked = super::sign_in::count_failure(c, staff_id, "wrong_current_password", keys, now, request_id)?;
        if locked {
            db::staff::bump_epoch(c, staff_id, at)?;
        }
        Ok::<_, Fault>(locked)
    })?)
}

/// Someone changes their own password (the current one was checked, off the database pool).
/// Returns the new session epoch (other sessions end).
pub fn set_own_password(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    staff_id: i64,
    new_hash: &str,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<i32, ManageError> {
    let at = to_db(now);
    write_tx(conn, |c| {
        db::staff::lock(c, staff_id)?.ok_or(ManageError::NotFound)?;
        db::staff::set_password(c, staff_id, new_hash, false, at)?;
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::Staff(staff_id), "staff.password_changed", "staff", staff_id).request_id(request_id),
        )?;
        Ok::<_, ManageError>(())
    })?;
    Ok(db::staff::find(conn, staff_id)?.ok_or(ManageError::NotFound)?.session_epoch)
}

/// 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I): read aloud or typed
/// from a screen without mistakes, about 90 bits.
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    crate::secrets::random::pick(ALPHABET, 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_and_unambiguous() {
        let p = temporary_password();
        assert_eq!(p.chars().count(), 16);
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        assert!(NewPassword::parse(&p, None).is_ok());
        assert_ne!(p, temporary_password());
    }
}
