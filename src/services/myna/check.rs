//! Staff check a registration against the portal's values (art. 2(2)): the comparison, each
//! view of the values audited as photo views are, and the outcome: 連携済 when everything
//! matches (after named normalisations at most), or back to 未連携 for a mismatch, which the
//! reviewer then returns or, for suspected fraud, rejects through the review decision.

use serde_json::json;
use time::PrimitiveDateTime;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::clock::today_jst;
use crate::db::decisions::NewNotification;
use crate::db::fields::FieldsRow;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::notice::{self, Correction};
use crate::domain::reconcile::{self, Field, Line, Provided, Registered};
use crate::domain::transcription::{Transcription, TranscriptionInput};
use crate::error::Fault;
use crate::services::acting::Acting;
use crate::services::review::transcribe::{fields_row, latest_input};

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
pub fn view(
    conn: &mut DbConnection,
    handbook_id: i64,
    provided: &Provided,
    acting: &Acting<'_>,
) -> Result<Option<Check>, Fault> {
    let Some((portal, received_at, valid_until)) = db::myna::latest_for_handbook(conn, handbook_id)? else {
        return Ok(None);
    };
    let Some(row) = db::handbooks::find(conn, handbook_id)? else { return Ok(None) };
    let Some(fields) = db::fields::find(conn, handbook_id)? else { return Ok(None) };
    let (link, verified_at) = db::myna::link_of(conn, handbook_id)?.unwrap_or(("unlinked".into(), None));
    let lines = reconcile::reconcile(row.kind, provided, &registered(&fields), &portal);
    audit::append_read(
        conn,
        acting.audit,
        to_db(acting.now),
        AuditEntry::new(Actor::Staff(acting.staff_id), "myna.viewed", "handbook", handbook_id)
            .request_id(acting.request_id),
    )?;
    Ok(Some(Check { kind: row.kind, lines, received_at, valid_until, link, verified_at }))
}

/// Why a check was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum CheckFailure {
    #[error("マイナポータルの情報がありません（同意の期間が終わって消去されたか、まだ届いていません）。")]
    NoValues,
    #[error("一致しない項目があります。不一致として記録し、差し戻すか却下してください。")]
    Differences,
    #[error("訂正する項目を選んでください。")]
    NothingChosen,
    #[error("{0}はマイナポータルの値で訂正できません（一致しているか、マイナポータルに値がありません）。")]
    NotCorrectable(&'static str),
    #[error("ほかの操作で登録内容が更新されました。最新の内容を確認してからやり直してください。")]
    Stale,
    #[error("マイナポータルの値では登録内容になりません: {0}")]
    Invalid(String),
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
    provided: &Provided,
    acting: &Acting<'_>,
) -> Result<(), CheckFailure> {
    let at = to_db(acting.now);
    let (portal, _, _) = db::myna::latest_for_handbook(conn, handbook_id)?.ok_or(CheckFailure::NoValues)?;
    let row = db::handbooks::find(conn, handbook_id)?.ok_or(CheckFailure::NoValues)?;
    let fields = db::fields::find(conn, handbook_id)?.ok_or(CheckFailure::NoValues)?;
    let lines = reconcile::reconcile(row.kind, provided, &registered(&fields), &portal);
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
pub fn waiting(conn: &mut DbConnection, provided: &Provided, after: i64, limit: i64) -> Result<Vec<Waiting>, Fault> {
    Ok(db::myna::pending_checks(conn, after, limit)?
        .into_iter()
        .map(|p| {
            let lines = match &p.fields {
                Some(fields) => reconcile::reconcile(p.kind, provided, &registered(fields), &p.portal),
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

/// What a correction changed.
#[derive(Debug)]
pub struct Corrected {
    pub fields: Vec<Field>,
    /// Every compared field now matches: the handbook is 連携済.
    pub linked: bool,
}

/// Puts a portal value into the transcription form's field.
fn set_input(input: &mut TranscriptionInput, field: Field, value: &str) {
    let slot = match field {
        Field::DisabilityCategory => &mut input.disability_category,
        Field::Grade => &mut input.grade,
        Field::Municipality => &mut input.municipality,
        Field::Number => &mut input.number,
        Field::IssuedOn => &mut input.issued_on,
        Field::RenewedOn => &mut input.renewed_on,
        Field::ExpiresOn => &mut input.expires_on,
    };
    *slot = value.trim().to_owned();
}

/// Staff take the portal's values for `chosen` fields as a correction of the registration
/// (art. 2(2)–(3)): a new transcription revision, the holder notified of each change, the
/// handbook 連携済 if every field now matches. `version` is the registration's as the reviewer
/// saw it: a correction over someone else's newer save is refused.
pub fn correct(
    conn: &mut DbConnection,
    handbook_id: i64,
    version: i32,
    chosen: &[Field],
    provided: &Provided,
    acting: &Acting<'_>,
) -> Result<Corrected, CheckFailure> {
    if chosen.is_empty() {
        return Err(CheckFailure::NothingChosen);
    }
    let at = to_db(acting.now);
    let row = db::handbooks::find(conn, handbook_id)?.ok_or(CheckFailure::NoValues)?;
    write_tx(conn, |c| {
        let holder = db::holders::lock(c, row.holder_id)?.ok_or(CheckFailure::NoValues)?;
        let row = db::handbooks::lock(c, handbook_id)?.ok_or(CheckFailure::NoValues)?;
        if row.version != version {
            return Err(CheckFailure::Stale);
        }
        let (portal, _, _) = db::myna::latest_for_handbook(c, handbook_id)?.ok_or(CheckFailure::NoValues)?;
        let fields = db::fields::find(c, handbook_id)?.ok_or(CheckFailure::NoValues)?;
        let lines = reconcile::reconcile(row.kind, provided, &registered(&fields), &portal);
        let (mut input, _) = latest_input(c, handbook_id)?.ok_or(CheckFailure::NoValues)?;
        let mut corrections = Vec::new();
        for field in chosen {
            let line = lines.iter().find(|l| l.field == *field).filter(|l| l.correctable());
            let line = line.ok_or(CheckFailure::NotCorrectable(field.label()))?;
            set_input(&mut input, *field, &line.portal);
            corrections.push(Correction {
                field: field.label().to_owned(),
                before: if line.registered.is_empty() { "（なし）".into() } else { line.registered.clone() },
                after: line.portal.clone(),
            });
        }
        let parsed = Transcription::parse(&input, today_jst(acting.now));
        let Some(transcription) = parsed.transcription else {
            let first = parsed.errors.first().map(|e| e.message.clone()).unwrap_or_default();
            return Err(CheckFailure::Invalid(first));
        };
        let new_version = row.version + 1;
        db::fields::save(c, &fields_row(handbook_id, &transcription, acting.staff_id, at))?;
        db::fields::add_revision(
            c,
            handbook_id,
            new_version,
            &Fault::to_json("transcription form", &input)?,
            acting.staff_id,
            at,
        )?;
        db::handbooks::bump_version(c, handbook_id, new_version, at)?;
        let now_fields = db::fields::find(c, handbook_id)?.ok_or(CheckFailure::NoValues)?;
        let after = reconcile::reconcile(row.kind, provided, &registered(&now_fields), &portal);
        let linked = !after.iter().any(|l| l.verdict.needs_attention());
        if linked {
            db::myna::set_link(c, handbook_id, "linked", Some(at))?;
        }
        let notice = notice::myna_corrected(row.kind, &corrections);
        db::decisions::enqueue(
            c,
            &NewNotification {
                holder_id: holder.id,
                handbook_id: Some(handbook_id),
                kind: "myna_corrected",
                recipient: holder.email.as_deref(),
                subject: &notice.subject,
                body: &notice.body,
                next_attempt_at: at,
                created_at: at,
            },
        )?;
        // The fields that changed and the outcome; the values stay in the revision history.
        let codes: Vec<&str> = chosen.iter().map(|f| f.code()).collect();
        audit::append(
            c,
            acting.audit,
            at,
            AuditEntry::new(Actor::Staff(acting.staff_id), "myna.corrected", "handbook", handbook_id)
                .details(json!({"fields": codes, "version": new_version, "linked": linked}))
                .request_id(acting.request_id),
        )?;
        Ok(Corrected { fields: chosen.to_vec(), linked })
    })
}
