//! Staff authentication: password hashes and the TOTP second factor.

pub mod hasher;
pub mod password;
pub mod totp;
