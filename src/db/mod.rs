//! Database access: one connection type over SQLite and PostgreSQL, its pool, migrations.
//!
//! Error policy: data-access functions return `diesel::QueryResult`; handlers map them into
//! `AppError` (see `crate::error`). Nothing here swallows an error into an empty value.

pub mod counts;
pub mod decisions;
pub mod fields;
pub mod handbooks;
pub mod holders;
pub mod photo_access;
pub mod queue;
pub mod schema;
pub mod staff;

mod backend;
mod pool;

pub use backend::{Backend, DatabaseUrl};
pub use pool::{DbConnection, Pool, checkpoint, connect_pool, connect_server_pool, run_migrations, write_tx};
