//! Sign-in budgets per client address and per account, kept in the database so every node
//! counts against the same ones: spreading guesses over the nodes gains nothing. An attempt is
//! taken before any password is hashed and given back when the sign-in succeeds. Keys are
//! keyed fingerprints, never an address or an e-mail in clear.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::clock::to_db;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::throttle::{Budget, RetryAfter};
use crate::error::Fault;

/// An office behind one address signs in many people a morning; a sprayer tries far more.
pub const SIGN_IN_PER_ADDRESS: Budget = Budget { attempts: 30, per: Duration::minutes(15) };
/// Beyond the lock-out: also bounds guesses at e-mails that have no account.
pub const SIGN_IN_PER_ACCOUNT: Budget = Budget { attempts: 10, per: Duration::minutes(15) };

const ADDRESS: &str = "sign_in_address";
const ACCOUNT: &str = "sign_in_account";

/// A sign-in attempt's place in both budgets; given back when it succeeds.
pub struct SignInTicket {
    address: Option<String>,
    account: String,
    window: PrimitiveDateTime,
}

fn fingerprint(keys: &crate::audit::AuditKeys, scope: &str, value: &str) -> String {
    keys.seal(&[b"attempt-budget", scope.as_bytes(), value.as_bytes()]).chars().take(32).collect()
}

/// Takes an attempt from the address's and the account's budgets; the wait when either is used up.
pub fn take(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    address: Option<IpAddr>,
    email: &str,
    now: OffsetDateTime,
) -> Result<Result<SignInTicket, RetryAfter>, Fault> {
    // Both budgets have the same window.
    let (start, end) = SIGN_IN_PER_ACCOUNT.window(now);
    let window = to_db(start);
    let wait = RetryAfter(end - now);
    let address = address.map(|ip| fingerprint(keys, ADDRESS, &ip.to_string()));
    let account = fingerprint(keys, ACCOUNT, &email.trim().to_lowercase());
    write_tx(conn, |c| {
        if let Some(key) = &address
            && db::attempt_budgets::take(c, ADDRESS, key, window)? > SIGN_IN_PER_ADDRESS.attempts as i32
        {
            return Ok::<_, Fault>(Err(wait));
        }
        if db::attempt_budgets::take(c, ACCOUNT, &account, window)? > SIGN_IN_PER_ACCOUNT.attempts as i32 {
            if let Some(key) = &address {
                db::attempt_budgets::give_back(c, ADDRESS, key, window)?;
            }
            return Ok(Err(wait));
        }
        Ok(Ok(SignInTicket { address: address.clone(), account: account.clone(), window }))
    })
}

/// The sign-in succeeded: its attempt goes back to both budgets.
pub fn signed_in(conn: &mut DbConnection, ticket: &SignInTicket) -> Result<(), Fault> {
    write_tx(conn, |c| {
        if let Some(key) = &ticket.address {
            db::attempt_budgets::give_back(c, ADDRESS, key, ticket.window)?;
        }
        db::attempt_budgets::give_back(c, ACCOUNT, &ticket.account, ticket.window)?;
        Ok::<_, Fault>(())
    })
}

/// Addresses that used their whole sign-in budget in the current window.
pub fn addresses_blocked(conn: &mut DbConnection, now: OffsetDateTime) -> Result<i64, Fault> {
    let window = to_db(SIGN_IN_PER_ADDRESS.window(now).0);
    Ok(db::attempt_budgets::exhausted(conn, ADDRESS, window, SIGN_IN_PER_ADDRESS.attempts as i32)?)
}

/// Forgets the windows of yesterday and before.
pub fn prune(conn: &mut DbConnection, now: OffsetDateTime) -> Result<usize, Fault> {
    Ok(db::attempt_budgets::prune(conn, to_db(now - Duration::days(1)))?)
}
