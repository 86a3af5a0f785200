//! The Myna Portal's use cases (DOMAIN.md "Myna Portal"): receiving a delivery, checking it
//! against the registration, the request queue, and the purge when consent ends.

pub mod check;
pub mod listing;
pub mod purge;
pub mod receive;
pub mod requests;
