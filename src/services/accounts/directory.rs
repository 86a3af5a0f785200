//! Reading staff accounts: the row a request re-reads on every call (active, role, session
//! epoch), and the admins' list. Reads only; every change goes through `manage` or `sign_in`.

use crate::db::{self, DbConnection};
use crate::error::Fault;

pub use crate::db::staff::StaffRow;

/// One account by id, as it is now.
pub fn find(conn: &mut DbConnection, id: i64) -> Result<Option<StaffRow>, Fault> {
    Ok(db::staff::find(conn, id)?)
}

/// A page of accounts by name, after the `(name, id)` keyset cursor.
pub fn page(conn: &mut DbConnection, after: Option<(&str, i64)>, limit: i64) -> Result<Vec<StaffRow>, Fault> {
    Ok(db::staff::list_page(conn, after, limit)?)
}

pub use crate::db::staff::WaitingRole;

/// Supervisor and admin roles waiting for a second admin, oldest first.
pub fn roles_waiting(conn: &mut DbConnection, limit: i64) -> Result<Vec<WaitingRole>, Fault> {
    Ok(db::staff::roles_waiting(conn, limit)?)
}
