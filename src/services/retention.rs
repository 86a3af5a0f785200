//! The retention schedule, applied (DOMAIN.md "The holder's rights and the data's life"):
//! photos and transcriptions of rejected registrations, of ended IDs and of replaced uploads go
//! once their period has passed, in batches, each batch one transaction with its receipt in the
//! audit trail (counts, never content). The minimal record stays: the ID, its status and
//! dates, its sanctions with their articles, the registrations' kinds, statuses and dates. A
//! litigation hold keeps a holder's data past its period; placing and lifting one is audited.

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::to_db;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::handbook::ReviewStatus;
use crate::domain::retention::{self, Class, Schedule};
use crate::error::Fault;
use crate::images::ImageStore;
use crate::services::acting::Acting;

pub use crate::db::retention::Hold;

const BATCH: i64 = 200;

/// What one run removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    pub holders: usize,
    pub registrations: usize,
    pub files: usize,
}

/// Applies the schedule at `now`. Files go after each batch commits (a file left behind by a
/// failing store is logged; without its row it is unreadable, and the sweep removes it).
pub fn run(
    conn: &mut DbConnection,
    store: &ImageStore,
    schedule: &Schedule,
    keys: &AuditKeys,
    actor: Actor,
    now: OffsetDateTime,
) -> Result<Receipt, Fault> {
    let at = to_db(now);
    let mut receipt = Receipt::default();
    for class in Class::ALL {
        let cutoff = to_db(schedule.cutoff(class, now));
        loop {
            let batch = write_tx(conn, |c| -> Result<Option<(usize, usize, Vec<String>)>, Fault> {
                let (holders, registrations) = match class {
                    Class::Ended => {
                        let holders = db::retention::ended_due(c, cutoff, BATCH)?;
                        let registrations = db::retention::registrations_of(c, &holders)?;
                        (holders, registrations)
                    }
                    Class::Rejected => {
                        (Vec::new(), db::retention::registrations_due(c, ReviewStatus::Rejected, cutoff, BATCH)?)
                    }
                    Class::Superseded => {
                        (Vec::new(), db::retention::registrations_due(c, ReviewStatus::Superseded, cutoff, BATCH)?)
                    }
                };
                if holders.is_empty() && registrations.is_empty() {
                    return Ok(None);
                }
                let files = db::erasure::handbook_content(c, &registrations)?;
                db::retention::mark_registrations(c, &registrations, at)?;
                db::retention::mark_holders(c, &holders, at)?;
                audit::append(
                    c,
                    keys,
                    at,
                    AuditEntry::new(actor.clone(), "retention.purged", "retention", class.code()).details(json!({
                        "class": class.code(),
                        "period_seconds": schedule.period(class).whole_seconds(),
                        "holders": holders.len(),
                        "registrations": registrations.len(),
                        "files": files.len(),
                    })),
                )?;
                Ok(Some((holders.len(), registrations.len(), files)))
            })?;
            let Some((holders, registrations, files)) = batch else { break };
            receipt.holders += holders;
            receipt.registrations += registrations;
            receipt.files += files.len();
            for key in files {
                if let Err(e) = store.remove(&key) {
                    tracing::error!(error = %e, "a photo file past its retention period could not be removed");
                }
            }
        }
    }
    Ok(receipt)
}

/// Why a hold was not placed or lifted.
#[derive(Debug, thiserror::Error)]
pub enum HoldFailure {
    #[error("{0}")]
    Reason(&'static str),
    #[error("この利用者には法的保留がすでにあります。")]
    AlreadyHeld,
    #[error("この利用者に法的保留はありません。")]
    NotHeld,
    #[error("この操作の権限がありません。")]
    NotAllowed,
    #[error("no such holder")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for HoldFailure {
    fn from(e: diesel::result::Error) -> Self {
        HoldFailure::Fault(e.into())
    }
}

/// Places a litigation hold on a holder's data, with its legal reason (supervisors).
pub fn place_hold(
    conn: &mut DbConnection,
    holder_id: i64,
    reason: &str,
    acting: &Acting<'_>,
) -> Result<i64, HoldFailure> {
    if acting.role != crate::domain::staff::Role::Supervisor {
        return Err(HoldFailure::NotAllowed);
    }
    retention::check_hold_reason(reason).map_err(HoldFailure::Reason)?;
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        db::holders::lock(c, holder_id)?.ok_or(HoldFailure::NotFound)?;
        if !db::retention::holds_in_force(c, Some(holder_id), 1)?.is_empty() {
            return Err(HoldFailure::AlreadyHeld);
        }
        let id = db::retention::place_hold(c, holder_id, reason.trim(), acting.staff_id, at)?;
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "retention.hold_placed", "holder", holder_id)
                .details(json!({"hold": id}))
                .request_id(acting.request_id),
        )?;
        Ok(id)
    })
}

/// Lifts the hold: the data goes at the next run if its period has passed.
pub fn lift_hold(conn: &mut DbConnection, holder_id: i64, note: &str, acting: &Acting<'_>) -> Result<(), HoldFailure> {
    if acting.role != crate::domain::staff::Role::Supervisor {
        return Err(HoldFailure::NotAllowed);
    }
    retention::check_hold_reason(note)
        .map_err(|_| HoldFailure::Reason("保留を解除する理由を10文字以上で記録してください。"))?;
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        db::holders::lock(c, holder_id)?.ok_or(HoldFailure::NotFound)?;
        if db::retention::lift_hold(c, holder_id, note.trim(), acting.staff_id, at)? == 0 {
            return Err(HoldFailure::NotHeld);
        }
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "retention.hold_lifted", "holder", holder_id)
                .request_id(acting.request_id),
        )?;
        Ok(())
    })
}

/// Holds in force (all, or one holder's).
pub fn holds(conn: &mut DbConnection, holder: Option<i64>, limit: i64) -> Result<Vec<Hold>, Fault> {
    Ok(db::retention::holds_in_force(conn, holder, limit)?)
}
