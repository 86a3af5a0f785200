//! The services floor: one module per family of use cases, between the screens (`web`) and the
//! data (`db`). A service takes a connection, runs one transaction with its audit event, and
//! returns its own error enum: the refusals a screen explains, plus `error::Fault`. Screens
//! read and write only through here; every write and every audited view is a service call.

pub mod accounts;
pub mod acting;
pub mod backup;
pub mod card;
pub mod exports;
pub mod holders;
pub mod intake;
pub mod myna;
pub mod photos;
pub mod review;
pub mod sanctions;
pub mod support;
