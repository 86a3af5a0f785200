//! The tamper-evident audit trail: every row carries the SHA-256 of the previous row's hash and
//! its own canonical content, so editing, inserting or removing a row breaks the chain.

pub mod chain;
mod store;

pub use crate::db::audit::AuditEventRow;
pub use chain::{Actor, GENESIS_HASH};
pub use store::{AuditEntry, VerifyError, VerifyReport, append, verify};
