//! The statements of `backup`: a copy of the whole database as of one moment.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConnection;

/// SQLite: writes a copy of the database, as of one read transaction, to a new file at
/// `target` (writers carry on meanwhile).
pub fn vacuum_into(conn: &mut DbConnection, target: &str) -> QueryResult<()> {
    conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
}

/// Opens the SQLite file a `vacuum_into` wrote, with none of the pool's settings: it is read
/// once and closed.
pub fn open_sqlite_copy(path: &str) -> ConnectionResult<DbConnection> {
    diesel::sqlite::SqliteConnection::establish(path).map(DbConnection::Sqlite)
}

/// PostgreSQL: starts the read-only transaction whose snapshot a backup dumps and reads.
pub fn begin_read_snapshot(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
}

/// Ends the transaction `begin_read_snapshot` started.
pub fn end_read_snapshot(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("COMMIT")
}

/// PostgreSQL: the current transaction's snapshot, for `pg_dump --snapshot`.
pub fn export_snapshot(conn: &mut DbConnection) -> QueryResult<String> {
    #[derive(diesel::QueryableByName)]
    struct Snapshot {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let snapshot: Snapshot = diesel::sql_query("SELECT pg_export_snapshot() AS id").get_result(conn)?;
    Ok(snapshot.id)
}
