//! Saving a transcription, with optimistic locking: a save made from a stale form is refused
//! and both versions are handed back, so nobody's typing is lost or silently overwritten.

use diesel::prelude::*;
use serde_json::json;
use time::PrimitiveDateTime;

use super::{Acting, ReviewFailure, claim_state};
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::fields::FieldsRow;
use crate::db::schema::handbooks;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::review::{self, LEASE};
use crate::domain::transcription::{Parsed, Transcription, TranscriptionInput};
use crate::domain::wareki::Precision;
use crate::error::AppError;
use crate::web::format::JST;

/// Someone saved since the form was loaded.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub theirs: TranscriptionInput,
    pub saved_by: String,
    pub saved_at: PrimitiveDateTime,
    pub current_version: i32,
}

pub enum SaveResult {
    Saved { version: i32 },
    Invalid(Parsed),
    Conflict(Conflict),
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
    }
}

/// The latest saved form of a registration, if any.
pub fn latest_input(
    conn: &mut DbConnection,
    handbook_id: i64,
) -> QueryResult<Option<(TranscriptionInput, db::fields::Revision)>> {
    let revisions = db::fields::revisions(conn, handbook_id)?;
    Ok(revisions.into_iter().last().map(|r| (serde_json::from_str(&r.fields).unwrap_or_default(), r)))
}

pub fn save(
    conn: &mut DbConnection,
    id: i64,
    acting: &Acting<'_>,
    form_version: i32,
    input: &TranscriptionInput,
) -> Result<SaveResult, ReviewFailure> {
    let today = acting.now.to_offset(JST).date();
    let parsed = Transcription::parse(input, today);
    let Some(transcription) = parsed.transcription.clone() else {
        return Ok(SaveResult::Invalid(parsed));
    };
    let now = to_db(acting.now);
    let fields_json = serde_json::to_string(input).map_err(|e| AppError::Internal(e.into()))?;
    let warned: Vec<&str> = parsed.warnings.iter().map(|w| w.field).collect();
    write_tx(conn, |c| {
        diesel::update(handbooks::table.find(id)).set(handbooks::id.eq(handbooks::id)).execute(c)?;
        let row = db::handbooks::find(c, id)?.ok_or(AppError::NotFound)?;
        review::may_work(&claim_state(&row), acting.staff_id, acting.role, acting.now)?;
        if row.version != form_version {
            let (theirs, revision) =
                latest_input(c, id)?.ok_or(AppError::Conflict("version moved without a saved transcription"))?;
            return Ok(SaveResult::Conflict(Conflict {
                theirs,
                saved_by: revision.saved_by_name,
                saved_at: revision.saved_at,
                current_version: row.version,
            }));
        }
        let kind = transcription.kind.as_str();
        let kind_changed = kind != row.kind;
        if kind_changed {
            diesel::update(handbooks::table.find(id)).set(handbooks::kind.eq(kind)).execute(c)?;
            db::counts::moved(c, &row.kind, Some(&row.status), None)?;
            db::counts::moved(c, kind, None, Some(&row.status))?;
        }
        db::fields::save(c, &fields_row(id, &transcription, acting.staff_id, now))?;
        let version = row.version + 1;
        diesel::update(handbooks::table.find(id))
            .set((
                handbooks::version.eq(version),
                handbooks::updated_at.eq(now),
                handbooks::claim_expires_at.eq(to_db(acting.now + LEASE)),
            ))
            .execute(c)?;
        db::fields::add_revision(c, id, version, &fields_json, acting.staff_id, now)?;
        audit::append(
            c,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.transcribed", "handbook", id)
                .details(json!({
                    "version": version,
                    "kind_changed": kind_changed,
                    "warnings": warned,
                }))
                .request_id(acting.request_id),
        )?;
        Ok(SaveResult::Saved { version })
    })
}
