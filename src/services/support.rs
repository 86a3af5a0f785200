//! The support center's lost-phone flow (art. 3(4)): record the report, identify the caller,
//! suspend at once on a match, and later reinstate after the caller is identified again and
//! reads back a one-time code sent to the holder's registered e-mail address (the facts asked
//! are printed on the card, on the lost phone). Reports that reach the caps, and every
//! reinstatement by the support center, wait on a supervisor's work list. Every step is
//! audited; the caller's identifier, answers and code never reach the trail.

use serde_json::json;
use time::{Date, Duration, PrimitiveDateTime};

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::lost_device::NewReport;
pub use crate::db::lost_device::{AttemptRow, ReportRow, Waiting as WaitingReport};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::holder_state::GateRefusal;
use crate::domain::lost_device::{self, Challenge, ReportChannel};
use crate::domain::sanctions::{Action, Article};
use crate::error::Fault;
use crate::services::acting::Acting;
use crate::services::sanctions::{Request, RequestedSanction, SanctionFailure};

/// Who called, as the agent typed it: a public ID or an e-mail address, already parsed.
pub struct Caller<'a> {
    pub public_id: Option<&'a str>,
    pub email: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum SupportFailure {
    #[error("no such report")]
    NotFound,
    #[error(transparent)]
    Refused(SanctionFailure),
    #[error(transparent)]
    Code(#[from] CodeRefusal),
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for SupportFailure {
    fn from(e: diesel::result::Error) -> Self {
        SupportFailure::Fault(e.into())
    }
}

impl From<SanctionFailure> for SupportFailure {
    fn from(e: SanctionFailure) -> Self {
        match e {
            SanctionFailure::Fault(f) => SupportFailure::Fault(f),
            other => SupportFailure::Refused(other),
        }
    }
}

/// Why a reinstatement code was not sent or not compared. Nothing is counted against the caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("登録メールアドレスがないため、確認コードを送れません。審査責任者に引き継いでください。")]
    NoAddress,
    #[error("確認コードをまだ送っていません。先に「確認コードを送る」を押してください。")]
    NotSent,
    #[error("確認コードの有効期限が切れています。もう一度送ってください。")]
    Expired,
    #[error("この届出は利用停止中ではありません。")]
    NotSuspended,
    #[error("この操作の権限がありません。")]
    NotAllowed,
}

/// Records a report as it arrived; the challenge is picked now and kept with it.
pub fn open_report(
    conn: &mut DbConnection,
    channel: ReportChannel,
    received_at: PrimitiveDateTime,
    caller: &Caller<'_>,
    acting: &Acting<'_>,
    random: [u8; 8],
) -> Result<ReportRow, SupportFailure> {
    let now = to_db(acting.now);
    let reference = lost_device::reference(&random[1..]);
    write_tx(conn, |c| {
        let holder_id = db::lost_device::holder_named(c, caller.public_id, caller.email)?;
        let challenge = match holder_id {
            Some(holder) => db::lost_device::pending_challenge(c, holder)?,
            None => None,
        }
        .unwrap_or(Challenge::pick(random[0]));
        let id = db::lost_device::insert(
            c,
            &NewReport {
                reference: &reference,
                channel,
                received_at,
                recorded_by: acting.staff_id,
                recorded_at: now,
                holder_id,
                challenge,
            },
        )?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "lost_device.reported", "lost_device_report", id)
                .details(json!({"channel": channel.code(), "holder_id": holder_id}))
                .request_id(acting.request_id),
        )?;
        db::lost_device::find(c, id)?.ok_or(SupportFailure::NotFound)
    })
}

/// The caller's answers to the report's questions.
pub struct Answers<'a> {
    pub birth_date: Option<Date>,
    pub fact: &'a str,
    /// The reinstatement code the caller read back (digits only); `None` when suspending.
    pub code: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// Identified; the action took effect.
    Done,
    /// Not identified. `flagged` once mismatches on this holder pile up within a day.
    NotVerified { flagged: bool },
    /// The caps are reached (`lost_device::may_check`): nothing was checked; a supervisor
    /// looks at the report. The caller hears only "not verified".
    Locked,
}

/// Checks the answers under the report's lock. Every attempt is kept with its time; a mismatch
/// is flagged when mismatches on the holder repeat within a day; a match returns the holder.
/// `also`: what must hold besides the facts (the reinstatement code); a miss on it counts as a
/// mismatch, toward the same caps.
fn identify(
    c: &mut DbConnection,
    report: &ReportRow,
    answers: &Answers<'_>,
    also: bool,
    acting: &Acting<'_>,
) -> Result<Result<i64, Verified>, SupportFailure> {
    let now = to_db(acting.now);
    let holder_failures = match report.holder_id {
        Some(holder) => {
            // A supervisor's unlock starts the holder's day over.
            let since = (now - Duration::days(1))
                .max(db::lost_device::last_unlock(c, holder)?.unwrap_or(now - Duration::days(1)));
            db::lost_device::failures_since(c, holder, since)?
        }
        None => 0,
    };
    if report.locked_at.is_some() || !lost_device::may_check(report.failed_attempts, holder_failures) {
        lock(c, report, acting)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "lost_device.not_verified", "lost_device_report", report.id)
                .details(json!({"failures_today": holder_failures, "flagged": true, "locked": true}))
                .reason("本人確認の上限に達しています（審査責任者の確認待ち）")
                .request_id(acting.request_id),
        )?;
        return Ok(Err(Verified::Locked));
    }
    let matched = match report.holder_id {
        Some(holder) => {
            let facts = db::lost_device::registered_facts(c, holder)?;
            (lost_device::matches(&facts, answers.birth_date, report.challenge, answers.fact) && also).then_some(holder)
        }
        None => None,
    };
    db::lost_device::attempted(c, report, now, acting.staff_id, matched.is_some())?;
    if let Some(holder) = matched {
        return Ok(Ok(holder));
    }
    // This mismatch counts too.
    let failures = holder_failures + i64::from(report.holder_id.is_some());
    let flagged = failures >= lost_device::FLAG_AFTER;
    let mut entry =
        AuditEntry::new(Actor::Staff(acting.staff_id), "lost_device.not_verified", "lost_device_report", report.id)
            .details(json!({"failures_today": failures, "flagged": flagged}))
            .request_id(acting.request_id);
    if flagged {
        entry = entry.reason("同じ利用者の本人確認の失敗が続いています");
    }
    audit::append(c, acting.audit, now, entry)?;
    // The miss that reaches a cap puts the report on a supervisor's list at once.
    if !lost_device::may_check(report.failed_attempts + 1, failures) {
        lock(c, report, acting)?;
    }
    Ok(Err(Verified::NotVerified { flagged }))
}

/// Marks the report locked (once), for a supervisor's work list.
fn lock(c: &mut DbConnection, report: &ReportRow, acting: &Acting<'_>) -> Result<(), SupportFailure> {
    let now = to_db(acting.now);
    if db::lost_device::locked(c, report.id, now)? > 0 {
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "lost_device.locked", "lost_device_report", report.id)
                .details(json!({"holder_id": report.holder_id}))
                .request_id(acting.request_id),
        )?;
    }
    Ok(())
}

/// Locks the report's holder first and then the report: the order of every writer that touches
/// both (a sanction on the holder closes the holder's open reports), so two never deadlock.
/// A report's holder is fixed when it is opened, so it is read unlocked.
fn lock_report(c: &mut DbConnection, report_id: i64) -> Result<ReportRow, SupportFailure> {
    let report = db::lost_device::find(c, report_id)?.ok_or(SupportFailure::NotFound)?;
    if let Some(holder) = report.holder_id {
        db::holders::lock(c, holder)?;
    }
    db::lost_device::lock(c, report_id)?.ok_or(SupportFailure::NotFound)
}

/// Identifies the caller and, on a match, suspends the ID under art. 3(4) in the same
/// transaction, keeping when the suspension took effect.
pub fn verify_and_suspend(
    conn: &mut DbConnection,
    report_id: i64,
    answers: &Answers<'_>,
    acting: &Acting<'_>,
) -> Result<Verified, SupportFailure> {
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        let report = lock_report(c, report_id)?;
        if report.suspended_at.is_some() {
            return Ok(Verified::Done);
        }
        let holder = match identify(c, &report, answers, true, acting)? {
            Ok(holder) => holder,
            Err(not) => return Ok(not),
        };
        let note = format!("紛失の届出 {}（{}）", report.reference, report.channel.label());
        let request = Request { article: Article::LostPhone, action: Action::Suspend, note: &note, disclosure: None };
        let sanction_id = match crate::services::sanctions::request_in(c, holder, &request, acting) {
            Ok(RequestedSanction::Applied { sanction_id } | RequestedSanction::Proposed { sanction_id }) => {
                Some(sanction_id)
            }
            // Suspended already by an earlier report: this one records the time it was found so.
            Err(SanctionFailure::Gate(GateRefusal::AlreadySuspended)) => None,
            Err(other) => return Err(other.into()),
        };
        db::lost_device::suspended(c, report.id, now, sanction_id)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "lost_device.suspended", "lost_device_report", report.id)
                .details(json!({"holder_id": holder, "sanction_id": sanction_id}))
                .request_id(acting.request_id),
        )?;
        Ok(Verified::Done)
    })
}

/// The holder, identified again, gets the ID back: the lost-phone suspension is lifted (any
/// other suspension stays).
pub fn verify_and_reinstate(
    conn: &mut DbConnection,
    report_id: i64,
    answers: &Answers<'_>,
    acting: &Acting<'_>,
) -> Result<Verified, SupportFailure> {
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        let report = lock_report(c, report_id)?;
        if report.suspended_at.is_none() || report.reinstated_at.is_some() {
            return Err(SupportFailure::Refused(SanctionFailure::Gate(GateRefusal::NotSuspended)));
        }
        let stored = db::lost_device::code_hash(c, report.id)?;
        let typed = answers.code.map(|code| code_hash(acting.audit, report.id, code));
        let same = match (stored, typed) {
            (Some(stored), Some(typed)) => {
                bool::from(subtle::ConstantTimeEq::ct_eq(stored.as_bytes(), typed.as_bytes()))
            }
            _ => false,
        };
        let code_ok = match lost_device::check_code(report.code_expires_at, now, same) {
            lost_device::CodeCheck::NotSent => return Err(CodeRefusal::NotSent.into()),
            lost_device::CodeCheck::Expired => return Err(CodeRefusal::Expired.into()),
            lost_device::CodeCheck::Compared(ok) => ok,
        };
        let holder = match identify(c, &report, answers, code_ok, acting)? {
            Ok(holder) => holder,
            Err(not) => return Ok(not),
        };
        db::lost_device::clear_code(c, report.id)?;
        let note = format!("紛失の届出 {} の本人確認のうえ再開", report.reference);
        let request = Request { article: Article::LostPhone, action: Action::Reinstate, note: &note, disclosure: None };
        // Lifting 3(4) closes the holder's open reports, this one included.
        crate::services::sanctions::request_in(c, holder, &request, acting)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "lost_device.reinstated", "lost_device_report", report.id)
                .details(json!({"holder_id": holder}))
                .request_id(acting.request_id),
        )?;
        Ok(Verified::Done)
    })
}

/// The code's keyed hash: bound to the report, under the audit key (named beside the trail's
/// rows), so a database reader learns nothing from it and a code of one report fits no other.
fn code_hash(keys: &crate::audit::AuditKeys, report_id: i64, code: &str) -> String {
    keys.seal(&[b"lost_device.code", &report_id.to_be_bytes(), code.as_bytes()])
}

/// Sends a new one-time reinstatement code to the holder's registered e-mail address (through
/// the outbox), replacing any earlier one; good for `lost_device::CODE_MINUTES`. Returns until
/// when. A locked report sends nothing.
pub fn send_code(
    conn: &mut DbConnection,
    report_id: i64,
    acting: &Acting<'_>,
    random: [u8; 4],
) -> Result<Result<PrimitiveDateTime, Verified>, SupportFailure> {
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        let report = lock_report(c, report_id)?;
        if report.suspended_at.is_none() || report.reinstated_at.is_some() {
            return Err(CodeRefusal::NotSuspended.into());
        }
        if report.locked_at.is_some() {
            return Ok(Err(Verified::Locked));
        }
        let holder_id = report.holder_id.ok_or(CodeRefusal::NoAddress)?;
        let holder = db::holders::find(c, holder_id)?.ok_or(SupportFailure::NotFound)?;
        let address = holder.email.as_deref().ok_or(CodeRefusal::NoAddress)?;
        let code = lost_device::code(random);
        let until = now + Duration::minutes(lost_device::CODE_MINUTES);
        db::lost_device::set_code(c, report.id, &code_hash(acting.audit, report.id, &code), until)?;
        let message = crate::domain::notice::reinstatement_code(&code, &report.reference, lost_device::CODE_MINUTES);
        db::decisions::enqueue(
            c,
            &db::decisions::NewNotification {
                holder_id,
                handbook_id: None,
                kind: "reinstatement_code",
                recipient: Some(address),
                subject: &message.subject,
                body: &message.body,
                next_attempt_at: now,
                created_at: now,
            },
        )?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "lost_device.code_sent", "lost_device_report", report.id)
                .details(json!({"holder_id": holder_id, "minutes": lost_device::CODE_MINUTES}))
                .request_id(acting.request_id),
        )?;
        Ok(Ok(until))
    })
}

/// A supervisor looks at a locked report and lets it be checked again (the report's misses
/// start over, and so does the holder's day).
pub fn unlock(conn: &mut DbConnection, report_id: i64, acting: &Acting<'_>) -> Result<bool, SupportFailure> {
    supervisor_step(conn, report_id, acting, "lost_device.unlocked", |c, id, by, at| {
        db::lost_device::unlock(c, id, by, at)
    })
}

/// A supervisor has looked at a reinstatement by the support center: it leaves the work list.
pub fn reviewed(conn: &mut DbConnection, report_id: i64, acting: &Acting<'_>) -> Result<bool, SupportFailure> {
    supervisor_step(conn, report_id, acting, "lost_device.reviewed", |c, id, by, at| {
        db::lost_device::reviewed(c, id, by, at)
    })
}

fn supervisor_step(
    conn: &mut DbConnection,
    report_id: i64,
    acting: &Acting<'_>,
    action: &'static str,
    step: impl Fn(&mut DbConnection, i64, i64, PrimitiveDateTime) -> diesel::QueryResult<usize>,
) -> Result<bool, SupportFailure> {
    if acting.role != crate::domain::staff::Role::Supervisor {
        return Err(CodeRefusal::NotAllowed.into());
    }
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        let report = lock_report(c, report_id)?;
        if step(c, report.id, acting.staff_id, now)? == 0 {
            return Ok(false);
        }
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), action, "lost_device_report", report.id)
                .details(json!({"holder_id": report.holder_id}))
                .request_id(acting.request_id),
        )?;
        Ok(true)
    })
}

/// What waits for a supervisor: locked reports, and reinstatements by the support center.
pub fn for_supervisors(conn: &mut DbConnection, limit: i64) -> Result<(Vec<WaitingReport>, Vec<WaitingReport>), Fault> {
    use db::lost_device::{SupervisorList, supervisor_list};
    Ok((supervisor_list(conn, SupervisorList::Locked, limit)?, supervisor_list(conn, SupervisorList::ToReview, limit)?))
}

/// The latest lost-phone reports, newest first, for the support desk's start page.
pub fn recent_reports(conn: &mut DbConnection, limit: i64) -> Result<Vec<ReportRow>, Fault> {
    Ok(db::lost_device::recent(conn, limit)?)
}

/// One report with every identification attempt made on it, or `None` when there is no such report.
pub fn report(conn: &mut DbConnection, id: i64) -> Result<Option<(ReportRow, Vec<AttemptRow>)>, Fault> {
    let Some(report) = db::lost_device::find(conn, id)? else { return Ok(None) };
    Ok(Some((report, db::lost_device::attempts_of(conn, id)?)))
}
