//! What probes and monitoring ask of the database: whether it answers, and the few numbers an
//! operator watches (work waiting and since when), each read through an index. Nothing here
//! reads a row's content.

use crate::db::{self, DbConnection};
use crate::error::Fault;

pub use crate::db::gauges::Gauges;

/// The database answers a trivial statement on this connection.
pub fn database_answers(conn: &mut DbConnection) -> Result<(), Fault> {
    Ok(db::ping(conn)?)
}

/// The queue, outbox and portal-request gauges, read now.
pub fn gauges(conn: &mut DbConnection) -> Result<Gauges, Fault> {
    Ok(db::gauges::read(conn)?)
}
