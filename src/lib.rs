//! handbook-admin: the internal console where staff review disability handbook registrations,
//! handle lost phones, apply sanctions and audit what happened.
//!
//! The modules in floors, inner to outer, as the README's "Layout" lists them; imports point
//! inwards only, and `tests/api/layers.rs` fails when a file reaches past its floor.

// Domain: rules that decide, types that parse once. No I/O, no diesel, no actix.
pub mod domain;

// Services: the use cases, one family per file or folder under `services/`. Each takes a
// connection, runs its transaction with the audit event, and returns its own error (refusals
// + `error::Fault`). Screens read and write only through here.
pub mod services;

// Adapters: storage, the audit chain, photos, the Myna Portal client, the OCR engine, the
// workers' loop and the notice sender, keys, time, configuration, metrics and logs. They never
// call a use case: start-up wires what each worker runs.
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

// Web: the HTTP edge (routes, screens, machine APIs), and the server's assembly with the
// workers it starts.
pub mod startup;
pub mod web;

// Tools: the command line, demo data and the Myna Portal simulator, benchmarks, the seed's
// progress bar.
pub mod bench;
pub mod cli;
pub mod demo;
pub mod progress;
