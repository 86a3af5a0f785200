//! Database access: one connection type over SQLite and PostgreSQL, its pool, migrations,
//! and one module per table family or per reading across them (`counts`, `trends`, `exports`,
//! `snapshot` for backups…). All SQL of the application lives here: services call these
//! functions and never see `schema`.
//!
//! Error policy: queries return `diesel::QueryResult`, which services wrap in `error::Fault`;
//! opening a pool and migrating return `SetupError`. Nothing here swallows an error into an
//! empty value. Enum columns read as their domain types (`codes`): an unknown code is an
//! error, not a default.

/// One statement written once and run on the backend's own connection: for what the
/// `MultiConnection` cannot express (upserts, multi-row inserts). `$c` names the connection in
/// `$body`.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}

/// A `SELECT … FOR NO KEY UPDATE` on PostgreSQL, which takes the rows' locks for the rest of
/// the transaction (the strength an `UPDATE` of non-key columns takes, so inserts elsewhere
/// that only reference the row are not held up); on SQLite the plain `SELECT`, since
/// `write_tx` already holds the database's one write lock. `$run` is the loading method
/// (`first`, `load`, `get_result`…).
macro_rules! select_for_update {
    ($conn:expr, $query:expr, $run:ident) => {
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => $query.$run(c),
            $crate::db::DbConnection::Pg(c) => $query.for_no_key_update().$run(c),
        }
    };
}

pub mod attempt_budgets;
pub mod audit;
pub mod bulk;
pub mod card_reads;
pub mod card_token_reads;
pub mod consents;
pub mod contacts;
pub mod corrections;
pub mod counts;
pub mod decisions;
pub mod erasure;
pub mod exports;
pub mod fields;
pub mod gauges;
pub mod handbooks;
pub mod holders;
pub mod holdings;
pub mod lost_device;
pub mod myna;
pub mod myna_requests;
pub mod notifications;
pub mod ocr;
pub mod photo_access;
pub mod photo_keys;
pub mod queue;
pub mod requests;
pub mod retention;
pub mod sanctions;
pub mod schema;
pub mod snapshot;
pub mod staff;
pub mod tallies;
pub mod trends;
pub mod withdrawals;
pub mod worklists;

mod backend;
mod codes;
mod pool;

pub use backend::{Backend, DatabaseUrl};
pub use pool::{
    DbConnection, Pool, PoolSettings, SetupError, WAL_RESTART_FRAMES, analyze, checkpoint, connect_pool,
    connect_server_pool, ping, refresh_statistics, run_migrations, write_tx,
};
