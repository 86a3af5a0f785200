//! Everything the review screen shows, loaded in a fixed number of queries.

use super::transcribe::input_of;
use super::{ReviewFailure, claim_state};
use crate::db::audit::AuditEventRow;
use crate::db::decisions::DecisionLine;
use crate::db::fields::{FieldsRow, Lookalike, Revision};
use crate::db::handbooks::{HandbookRow, ImageRow, OtherRegistration};
use crate::db::holders::HolderRow;
use crate::db::{self, DbConnection};
use crate::domain::review::ClaimState;
use crate::domain::transcription::TranscriptionInput;

pub struct ReviewData {
    pub handbook: HandbookRow,
    pub holder: HolderRow,
    pub claimer: Option<String>,
    pub fields: Option<FieldsRow>,
    pub input: Option<TranscriptionInput>,
    pub revisions: Vec<Revision>,
    pub decisions: Vec<DecisionLine>,
    pub images: Vec<ImageRow>,
    pub same_number: Vec<Lookalike>,
    pub same_person: Vec<Lookalike>,
    pub history: Vec<(AuditEventRow, Option<String>)>,
    pub other_registrations: Vec<OtherRegistration>,
    pub reviewers: Vec<(i64, String)>,
    /// Where the face photo was marked, if it was.
    pub face: Option<(i64, crate::domain::face::FaceBox)>,
    /// The hold for a supervisor, if any: when, by whom, why.
    pub hold: Option<crate::db::queue::Hold>,
    /// What OCR read on the photos, per field, and what became of it.
    pub suggestions: Vec<crate::db::ocr::SuggestionRow>,
    /// The OCR job's status (`None`: the photos came before OCR existed).
    pub ocr_job: Option<String>,
}

impl ReviewData {
    pub fn claim_state(&self) -> ClaimState {
        claim_state(&self.handbook)
    }
}

pub fn load(conn: &mut DbConnection, id: i64) -> Result<ReviewData, ReviewFailure> {
    let handbook = db::handbooks::find(conn, id)?.ok_or(ReviewFailure::NotFound)?;
    let holder = db::holders::find(conn, handbook.holder_id)?.ok_or(ReviewFailure::NotFound)?;
    let claimer = match handbook.claimed_by {
        Some(staff_id) => db::staff::find(conn, staff_id)?.map(|s| s.display_name),
        None => None,
    };
    let fields = db::fields::find(conn, id)?;
    let revisions = db::fields::revisions(conn, id)?;
    let input = revisions.last().map(input_of).transpose()?;
    let (same_number, same_person) = match &fields {
        Some(f) => (
            db::fields::same_number(conn, handbook.holder_id, &f.municipality_key, &f.number_key)?,
            db::fields::same_person(conn, handbook.holder_id, &f.name_key, f.birth_date)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let face = db::handbooks::face_of(conn, id)?.and_then(|f| {
        let b = crate::domain::face::FaceBox::from_code(f.face_box.as_deref()?)?;
        Some((f.image_id?, b))
    });
    Ok(ReviewData {
        suggestions: db::ocr::suggestions(conn, id)?,
        ocr_job: db::ocr::job_status(conn, id)?,
        hold: db::queue::hold_of(conn, id)?,
        face,
        claimer,
        revisions,
        input,
        history: db::audit::of_target(conn, "handbook", id, 50)?,
        other_registrations: db::handbooks::others_of_holder(conn, handbook.holder_id, id, 20)?,
        reviewers: db::staff::reviewers(conn, 200)?,
        decisions: db::decisions::of_handbook(conn, id)?,
        images: db::handbooks::images_of(conn, id)?,
        fields,
        same_number,
        same_person,
        handbook,
        holder,
    })
}
