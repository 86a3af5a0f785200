//! The pages the CSV exports stream: decisions, sanctions and lost-phone reports within a time
//! range, oldest first, by keyset `(time, id)` on an index that ends in it. The keyset's time
//! is the one lower bound the index seeks to (`time >= at AND (time > at OR id > last)`):
//! with the range's start beside it, the planner may seek to that and rescan every page. Names of the staff
//! involved come in one query per page, never per row. (The audit events' pages are
//! `db::audit::export_page`.)

use std::collections::HashMap;

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
// Code columns read as their domain enums (`db::codes`): an unknown code is an error, not text.
use super::schema::{
    decisions, handbooks, holders, lost_device_reports, myna_consents, myna_deliveries, sanctions, staff,
};
use crate::domain::handbook::HandbookKind;
use crate::domain::lost_device::ReportChannel;
use crate::domain::review::Decision;
use crate::domain::sanctions::{Action, Article, SanctionState};

type Key = Option<(PrimitiveDateTime, i64)>;

#[derive(Queryable, Debug, Clone)]
pub struct DecisionRow {
    pub id: i64,
    pub decided_at: PrimitiveDateTime,
    pub handbook_id: i64,
    pub kind: HandbookKind,
    pub public_id: String,
    pub decision: Decision,
    pub defect_codes: String,
    pub decided_by: i64,
}

pub fn decisions(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    until: PrimitiveDateTime,
    after: Key,
    limit: i64,
) -> QueryResult<Vec<DecisionRow>> {
    let mut query = decisions::table
        .inner_join(handbooks::table.inner_join(holders::table))
        .filter(decisions::decided_at.ge(after.map_or(from, |(at, _)| at)))
        .filter(decisions::decided_at.lt(until))
        .select((
            decisions::id,
            decisions::decided_at,
            decisions::handbook_id,
            handbooks::kind,
            holders::public_id,
            decisions::decision,
            decisions::defect_codes,
            decisions::decided_by,
        ))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(decisions::decided_at.gt(at).or(decisions::id.gt(id)));
    }
    query.order((decisions::decided_at.asc(), decisions::id.asc())).limit(limit).load(conn)
}

#[derive(Queryable, Debug, Clone)]
pub struct SanctionRow {
    pub id: i64,
    pub requested_at: PrimitiveDateTime,
    pub public_id: String,
    pub action: Action,
    pub article: Article,
    pub terms_version: Option<String>,
    pub state: SanctionState,
    pub without_notice: bool,
    pub requested_by: Option<i64>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub effective_at: Option<PrimitiveDateTime>,
}

pub fn sanctions(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    until: PrimitiveDateTime,
    after: Key,
    limit: i64,
) -> QueryResult<Vec<SanctionRow>> {
    let mut query = sanctions::table
        .inner_join(holders::table)
        .filter(sanctions::requested_at.ge(after.map_or(from, |(at, _)| at)))
        .filter(sanctions::requested_at.lt(until))
        .select((
            sanctions::id,
            sanctions::requested_at,
            holders::public_id,
            sanctions::action,
            sanctions::article,
            sanctions::terms_version,
            sanctions::state,
            sanctions::without_notice,
            sanctions::requested_by,
            sanctions::decided_by,
            sanctions::decided_at,
            sanctions::effective_at,
        ))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(sanctions::requested_at.gt(at).or(sanctions::id.gt(id)));
    }
    query.order((sanctions::requested_at.asc(), sanctions::id.asc())).limit(limit).load(conn)
}

#[derive(Queryable, Debug, Clone)]
pub struct ReportRow {
    pub id: i64,
    pub received_at: PrimitiveDateTime,
    pub reference: String,
    pub channel: ReportChannel,
    pub public_id: Option<String>,
    pub recorded_by: i64,
    pub recorded_at: PrimitiveDateTime,
    pub failed_attempts: i32,
    pub suspended_at: Option<PrimitiveDateTime>,
    pub first_refused_at: Option<PrimitiveDateTime>,
    pub reinstated_at: Option<PrimitiveDateTime>,
}

pub fn lost_device(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    until: PrimitiveDateTime,
    after: Key,
    limit: i64,
) -> QueryResult<Vec<ReportRow>> {
    let mut query = lost_device_reports::table
        .left_join(holders::table)
        .filter(lost_device_reports::received_at.ge(after.map_or(from, |(at, _)| at)))
        .filter(lost_device_reports::received_at.lt(until))
        .select((
            lost_device_reports::id,
            lost_device_reports::received_at,
            lost_device_reports::reference,
            lost_device_reports::channel,
            holders::public_id.nullable(),
            lost_device_reports::recorded_by,
            lost_device_reports::recorded_at,
            lost_device_reports::failed_attempts,
            lost_device_reports::suspended_at,
            lost_device_reports::first_refused_at,
            lost_device_reports::reinstated_at,
        ))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(lost_device_reports::received_at.gt(at).or(lost_device_reports::id.gt(id)));
    }
    query.order((lost_device_reports::received_at.asc(), lost_device_reports::id.asc())).limit(limit).load(conn)
}

/// Display name and e-mail of the staff members `ids` name, in one query.
pub fn staff_names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, (String, String)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String, String)> =
        staff::table.filter(staff::id.eq_any(ids)).select((staff::id, staff::display_name, staff::email)).load(conn)?;
    Ok(rows.into_iter().map(|(id, name, email)| (id, (name, email))).collect())
}

#[derive(Queryable, Debug, Clone)]
pub struct ConsentRow {
    pub id: i64,
    pub granted_at: PrimitiveDateTime,
    pub public_id: String,
    pub request_id: String,
    pub purpose: String,
    pub valid_until: PrimitiveDateTime,
    pub withdrawn_at: Option<PrimitiveDateTime>,
    pub purged_at: Option<PrimitiveDateTime>,
}

/// Myna Portal consents given in the range: the record an on-site inspection asks for.
pub fn myna_consents(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    until: PrimitiveDateTime,
    after: Key,
    limit: i64,
) -> QueryResult<Vec<ConsentRow>> {
    let mut query = myna_consents::table
        .inner_join(holders::table.on(holders::id.eq(myna_consents::holder_id)))
        .inner_join(myna_deliveries::table.on(myna_deliveries::id.eq(myna_consents::delivery_id)))
        .filter(myna_consents::granted_at.ge(after.map_or(from, |(at, _)| at)))
        .filter(myna_consents::granted_at.lt(until))
        .select((
            myna_consents::id,
            myna_consents::granted_at,
            holders::public_id,
            myna_deliveries::request_id,
            myna_consents::purpose,
            myna_consents::valid_until,
            myna_consents::withdrawn_at,
            myna_consents::purged_at,
        ))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(myna_consents::granted_at.gt(at).or(myna_consents::id.gt(id)));
    }
    query.order((myna_consents::granted_at.asc(), myna_consents::id.asc())).limit(limit).load(conn)
}

/// A disclosure to a third party, as the register shows it: who, to whom, on what basis, when;
/// never what was disclosed.
#[derive(Queryable, Debug, Clone)]
pub struct DisclosureRow {
    pub id: i64,
    pub disclosed_at: PrimitiveDateTime,
    pub public_id: String,
    pub recipient: String,
    pub basis: String,
    pub sanction_id: Option<i64>,
    pub disclosed_by: i64,
}

/// Disclosures recorded in the range, in time order; through `disclosures_time`.
pub fn disclosures(
    conn: &mut DbConnection,
    from: PrimitiveDateTime,
    until: PrimitiveDateTime,
    after: Key,
    limit: i64,
) -> QueryResult<Vec<DisclosureRow>> {
    use super::schema::disclosures as d;
    let mut query = d::table
        .inner_join(holders::table.on(holders::id.eq(d::holder_id)))
        .filter(d::disclosed_at.ge(after.map_or(from, |(at, _)| at)))
        .filter(d::disclosed_at.lt(until))
        .select((d::id, d::disclosed_at, holders::public_id, d::recipient, d::basis, d::sanction_id, d::disclosed_by))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(d::disclosed_at.gt(at).or(d::id.gt(id)));
    }
    query.order((d::disclosed_at.asc(), d::id.asc())).limit(limit).load(conn)
}
