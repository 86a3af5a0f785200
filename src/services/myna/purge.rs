//! Consent-bound retention (guideline 3.2): the portal's values live only as long as the
//! consent they came with. When it ends they are deleted (from every table that held them),
//! the consent keeps when it was purged, the handbooks keep their link status with its
//! verification date (the minimal record), and an audit event says what went, when and why.
//! A withdrawn or deleted ID is purged at once (`purge_holder`).

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::to_db;
use crate::db::{self, DbConnection, write_tx};
use crate::error::Fault;

const BATCH: i64 = 500;

/// Why values were purged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The consent's period ended.
    Expired,
    /// The ID was withdrawn (退会).
    Withdrawn,
    /// The ID was deleted (抹消).
    Deleted,
    /// The ID was deprived (資格剥奪) or its registration cancelled: the purpose is over.
    Deprived,
    /// The ID was suspended under a violation: its use for verification stops with it.
    Sanctioned,
    /// The holder asked that the use of their data stop (利用停止の請求).
    StopUse,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::Expired => "consent_expired",
            Reason::Withdrawn => "holder_withdrawn",
            Reason::Deleted => "holder_deleted",
            Reason::Deprived => "holder_deprived",
            Reason::Sanctioned => "holder_suspended",
            Reason::StopUse => "holder_stop_use",
        }
    }
}

/// Purges every consent that has ended by `now`, a transaction per consent; returns how many
/// consents were purged.
pub fn expired(conn: &mut DbConnection, keys: &AuditKeys, actor: Actor, now: OffsetDateTime) -> Result<usize, Fault> {
    let at = to_db(now);
    let mut purged = 0;
    loop {
        let due = db::myna::expired_consents(conn, at, BATCH)?;
        if due.is_empty() {
            return Ok(purged);
        }
        for (consent_id, holder_id) in due {
            let done = write_tx(conn, |c| {
                let Some(rows) = db::myna::purge_consent(c, consent_id, at)? else { return Ok::<_, Fault>(false) };
                audit::append(
                    c,
                    keys,
                    at,
                    AuditEntry::new(actor.clone(), "myna.purged", "holder", holder_id).details(json!({
                        "consent_id": consent_id,
                        "records": rows,
                        "reason": Reason::Expired.code(),
                    })),
                )?;
                Ok(true)
            })?;
            purged += usize::from(done);
        }
    }
}

/// Purges all of a holder's values inside the caller's transaction (the ID ended).
pub fn purge_holder(
    c: &mut DbConnection,
    keys: &AuditKeys,
    actor: &Actor,
    holder_id: i64,
    reason: Reason,
    at: time::PrimitiveDateTime,
) -> Result<usize, Fault> {
    let rows = db::myna::purge_holder(c, holder_id, at, false)?;
    // Requests still waiting on the holder's consent end with the ID: nothing may be fetched
    // for an ID that no longer exists.
    let cancelled = db::myna_requests::cancel_open_of_holder(c, holder_id, at)?;
    if rows > 0 || !cancelled.is_empty() {
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(actor.clone(), "myna.purged", "holder", holder_id)
                .details(json!({"records": rows, "reason": reason.code(), "requests_cancelled": cancelled.len()})),
        )?;
    }
    Ok(rows)
}
