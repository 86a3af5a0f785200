//! The register of terms-of-use and privacy-policy versions with the day each came into force,
//! kept by admins and audited: what a sanction cites is the version in force on its day.

use serde_json::json;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::terms::{Document, Version};
use crate::error::Fault;
use crate::services::acting::Acting;

/// The register, newest first: document, version, in force from.
pub fn versions(conn: &mut DbConnection) -> Result<Vec<(String, String, time::Date)>, Fault> {
    Ok(db::consents::versions(conn)?)
}

/// Records a version and the day it came into force; `false` when that version is registered
/// already (nothing changes: a register entry is never rewritten).
pub fn record(
    conn: &mut DbConnection,
    document: Document,
    version: &Version,
    from: time::Date,
    acting: &Acting<'_>,
) -> Result<bool, Fault> {
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        if !db::consents::add_version(c, document, version.as_str(), from, acting.staff_id, at)? {
            return Ok(false);
        }
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "terms.version_recorded", "staff", acting.staff_id)
                .details(json!({"document": document.code(), "version": version.as_str(), "in_force_from": from.to_string()}))
                .request_id(acting.request_id),
        )?;
        Ok(true)
    })
}
