//! What a verified delivery does, in one transaction with its audit event: stores the consent
//! and the values against the holder's approved handbooks (whose link becomes 申請中 while staff
//! check it). A handbook of a kind the portal provides that the delivery does not hold (all of
//! them for `not_found`) is listed as "no portal record": a gap for staff to look into, never a
//! return and never a sanction suggestion; its link is left as it was. For `consent_withdrawn`, purges the holder's values and unlinks. A replay of a request
//! id stores nothing and answers as the first delivery did.

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::to_db;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::handbook::HandbookKind;
use crate::domain::reconcile::Provided;
use crate::error::Fault;
use crate::myna::delivery::{Delivery, Status};

/// What the portal is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub request_id: String,
    pub status: String,
    pub records: i32,
    /// The same request id had been delivered before: nothing new was stored.
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("no holder has that public ID")]
    UnknownHolder,
    /// The consent delivered is for another purpose than the one the holder consented to
    /// (`requests::PURPOSE`): nothing is stored, and the refusal is on the trail.
    #[error("the consent's purpose is not handbook_verification")]
    ForeignPurpose,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for ReceiveError {
    fn from(e: diesel::result::Error) -> Self {
        ReceiveError::Fault(e.into())
    }
}

pub fn receive(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    provided: &Provided,
    delivery: &Delivery,
    now: OffsetDateTime,
) -> Result<Receipt, ReceiveError> {
    let at = to_db(now);
    if let Some(consent) = delivery.consent.as_ref().filter(|c| c.purpose != super::requests::PURPOSE) {
        let holder = db::holders::find_by_public_id(conn, delivery.holder.as_str())?;
        write_tx(conn, |c| {
            audit::append(
                c,
                keys,
                at,
                AuditEntry::new(Actor::Myna, "myna.refused", "holder", holder.as_ref().map_or(0, |h| h.id)).details(
                    json!({"request_id": delivery.request_id, "reason": "purpose_not_allowed", "purpose_len": consent.purpose.len()}),
                ),
            )
        })?;
        return Err(ReceiveError::ForeignPurpose);
    }
    write_tx(conn, |c| {
        if let Some(first) = db::myna::delivery(c, &delivery.request_id)? {
            return Ok(Receipt {
                request_id: delivery.request_id.clone(),
                status: first.status,
                records: first.records,
                replayed: true,
            });
        }
        let holder = db::holders::find_by_public_id(c, delivery.holder.as_str())?.ok_or(ReceiveError::UnknownHolder)?;
        let holder = db::holders::lock(c, holder.id)?.ok_or(ReceiveError::UnknownHolder)?;
        let stored = if delivery.status == Status::Ok { delivery.records.len() as i32 } else { 0 };
        let delivery_id =
            db::myna::insert_delivery(c, &delivery.request_id, holder.id, delivery.status.code(), stored, at)?;
        // The request this answers, if we sent one (the holder may also consent from the app,
        // and the portal then delivers on its own).
        let request = super::requests::delivered(c, &delivery.request_id, delivery.status == Status::Unavailable, now)?;
        let mut touched = Vec::new();
        let mut absent = Vec::new();
        match (delivery.status, &delivery.consent) {
            (Status::Ok, Some(consent)) => {
                let consent_id = db::myna::insert_consent(
                    c,
                    &db::myna::NewConsent {
                        holder_id: holder.id,
                        delivery_id,
                        purpose: &consent.purpose,
                        granted_at: to_db(consent.granted_at),
                        valid_until: to_db(consent.valid_until),
                    },
                )?;
                for record in &delivery.records {
                    let handbook = db::myna::approved_handbook(c, holder.id, record.kind)?;
                    db::myna::insert_record(c, consent_id, holder.id, handbook, record.kind, &record.values, at)?;
                    if let Some(id) = handbook.filter(|_| !provided.fields(record.kind).is_empty()) {
                        db::myna::set_link(c, id, "pending", None)?;
                        db::myna::clear_absent(c, id)?;
                        touched.push(id);
                    }
                }
                let missing: Vec<HandbookKind> = provided_kinds(provided)
                    .into_iter()
                    .filter(|k| !delivery.records.iter().any(|r| r.kind == *k))
                    .collect();
                absent = db::myna::approved_of_kinds(c, holder.id, &missing)?;
            }
            (Status::NotFound, _) => absent = db::myna::approved_of_kinds(c, holder.id, &provided_kinds(provided))?,
            (Status::ConsentWithdrawn, _) => {
                db::myna::purge_holder(c, holder.id, at, true)?;
                db::myna::unlink_all(c, holder.id)?;
                db::myna_requests::cancel_open_of_holder(c, holder.id, at)?;
            }
            // Unavailable: the request waits for the next opening (nothing to store), and an
            // `ok` without a consent never gets past parsing.
            _ => {}
        }
        db::myna::mark_absent(c, &absent, at)?;
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::Myna, "myna.delivered", "holder", holder.id).details(json!({
                "request_id": delivery.request_id,
                "status": delivery.status.code(),
                "records": stored,
                "handbooks": touched,
                "no_record": absent,
                "request": request,
            })),
        )?;
        Ok(Receipt {
            request_id: delivery.request_id.clone(),
            status: delivery.status.code().to_owned(),
            records: stored,
            replayed: false,
        })
    })
}

/// The kinds of handbook the portal holds data on (the others are never "missing" from it).
fn provided_kinds(provided: &Provided) -> Vec<HandbookKind> {
    HandbookKind::ALL.into_iter().filter(|k| !provided.fields(*k).is_empty()).collect()
}
