//! Corrections of approved records (`record_corrections`): the proposal with its evidence, the
//! second person's decision, and what the approval list shows.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::handbooks::NewImage;
use super::schema::{handbook_images, handbooks, holders, record_corrections as rc, staff};
use crate::domain::handbook::HandbookKind;
use crate::domain::sanctions::SanctionState;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = rc)]
pub struct CorrectionRow {
    pub id: i64,
    pub handbook_id: i64,
    pub holder_id: i64,
    pub request_id: Option<i64>,
    pub base_version: i32,
    pub proposed: String,
    pub changes: String,
    pub reason: String,
    pub evidence: String,
    pub evidence_image_id: Option<i64>,
    pub state: SanctionState,
    pub proposed_by: i64,
    pub proposed_at: PrimitiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub decision_note: Option<String>,
}

pub struct NewCorrection<'a> {
    pub handbook_id: i64,
    pub holder_id: i64,
    pub request_id: Option<i64>,
    pub base_version: i32,
    pub proposed: &'a str,
    pub changes: &'a str,
    pub reason: &'a str,
    pub evidence: &'a str,
    pub evidence_image_id: Option<i64>,
    pub proposed_by: i64,
    pub proposed_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewCorrection<'_>) -> QueryResult<i64> {
    diesel::insert_into(rc::table)
        .values((
            rc::handbook_id.eq(new.handbook_id),
            rc::holder_id.eq(new.holder_id),
            rc::request_id.eq(new.request_id),
            rc::base_version.eq(new.base_version),
            rc::proposed.eq(new.proposed),
            rc::changes.eq(new.changes),
            rc::reason.eq(new.reason),
            rc::evidence.eq(new.evidence),
            rc::evidence_image_id.eq(new.evidence_image_id),
            rc::state.eq(SanctionState::Proposed.code()),
            rc::proposed_by.eq(new.proposed_by),
            rc::proposed_at.eq(new.proposed_at),
        ))
        .returning(rc::id)
        .get_result(conn)
}

/// A photo attached as evidence, stored with the registration's photos (after its pages).
pub fn insert_evidence_image(conn: &mut DbConnection, image: &NewImage) -> QueryResult<i64> {
    let last: Option<i32> = handbook_images::table
        .filter(handbook_images::handbook_id.eq(image.handbook_id))
        .select(diesel::dsl::max(handbook_images::page))
        .first(conn)?;
    let row = NewImage { page: last.unwrap_or(0) + 1, ..image.clone() };
    diesel::insert_into(handbook_images::table)
        .values((&row, handbook_images::page_role.eq("correction")))
        .returning(handbook_images::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CorrectionRow>> {
    rc::table.find(id).select(CorrectionRow::as_select()).first(conn).optional()
}

/// The holder and registration of a proposal.
pub fn owner_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(i64, i64)>> {
    rc::table.find(id).select((rc::holder_id, rc::handbook_id)).first(conn).optional()
}

pub fn pending_of(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Option<i64>> {
    rc::table
        .filter(rc::handbook_id.eq(handbook_id))
        .filter(rc::state.eq(SanctionState::Proposed.code()))
        .select(rc::id)
        .first(conn)
        .optional()
}

/// Records the decision on a proposal still waiting; 0 rows when it was decided meanwhile.
pub fn decided(
    conn: &mut DbConnection,
    id: i64,
    outcome: SanctionState,
    by: i64,
    at: PrimitiveDateTime,
    note: &str,
) -> QueryResult<usize> {
    diesel::update(rc::table.find(id).filter(rc::state.eq(SanctionState::Proposed.code())))
        .set((rc::state.eq(outcome.code()), rc::decided_by.eq(by), rc::decided_at.eq(at), rc::decision_note.eq(note)))
        .execute(conn)
}

/// Has a correction answering this holder request been approved?
pub fn approved_for_request(conn: &mut DbConnection, request_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        rc::table.filter(rc::request_id.eq(request_id)).filter(rc::state.eq(SanctionState::Applied.code())),
    ))
    .get_result(conn)
}

/// One proposal on the approval list.
#[derive(Queryable, Debug, Clone)]
pub struct WaitingLine {
    pub row: CorrectionRow,
    pub public_id: String,
    pub kind: HandbookKind,
    pub proposed_by_name: String,
}

/// Waiting proposals, oldest first.
pub fn waiting(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<WaitingLine>> {
    rc::table
        .inner_join(holders::table.on(holders::id.eq(rc::holder_id)))
        .inner_join(handbooks::table.on(handbooks::id.eq(rc::handbook_id)))
        .inner_join(staff::table.on(staff::id.eq(rc::proposed_by)))
        .filter(rc::state.eq(SanctionState::Proposed.code()))
        .select((CorrectionRow::as_select(), holders::public_id, handbooks::kind, staff::display_name))
        .order((rc::proposed_at.asc(), rc::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Forgets evidence photos that were removed, and the values proposed: both are the handbook's.
pub fn forget_images(conn: &mut DbConnection, handbook_ids: &[i64]) -> QueryResult<usize> {
    diesel::update(rc::table.filter(rc::handbook_id.eq_any(handbook_ids)))
        .set((rc::evidence_image_id.eq(None::<i64>), rc::proposed.eq("{}"), rc::changes.eq("[]")))
        .execute(conn)
}
