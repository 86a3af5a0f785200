//! Staff account operations: signing in, enrolling TOTP, passwords, and the administration an
//! admin does. Each change writes its audit event in the same transaction.

pub mod manage;
pub mod sign_in;
