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

/// One table's rows and an order-free digest of their contents (PostgreSQL).
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub rows: i64,
    /// The sum of the first 60 bits of each row's MD5 over its text form: constant memory, no
    /// ordering, and a row edited, added or removed changes it.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub digest: String,
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
}

/// Every table of the schema with its rows and digest, as this connection sees them (inside the
/// backup's snapshot, or right after `pg_restore`). PostgreSQL only: a SQLite backup is the
/// database file itself, checked byte for byte.
pub fn table_digests(conn: &mut DbConnection) -> QueryResult<Vec<(String, TableDigest)>> {
    let DbConnection::Pg(pg) = conn else { return Ok(Vec::new()) };
    // Dates print the same way whatever the server's default.
    pg.batch_execute("SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres'; SET extra_float_digits = 3")?;
    let tables: Vec<TableName> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .load(pg)?;
    let mut out = Vec::new();
    for TableName { table_name } in tables {
        // Names from the catalogue, quoted; a quote inside one would be a schema we never made.
        if table_name.contains('"') {
            continue;
        }
        let digest: TableDigest = diesel::sql_query(format!(
            "SELECT count(*) AS rows,
                    COALESCE(SUM(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text AS digest
             FROM \"{table_name}\" t"
        ))
        .get_result(pg)?;
        out.push((table_name, digest));
    }
    Ok(out)
}
