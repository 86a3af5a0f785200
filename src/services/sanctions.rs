//! Sanctions, as a service: taking one at once (warning, suspension, reinstatement, coupon
//! suspension), proposing a final one (deprivation, deletion, e-mail deletion) and the second
//! supervisor's decision on it. Every change of the holder's state goes through the gate
//! (`domain::holder_state`), in one transaction with its records, its notice (unless the
//! article acts without notice) and its audit event.

use serde_json::json;
use time::PrimitiveDateTime;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::decisions::NewNotification;
use crate::db::holders::HolderRow;
use crate::db::sanctions::NewSanction;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::holder_state::{Event, GateRefusal, HolderState};
use crate::domain::notice;
use crate::domain::sanctions::{self, Action, Article, SanctionError, SanctionState};
use crate::domain::terms::Document;
use crate::error::Fault;
use crate::services::acting::Acting;

/// Why a sanction did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SanctionFailure {
    #[error(transparent)]
    Rule(#[from] SanctionError),
    #[error(transparent)]
    Gate(#[from] GateRefusal),
    #[error("no such holder or sanction")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for SanctionFailure {
    fn from(e: diesel::result::Error) -> Self {
        SanctionFailure::Fault(e.into())
    }
}

/// What was asked.
pub struct Request<'a> {
    pub article: Article,
    pub action: Action,
    pub note: &'a str,
    /// For a disclosure: to whom, on what basis, what.
    pub disclosure: Option<Disclosure<'a>>,
}

#[derive(Clone, Copy)]
pub struct Disclosure<'a> {
    pub recipient: &'a str,
    pub basis: &'a str,
    pub disclosed: &'a str,
}

impl Disclosure<'_> {
    fn complete(&self) -> bool {
        [self.recipient, self.basis, self.disclosed].iter().all(|t| (1..=500).contains(&t.trim().chars().count()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedSanction {
    Applied { sanction_id: i64 },
    Proposed { sanction_id: i64 },
}

/// The gate's event for an action, or `None` for one that changes no state (a warning, a
/// disclosure).
fn event(action: Action, article: Article) -> Option<Event> {
    match action {
        Action::Warning => None,
        Action::Suspend => Some(Event::Suspend(article)),
        Action::Reinstate if article == Article::CouponViolation => Some(Event::CouponReinstate),
        Action::Reinstate => Some(Event::Reinstate(article)),
        Action::Deprive => Some(Event::Deprive),
        Action::CouponSuspend => Some(Event::CouponSuspend),
        Action::Delete => Some(Event::Delete),
        Action::DeleteEmail => Some(Event::DeleteEmail),
        // Cancelling the ID registration ends the ID as a deprivation does.
        Action::CancelRegistration => Some(Event::Deprive),
        Action::Disclose => None,
    }
}

/// The terms version a sanction cites: the one in force on the day of the act by the register
/// of versions; without a register entry, the version the holder last agreed to.
fn terms_in_force(c: &mut DbConnection, holder_id: i64, now: time::OffsetDateTime) -> Result<Option<String>, Fault> {
    let day = crate::clock::today_jst(now);
    match db::consents::in_force(c, Document::Terms, day)? {
        Some(version) => Ok(Some(version)),
        None => Ok(db::consents::latest(c, holder_id, Document::Terms)?.map(|(v, _)| v)),
    }
}

/// Takes a sanction at once, or proposes a final one for a second supervisor.
pub fn request(
    conn: &mut DbConnection,
    holder_id: i64,
    req: &Request<'_>,
    acting: &Acting<'_>,
) -> Result<RequestedSanction, SanctionFailure> {
    write_tx(conn, |c| request_in(c, holder_id, req, acting))
}

/// `request` inside the caller's write transaction (the support center's lost-phone report
/// suspends in the same transaction as its own record).
pub fn request_in(
    c: &mut DbConnection,
    holder_id: i64,
    req: &Request<'_>,
    acting: &Acting<'_>,
) -> Result<RequestedSanction, SanctionFailure> {
    if !sanctions::role_may_request(acting.role, req.article, req.action) {
        return Err(SanctionError::NotAllowedForRole.into());
    }
    sanctions::check_request(req.article, req.action, req.note)?;
    if req.action == Action::Disclose && !req.disclosure.is_some_and(|d| d.complete()) {
        return Err(SanctionError::DisclosureIncomplete.into());
    }
    let event = event(req.action, req.article);
    let now = to_db(acting.now);
    {
        let holder = db::holders::lock(c, holder_id)?.ok_or(SanctionFailure::NotFound)?;
        let state = db::sanctions::holder_state(c, &holder)?;
        // Refused now if the gate would refuse it (an ended ID), even when only proposed.
        let next = match event {
            Some(e) => state.apply(e)?,
            None if state.ended() => return Err(GateRefusal::Ended.into()),
            None => state.clone(),
        };
        let proposal = req.action.needs_second_supervisor();
        // One proposal of an action at a time: a second would wait for a decision already due.
        if proposal && db::sanctions::proposal_pending(c, holder_id, req.action)? {
            return Err(SanctionError::AlreadyProposed.into());
        }
        let terms = terms_in_force(c, holder_id, acting.now)?;
        let sanction_id = db::sanctions::insert(
            c,
            &NewSanction {
                holder_id,
                handbook_id: None,
                action: req.action,
                article: req.article,
                note: req.note.trim(),
                state: if proposal { SanctionState::Proposed } else { SanctionState::Applied },
                requested_by: Some(acting.staff_id),
                requested_at: now,
                effective_at: (!proposal).then_some(now),
                without_notice: req.article.without_notice(),
                terms_version: terms.as_deref(),
            },
        )?;
        if proposal {
            record(c, acting, "sanction.proposed", holder_id, sanction_id, req.action, req.article)?;
            return Ok(RequestedSanction::Proposed { sanction_id });
        }
        if let (Action::Disclose, Some(d)) = (req.action, req.disclosure) {
            db::sanctions::record_disclosure(
                c,
                &db::sanctions::NewDisclosure {
                    holder_id,
                    sanction_id: Some(sanction_id),
                    recipient: d.recipient.trim(),
                    basis: d.basis.trim(),
                    disclosed: d.disclosed.trim(),
                    disclosed_by: acting.staff_id,
                    disclosed_at: now,
                },
            )?;
        }
        // Only final actions erase, and they are proposals: nothing to remove here.
        take_effect(c, &holder, &next, req.action, req.article, sanction_id, req.note.trim(), acting, now)?;
        record(c, acting, "sanction.applied", holder_id, sanction_id, req.action, req.article)?;
        Ok(RequestedSanction::Applied { sanction_id })
    }
}

/// The second supervisor's decision on a proposal: exactly one outcome, never by the proposer.
/// An approved deletion removes the holder's photo files from `store` once the erasure has
/// committed (a file left behind by a failing disk is logged, and unreadable without its row).
pub fn decide(
    conn: &mut DbConnection,
    store: &crate::images::ImageStore,
    sanction_id: i64,
    approve: bool,
    note: &str,
    acting: &Acting<'_>,
) -> Result<SanctionState, SanctionFailure> {
    let (outcome, erased) = decide_in_tx(conn, sanction_id, approve, note, acting)?;
    for key in erased {
        if let Err(e) = store.remove(&key) {
            tracing::error!(sanction = sanction_id, error = %e, "a photo file of a deleted holder could not be removed");
        }
    }
    Ok(outcome)
}

fn decide_in_tx(
    conn: &mut DbConnection,
    sanction_id: i64,
    approve: bool,
    note: &str,
    acting: &Acting<'_>,
) -> Result<(SanctionState, Vec<String>), SanctionFailure> {
    if acting.role != crate::domain::staff::Role::Supervisor {
        return Err(SanctionError::NotAllowedForRole.into());
    }
    let now = to_db(acting.now);
    write_tx(conn, |c| {
        // Lock order: holder, then sanction (its holder never changes, so it is read unlocked).
        let holder_id = db::sanctions::holder_of(c, sanction_id)?.ok_or(SanctionFailure::NotFound)?;
        let holder = db::holders::lock(c, holder_id)?.ok_or(SanctionFailure::NotFound)?;
        let proposal = db::sanctions::lock(c, sanction_id)?.ok_or(SanctionFailure::NotFound)?;
        sanctions::may_decide(proposal.state, proposal.requested_by, acting.staff_id)?;
        if let Some(proposer) = proposal.requested_by
            && crate::services::accounts::appointed_by_proposer(c, proposer, acting.staff_id)?
        {
            return Err(SanctionError::AppointedByProposer.into());
        }
        let outcome = if approve { SanctionState::Applied } else { SanctionState::Rejected };
        let mut erased = Vec::new();
        if approve {
            let state = db::sanctions::holder_state(c, &holder)?;
            let next = match event(proposal.action, proposal.article) {
                Some(e) => state.apply(e)?,
                None => state.clone(),
            };
            erased = take_effect(
                c,
                &holder,
                &next,
                proposal.action,
                proposal.article,
                sanction_id,
                note.trim(),
                acting,
                now,
            )?;
        }
        db::sanctions::decided(c, sanction_id, outcome, acting.staff_id, now, note.trim())?;
        let action = if approve { "sanction.approved" } else { "sanction.rejected" };
        record(c, acting, action, holder_id, sanction_id, proposal.action, proposal.article)?;
        Ok((outcome, erased))
    })
}

/// Art. 2(4) at review: the holder's ID is held at once (a suspension under 2(4), recorded as
/// an applied sanction tied to the registration) and deprivation is proposed for a second
/// supervisor. Runs inside the decision's transaction, under the holder's lock, and sends no
/// notice of its own: the decision's notice is the one the holder gets. Returns the proposal,
/// or `None` when the ID has already ended.
pub fn hold_for_fraud(
    c: &mut DbConnection,
    holder: &HolderRow,
    handbook_id: i64,
    note: &str,
    acting: &Acting<'_>,
) -> Result<Option<i64>, Fault> {
    let now = to_db(acting.now);
    let article = Article::FraudAtReview;
    let state = db::sanctions::holder_state(c, holder)?;
    let terms = terms_in_force(c, holder.id, acting.now)?;
    let record_row = |c: &mut DbConnection, action: Action, state: SanctionState| {
        db::sanctions::insert(
            c,
            &NewSanction {
                holder_id: holder.id,
                handbook_id: Some(handbook_id),
                action,
                article,
                note,
                state,
                requested_by: Some(acting.staff_id),
                requested_at: now,
                effective_at: (state == SanctionState::Applied).then_some(now),
                without_notice: article.without_notice(),
                terms_version: terms.as_deref(),
            },
        )
    };
    if state.apply(Event::Deprive).is_err() {
        return Ok(None);
    }
    // Already held (another registration of the same holder): the hold stands as it is.
    if let Ok(next) = state.apply(Event::Suspend(article)) {
        let hold = record_row(c, Action::Suspend, SanctionState::Applied)?;
        db::sanctions::start_suspension(c, holder.id, article, Some(hold), now)?;
        db::holders::set_state(c, holder.id, next.status(), next.coupon_suspended, now)?;
        record(c, acting, "sanction.applied", holder.id, hold, Action::Suspend, article)?;
    }
    if db::sanctions::proposal_pending(c, holder.id, Action::Deprive)? {
        return Ok(None);
    }
    let proposal = record_row(c, Action::Deprive, SanctionState::Proposed)?;
    record(c, acting, "sanction.proposed", holder.id, proposal, Action::Deprive, article)?;
    Ok(Some(proposal))
}

/// Writes what the gate decided, the suspension rows, any erasure, and the notice to the
/// holder. Returns the photo store keys an erasure leaves to remove after commit. Deletion and
/// e-mail deletion send no notice: the address goes with them.
#[allow(clippy::too_many_arguments)]
fn take_effect(
    c: &mut DbConnection,
    holder: &HolderRow,
    next: &HolderState,
    action: Action,
    article: Article,
    sanction_id: i64,
    note: &str,
    acting: &Acting<'_>,
    now: PrimitiveDateTime,
) -> Result<Vec<String>, SanctionFailure> {
    let mut erased = Vec::new();
    match action {
        Action::Suspend => db::sanctions::start_suspension(c, holder.id, article, Some(sanction_id), now)?,
        Action::Reinstate if article == Article::CouponViolation => {}
        Action::Reinstate => {
            db::sanctions::lift_suspension(c, holder.id, article, acting.staff_id, note, now)?;
            if article == Article::LostPhone {
                // The lost-phone reports behind it are over, however it was lifted.
                let supervisor = (acting.role == crate::domain::staff::Role::Supervisor).then_some(acting.staff_id);
                db::lost_device::close_open(c, holder.id, now, supervisor)?;
            }
        }
        Action::Delete => {
            erased = db::erasure::holder(c, holder.id, now)?;
            let actor = Actor::Staff(acting.staff_id);
            crate::services::myna::purge::purge_holder(
                c,
                acting.audit,
                &actor,
                holder.id,
                crate::services::myna::purge::Reason::Deleted,
                now,
            )?;
        }
        Action::DeleteEmail => db::erasure::email(c, holder.id, now)?,
        _ => {}
    }
    // The Myna values serve verification of an ID in good standing: an ID ended or suspended
    // under a violation keeps none (a lost phone is no violation).
    let purge = match action {
        Action::Deprive | Action::CancelRegistration => Some(crate::services::myna::purge::Reason::Deprived),
        Action::Suspend if article != Article::LostPhone => Some(crate::services::myna::purge::Reason::Sanctioned),
        _ => None,
    };
    if let Some(reason) = purge {
        let actor = Actor::Staff(acting.staff_id);
        crate::services::myna::purge::purge_holder(c, acting.audit, &actor, holder.id, reason, now)?;
    }
    db::holders::set_state(c, holder.id, next.status(), next.coupon_suspended, now)?;
    if next.ended() {
        let ended = Ended {
            holder_id: holder.id,
            actor: Actor::Staff(acting.staff_id),
            at: now,
            request_id: acting.request_id,
        };
        id_ended(c, acting.audit, &ended, next, Some(sanction_id))?;
    }
    let erasing = matches!(action, Action::Delete | Action::DeleteEmail);
    if !article.without_notice() && !erasing {
        let message = notice::sanction(action, article);
        let notification_id = db::decisions::enqueue(
            c,
            &NewNotification {
                holder_id: holder.id,
                handbook_id: None,
                kind: action.code(),
                recipient: holder.email.as_deref(),
                subject: &message.subject,
                body: &message.body,
                next_attempt_at: now,
                created_at: now,
            },
        )?;
        db::sanctions::set_notification(c, sanction_id, notification_id)?;
    }
    Ok(erased)
}

/// An ID that has just ended (withdrawn, revoked, deleted): who ended it and when.
pub struct Ended<'a> {
    pub holder_id: i64,
    pub actor: Actor,
    pub at: PrimitiveDateTime,
    pub request_id: Option<&'a str>,
}

/// What an ID's end closes, in the transaction that ended it: its open registrations (nobody
/// reviews for an ID that can no longer be used) and the proposals the gate now refuses (a
/// deprivation of a withdrawn ID can never be approved), each with an audit event. `except`
/// is the proposal being approved right now.
pub fn id_ended(
    c: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    ended: &Ended<'_>,
    state: &HolderState,
    except: Option<i64>,
) -> Result<(), Fault> {
    // The retention clock of an ended ID starts here (`services::retention`).
    db::retention::ended(c, ended.holder_id, ended.at)?;
    crate::services::review::close_for_ended_id(c, keys, ended.holder_id, &ended.actor, ended.at, ended.request_id)?;
    crate::services::withdrawals::close_for_ended_id(c, ended, keys)?;
    for (id, action, article) in db::sanctions::pending_of(c, ended.holder_id)? {
        let moot = Some(id) != except && event(action, article).is_some_and(|e| state.apply(e).is_err());
        if moot && db::sanctions::close_moot(c, id, ended.at, "IDが終了したため、承認できなくなりました。")? > 0
        {
            audit::append(
                c,
                keys,
                ended.at,
                AuditEntry::new(ended.actor.clone(), "sanction.closed", "holder", ended.holder_id)
                    .details(json!({"sanction_id": id, "action": action.code(), "article": article.code()}))
                    .request_id(ended.request_id),
            )?;
        }
    }
    Ok(())
}

fn record(
    c: &mut DbConnection,
    acting: &Acting<'_>,
    action: &str,
    holder_id: i64,
    sanction_id: i64,
    sanction: Action,
    article: Article,
) -> Result<(), Fault> {
    audit::append(
        c,
        acting.audit,
        to_db(acting.now),
        AuditEntry::new(Actor::Staff(acting.staff_id), action, "holder", holder_id)
            .details(json!({
                "sanction_id": sanction_id,
                "action": sanction.code(),
                "article": article.code(),
                "without_notice": article.without_notice(),
            }))
            .request_id(acting.request_id),
    )?;
    Ok(())
}

pub use crate::db::sanctions::SanctionLine;

/// Proposals waiting for a second supervisor, oldest first.
pub fn waiting(conn: &mut DbConnection, limit: i64) -> Result<Vec<SanctionLine>, Fault> {
    Ok(db::sanctions::waiting(conn, None, limit)?)
}
