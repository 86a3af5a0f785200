//! The open Myna Portal requests as staff see them (`/myna/requests`): when each runs and why
//! it waits. Reads only; moving or cancelling one is `requests`.

use crate::db::{self, DbConnection};
use crate::error::Fault;

pub use crate::db::myna_requests::{Listed, RequestRow};

/// Open requests (scheduled or sent) after the id `after`, in id order, up to `limit`.
pub fn open(conn: &mut DbConnection, after: i64, limit: i64) -> Result<Vec<Listed>, Fault> {
    Ok(db::myna_requests::open(conn, after, limit)?)
}
