//! The connection enum, an r2d2 manager that picks the backend itself and applies per-connection
//! settings, and the write-transaction helper.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::backend::DatabaseUrl;

/// One SQLite writer at a time in this process (see `write_tx`).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub type Pool = r2d2::Pool<Manager>;

/// Opens connections for one `DatabaseUrl`. diesel's derived `establish` tries every backend
/// in turn and reports only the last error; choosing by scheme keeps the real error.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
    /// PostgreSQL's `statement_timeout` on every connection of the server's pool: one runaway
    /// query must not hold a connection (and a reviewer) for minutes.
    statement_timeout: Option<Duration>,
    /// Leave WAL checkpoints to a background task (the server) instead of whichever writer
    /// happens to commit past the threshold (see `checkpoint`).
    background_checkpoints: bool,
}

/// WAL lets readers run beside the one writer; the busy timeout makes writers queue instead of
/// failing; foreign keys are off by default in SQLite.
/// The busy timeout comes first: switching a new file to WAL takes a lock that the pool's
/// other new connections would otherwise fail on.
///
/// No memory map (`mmap_size` stays 0): every read transaction that follows a commit by another
/// connection unmaps the whole map and faults its pages back in, and unmapping takes the
/// process's address-space lock for writing. The console commits on most requests (each view
/// and search is audited), so with a 256 MB map the readers queued on that lock: a name search
/// reached 1,050 req/s with one client and no more with 32. Reads through the page cache
/// (`pread`) share nothing between threads.
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 10000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -16000;
PRAGMA mmap_size = 0;";

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    r2d2::Error::ConnectionError(diesel::ConnectionError::InvalidConnectionUrl(
                        "the SQLite path is not valid UTF-8".into(),
                    ))
                })?;
                let mut conn = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_SETUP).map_err(r2d2::Error::QueryError)?;
                if self.background_checkpoints {
                    conn.batch_execute("PRAGMA wal_autocheckpoint = 0").map_err(r2d2::Error::QueryError)?;
                }
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute("SET TIME ZONE 'UTC'").map_err(r2d2::Error::QueryError)?;
                if let Some(limit) = self.statement_timeout {
                    conn.batch_execute(&format!("SET statement_timeout = {}", limit.as_millis()))
                        .map_err(r2d2::Error::QueryError)?;
                }
                Ok(DbConnection::Pg(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// The server pool's size and limits (`HANDBOOK_ADMIN_DB_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    pub max_size: u32,
    /// How long a request waits for a free connection before it fails (503).
    pub checkout_timeout: Duration,
    /// PostgreSQL only: the longest one statement may run. SQLite has no such limit.
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_size: 8, checkout_timeout: Duration::from_secs(10), statement_timeout: Duration::from_secs(30) }
    }
}

/// Why a pool could not be opened or the schema brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The SQLite file's folder could not be created.
    #[error(transparent)]
    Folder(#[from] std::io::Error),
    /// The first connection failed (a SQLite file that does not open, a server that refuses).
    #[error(transparent)]
    Connect(#[from] r2d2::Error),
    #[error(transparent)]
    Pool(#[from] r2d2::PoolError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Builds the pool of a command-line tool: no statement limit (a bulk load or a migration may
/// rightly take minutes). For SQLite the parent folder is created; the file itself is created
/// by SQLite on first open.
pub fn connect_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, SetupError> {
    build_pool(url, max_size, Duration::from_secs(10), None, false)
}

/// The database file holds names, birth dates, handbook numbers and e-mails in clear: it is
/// made readable by its owner alone before SQLite first opens it (SQLite gives its `-wal` and
/// `-shm` files the database's mode), and put back to that on every start, sidecars included.
fn owner_only(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

/// The server's pool: statements are bounded, and SQLite checkpoints run in the background
/// (`checkpoint`), so no request pays for one.
pub fn connect_server_pool(url: &DatabaseUrl, settings: PoolSettings) -> Result<Pool, SetupError> {
    build_pool(url, settings.max_size, settings.checkout_timeout, Some(settings.statement_timeout), true)
}

fn build_pool(
    url: &DatabaseUrl,
    max_size: u32,
    checkout_timeout: Duration,
    statement_timeout: Option<Duration>,
    background_checkpoints: bool,
) -> Result<Pool, SetupError> {
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        owner_only(path)?;
        // Switch a new file to WAL once, alone: the pool opens its connections in parallel.
        Manager { url: url.clone(), statement_timeout: None, background_checkpoints: false }.connect()?;
    }
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        // A SQLite connection is a file handle: checking it with a query on every checkout only
        // costs time. PostgreSQL connections can die with the network, so they are checked.
        .test_on_check_out(url.backend() == super::Backend::Postgres)
        .connection_timeout(checkout_timeout)
        .build(Manager { url: url.clone(), statement_timeout, background_checkpoints })?;
    Ok(pool)
}

/// Runs `f` with PostgreSQL's statement limit lifted, then puts the connection's limit back:
/// migrations (an index built over a million rows) and full statistics are not requests.
fn unbounded<T>(conn: &mut PgConnection, f: impl FnOnce(&mut PgConnection) -> T) -> QueryResult<T> {
    #[derive(diesel::QueryableByName)]
    struct Limit {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement_timeout: String,
    }
    let before: Limit = diesel::sql_query("SHOW statement_timeout").get_result(conn)?;
    conn.batch_execute("SET statement_timeout = 0")?;
    let value = f(conn);
    // `f`'s own outcome is what the caller needs to hear about; a limit that could not be put
    // back (a broken connection, which the pool then discards) is only logged.
    let restored = diesel::sql_query("SELECT set_config('statement_timeout', $1, false)")
        .bind::<diesel::sql_types::Text, _>(&before.statement_timeout)
        .execute(conn);
    if let Err(e) = restored {
        tracing::warn!(error = %e, "the statement limit could not be put back on a connection");
    }
    Ok(value)
}

pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, SetupError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => {
            // One migrator at a time in this process; another process waits on the busy timeout.
            let _turn = SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
        }
        DbConnection::Pg(c) => {
            // Instances starting together take turns: the first migrates, the others then find
            // nothing pending. A session lock, released on unlock or when the connection ends.
            unbounded(c, |c| -> QueryResult<_> {
                diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
                let applied = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
                diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
                Ok(applied)
            })??
        }
    }
    .map_err(|e| SetupError::Migration(e.to_string()))?;
    refresh_statistics(conn)?;
    Ok(applied)
}

/// The database answers a trivial statement on this connection (the health probes).
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("SELECT 1")
}

/// Planner statistics, gathered cheaply: without them SQLite guesses every table is small and
/// may walk a big one row by row. SQLite's `PRAGMA optimize` analyses what changed since the
/// last run (within a bounded effort); PostgreSQL's autovacuum analyses on its own, so there
/// it only says when autovacuum is off.
pub fn refresh_statistics(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;"),
        DbConnection::Pg(c) => {
            #[derive(diesel::QueryableByName)]
            struct Setting {
                #[diesel(sql_type = diesel::sql_types::Text)]
                autovacuum: String,
            }
            let setting: Setting = diesel::sql_query("SHOW autovacuum").get_result(c)?;
            if setting.autovacuum != "on" {
                tracing::warn!("PostgreSQL autovacuum is off: planner statistics go stale; run ANALYZE on a schedule");
            }
            Ok(())
        }
    }
}

/// Full planner statistics, after a bulk load (`seed`): every table and index analysed.
pub fn analyze(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("ANALYZE"),
        DbConnection::Pg(c) => unbounded(c, |c| c.batch_execute("ANALYZE"))?,
    }
}

/// The advisory lock key of migrations ("hbmigr" in ASCII).
const MIGRATION_LOCK: i64 = 0x6862_6d69_6772;

/// Runs `f` in a transaction meant to write.
///
/// On SQLite it starts with `BEGIN IMMEDIATE`: a deferred transaction that reads first and
/// writes later fails at once with `SQLITE_BUSY` when another writer got in between, whatever
/// the busy timeout; taking the write lock up front makes writers queue instead.
pub fn write_tx<T, E>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    // SQLite admits one writer; left to itself, a waiting writer polls with sleeps of up to
    // 100 ms (the busy handler), which shows as long tails under load. Writers of this process
    // queue on a mutex instead and start the moment the previous one commits. (PostgreSQL
    // needs nothing of the kind.)
    let _turn = matches!(conn, DbConnection::Sqlite(_))
        .then(|| SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => match DbConnection::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(commit_error) => {
                // A failed COMMIT may leave the transaction open (SQLite: busy); close it.
                let _ = DbConnection::rollback_transaction(conn);
                Err(commit_error.into())
            }
        },
        Err(error) => {
            let _ = DbConnection::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// Above this many frames (256 MB of 4 KB pages) the log is restarted and truncated: each
/// restart holds writers back for the length of the longest read in flight, so not often.
pub const WAL_RESTART_FRAMES: i64 = 65_536;

/// Copies the SQLite write-ahead log back into the database without blocking readers or the
/// writer (PASSIVE). The server runs it every fraction of a second. No-op on PostgreSQL.
///
/// A passive checkpoint copies the log but never rewinds it: SQLite starts the log over only
/// when a writer finds it fully copied and no reader inside it, which under steady reading
/// never happens, and the file grew to 3 GB in a benchmark. Past `restart_above` frames this
/// waits for the readers of the moment (milliseconds), holding this process's writers back
/// meanwhile, then starts the log over and truncates the file.
pub fn checkpoint(conn: &mut DbConnection, restart_above: i64) -> diesel::QueryResult<()> {
    #[derive(QueryableByName)]
    struct Progress {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        log: i64,
    }
    match conn {
        DbConnection::Sqlite(c) => {
            let progress: Progress = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(c)?;
            if progress.log > restart_above {
                // A reader that outlasts the short wait leaves it to the next round.
                let _turn = SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                c.batch_execute("PRAGMA busy_timeout = 100; PRAGMA wal_checkpoint(TRUNCATE);")?;
                c.batch_execute("PRAGMA busy_timeout = 10000")?;
            }
            Ok(())
        }
        DbConnection::Pg(_) => Ok(()),
    }
}
