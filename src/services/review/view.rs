//! Everything the review screen shows, loaded in a fixed number of queries.

use super::transcribe::input_of;
use super::{ReviewFailure, claim_state};
use crate::db::audit::AuditEventRow;
use crate::db::decisions::DecisionLine;
use crate::db::fields::{Lookalike, Revision};
use crate::db::handbooks::{ImageRow, OtherRegistration};
use crate::db::holders::HolderRow;
use crate::db::{self, DbConnection};
use crate::domain::reconcile::Provided;
use crate::domain::review::ClaimState;
use crate::domain::transcription::TranscriptionInput;
use crate::services::acting::Acting;
use crate::services::myna::check::{self, Check};
use crate::services::photos::{self, Basis};

pub use crate::db::fields::FieldsRow;
pub use crate::db::handbooks::HandbookRow;

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

/// Where the OCR job of a registration's photos stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OcrJob {
    Reading,
    Done,
    Failed,
    /// The registration was decided before its photos were read.
    Skipped,
}

impl ReviewData {
    pub fn claim_state(&self) -> ClaimState {
        claim_state(&self.handbook)
    }

    /// `None`: the photos came before OCR existed.
    pub fn ocr_job(&self) -> Option<OcrJob> {
        match self.ocr_job.as_deref()? {
            db::ocr::PENDING => Some(OcrJob::Reading),
            db::ocr::DONE => Some(OcrJob::Done),
            db::ocr::FAILED => Some(OcrJob::Failed),
            _ => Some(OcrJob::Skipped),
        }
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

/// A possible duplicate shown beside the registration under review: its facts and photos.
pub struct Duplicate {
    pub handbook_id: i64,
    pub fields: Option<FieldsRow>,
    pub image_ids: Vec<i64>,
}

/// The review screen as one person opens it: what it shows, on what grounds its personal data
/// shows (`None`: none of it), the Myna Portal comparison and the duplicates that person may see.
pub struct Opened {
    pub data: ReviewData,
    pub basis: Option<Basis>,
    pub myna: Option<Check>,
    pub duplicates: Vec<Duplicate>,
}

/// Loads the registration, decides on what grounds this person sees its personal data, and
/// records each view it makes: the registration's own data, each duplicate's and the portal's
/// values, in the same call that reads them.
pub fn open(
    conn: &mut DbConnection,
    id: i64,
    provided: &Provided,
    acting: &Acting<'_>,
) -> Result<Opened, ReviewFailure> {
    let (staff_id, role, now) = (acting.staff_id, acting.role, acting.now);
    let data = load(conn, id)?;
    let basis = photos::basis(conn, staff_id, role, &data.handbook, now)?;
    let Some(grounds) = &basis else { return Ok(Opened { data, basis, myna: None, duplicates: Vec::new() }) };
    // A possible duplicate's facts and photos show beside this one once the viewer has a basis
    // for it (a stated 「重複の確認」), each view audited like any other.
    let mut others: Vec<i64> = data.same_number.iter().chain(data.same_person.iter()).map(|l| l.handbook_id).collect();
    others.sort_unstable();
    others.dedup();
    let mut duplicates = Vec::new();
    for other in others {
        let Some(row) = db::handbooks::find(conn, other)? else { continue };
        if let Some(other_basis) = photos::basis(conn, staff_id, role, &row, now)? {
            photos::record_data_view(conn, acting.audit, staff_id, other, &other_basis, now, acting.request_id)?;
            let fields = db::fields::find(conn, other)?;
            let image_ids = db::handbooks::images_of(conn, other)?.into_iter().map(|i| i.id).collect();
            duplicates.push(Duplicate { handbook_id: other, fields, image_ids });
        }
    }
    photos::record_data_view(conn, acting.audit, staff_id, id, grounds, now, acting.request_id)?;
    // The portal's values are shown on the same grounds as the photos, each view audited like them.
    let myna = check::view(conn, id, provided, acting)?;
    Ok(Opened { data, basis, myna, duplicates })
}
