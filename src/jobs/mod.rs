//! Background work run inside `serve`: rows claimed with a lease, so a restart or a second
//! instance never loses or doubles a job.

pub mod notify;
pub mod transport;
