//! Staff check a registration against the portal's values (art. 2(2)): the comparison, each
//! view of the values audited as photo views are, and the outcome: 連携済 when everything
//! matches (after named normalisations at most), or back to 未連携 for a mismatch, which the
//! reviewer then returns or, for suspected fraud, rejects through the review decision.

use serde_json::json;
use time::PrimitiveDateTime;

use crate::acting::Acting;
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::fields::FieldsRow;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::reconcile::{self, Line, Provided, Registered};
use crate::error::Fault;

/// What the review screen shows of the portal for one registration.
pub struct Check {
    pub kind: crate::domain::handbook::HandbookKind,
    pub lines: Vec<Line>,
    pub received_at: PrimitiveDateTime,
    pub valid_until: PrimitiveDateTime,
    pub link: String,
    pub verified_at: Option<PrimitiveDateTime>,
}

impl Check {
    pub fn needs_attention(&self) -> bool {
        self.lines.iter().any(|l| l.verdict.needs_attention())
    }
}

fn registered(fields: &FieldsRow) -> Registered {
    Registered {
        disability_category: fields.disability_category.clone(),
        grade: fields.grade.clone(),
        municipality: fields.municipality.clone(),
        number: fields.number.clone(),
        issued_on: Some(fields.issued_on),
        renewed_on: fields.renewed_on,
        expires_on: fields.expires_on,
    }
}

/// The comparison for a registration, if the portal sent values for it; the view is audited.
pub fn view(conn: &mut DbConnection, handbook_id: i64, acting: &Acting<'_>) -> Result<Option<Check>, Fault> {
    let Some((portal, received_at, valid_until)) = db::myna::latest_for_handbook(conn, handbook_id)? else {
        return Ok(None);
    };
    let Some(row) = db::handbooks::find(conn, handbook_id)? else { return Ok(None) };
    let Some(fields) = db::fields::find(conn, handbook_id)? else { return Ok(None) };
    let (link, verified_at) = db::myna::link_of(conn, handbook_id)?.unwrap_or(("unlinked".into(), None));
    let lines = reconcile::reconcile(row.kind, &Provided::default(), &registered(&fields), &portal);
    write_tx(conn, |c| {
        audit::append(
            c,
            acting.audit,
            to_db(acting.now),
            AuditEntry::new(Actor::Staff(acting.staff_id), "myna.viewed", "handbook", handbook_id)
                .request_id(acting.request_id),
        )
    })?;
    Ok(Some(Check { kind: row.kind, lines, received_at, valid_until, link, verified_at }))
}

/// Why a check was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum CheckFailure {
    #[error("マイナポータルの情報がありません（同意の期間が終わって消去されたか、まだ届いていません）。")]
    NoValues,
    #[error("一致しない項目があります。不一致として記録し、差し戻すか却下してください。")]
    Differences,
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for CheckFailure {
    fn from(e: diesel::result::Error) -> Self {
        CheckFailure::Fault(e.into())
    }
}

/// Records the outcome: `verified` (every field matches) makes the handbook 連携済 with today's
/// verification; otherwise it goes back to 未連携.
pub fn decide(
    conn: &mut DbConnection,
    handbook_id: i64,
    verified: bool,
    acting: &Acting<'_>,
) -> Result<(), CheckFailure> {
    let at = to_db(acting.now);
    let (portal, _, _) = db::myna::latest_for_handbook(conn, handbook_id)?.ok_or(CheckFailure::NoValues)?;
    let row = db::handbooks::find(conn, handbook_id)?.ok_or(CheckFailure::NoValues)?;
    let fields = db::fields::find(conn, handbook_id)?.ok_or(CheckFailure::NoValues)?;
    let lines = reconcile::reconcile(row.kind, &Provided::default(), &registered(&fields), &portal);
    if verified && lines.iter().any(|l| l.verdict.needs_attention()) {
        return Err(CheckFailure::Differences);
    }
    let verdicts: serde_json::Map<String, serde_json::Value> =
        lines.iter().map(|l| (l.field.code().to_owned(), json!(l.verdict.code()))).collect();
    write_tx(conn, |c| {
        db::holders::lock(c, row.holder_id)?;
        if verified {
            db::myna::set_link(c, handbook_id, "linked", Some(at))?;
        } else {
            db::myna::set_link(c, handbook_id, "unlinked", None)?;
        }
        // The minimal record: which fields were verified and their verdicts, never the values.
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(
                Actor::Staff(acting.staff_id),
                if verified { "myna.verified" } else { "myna.mismatch" },
                "handbook",
                handbook_id,
            )
            .details(json!({"verdicts": verdicts}))
            .request_id(acting.request_id),
        )?;
        Ok(())
    })
}

/// A handbook waiting for its check, as the supervisors' work list shows it.
pub struct Waiting {
    pub handbook_id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub kind: crate::domain::handbook::HandbookKind,
    /// A field differs or is missing on one side.
    pub differs: bool,
    /// A later renewal or another number: a reissue not re-registered (art. 3(1)(iii)).
    pub reissue: bool,
}

/// Handbooks waiting for their check (申請中) after `after`, by id, compared in memory: the
/// page costs three queries whatever its size.
pub fn waiting(conn: &mut DbConnection, after: i64, limit: i64) -> Result<Vec<Waiting>, Fault> {
    Ok(db::myna::pending_checks(conn, after, limit)?
        .into_iter()
        .map(|p| {
            let lines = match &p.fields {
                Some(fields) => reconcile::reconcile(p.kind, &Provided::default(), &registered(fields), &p.portal),
                None => Vec::new(),
            };
            Waiting {
                handbook_id: p.handbook_id,
                holder_id: p.holder_id,
                public_id: p.public_id,
                kind: p.kind,
                differs: p.fields.is_none() || lines.iter().any(|l| l.verdict.needs_attention()),
                reissue: !reconcile::hints(&lines).is_empty(),
            }
        })
        .collect())
}
