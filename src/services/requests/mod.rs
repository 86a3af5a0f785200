//! A holder's requests (開示・訂正・利用停止・消去), as a service: arrival from the app's
//! backend or the support center, the verification of identity, the disclosure file, and the
//! answer, which for a stop of use suspends the ID under the request and for an erasure erases
//! as 抹消 does, in both cases citing the request and never an article of violation. Every
//! step is one transaction with its audit event and, where the holder is told, its notice.

pub mod disclosure;

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::{to_db, today_jst};
use crate::db::decisions::NewNotification;
pub use crate::db::requests::{OpenLine, RequestRow};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::holder_state::{Event, GateRefusal};
use crate::domain::notice;
use crate::domain::requests::{self, Channel, IdentityCheck, RequestError, RequestKind, RequestState};
use crate::domain::sanctions::Article;
use crate::error::Fault;
use crate::services::acting::Acting;
use crate::services::myna::purge::{self, Reason};

/// Why a step on a request did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RequestFailure {
    #[error(transparent)]
    Rule(#[from] RequestError),
    #[error(transparent)]
    Gate(#[from] GateRefusal),
    #[error("no such holder or request")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for RequestFailure {
    fn from(e: diesel::result::Error) -> Self {
        RequestFailure::Fault(e.into())
    }
}

/// A request as it arrives.
pub struct Incoming<'a> {
    pub holder_id: i64,
    pub kind: RequestKind,
    pub channel: Channel,
    /// What the holder wrote (a correction says which value is wrong).
    pub detail: &'a str,
    /// Calendar days to answer in (`HANDBOOK_ADMIN_REQUEST_DUE_DAYS`).
    pub due_days: u16,
}

/// Who recorded the arrival.
pub struct Receiver<'a> {
    pub actor: Actor,
    pub staff_id: Option<i64>,
    pub now: OffsetDateTime,
    pub request_id: Option<&'a str>,
    pub audit: &'a AuditKeys,
}

/// Records a request (the holder is told its reference and due day), or, when one of the same
/// kind is still open for the holder, answers that one: `(row, created)`.
pub fn receive(
    conn: &mut DbConnection,
    new: &Incoming<'_>,
    by: &Receiver<'_>,
) -> Result<(RequestRow, bool), RequestFailure> {
    let at = to_db(by.now);
    write_tx(conn, |c| {
        let holder = db::holders::lock(c, new.holder_id)?.ok_or(RequestFailure::NotFound)?;
        if let Some(open) = db::requests::open_of_kind(c, holder.id, new.kind)? {
            return Ok((open, false));
        }
        // An erased ID has nothing left to ask about.
        if holder.deleted_at.is_some() {
            return Err(GateRefusal::Ended.into());
        }
        let due = requests::due_on(today_jst(by.now), new.due_days);
        let reference = crate::secrets::random::reference("RQ");
        let id = db::requests::insert(
            c,
            &db::requests::NewRequest {
                reference: &reference,
                holder_id: holder.id,
                kind: new.kind,
                channel: new.channel,
                detail: new.detail.trim(),
                received_at: at,
                received_by: by.staff_id,
                due_on: due,
            },
        )?;
        audit::append(
            c,
            by.audit,
            at,
            AuditEntry::new(by.actor.clone(), "request.received", "holder", holder.id)
                .details(json!({"request": id, "reference": reference, "kind": new.kind.code(), "channel": new.channel.code(), "due_on": due.to_string()}))
                .request_id(by.request_id),
        )?;
        let message = notice::request_received(new.kind, &reference, &crate::domain::wareki::format(due));
        enqueue(c, holder.id, holder.email.as_deref(), "request_received", &message, at)?;
        let row = db::requests::find(c, id)?.ok_or(RequestFailure::NotFound)?;
        Ok((row, true))
    })
}

/// The request the holder asks about by its reference (the app's status call).
pub fn by_reference(conn: &mut DbConnection, holder_id: i64, reference: &str) -> Result<Option<RequestRow>, Fault> {
    Ok(db::requests::by_reference(conn, holder_id, reference)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<Option<RequestRow>, Fault> {
    Ok(db::requests::find(conn, id)?)
}

/// A holder's requests, newest first.
pub fn of_holder(conn: &mut DbConnection, holder_id: i64) -> Result<Vec<RequestRow>, Fault> {
    Ok(db::requests::of_holder(conn, holder_id)?)
}

/// The open requests by due date (the supervisors' work list), keyset after `(due_on, id)`.
pub fn open(conn: &mut DbConnection, after: Option<(time::Date, i64)>, limit: i64) -> Result<Vec<OpenLine>, Fault> {
    Ok(db::requests::open(conn, after, limit)?)
}

/// Open requests past their due day (the dashboard).
pub fn overdue(conn: &mut DbConnection, now: OffsetDateTime) -> Result<i64, Fault> {
    Ok(db::requests::overdue(conn, today_jst(now))?)
}

/// Locks the holder, then reads the request at the version the screen showed.
fn locked(c: &mut DbConnection, id: i64, version: i32) -> Result<(db::holders::HolderRow, RequestRow), RequestFailure> {
    let holder_id = db::requests::holder_of(c, id)?.ok_or(RequestFailure::NotFound)?;
    let holder = db::holders::lock(c, holder_id)?.ok_or(RequestFailure::NotFound)?;
    let row = db::requests::find(c, id)?.ok_or(RequestFailure::NotFound)?;
    if row.version != version {
        return Err(RequestError::Stale.into());
    }
    Ok((holder, row))
}

/// Records how the requester was identified as the holder.
pub fn verify(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    how: IdentityCheck,
    note: &str,
    acting: &Acting<'_>,
) -> Result<(), RequestFailure> {
    if !requests::may_verify(acting.role) {
        return Err(RequestError::NotAllowedForRole.into());
    }
    requests::check_note(note)?;
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        let (holder, row) = locked(c, id, version)?;
        match row.state {
            RequestState::Received => {}
            RequestState::Verified => return Err(RequestError::AlreadyVerified.into()),
            _ => return Err(RequestError::Closed.into()),
        }
        if db::requests::verified(c, id, version, how, note.trim(), acting.staff_id, at)? == 0 {
            return Err(RequestError::Stale.into());
        }
        record(c, acting, "request.verified", holder.id, &row, json!({"how": how.code()}))
    })
}

/// What answering did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    Disclosed,
    Corrected,
    UseStopped,
    Erased,
}

/// Answers a verified request (a supervisor other than the verifier). A stop of use suspends
/// the ID under the request; an erasure erases as 抹消 does and removes the photo files from
/// `store` once committed. Neither cites an article of violation.
pub fn answer(
    conn: &mut DbConnection,
    store: &crate::images::ImageStore,
    id: i64,
    version: i32,
    note: &str,
    acting: &Acting<'_>,
) -> Result<Answered, RequestFailure> {
    requests::check_note(note)?;
    let at = to_db(acting.now);
    let (outcome, erased) = write_tx(conn, |c| -> Result<_, RequestFailure> {
        let (holder, row) = locked(c, id, version)?;
        requests::may_answer(acting.role, row.state, row.verified_by, acting.staff_id)?;
        let state = db::sanctions::holder_state(c, &holder)?;
        let actor = Actor::Staff(acting.staff_id);
        let mut erased = Vec::new();
        let outcome = match row.kind {
            RequestKind::Disclosure => {
                if row.disclosure_produced_at.is_none() {
                    return Err(RequestError::NoDisclosureFile.into());
                }
                Answered::Disclosed
            }
            RequestKind::Correction => {
                if !crate::services::corrections::approved_for_request(c, row.id)? {
                    return Err(RequestError::NoCorrection.into());
                }
                Answered::Corrected
            }
            RequestKind::StopUse => {
                let next = state.apply(Event::Suspend(Article::HolderRequest))?;
                db::sanctions::start_suspension(c, holder.id, Article::HolderRequest, None, at)?;
                purge::purge_holder(c, acting.audit, &actor, holder.id, Reason::StopUse, at)?;
                db::holders::set_state(c, holder.id, next.status(), next.coupon_suspended, at)?;
                Answered::UseStopped
            }
            RequestKind::Erasure => {
                let next = state.apply(Event::Delete)?;
                erased = db::erasure::holder(c, holder.id, at)?;
                purge::purge_holder(c, acting.audit, &actor, holder.id, Reason::Deleted, at)?;
                db::holders::set_state(c, holder.id, next.status(), next.coupon_suspended, at)?;
                let ended = crate::services::sanctions::Ended {
                    holder_id: holder.id,
                    actor: actor.clone(),
                    at,
                    request_id: acting.request_id,
                };
                crate::services::sanctions::id_ended(c, acting.audit, &ended, &next, None)?;
                Answered::Erased
            }
        };
        if db::requests::closed(c, id, version, RequestState::Answered, note.trim(), acting.staff_id, at)? == 0 {
            return Err(RequestError::Stale.into());
        }
        record(c, acting, "request.answered", holder.id, &row, json!({"erased": outcome == Answered::Erased}))?;
        if outcome != Answered::Erased {
            let message = notice::request_answered(row.kind, &row.reference);
            enqueue(c, holder.id, holder.email.as_deref(), "request_answered", &message, at)?;
        }
        Ok((outcome, erased))
    })?;
    for key in erased {
        if let Err(e) = store.remove(&key) {
            tracing::error!(request = id, error = %e, "a photo file of an erased holder could not be removed");
        }
    }
    Ok(outcome)
}

/// Refuses an open request with the reason the holder is told.
pub fn refuse(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    reason: &str,
    acting: &Acting<'_>,
) -> Result<(), RequestFailure> {
    requests::check_note(reason)?;
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        let (holder, row) = locked(c, id, version)?;
        requests::may_refuse(acting.role, row.state)?;
        if db::requests::closed(c, id, version, RequestState::Refused, reason.trim(), acting.staff_id, at)? == 0 {
            return Err(RequestError::Stale.into());
        }
        record(c, acting, "request.refused", holder.id, &row, json!({}))?;
        let message = notice::request_refused(row.kind, &row.reference, reason);
        enqueue(c, holder.id, holder.email.as_deref(), "request_refused", &message, at)?;
        Ok(())
    })
}

fn enqueue(
    c: &mut DbConnection,
    holder_id: i64,
    email: Option<&str>,
    kind: &str,
    message: &notice::Notice,
    at: time::PrimitiveDateTime,
) -> Result<(), Fault> {
    db::decisions::enqueue(
        c,
        &NewNotification {
            holder_id,
            handbook_id: None,
            kind,
            recipient: email,
            subject: &message.subject,
            body: &message.body,
            next_attempt_at: at,
            created_at: at,
        },
    )?;
    Ok(())
}

/// The audit event of a step: the request's id, reference and kind, plus `extra`; never what
/// the holder wrote.
fn record(
    c: &mut DbConnection,
    acting: &Acting<'_>,
    action: &str,
    holder_id: i64,
    row: &RequestRow,
    extra: serde_json::Value,
) -> Result<(), RequestFailure> {
    let mut details = json!({"request": row.id, "reference": row.reference, "kind": row.kind.code()});
    if let (Some(d), serde_json::Value::Object(more)) = (details.as_object_mut(), extra) {
        d.extend(more);
    }
    audit::append(
        c,
        acting.audit,
        to_db(acting.now),
        AuditEntry::new(Actor::Staff(acting.staff_id), action, "holder", holder_id)
            .details(details)
            .request_id(acting.request_id),
    )?;
    Ok(())
}

/// The holder a request names by public ID: row id and whether the ID is erased.
pub fn holder_by_public_id(
    conn: &mut DbConnection,
    public_id: &crate::domain::holder::PublicId,
) -> Result<Option<i64>, Fault> {
    Ok(db::holders::find_by_public_id(conn, public_id.as_str())?.map(|h| h.id))
}

/// Staff names for the request page: who received, verified, produced the file and answered.
pub fn names(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<(i64, String)>, Fault> {
    Ok(db::staff::names(conn, ids)?)
}

/// The holder's approved registrations (a correction request is answered by correcting one).
pub fn approved_registrations(
    conn: &mut DbConnection,
    holder_id: i64,
) -> Result<Vec<(i64, crate::domain::handbook::HandbookKind)>, Fault> {
    Ok(db::holdings::handbooks(conn, holder_id)?
        .into_iter()
        .filter(|h| crate::domain::handbook::ReviewStatus::APPROVED.contains(&h.status))
        .map(|h| (h.id, h.kind))
        .collect())
}
