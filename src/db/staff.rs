//! The `staff` table.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::staff;
use crate::domain::staff::Role;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<PrimitiveDateTime>,
    pub session_epoch: i32,
    pub last_login_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

pub struct NewStaff<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<StaffRow>> {
    staff::table.find(id).select(StaffRow::as_select()).first(conn).optional()
}

/// Locks the row for the rest of the write transaction, then reads it as it is now.
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<StaffRow>> {
    select_for_update!(conn, staff::table.find(id).select(StaffRow::as_select()), first).optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<StaffRow>> {
    staff::table.filter(staff::email.eq(email)).select(StaffRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewStaff<'_>) -> QueryResult<i64> {
    diesel::insert_into(staff::table)
        .values((
            staff::email.eq(new.email),
            staff::display_name.eq(new.display_name),
            staff::role.eq(new.role.as_str()),
            staff::password_hash.eq(new.password_hash),
            staff::must_change_password.eq(new.must_change_password),
            staff::created_at.eq(new.created_at),
            staff::updated_at.eq(new.updated_at),
        ))
        .returning(staff::id)
        .get_result(conn)
}

/// Active members of staff who may take review work, by name (the reassign list).
/// Display names of these staff, in one query.
pub fn names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    staff::table.filter(staff::id.eq_any(ids)).select((staff::id, staff::display_name)).load(conn)
}

pub fn reviewers(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    staff::table
        .filter(staff::active.eq(true))
        .filter(staff::role.eq_any(Role::REVIEWERS.map(Role::as_str)))
        .order(staff::display_name.asc())
        .select((staff::id, staff::display_name))
        .limit(limit)
        .load(conn)
}

/// One page of the staff list, ordered by name then id; `after` is the last (name, id) shown.
pub fn list_page(conn: &mut DbConnection, after: Option<(&str, i64)>, limit: i64) -> QueryResult<Vec<StaffRow>> {
    let mut query = staff::table.select(StaffRow::as_select()).into_boxed();
    if let Some((name, id)) = after {
        query = query.filter(
            staff::display_name.gt(name.to_owned()).or(staff::display_name.eq(name.to_owned()).and(staff::id.gt(id))),
        );
    }
    query.order((staff::display_name.asc(), staff::id.asc())).limit(limit).load(conn)
}

pub fn record_failure(
    conn: &mut DbConnection,
    id: i64,
    failed_logins: i32,
    locked_until: Option<PrimitiveDateTime>,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set((staff::failed_logins.eq(failed_logins), staff::locked_until.eq(locked_until), staff::updated_at.eq(now)))
        .execute(conn)
        .map(drop)
}

pub fn record_success(
    conn: &mut DbConnection,
    id: i64,
    totp_step: Option<i64>,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    let target = staff::table.find(id);
    match totp_step {
        Some(step) => diesel::update(target)
            .set((
                staff::failed_logins.eq(0),
                staff::locked_until.eq(None::<PrimitiveDateTime>),
                staff::last_login_at.eq(now),
                staff::totp_last_step.eq(step),
            ))
            .execute(conn),
        None => diesel::update(target)
            .set((
                staff::failed_logins.eq(0),
                staff::locked_until.eq(None::<PrimitiveDateTime>),
                staff::last_login_at.eq(now),
            ))
            .execute(conn),
    }
    .map(drop)
}

pub fn set_totp(
    conn: &mut DbConnection,
    id: i64,
    secret: Option<&str>,
    step: Option<i64>,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set((staff::totp_secret.eq(secret), staff::totp_last_step.eq(step), staff::updated_at.eq(now)))
        .execute(conn)
        .map(drop)
}

/// Sets a new password. `must_change` marks a temporary one an admin handed out. Every
/// existing session ends (epoch bump).
pub fn set_password(
    conn: &mut DbConnection,
    id: i64,
    hash: &str,
    must_change: bool,
    now: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(staff::table.find(id))
        .set((
            staff::password_hash.eq(hash),
            staff::must_change_password.eq(must_change),
            staff::failed_logins.eq(0),
            staff::locked_until.eq(None::<PrimitiveDateTime>),
            staff::session_epoch.eq(staff::session_epoch + 1),
            staff::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Ends every session of this person at once: each request compares the epoch it signed in
/// under with the row's.
pub fn bump_epoch(conn: &mut DbConnection, id: i64, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(staff::table.find(id))
        .set((staff::session_epoch.eq(staff::session_epoch + 1), staff::updated_at.eq(now)))
        .execute(conn)
}

pub fn set_active(conn: &mut DbConnection, id: i64, active: bool, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(staff::table.find(id))
        .set((staff::active.eq(active), staff::session_epoch.eq(staff::session_epoch + 1), staff::updated_at.eq(now)))
        .execute(conn)
}

pub fn count_active_admins(conn: &mut DbConnection) -> QueryResult<i64> {
    staff::table.filter(staff::role.eq(Role::Admin.as_str())).filter(staff::active.eq(true)).count().get_result(conn)
}

pub fn set_role(conn: &mut DbConnection, id: i64, role: Role, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(staff::table.find(id))
        .set((
            staff::role.eq(role.as_str()),
            staff::session_epoch.eq(staff::session_epoch + 1),
            staff::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Every stored TOTP secret with its account (few rows: one per member of staff).
pub fn totp_secrets(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    staff::table
        .filter(staff::totp_secret.is_not_null())
        .select((staff::id, staff::totp_secret.assume_not_null()))
        .load(conn)
}

/// Replaces a clear secret by its sealed form, only if it is still the clear one.
pub fn reseal_totp(conn: &mut DbConnection, id: i64, clear: &str, sealed: &str) -> QueryResult<usize> {
    diesel::update(staff::table.find(id).filter(staff::totp_secret.eq(clear)))
        .set(staff::totp_secret.eq(sealed))
        .execute(conn)
}

/// Did `by` create the account `staff_id` or change its role, ever? Read from the audit trail,
/// which keeps every account change and which nobody rewrites unseen.
pub fn appointed_by(conn: &mut DbConnection, staff_id: i64, by: i64) -> QueryResult<bool> {
    use super::schema::audit_events;
    diesel::select(diesel::dsl::exists(
        audit_events::table
            .filter(audit_events::target_type.eq("staff"))
            .filter(audit_events::target_id.eq(staff_id.to_string()))
            .filter(audit_events::action.eq_any(["staff.created", "staff.role_changed", "staff.role_proposed"]))
            .filter(audit_events::actor_staff_id.eq(by)),
    ))
    .get_result(conn)
}

/// A role waiting for a second admin.
#[derive(Queryable, Debug, Clone)]
pub struct RoleProposal {
    pub id: i64,
    pub staff_id: i64,
    pub role: Role,
    pub new_account: bool,
    pub proposed_by: i64,
    pub state: crate::domain::sanctions::SanctionState,
}

pub fn propose_role(
    conn: &mut DbConnection,
    staff_id: i64,
    role: Role,
    new_account: bool,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<i64> {
    use super::schema::role_proposals as p;
    diesel::insert_into(p::table)
        .values((
            p::staff_id.eq(staff_id),
            p::role.eq(role.as_str()),
            p::new_account.eq(new_account),
            p::proposed_by.eq(by),
            p::proposed_at.eq(at),
            p::state.eq("proposed"),
        ))
        .returning(p::id)
        .get_result(conn)
}

pub fn role_proposal(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RoleProposal>> {
    use super::schema::role_proposals as p;
    p::table
        .find(id)
        .select((p::id, p::staff_id, p::role, p::new_account, p::proposed_by, p::state))
        .first(conn)
        .optional()
}

/// The proposal waiting on an account, if any.
pub fn pending_role(conn: &mut DbConnection, staff_id: i64) -> QueryResult<Option<i64>> {
    use super::schema::role_proposals as p;
    p::table.filter(p::staff_id.eq(staff_id)).filter(p::state.eq("proposed")).select(p::id).first(conn).optional()
}

pub fn decide_role(
    conn: &mut DbConnection,
    id: i64,
    approve: bool,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    use super::schema::role_proposals as p;
    diesel::update(p::table.find(id).filter(p::state.eq("proposed")))
        .set((p::state.eq(if approve { "applied" } else { "rejected" }), p::decided_by.eq(by), p::decided_at.eq(at)))
        .execute(conn)
}

/// Proposals waiting, oldest first: id, account (id, name, e-mail), role, new account, proposer
/// (id, name), when.
pub type WaitingRole = (i64, i64, String, String, Role, bool, i64, String, PrimitiveDateTime);

pub fn roles_waiting(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<WaitingRole>> {
    use super::schema::role_proposals as p;
    let (target, proposer) = diesel::alias!(staff as target, staff as proposer);
    p::table
        .inner_join(target.on(target.field(staff::id).eq(p::staff_id)))
        .inner_join(proposer.on(proposer.field(staff::id).eq(p::proposed_by)))
        .filter(p::state.eq("proposed"))
        .order((p::proposed_at.asc(), p::id.asc()))
        .limit(limit)
        .select((
            p::id,
            p::staff_id,
            target.field(staff::display_name),
            target.field(staff::email),
            p::role,
            p::new_account,
            p::proposed_by,
            proposer.field(staff::display_name),
            p::proposed_at,
        ))
        .load(conn)
}

/// Replaces the password with one nobody knows and issues an enrolment link (its hash, until
/// `expires_at`); every session of the account ends.
pub fn start_enrolment(
    conn: &mut DbConnection,
    id: i64,
    unknown_password_hash: &str,
    token_hash: &str,
    expires_at: PrimitiveDateTime,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(staff::table.find(id))
        .set((
            staff::password_hash.eq(unknown_password_hash),
            staff::must_change_password.eq(true),
            staff::enrol_token_hash.eq(token_hash),
            staff::enrol_expires_at.eq(expires_at),
            staff::session_epoch.eq(staff::session_epoch + 1),
            staff::updated_at.eq(now),
        ))
        .execute(conn)
}

/// The account an enrolment link is for, while it is good: id, e-mail.
pub fn by_enrolment(
    conn: &mut DbConnection,
    token_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<Option<(i64, String)>> {
    staff::table
        .filter(staff::enrol_token_hash.eq(token_hash))
        .filter(staff::enrol_expires_at.gt(now))
        .select((staff::id, staff::email))
        .first(conn)
        .optional()
}

/// The person set their password through the link: it is used up.
pub fn finish_enrolment(
    conn: &mut DbConnection,
    id: i64,
    token_hash: &str,
    password_hash: &str,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(staff::table.find(id).filter(staff::enrol_token_hash.eq(token_hash)))
        .set((
            staff::password_hash.eq(password_hash),
            staff::must_change_password.eq(false),
            staff::enrol_token_hash.eq(None::<String>),
            staff::enrol_expires_at.eq(None::<PrimitiveDateTime>),
            staff::session_epoch.eq(staff::session_epoch + 1),
            staff::updated_at.eq(now),
        ))
        .execute(conn)
}
