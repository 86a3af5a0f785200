//! The services floor: one module per family of use cases, between the screens (`web`) and the
//! data (`db`). A service takes a connection, runs one transaction with its audit event, and
//! returns its own error enum: the refusals a screen explains, plus `error::Fault`. Screens
//! read and write only through here; every write and every audited view is a service call.

pub mod accounts;
pub mod acting;
pub mod audit_trail;
pub mod backup;
pub mod card;
pub mod contacts;
pub mod corrections;
pub mod documents;
pub mod exports;
pub mod figures;
pub mod holders;
pub mod intake;
pub mod myna;
pub mod ocr;
pub mod operations;
pub mod photos;
pub mod queue;
pub mod requests;
pub mod retention;
pub mod review;
pub mod sanctions;
pub mod support;
pub mod withdrawals;
pub mod worklists;

/// The connection and pool the edges (screens, workers, the command line) hand to services.
/// Opaque to them: they run no query of their own, every read and write is a service call.
pub use crate::db::{DbConnection, Pool};
