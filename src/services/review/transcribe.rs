//! Saving a transcription, with optimistic locking: a save made from a stale form is refused
//! and both versions are handed back, so nobody's typing is lost or silently overwritten.

use serde_json::json;
use time::PrimitiveDateTime;

use super::{Acting, ReviewFailure, claim_state};
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::{to_db, today_jst};
use crate::db::fields::{FieldsRow, Revision};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::review::{self, LEASE};
use crate::domain::transcription::{Parsed, Transcription, TranscriptionInput};
use crate::domain::wareki::Precision;
use crate::error::Fault;

/// Someone saved since the form was loaded.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub theirs: TranscriptionInput,
    pub saved_by: String,
    pub saved_at: PrimitiveDateTime,
    pub current_version: i32,
}

pub enum SaveResult {
    Saved {
        version: i32,
    },
    Invalid(Parsed),
    Conflict(Conflict),
    /// The form's version is not the registration's, and no saved transcription explains
    /// it (a form from before a status change, or an edited page): reload and look again.
    Stale,
}

pub fn fields_row(handbook_id: i64, t: &Transcription, staff_id: i64, at: PrimitiveDateTime) -> FieldsRow {
    FieldsRow {
        handbook_id,
        name: t.name.clone(),
        name_kana: t.name_kana.clone(),
        birth_date: t.birth_date,
        disability_category: t.disability_category.clone(),
        grade: t.grade.clone(),
        fare_class: t.fare_class.map(|c| c.code().to_owned()),
        care: t.care,
        municipality: t.municipality.clone(),
        number: t.number.clone(),
        issued_on: t.issued_on,
        renewed_on: t.renewed_on,
        expires_on: t.expires_on,
        recert_on: t.recert_on.as_ref().map(|r| r.date),
        recert_month_only: t.recert_on.as_ref().is_some_and(|r| r.precision == Precision::Month),
        medical_number: t.medical_number.clone(),
        name_key: t.name_key(),
        kana_key: t.kana_key(),
        municipality_key: t.municipality_key(),
        number_key: t.number_key(),
        transcribed_by: staff_id,
        transcribed_at: at,
        handbook_name: t.handbook_name.clone(),
    }
}

/// A saved revision's form, as typed. A revision that does not read back is a fault.
pub fn input_of(revision: &Revision) -> Result<TranscriptionInput, Fault> {
    Fault::parse_json("transcriptions.fields", &revision.fields)
}

/// The latest saved form of a registration, if any.
pub fn latest_input(
    conn: &mut DbConnection,
    handbook_id: i64,
) -> Result<Option<(TranscriptionInput, Revision)>, Fault> {
    let revisions = db::fields::revisions(conn, handbook_id)?;
    match revisions.into_iter().last() {
        Some(revision) => Ok(Some((input_of(&revision)?, revision))),
        None => Ok(None),
    }
}

/// Judges each OCR suggestion against what was just saved: per field, whether the saved value
/// is the suggestion unchanged, a correction, or still open (the field left empty). Returns
/// that, for the audit event.
fn settle_suggestions(
    c: &mut DbConnection,
    id: i64,
    input: &TranscriptionInput,
    now: PrimitiveDateTime,
) -> Result<serde_json::Map<String, serde_json::Value>, ReviewFailure> {
    let mut settled = serde_json::Map::new();
    for row in db::ocr::suggestions(c, id)? {
        let result = crate::domain::ocr_fields::settle(&row.field, &row.value, input).map(|o| o.as_str());
        // Dated when it changes: saving again does not move a settled suggestion in the stats.
        if row.outcome.as_deref() != result {
            db::ocr::set_outcome(c, id, &row.field, result, now)?;
        }
        settled.insert(row.field, result.unwrap_or("open").into());
    }
    Ok(settled)
}

pub fn save(
    conn: &mut DbConnection,
    id: i64,
    acting: &Acting<'_>,
    form_version: i32,
    input: &TranscriptionInput,
) -> Result<SaveResult, ReviewFailure> {
    let parsed = Transcription::parse(input, today_jst(acting.now));
    let Some(transcription) = parsed.transcription.clone() else {
        return Ok(SaveResult::Invalid(parsed));
    };
    let now = to_db(acting.now);
    let fields_json = Fault::to_json("transcription form", input)?;
    let warned: Vec<&str> = parsed.warnings.iter().map(|w| w.field).collect();
    write_tx(conn, |c| {
        let row = db::handbooks::lock(c, id)?.ok_or(ReviewFailure::NotFound)?;
        review::may_work(&claim_state(&row), acting.staff_id, acting.role, acting.now)?;
        if row.version != form_version {
            let Some((theirs, revision)) = latest_input(c, id)? else { return Ok(SaveResult::Stale) };
            // The conflict page shows what another person saved: a read of the registration's
            // data like the review screen's, recorded the same way.
            audit::append(
                c,
                acting.audit,
                now,
                AuditEntry::new(Actor::Staff(acting.staff_id), "registration.viewed", "handbook", id)
                    .details(json!({"basis": "claim", "page": "conflict"}))
                    .request_id(acting.request_id),
            )?;
            return Ok(SaveResult::Conflict(Conflict {
                theirs,
                saved_by: revision.saved_by_name,
                saved_at: revision.saved_at,
                current_version: row.version,
            }));
        }
        let kind_changed = transcription.kind != row.kind;
        db::handbooks::change_kind(c, &row, transcription.kind)?;
        db::fields::save(c, &fields_row(id, &transcription, acting.staff_id, now))?;
        let version = row.version + 1;
        db::handbooks::transcribed(c, id, version, now, to_db(acting.now + LEASE))?;
        db::fields::add_revision(c, id, version, &fields_json, acting.staff_id, now)?;
        let suggestions = settle_suggestions(c, id, input, now)?;
        audit::append(
            c,
            acting.audit,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.transcribed", "handbook", id)
                .details(json!({
                    "version": version,
                    "kind_changed": kind_changed,
                    "warnings": warned,
                    "suggestions": suggestions,
                }))
                .request_id(acting.request_id),
        )?;
        Ok(SaveResult::Saved { version })
    })
}
