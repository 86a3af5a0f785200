//! Staff account operations: signing in, enrolling TOTP, passwords, and the administration an
//! admin does. Each change writes its audit event in the same transaction.

pub mod budgets;
pub mod directory;
pub mod manage;
pub mod sign_in;

use crate::auth::totp;
use crate::db::{self, DbConnection};
use crate::error::Fault;
use crate::images::crypto::Keyring;

/// Four-eyes between people, not accounts: was the decider's account created, or given its
/// role, by the proposer? Such an account is refused as the second pair of eyes, or the
/// proposer could approve their own proposal through an account they made.
pub fn appointed_by_proposer(c: &mut DbConnection, proposer: i64, approver: i64) -> Result<bool, Fault> {
    Ok(db::staff::appointed_by(c, approver, proposer)?)
}

/// Seals TOTP secrets stored before secrets were sealed (one pass at start; nothing to do
/// after the first). Returns how many were sealed.
pub fn seal_totp_secrets(conn: &mut DbConnection, keyring: &Keyring) -> Result<usize, Fault> {
    let clear = db::staff::totp_secrets(conn)?.into_iter().filter(|(_, stored)| !totp::is_sealed(stored));
    let mut sealed = 0;
    for (staff_id, secret) in clear {
        db::staff::reseal_totp(conn, staff_id, &secret, &totp::seal(keyring, staff_id, &secret))?;
        sealed += 1;
    }
    Ok(sealed)
}
