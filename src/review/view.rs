//! Everything the review screen shows, loaded in a fixed number of queries.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::transcribe::latest_input;
use crate::audit::AuditEventRow;
use crate::db::decisions::DecisionLine;
use crate::db::fields::{FieldsRow, Lookalike, Revision};
use crate::db::handbooks::{HandbookRow, ImageRow};
use crate::db::holders::HolderRow;
use crate::db::schema::{audit_events, handbooks, staff};
use crate::db::{self, DbConnection};
use crate::domain::transcription::TranscriptionInput;
use crate::error::AppError;

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
    pub other_registrations: Vec<(i64, String, String, PrimitiveDateTime)>,
    pub reviewers: Vec<(i64, String)>,
}

pub fn load(conn: &mut DbConnection, id: i64) -> Result<ReviewData, AppError> {
    let handbook = db::handbooks::find(conn, id)?.ok_or(AppError::NotFound)?;
    let holder = db::holders::find(conn, handbook.holder_id)?.ok_or(AppError::NotFound)?;
    let claimer = match handbook.claimed_by {
        Some(staff_id) => db::staff::find(conn, staff_id)?.map(|s| s.display_name),
        None => None,
    };
    let fields = db::fields::find(conn, id)?;
    let revisions = db::fields::revisions(conn, id)?;
    let input = latest_input(conn, id)?.map(|(input, _)| input);
    let (same_number, same_person) = match &fields {
        Some(f) => (
            db::fields::same_number(conn, handbook.holder_id, &f.municipality_key, &f.number_key)?,
            db::fields::same_person(conn, handbook.holder_id, &f.name_key, f.birth_date)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let history = audit_events::table
        .left_join(staff::table.on(staff::id.nullable().eq(audit_events::actor_staff_id)))
        .filter(audit_events::target_type.eq("handbook"))
        .filter(audit_events::target_id.eq(id.to_string()))
        .order(audit_events::seq.desc())
        .limit(50)
        .select((AuditEventRow::as_select(), staff::display_name.nullable()))
        .load(conn)?;
    let other_registrations = handbooks::table
        .filter(handbooks::holder_id.eq(handbook.holder_id))
        .filter(handbooks::id.ne(id))
        .order(handbooks::id.desc())
        .limit(20)
        .select((handbooks::id, handbooks::kind, handbooks::status, handbooks::submitted_at))
        .load(conn)?;
    let reviewers = staff::table
        .filter(staff::active.eq(true))
        .filter(staff::role.eq_any(["reviewer", "supervisor"]))
        .order(staff::display_name.asc())
        .select((staff::id, staff::display_name))
        .limit(200)
        .load(conn)?;
    Ok(ReviewData {
        decisions: db::decisions::of_handbook(conn, id)?,
        images: db::handbooks::images_of(conn, id)?,
        handbook,
        holder,
        claimer,
        fields,
        input,
        revisions,
        same_number,
        same_person,
        history,
        other_registrations,
        reviewers,
    })
}
