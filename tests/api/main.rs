//! Integration tests: the real server on a random port, a real database (a fresh SQLite file
//! per test, and a fresh PostgreSQL database per test when TEST_DATABASE_URL is set), driven
//! over HTTP with cookies and CSRF tokens.
//!
//! All integration tests live in this one binary: each extra test binary costs a full link.

// clippy.toml's allow-*-in-tests covers only `#[test]` functions; the helpers and fixtures
// here are test code too, where a failed step should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod helpers;
mod inspect;

mod audit_chain;
mod auditors;
mod auth;
mod backup;
mod bench;
mod browser;
mod cli;
mod contacts;
mod corrections;
mod demo_data;
mod hardening;
mod intake;
mod layers;
mod listeners;
mod myna;
mod myna_requests;
mod notices;
pub mod object_store;
pub mod ocr;
mod production;
mod query_plans;
pub mod requests;
mod retention;
mod review;
mod routes;
mod sanctions;
mod staff_admin;
mod support;
mod withdrawals;
mod worklists;
