//! The support center's contacts with holders, as a service: logging one (a reference the
//! caller can quote), reading its note (audited, and only where the role may), finding it by
//! reference, and resending a notice from the outbox with a reason. Every write is one
//! transaction with its audit event; notes never enter the audit trail.

use serde_json::json;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
pub use crate::db::contacts::ContactLine;
use crate::db::contacts::NewContact;
use crate::db::decisions::NewNotification;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::contacts::{self, ContactChannel, Topic};
use crate::domain::staff::Role;
use crate::error::Fault;
use crate::services::acting::Acting;

#[derive(Debug, thiserror::Error)]
pub enum ContactFailure {
    #[error("{0}")]
    Rule(&'static str),
    #[error("no such holder, contact or notice")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for ContactFailure {
    fn from(e: diesel::result::Error) -> Self {
        ContactFailure::Fault(e.into())
    }
}

fn desk(role: Role) -> Result<(), ContactFailure> {
    if matches!(role, Role::Support | Role::Supervisor) {
        Ok(())
    } else {
        Err(ContactFailure::Rule("この操作の権限がありません。"))
    }
}

/// A contact as logged.
pub struct NewLog<'a> {
    pub holder_id: i64,
    pub channel: ContactChannel,
    pub topic: Topic,
    pub note: &'a str,
    /// For supervisors only (the note quotes handbook details, a complaint about staff…).
    pub restricted: bool,
}

/// Logs a contact; returns its id and reference.
pub fn log(conn: &mut DbConnection, new: &NewLog<'_>, acting: &Acting<'_>) -> Result<(i64, String), ContactFailure> {
    desk(acting.role)?;
    contacts::check_note(new.note).map_err(ContactFailure::Rule)?;
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        db::holders::lock(c, new.holder_id)?.ok_or(ContactFailure::NotFound)?;
        let reference = crate::secrets::random::reference("SC");
        let id = db::contacts::insert(
            c,
            &NewContact {
                reference: &reference,
                holder_id: new.holder_id,
                channel: new.channel.code(),
                topic: new.topic.code(),
                note: new.note.trim(),
                restricted: new.restricted,
                recorded_by: acting.staff_id,
                recorded_at: at,
            },
        )?;
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "contact.logged", "holder", new.holder_id)
                .details(json!({"contact": id, "reference": reference, "channel": new.channel.code(), "topic": new.topic.code(), "restricted": new.restricted}))
                .request_id(acting.request_id),
        )?;
        Ok((id, reference))
    })
}

/// Contacts newest first: of a holder, by reference, or all (the desk's list).
pub fn lines(
    conn: &mut DbConnection,
    holder: Option<i64>,
    reference: Option<&str>,
    before: Option<(time::PrimitiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<ContactLine>, Fault> {
    Ok(db::contacts::lines(conn, holder, reference, before, limit)?)
}

/// One contact; its note only where the role may read it, and then the reading is audited.
pub fn view(
    conn: &mut DbConnection,
    id: i64,
    acting: &Acting<'_>,
) -> Result<Option<(ContactLine, Option<String>)>, Fault> {
    let Some((line, note)) = db::contacts::find(conn, id)? else { return Ok(None) };
    if !contacts::may_read_note(acting.role, line.restricted) {
        return Ok(Some((line, None)));
    }
    audit::append_read(
        conn,
        acting.audit,
        to_db(acting.now),
        AuditEntry::new(Actor::Staff(acting.staff_id), "contact.viewed", "holder", line.holder_id)
            .details(json!({"contact": id, "reference": line.reference}))
            .request_id(acting.request_id),
    )?;
    Ok(Some((line, Some(note))))
}

/// Contacts per topic since `since` (the dashboard's chart).
pub fn per_topic(conn: &mut DbConnection, since: time::PrimitiveDateTime) -> Result<Vec<(String, i64)>, Fault> {
    Ok(db::contacts::per_topic(conn, since)?)
}

/// How long after a resend the same notice is not resent again (a double press, an impatient
/// second try).
const RESEND_GAP: time::Duration = time::Duration::minutes(10);

/// Resends a notice from the outbox to the holder's address on record, with the reason. A new
/// outbox row (the original stays as it was); refused while a resend of it waits or was made
/// in the last ten minutes, so a second press does not send it twice.
pub fn resend(
    conn: &mut DbConnection,
    holder_id: i64,
    notification_id: i64,
    reason: &str,
    acting: &Acting<'_>,
) -> Result<i64, ContactFailure> {
    desk(acting.role)?;
    contacts::check_resend_reason(reason).map_err(ContactFailure::Rule)?;
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        let holder = db::holders::lock(c, holder_id)?.ok_or(ContactFailure::NotFound)?;
        let (owner, handbook_id, kind, subject, body) =
            db::contacts::notice(c, notification_id)?.ok_or(ContactFailure::NotFound)?;
        if owner != holder.id {
            return Err(ContactFailure::NotFound);
        }
        if holder.deleted_at.is_some() {
            return Err(ContactFailure::Rule("個人情報が消去されたIDには再送できません。"));
        }
        let Some(email) = holder.email.as_deref() else {
            return Err(ContactFailure::Rule("メールアドレスの登録がないため再送できません。"));
        };
        if db::contacts::resent_since(c, notification_id, at - RESEND_GAP)? {
            return Err(ContactFailure::Rule(
                "この通知は少し前に再送したばかりです。届いていないか利用者に確かめてから、時間をおいて再送してください。",
            ));
        }
        let id = db::decisions::enqueue(
            c,
            &NewNotification {
                holder_id: holder.id,
                handbook_id,
                kind: &kind,
                recipient: Some(email),
                subject: &subject,
                body: &body,
                next_attempt_at: at,
                created_at: at,
            },
        )?;
        db::contacts::mark_resend(c, id, notification_id)?;
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "notice.resent", "notification", notification_id)
                .details(json!({"holder_id": holder.id, "resent_as": id}))
                .reason(reason.trim())
                .request_id(acting.request_id),
        )?;
        Ok(id)
    })
}

/// Proposes a new e-mail address the holder asked for through the support center, with how the
/// caller was identified (the note). Whoever holds a lost phone can call, so nothing changes
/// until a supervisor other than the proposer approves.
pub fn propose_email_change(
    conn: &mut DbConnection,
    holder_id: i64,
    email: &crate::domain::email::EmailAddress,
    note: &str,
    acting: &Acting<'_>,
) -> Result<i64, ContactFailure> {
    desk(acting.role)?;
    if note.trim().chars().count() < 10 {
        return Err(ContactFailure::Rule("本人確認の方法と経緯を10文字以上で記録してください。"));
    }
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        let holder = db::holders::lock(c, holder_id)?.ok_or(ContactFailure::NotFound)?;
        if holder.deleted_at.is_some() {
            return Err(ContactFailure::Rule("個人情報が消去されたIDです。"));
        }
        if db::contacts::pending_email_change(c, holder_id)?.is_some() {
            return Err(ContactFailure::Rule("メールアドレスの変更がすでに承認待ちです。"));
        }
        let id = db::contacts::propose_email_change(c, holder_id, email.as_str(), note.trim(), acting.staff_id, at)?;
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "holder.email_change_proposed", "holder", holder_id)
                .details(json!({"proposal": id}))
                .request_id(acting.request_id),
        )?;
        Ok(id)
    })
}

/// The proposal waiting for a holder: id, new address, note, proposer, proposer's name, when.
pub fn pending_email_change(
    conn: &mut DbConnection,
    holder_id: i64,
) -> Result<Option<db::contacts::EmailChange>, Fault> {
    Ok(db::contacts::pending_email_change(conn, holder_id)?)
}

/// A supervisor other than the proposer approves or rejects. An approval changes the address
/// and tells both the old and the new address, so a holder whose phone was taken learns of it.
pub fn decide_email_change(
    conn: &mut DbConnection,
    id: i64,
    approve: bool,
    acting: &Acting<'_>,
) -> Result<(), ContactFailure> {
    if acting.role != Role::Supervisor {
        return Err(ContactFailure::Rule("この操作の権限がありません。"));
    }
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        let holder_id = db::contacts::email_change_holder(c, id)?.ok_or(ContactFailure::NotFound)?;
        let holder = db::holders::lock(c, holder_id)?.ok_or(ContactFailure::NotFound)?;
        let (pending, email, _, proposer, _, _) = db::contacts::pending_email_change(c, holder_id)?
            .ok_or(ContactFailure::Rule("この変更はすでに判断されています。"))?;
        if pending != id {
            return Err(ContactFailure::NotFound);
        }
        if proposer == acting.staff_id
            || crate::services::accounts::appointed_by_proposer(c, proposer, acting.staff_id)?
        {
            return Err(ContactFailure::Rule("自分が起案した変更は承認・却下できません。別の審査責任者が判断します。"));
        }
        let outcome = if approve { "applied" } else { "rejected" };
        if db::contacts::decide_email_change(c, id, outcome, acting.staff_id, at)? == 0 {
            return Err(ContactFailure::Rule("この変更はすでに判断されています。"));
        }
        if approve {
            let email = email.ok_or(ContactFailure::NotFound)?;
            db::holders::set_email(c, holder_id, &email, at)?;
            let message = crate::domain::notice::email_changed();
            for recipient in [holder.email.as_deref(), Some(email.as_str())].into_iter().flatten() {
                db::decisions::enqueue(
                    c,
                    &NewNotification {
                        holder_id,
                        handbook_id: None,
                        kind: "email_changed",
                        recipient: Some(recipient),
                        subject: &message.subject,
                        body: &message.body,
                        next_attempt_at: at,
                        created_at: at,
                    },
                )?;
            }
        }
        let action = if approve { "holder.email_changed" } else { "holder.email_change_rejected" };
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), action, "holder", holder_id)
                .details(json!({"proposal": id, "channel": "support"}))
                .request_id(acting.request_id),
        )?;
        Ok(())
    })
}
