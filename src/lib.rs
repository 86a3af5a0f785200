//! handbook-admin: the internal console where staff review disability handbook registrations,
//! handle lost phones, apply sanctions and audit what happened.
//!
//! The modules in layers, inner to outer (README "Layout"; imports only point inwards):

// Domain: rules that decide, types that parse once. No I/O, no diesel, no actix.
pub mod domain;

// Services: one module per family of use cases (`services/`). Each takes a connection, runs
// its transaction with the audit event, and returns its own error (refusals + `error::Fault`).
pub mod services;

// Adapters: storage, time, secrets, mail, the Myna Portal client, the OCR engine and the
// background jobs. They never call a use case.
pub mod atomic_file;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod db;
pub mod error;
pub mod images;
pub mod jobs;
pub mod metrics;
pub mod myna;
pub mod ocr;
pub mod secrets;
pub mod settings;
pub mod telemetry;

// Web: the HTTP edge (routes, screens, machine APIs) and the server's assembly.
pub mod startup;
pub mod web;

// Tools: the command line, demo data, benchmarks.
pub mod bench;
pub mod cli;
pub mod demo;
pub mod progress;
