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
    #[error("このアカウントには、別のシステム管理者の承認を待っている権限付与があります。")]
    AwaitingApproval,
    #[error("自分が起案した権限付与は承認・却下できません。別のシステム管理者が判断します。")]
    OwnProposal,
    #[error("起案した人が作成した、または権限を与えたアカウントでは判断できません。別のシステム管理者が判断します。")]
    AppointedByProposer,
    #[error("この起案はすでに判断されています。")]
    AlreadyDecided,
    #[error("このリンクは無効か、有効期限が切れています。システム管理者に再発行を依頼してください。")]
    EnrolmentInvalid,
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
    /// Made by an admin: `password` is a random one nobody is told, and the account gets a
    /// one-time enrolment link where the person sets their own (`enrol`).
    pub temporary: bool,
}

/// How long an enrolment link stays good.
pub const ENROL_HOURS: i64 = 72;

/// A new account as created: its id, whether its role waits for a second admin, and the
/// enrolment link's token to hand to the person (shown once, kept only as a hash).
#[derive(Debug)]
pub struct Created {
    pub id: i64,
    pub granted: Granted,
    pub enrolment: Option<String>,
}

fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a new enrolment link for the account (replacing its password by `unknown_hash`, of a
/// password nobody knows); returns the token.
fn issue_enrolment(
    c: &mut DbConnection,
    id: i64,
    unknown_hash: &str,
    at: time::PrimitiveDateTime,
) -> Result<String, ManageError> {
    let token = crate::secrets::random::token(32);
    db::staff::start_enrolment(c, id, unknown_hash, &token_hash(&token), at + time::Duration::hours(ENROL_HOURS), at)?;
    Ok(token)
}

/// The account an enrolment link is for, while it is good: id and e-mail (the new password
/// must not be built from it).
pub fn enrolment_for(
    conn: &mut DbConnection,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<(i64, String)>, Fault> {
    Ok(db::staff::by_enrolment(conn, &token_hash(token), to_db(now))?)
}

/// The person sets their own password through the link, which is then used up.
pub fn enrol(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    token: &str,
    password_hash: &str,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<i64, ManageError> {
    let at = to_db(now);
    let hash = token_hash(token);
    write_tx(conn, |c| {
        let (id, _) = db::staff::by_enrolment(c, &hash, at)?.ok_or(ManageError::EnrolmentInvalid)?;
        if db::staff::finish_enrolment(c, id, &hash, password_hash, at)? == 0 {
            return Err(ManageError::EnrolmentInvalid);
        }
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::Staff(id), "staff.enrolled", "staff", id).request_id(request_id),
        )?;
        Ok(id)
    })
}

/// What became of a request that may need a second admin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granted {
    /// Done.
    Applied,
    /// A supervisor or admin role waits for a second admin (proposal id); a new account stays
    /// inactive until then.
    Proposed(i64),
}

/// Creates an account. A supervisor or admin account created by a member of staff is inactive
/// until a second admin approves its role (`decide_role`); the operator's command line
/// (bootstrap, the demo) creates it at once.
pub fn create(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    actor: Actor,
    account: &NewAccount<'_>,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<Created, ManageError> {
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
        let enrolment = if account.temporary { Some(issue_enrolment(c, id, &hash, at)?) } else { None };
        let Actor::Staff(admin) = actor else { return Ok(Created { id, granted: Granted::Applied, enrolment }) };
        if !account.role.grant_needs_second_admin() {
            return Ok(Created { id, granted: Granted::Applied, enrolment });
        }
        db::staff::set_active(c, id, false, at)?;
        let proposal = propose(c, keys, admin, id, account.role, true, at, request_id)?;
        Ok(Created { id, granted: Granted::Proposed(proposal), enrolment })
    })
}

#[allow(clippy::too_many_arguments)]
fn propose(
    c: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    admin: i64,
    staff_id: i64,
    role: Role,
    new_account: bool,
    at: time::PrimitiveDateTime,
    request_id: Option<&str>,
) -> Result<i64, ManageError> {
    if db::staff::pending_role(c, staff_id)?.is_some() {
        return Err(ManageError::AwaitingApproval);
    }
    let id = db::staff::propose_role(c, staff_id, role, new_account, admin, at)?;
    audit::append(
        c,
        keys,
        at,
        AuditEntry::new(Actor::Staff(admin), "staff.role_proposed", "staff", staff_id)
            .details(json!({"proposal_id": id, "role": role.as_str(), "new_account": new_account}))
            .request_id(request_id),
    )?;
    Ok(id)
}

/// A second admin's decision on a supervisor or admin role: never the proposer's, never through
/// an account the proposer created or raised. An approval grants the role (and activates a new
/// account); every session of that account ends either way.
pub fn decide_role(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    admin_id: i64,
    proposal_id: i64,
    approve: bool,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<(), ManageError> {
    let at = to_db(now);
    write_tx(conn, |c| {
        let proposal = db::staff::role_proposal(c, proposal_id)?.ok_or(ManageError::NotFound)?;
        let target = db::staff::lock(c, proposal.staff_id)?.ok_or(ManageError::NotFound)?;
        if proposal.state != crate::domain::sanctions::SanctionState::Proposed {
            return Err(ManageError::AlreadyDecided);
        }
        if proposal.proposed_by == admin_id {
            return Err(ManageError::OwnProposal);
        }
        if admin_id == target.id {
            return Err(ManageError::OwnAccount);
        }
        if super::appointed_by_proposer(c, proposal.proposed_by, admin_id)? {
            return Err(ManageError::AppointedByProposer);
        }
        if db::staff::decide_role(c, proposal_id, approve, admin_id, at)? == 0 {
            return Err(ManageError::AlreadyDecided);
        }
        let actor = Actor::Staff(admin_id);
        let decided = if approve { "staff.role_approved" } else { "staff.role_rejected" };
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(actor.clone(), decided, "staff", target.id)
                .details(json!({"proposal_id": proposal_id, "role": proposal.role.as_str()}))
                .request_id(request_id),
        )?;
        if approve {
            db::staff::set_role(c, target.id, proposal.role, at)?;
            audit::append(
                c,
                keys,
                at,
                AuditEntry::new(actor.clone(), "staff.role_changed", "staff", target.id)
                    .details(json!({"from": target.role.as_str(), "to": proposal.role.as_str()}))
                    .request_id(request_id),
            )?;
            if proposal.new_account {
                db::staff::set_active(c, target.id, true, at)?;
                audit::append(
                    c,
                    keys,
                    at,
                    AuditEntry::new(actor, "staff.activated", "staff", target.id).request_id(request_id),
                )?;
            }
        }
        db::staff::bump_epoch(c, target.id, at)?;
        Ok(())
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

/// An admin's action on another account. Raising it to supervisor or admin is a proposal for a
/// second admin (`Granted::Proposed`); every other action is done at once.
pub fn administer(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    admin_id: i64,
    target_id: i64,
    action: AdminAction,
    now: OffsetDateTime,
    request_id: Option<&str>,
) -> Result<Granted, ManageError> {
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
        let pending = db::staff::pending_role(c, target_id)?.is_some();
        match action {
            AdminAction::ChangeRole(role) if role != target.role && role.grant_needs_second_admin() => {
                return Ok(Granted::Proposed(propose(c, keys, admin_id, target_id, role, false, at, request_id)?));
            }
            // Not around the pending decision: activating a new account or changing its role
            // would grant what the second admin has not approved.
            AdminAction::Activate | AdminAction::ChangeRole(_) if pending => return Err(ManageError::AwaitingApproval),
            _ => {}
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
        Ok(Granted::Applied)
    })
}

/// An admin resets someone's password: the old one stops working, every session ends, and a
/// new enrolment link (returned, to show once) lets the person set their own. The admin never
/// sets or sees a password.
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
    let unknown = password::hash(&crate::secrets::random::token(32))?;
    let at = to_db(now);
    write_tx(conn, |c| {
        db::staff::lock(c, target_id)?.ok_or(ManageError::NotFound)?;
        let token = issue_enrolment(c, target_id, &unknown, at)?;
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::Staff(admin_id), "staff.password_reset", "staff", target_id).request_id(request_id),
        )?;
        Ok::<_, ManageError>(token)
    })
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
