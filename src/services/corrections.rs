//! Correction of an approved record, as a service: a reviewer proposes new values with a
//! reason and the evidence (a new photo, stored with the registration's photos, or the Myna
//! values on record); a supervisor other than the proposer approves; the approval writes a new
//! transcription revision, which the card shows at once, and queues a notice listing each
//! change. Audited per field, never with values.

use serde_json::json;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::{to_db, today_jst};
use crate::db::corrections::NewCorrection;
use crate::db::decisions::NewNotification;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::correction::{self, CorrectionError, Evidence};
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::notice::{self, Correction};
use crate::domain::requests::RequestKind;
use crate::domain::sanctions::SanctionState;
use crate::domain::transcription::{FieldNote, Transcription, TranscriptionInput};
use crate::error::Fault;
use crate::images::{ImageStore, Processed};
use crate::services::acting::Acting;
use crate::services::review::transcribe::{fields_row, latest_input};

#[derive(Debug, thiserror::Error)]
pub enum CorrectionFailure {
    #[error(transparent)]
    Rule(#[from] CorrectionError),
    /// The proposed values do not parse: each problem beside its field.
    #[error("the proposed values do not parse")]
    Invalid(Vec<FieldNote>),
    #[error("no such registration or correction")]
    NotFound,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for CorrectionFailure {
    fn from(e: diesel::result::Error) -> Self {
        CorrectionFailure::Fault(e.into())
    }
}

impl From<crate::images::store::StoreError> for CorrectionFailure {
    fn from(e: crate::images::store::StoreError) -> Self {
        CorrectionFailure::Fault(e.into())
    }
}

/// What the proposal form starts from.
pub struct Draft {
    pub handbook_id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub kind: HandbookKind,
    pub status: ReviewStatus,
    pub version: i32,
    pub input: TranscriptionInput,
    pub has_myna: bool,
    /// A proposal already waiting for this registration.
    pub pending: Option<i64>,
}

pub fn draft(conn: &mut DbConnection, handbook_id: i64) -> Result<Option<Draft>, Fault> {
    let Some(row) = db::handbooks::find(conn, handbook_id)? else { return Ok(None) };
    let Some(public_id) = crate::services::holders::public_id_of(conn, row.holder_id)? else { return Ok(None) };
    let input = latest_input(conn, handbook_id)?.map(|(input, _)| input).unwrap_or_default();
    Ok(Some(Draft {
        handbook_id,
        holder_id: row.holder_id,
        public_id: public_id.as_str().to_owned(),
        kind: row.kind,
        status: row.status,
        version: row.version,
        input,
        has_myna: db::myna::latest_for_handbook(conn, handbook_id)?.is_some(),
        pending: db::corrections::pending_of(conn, handbook_id)?,
    }))
}

/// A proposal as the reviewer made it.
pub struct Proposal<'a> {
    pub handbook_id: i64,
    /// The registration's version the reviewer saw.
    pub version: i32,
    pub input: &'a TranscriptionInput,
    pub reason: &'a str,
    pub evidence: Evidence,
    pub photo: Option<&'a Processed>,
    /// The holder's correction request this answers.
    pub request_id: Option<i64>,
}

/// Records a proposal; nothing the holder or a counter sees changes yet.
pub fn propose(
    conn: &mut DbConnection,
    store: &ImageStore,
    p: &Proposal<'_>,
    acting: &Acting<'_>,
) -> Result<i64, CorrectionFailure> {
    if !correction::may_propose(acting.role) {
        return Err(CorrectionError::NotAllowedForRole.into());
    }
    let parsed = Transcription::parse(p.input, today_jst(acting.now));
    if parsed.transcription.is_none() {
        return Err(CorrectionFailure::Invalid(parsed.errors));
    }
    correction::check_reason(p.reason)?;
    let at = to_db(acting.now);
    let mut staged = crate::services::photos::Staged::new(store);
    let image = match (p.evidence, p.photo) {
        (Evidence::Photo, None) => return Err(CorrectionError::PhotoMissing.into()),
        (Evidence::Photo, Some(photo)) => Some(staged.put(photo, p.handbook_id, 0, at)?),
        (Evidence::Myna, _) => None,
    };
    let id = write_tx(conn, |c| {
        let holder_id = db::handbooks::holder_of(c, p.handbook_id)?.ok_or(CorrectionFailure::NotFound)?;
        let holder = db::holders::lock(c, holder_id)?.ok_or(CorrectionFailure::NotFound)?;
        let row = db::handbooks::lock(c, p.handbook_id)?.ok_or(CorrectionFailure::NotFound)?;
        if holder.deleted_at.is_some() {
            return Err(CorrectionError::Erased.into());
        }
        if !ReviewStatus::APPROVED.contains(&row.status) {
            return Err(CorrectionError::NotApproved.into());
        }
        if row.version != p.version {
            return Err(CorrectionError::Stale.into());
        }
        if db::corrections::pending_of(c, row.id)?.is_some() {
            return Err(CorrectionError::AlreadyProposed.into());
        }
        if p.evidence == Evidence::Myna && db::myna::latest_for_handbook(c, row.id)?.is_none() {
            return Err(CorrectionError::NoMynaValues.into());
        }
        if let Some(request) = p.request_id {
            let r = db::requests::find(c, request)?.ok_or(CorrectionFailure::NotFound)?;
            if r.holder_id != holder.id || r.kind != RequestKind::Correction || !r.state.is_open() {
                return Err(CorrectionFailure::NotFound);
            }
        }
        let current = latest_input(c, row.id)?.map(|(input, _)| input).unwrap_or_default();
        let mut proposed = p.input.clone();
        proposed.second_number.clear();
        let changed = correction::changes(&current, &proposed, today_jst(acting.now))?;
        let changes: Vec<Correction> = changed
            .iter()
            .map(|c| Correction { field: c.field.label().to_owned(), before: c.before.clone(), after: c.after.clone() })
            .collect();
        let evidence_image_id = match &image {
            Some(image) => Some(db::corrections::insert_evidence_image(c, image)?),
            None => None,
        };
        let id = db::corrections::insert(
            c,
            &NewCorrection {
                handbook_id: row.id,
                holder_id: holder.id,
                request_id: p.request_id,
                base_version: row.version,
                proposed: &Fault::to_json("correction form", &proposed)?,
                changes: &Fault::to_json("correction changes", &changes)?,
                reason: p.reason.trim(),
                evidence: p.evidence.code(),
                evidence_image_id,
                proposed_by: acting.staff_id,
                proposed_at: at,
            },
        )?;
        let fields: Vec<&str> = changed.iter().map(|c| c.field.name()).collect();
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "correction.proposed", "handbook", row.id)
                .details(
                    json!({"correction": id, "fields": fields, "evidence": p.evidence.code(), "request": p.request_id}),
                )
                .request_id(acting.request_id),
        )?;
        Ok(id)
    })?;
    staged.keep(true);
    Ok(id)
}

/// The second person's decision: exactly one outcome, never by the proposer. Approval changes
/// the record, the card and tells the holder each change.
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    approve: bool,
    note: &str,
    acting: &Acting<'_>,
) -> Result<SanctionState, CorrectionFailure> {
    let at = to_db(acting.now);
    write_tx(conn, |c| {
        // Lock order: holder, then registration; the proposal is read under the lock (its holder
        // and registration never change).
        let (holder_id, handbook_id) = db::corrections::owner_of(c, id)?.ok_or(CorrectionFailure::NotFound)?;
        let holder = db::holders::lock(c, holder_id)?.ok_or(CorrectionFailure::NotFound)?;
        let row = db::handbooks::lock(c, handbook_id)?.ok_or(CorrectionFailure::NotFound)?;
        let proposal = db::corrections::find(c, id)?.ok_or(CorrectionFailure::NotFound)?;
        correction::may_decide(acting.role, proposal.proposed_by, acting.staff_id)?;
        if crate::services::accounts::appointed_by_proposer(c, proposal.proposed_by, acting.staff_id)? {
            return Err(CorrectionError::OwnProposal.into());
        }
        if proposal.state != SanctionState::Proposed {
            return Err(CorrectionError::AlreadyDecided.into());
        }
        let changes: Vec<Correction> = Fault::parse_json("record_corrections.changes", &proposal.changes)?;
        let fields: Vec<&str> = changes.iter().map(|ch| ch.field.as_str()).collect();
        if !approve {
            db::corrections::decided(c, id, SanctionState::Rejected, acting.staff_id, at, note.trim())?;
            audit::append(
                c,
                acting.audit,
                at,
                AuditEntry::new(Actor::Staff(acting.staff_id), "correction.rejected", "handbook", row.id)
                    .details(json!({"correction": id}))
                    .request_id(acting.request_id),
            )?;
            return Ok(SanctionState::Rejected);
        }
        if holder.deleted_at.is_some() {
            return Err(CorrectionError::Erased.into());
        }
        if row.version != proposal.base_version || !ReviewStatus::APPROVED.contains(&row.status) {
            return Err(CorrectionError::Stale.into());
        }
        let input: TranscriptionInput = Fault::parse_json("record_corrections.proposed", &proposal.proposed)?;
        let Some(transcription) = Transcription::parse(&input, today_jst(acting.now)).transcription else {
            return Err(CorrectionError::Stale.into());
        };
        let version = row.version + 1;
        db::fields::save(c, &fields_row(row.id, &transcription, proposal.proposed_by, at))?;
        db::fields::add_revision(c, row.id, version, &proposal.proposed, proposal.proposed_by, at)?;
        db::handbooks::bump_version(c, row.id, version, at)?;
        db::corrections::decided(c, id, SanctionState::Applied, acting.staff_id, at, note.trim())?;
        let message = notice::record_corrected(row.kind, &changes);
        db::decisions::enqueue(
            c,
            &NewNotification {
                holder_id: holder.id,
                handbook_id: Some(row.id),
                kind: "record_corrected",
                recipient: holder.email.as_deref(),
                subject: &message.subject,
                body: &message.body,
                next_attempt_at: at,
                created_at: at,
            },
        )?;
        // Field labels, never values: the values stay in the revision history.
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "correction.approved", "handbook", row.id)
                .details(json!({"correction": id, "fields": fields, "version": version}))
                .request_id(acting.request_id),
        )?;
        Ok(SanctionState::Applied)
    })
}

/// One waiting proposal, with its changes side by side.
pub struct Waiting {
    pub id: i64,
    pub handbook_id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub kind: HandbookKind,
    pub changes: Vec<Correction>,
    pub reason: String,
    pub evidence: Option<Evidence>,
    pub evidence_image_id: Option<i64>,
    pub proposed_by: i64,
    pub proposed_by_name: String,
    pub proposed_at: time::PrimitiveDateTime,
    pub request_id: Option<i64>,
}

pub fn waiting(conn: &mut DbConnection, limit: i64) -> Result<Vec<Waiting>, Fault> {
    db::corrections::waiting(conn, limit)?
        .into_iter()
        .map(|l| {
            Ok(Waiting {
                id: l.row.id,
                handbook_id: l.row.handbook_id,
                holder_id: l.row.holder_id,
                public_id: l.public_id,
                kind: l.kind,
                changes: Fault::parse_json("record_corrections.changes", &l.row.changes)?,
                reason: l.row.reason,
                evidence: Evidence::parse(&l.row.evidence),
                evidence_image_id: l.row.evidence_image_id,
                proposed_by: l.row.proposed_by,
                proposed_by_name: l.proposed_by_name,
                proposed_at: l.row.proposed_at,
                request_id: l.row.request_id,
            })
        })
        .collect()
}

/// Has a correction answering this holder request been approved? (A correction request is
/// answered through the correction flow.)
pub fn approved_for_request(conn: &mut DbConnection, request_id: i64) -> Result<bool, Fault> {
    Ok(db::corrections::approved_for_request(conn, request_id)?)
}
