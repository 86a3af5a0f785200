//! handbook-admin: the internal console where staff review disability handbook registrations,
//! handle lost phones, apply sanctions and audit what happened. See DESIGN.md for the layout.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod fsutil;
pub mod images;
pub mod intake;
pub mod jobs;
pub mod photos;
pub mod random;
pub mod review;
pub mod secret;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod text;
pub mod web;
