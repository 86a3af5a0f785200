//! Staff account operations: signing in, enrolling TOTP, passwords, and the administration an
//! admin does. Each change writes its audit event in the same transaction.

pub mod directory;
pub mod manage;
pub mod sign_in;

use crate::auth::totp;
use crate::db::{self, DbConnection};
use crate::error::Fault;
use crate::images::crypto::Keyring;

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
