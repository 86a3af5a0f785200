//! Holders, as a service: searching them (each search audited with the query as a keyed hash,
//! never in clear) and their profile (each view audited). What each role sees of a holder is
//! decided here, in one place.

use serde_json::json;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
pub use crate::db::handbooks::HolderHandbook;
pub use crate::db::holders::{HolderHit, HolderRow};
pub use crate::db::notifications::NoticeLine;
pub use crate::db::sanctions::SanctionLine;
pub use crate::db::sanctions::SuspensionRow;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::search::Search;
use crate::error::Fault;
use crate::services::acting::Acting;

pub const SEARCH_LIMIT: i64 = 50;

/// The query's fingerprint for the audit trail: equal queries can be counted and matched by
/// someone who holds the audit key, and the trail itself shows no name or number. It uses the
/// audit key (named by its id beside it), not a key kept for something else.
pub fn query_fingerprint(keys: &crate::audit::AuditKeys, query: &str) -> String {
    keys.seal(&[b"holder.search", query.as_bytes()])
}

fn search_kind(search: &Search) -> &'static str {
    match search {
        Search::None => "none",
        Search::PublicId(_) => "public_id",
        Search::Email(_) => "email",
        Search::Number { .. } => "number",
        Search::KanaPrefix(_) => "kana",
        Search::NamePrefix(_) => "name",
    }
}

/// Finds holders and records the search.
pub fn search(conn: &mut DbConnection, query: &str, acting: &Acting<'_>) -> Result<Vec<HolderHit>, Fault> {
    let search = match Search::classify(query) {
        // The support center finds a caller by what the caller gives: the public ID or the
        // address. A search by handbook number or name would tell who holds which handbook.
        Search::Number { .. } | Search::KanaPrefix(_) | Search::NamePrefix(_)
            if !acting.role.sees_handbook_numbers() && acting.role != crate::domain::staff::Role::Auditor =>
        {
            Search::None
        }
        other => other,
    };
    let hits = db::holders::search(conn, &search, SEARCH_LIMIT)?;
    record_search(conn, "holder.searched", &search, query, hits.len(), acting)?;
    Ok(hits)
}

/// Audits a search (`holder.searched`, `queue.searched`): what it searched by and the query
/// as a keyed hash. A name or a handbook number looked up is a disclosure the trail must show,
/// without the trail itself holding the name or number.
pub fn record_search(
    conn: &mut DbConnection,
    action: &'static str,
    search: &Search,
    query: &str,
    results: usize,
    acting: &Acting<'_>,
) -> Result<(), Fault> {
    if *search == Search::None {
        return Ok(());
    }
    let fingerprint = query_fingerprint(acting.audit, query.trim());
    audit::append_read(
        conn,
        acting.audit,
        to_db(acting.now),
        AuditEntry::new(Actor::Staff(acting.staff_id), action, "holder", "-")
            .details(json!({
                "by": search_kind(search),
                "query_hmac": fingerprint,
                "key_id": acting.audit.current_id(),
                "results": results,
            }))
            .request_id(acting.request_id),
    )?;
    Ok(())
}

/// Everything the profile shows, already cut to what the viewer's role may see.
pub struct Profile {
    pub holder: HolderRow,
    pub suspensions: Vec<SuspensionRow>,
    pub handbooks: Vec<HolderHandbook>,
    pub sanctions: Vec<SanctionLine>,
    pub notices: Vec<NoticeLine>,
    /// The latest consent to the terms and to the privacy policy: version and when.
    pub terms: Option<(String, time::PrimitiveDateTime)>,
    pub privacy: Option<(String, time::PrimitiveDateTime)>,
    /// Disclosures to third parties: to whom, basis, what, when.
    pub disclosures: Vec<(String, String, String, time::PrimitiveDateTime)>,
    /// What happened to the holder's ID, newest first, from the audit trail.
    pub timeline: Vec<(crate::db::audit::AuditEventRow, Option<String>)>,
    pub reports: Vec<crate::db::lost_device::ReportRow>,
    /// The newest Myna Portal requests made on the holder's consents.
    pub myna_requests: Vec<crate::db::myna_requests::RequestRow>,
    /// The holder's own requests (開示・訂正・利用停止・消去), newest first.
    pub requests: Vec<crate::db::requests::RequestRow>,
    /// A litigation hold in force.
    pub hold: Option<crate::db::retention::Hold>,
    /// The support center's contacts, newest first (no notes: those open one by one).
    pub contacts: Vec<crate::db::contacts::ContactLine>,
    /// An e-mail change through the support center waiting for a supervisor.
    pub email_change: Option<crate::db::contacts::EmailChange>,
}

/// The profile of one holder, or `None` for an unknown id; the view is audited.
pub fn profile(conn: &mut DbConnection, holder_id: i64, acting: &Acting<'_>) -> Result<Option<Profile>, Fault> {
    let Some(holder) = db::holders::find(conn, holder_id)? else { return Ok(None) };
    let mut handbooks = db::handbooks::of_holder(conn, holder_id, 50)?;
    if !acting.role.sees_handbook_numbers() {
        for h in &mut handbooks {
            h.number = None;
        }
    }
    let mut suspensions = db::sanctions::suspensions_of(conn, holder_id)?;
    let mut sanctions = db::sanctions::of_holder(conn, holder_id, 50)?;
    // Staff's free-text reasons may quote what the handbook says: not for the support center.
    if acting.role == crate::domain::staff::Role::Support {
        for s in &mut sanctions {
            s.note = "—".into();
        }
        for s in &mut suspensions {
            s.lift_reason = s.lift_reason.as_ref().map(|_| "—".into());
        }
    }
    let profile = Profile {
        myna_requests: db::myna_requests::of_holder(conn, holder_id, 10)?,
        suspensions,
        sanctions,
        notices: db::notifications::of_holder(conn, holder_id, 50)?,
        terms: db::consents::latest(conn, holder_id, crate::domain::terms::Document::Terms)?,
        privacy: db::consents::latest(conn, holder_id, crate::domain::terms::Document::Privacy)?,
        disclosures: db::sanctions::disclosures_of(conn, holder_id)?,
        // What changed; reads are in the audit trail, not the timeline.
        timeline: db::audit::changes_of(conn, "holder", holder_id, crate::audit::catalogue::READS, 50)?,
        reports: db::lost_device::of_holder(conn, holder_id, 20)?,
        requests: db::requests::of_holder(conn, holder_id)?,
        hold: db::retention::holds_in_force(conn, Some(holder_id), 1)?.into_iter().next(),
        contacts: db::contacts::lines(conn, Some(holder_id), None, None, 20)?,
        email_change: db::contacts::pending_email_change(conn, holder_id)?,
        handbooks,
        holder,
    };
    audit::append_read(
        conn,
        acting.audit,
        to_db(acting.now),
        AuditEntry::new(Actor::Staff(acting.staff_id), "holder.viewed", "holder", holder_id)
            .details(json!({"numbers_shown": acting.role.sees_handbook_numbers()}))
            .request_id(acting.request_id),
    )?;
    Ok(Some(profile))
}

/// Why a withdrawal did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WithdrawFailure {
    #[error("no such holder")]
    NotFound,
    #[error(transparent)]
    Gate(#[from] crate::domain::holder_state::GateRefusal),
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for WithdrawFailure {
    fn from(e: diesel::result::Error) -> Self {
        WithdrawFailure::Fault(e.into())
    }
}

/// The holder's public ID by row id (the profile's links and forms carry the row id), or
/// `None` when there is no such holder.
pub fn public_id_of(conn: &mut DbConnection, id: i64) -> Result<Option<crate::domain::holder::PublicId>, Fault> {
    let Some(holder) = db::holders::find(conn, id)? else { return Ok(None) };
    crate::domain::holder::PublicId::parse(&holder.public_id).map(Some).map_err(|_| Fault::Corrupt("holders.public_id"))
}

/// The holder withdraws (退会): through the gate, so a deprived ID stays deprived; the card
/// stops at once and the retention clock starts. A repeated call for an ID already withdrawn
/// returns it as it is (the app's backend may retry).
pub fn withdraw(
    conn: &mut DbConnection,
    public_id: &crate::domain::holder::PublicId,
    reason: crate::domain::holder_state::WithdrawalReason,
    actor: Actor,
    now: time::OffsetDateTime,
    request_id: Option<&str>,
    keys: &crate::audit::AuditKeys,
) -> Result<HolderRow, WithdrawFailure> {
    let at = to_db(now);
    write_tx(conn, |c| {
        let id = db::holders::find_by_public_id(c, public_id.as_str())?.ok_or(WithdrawFailure::NotFound)?.id;
        withdraw_in(c, id, reason, &actor, at, request_id, keys)
    })
}

/// `withdraw` inside the caller's write transaction, by row id (a second supervisor's approval
/// of a staff proposal ends the ID in the transaction that records the decision).
pub fn withdraw_in(
    c: &mut DbConnection,
    id: i64,
    reason: crate::domain::holder_state::WithdrawalReason,
    actor: &Actor,
    at: time::PrimitiveDateTime,
    request_id: Option<&str>,
    keys: &crate::audit::AuditKeys,
) -> Result<HolderRow, WithdrawFailure> {
    use crate::domain::holder::HolderStatus;
    use crate::domain::holder_state::Event;
    let holder = db::holders::lock(c, id)?.ok_or(WithdrawFailure::NotFound)?;
    if holder.status == HolderStatus::Withdrawn {
        return Ok(holder);
    }
    let next = db::sanctions::holder_state(c, &holder)?.apply(Event::Withdraw)?;
    db::holders::withdrawn(c, id, reason, at)?;
    let ended = crate::services::sanctions::Ended { holder_id: id, actor: actor.clone(), at, request_id };
    crate::services::sanctions::id_ended(c, keys, &ended, &next, None)?;
    crate::services::myna::purge::purge_holder(
        c,
        keys,
        actor,
        id,
        crate::services::myna::purge::Reason::Withdrawn,
        at,
    )?;
    audit::append(
        c,
        keys,
        at,
        AuditEntry::new(actor.clone(), "holder.withdrawn", "holder", id)
            .details(json!({"reason": reason.code()}))
            .request_id(request_id),
    )?;
    db::holders::find(c, id)?.ok_or(WithdrawFailure::NotFound)
}

/// Records a disclosure made on legal grounds or with the holder's consent, outside any
/// sanction (a coupon violation's disclosure is a sanction of its own). Supervisors only; the
/// record and its audit event are written together. An erased holder has nothing left to
/// disclose, but the record of a disclosure made before is still kept.
pub fn disclose(
    conn: &mut DbConnection,
    holder_id: i64,
    disclosure: &crate::domain::disclosure::Disclosure,
    acting: &Acting<'_>,
) -> Result<i64, HolderFailure> {
    if acting.role != crate::domain::staff::Role::Supervisor {
        return Err(HolderFailure::NotAllowed);
    }
    let at = to_db(acting.now);
    let basis = disclosure.basis();
    write_tx(conn, |c| {
        db::holders::lock(c, holder_id)?.ok_or(HolderFailure::NotFound)?;
        let id = db::sanctions::record_disclosure(
            c,
            &db::sanctions::NewDisclosure {
                holder_id,
                sanction_id: None,
                recipient: &disclosure.recipient,
                basis: &basis,
                disclosed: &disclosure.disclosed,
                disclosed_by: acting.staff_id,
                disclosed_at: at,
            },
        )?;
        // The trail says that and why; what was disclosed stays in the disclosure record.
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "holder.disclosed", "holder", holder_id)
                .details(json!({"disclosure_id": id, "grounds": disclosure.grounds.code()}))
                .request_id(acting.request_id),
        )?;
        Ok(id)
    })
}

/// Records that one of the holder's handbooks was returned to the municipality (art.
/// 3(1)(v)), as the holder or the municipality reported; the returned-handbooks work list
/// picks it up until the ID is withdrawn. Returns whether it was news (a second report of the
/// same return keeps the first time).
pub fn report_returned(
    conn: &mut DbConnection,
    holder_id: i64,
    handbook_id: i64,
    acting: &Acting<'_>,
) -> Result<bool, HolderFailure> {
    if acting.role != crate::domain::staff::Role::Supervisor {
        return Err(HolderFailure::NotAllowed);
    }
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        db::holders::lock(c, holder_id)?.ok_or(HolderFailure::NotFound)?;
        let handbook = db::handbooks::find(c, handbook_id)?.filter(|h| h.holder_id == holder_id);
        handbook.ok_or(HolderFailure::NotFound)?;
        let news = db::handbooks::mark_returned(c, handbook_id, db::handbooks::ReturnSource::Report, at)?;
        if news {
            audit::append(
                c,
                acting.audit,
                at,
                AuditEntry::new(Actor::Staff(acting.staff_id), "handbook.returned_reported", "handbook", handbook_id)
                    .details(json!({"holder_id": holder_id}))
                    .request_id(acting.request_id),
            )?;
        }
        Ok(news)
    })
}

/// Why a supervisor's record on a holder (a disclosure, a returned handbook) was not made.
#[derive(Debug, thiserror::Error)]
pub enum HolderFailure {
    #[error("only a supervisor records this")]
    NotAllowed,
    #[error("no such holder")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for HolderFailure {
    fn from(e: diesel::result::Error) -> Self {
        HolderFailure::Fault(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let keys = |b: u8| crate::audit::AuditKeys::new(&crate::secrets::Secret::new([b; 32]), &[]);
        let a = query_fingerprint(&keys(1), "高橋");
        assert_eq!(a, query_fingerprint(&keys(1), "高橋"));
        assert_ne!(a, query_fingerprint(&keys(2), "高橋"), "another key, another fingerprint");
        assert!(!a.contains("高橋"));
        assert_eq!(a.len(), 64);
    }
}
