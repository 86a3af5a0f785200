//! Myna Portal deliveries, consents and the values they carried.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{handbooks, myna_consents, myna_deliveries, myna_records};
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::reconcile::PortalRecord;

/// A delivery as first received: what a replay answers with.
#[derive(Queryable, Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub status: String,
    pub records: i32,
}

pub fn delivery(conn: &mut DbConnection, request_id: &str) -> QueryResult<Option<DeliveryRow>> {
    myna_deliveries::table
        .filter(myna_deliveries::request_id.eq(request_id))
        .select((myna_deliveries::id, myna_deliveries::status, myna_deliveries::records))
        .first(conn)
        .optional()
}

pub fn insert_delivery(
    conn: &mut DbConnection,
    request_id: &str,
    holder_id: i64,
    status: &str,
    records: i32,
    at: PrimitiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(myna_deliveries::table)
        .values((
            myna_deliveries::request_id.eq(request_id),
            myna_deliveries::holder_id.eq(holder_id),
            myna_deliveries::status.eq(status),
            myna_deliveries::records.eq(records),
            myna_deliveries::received_at.eq(at),
        ))
        .returning(myna_deliveries::id)
        .get_result(conn)
}

pub struct NewConsent<'a> {
    pub holder_id: i64,
    pub delivery_id: i64,
    pub purpose: &'a str,
    pub granted_at: PrimitiveDateTime,
    pub valid_until: PrimitiveDateTime,
}

pub fn insert_consent(conn: &mut DbConnection, new: &NewConsent<'_>) -> QueryResult<i64> {
    diesel::insert_into(myna_consents::table)
        .values((
            myna_consents::holder_id.eq(new.holder_id),
            myna_consents::delivery_id.eq(new.delivery_id),
            myna_consents::purpose.eq(new.purpose),
            myna_consents::granted_at.eq(new.granted_at),
            myna_consents::valid_until.eq(new.valid_until),
        ))
        .returning(myna_consents::id)
        .get_result(conn)
}

pub fn insert_record(
    conn: &mut DbConnection,
    consent_id: i64,
    holder_id: i64,
    handbook_id: Option<i64>,
    kind: HandbookKind,
    values: &PortalRecord,
    at: PrimitiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(myna_records::table)
        .values((
            myna_records::consent_id.eq(consent_id),
            myna_records::holder_id.eq(holder_id),
            myna_records::handbook_id.eq(handbook_id),
            myna_records::kind.eq(kind.as_str()),
            myna_records::disability_category.eq(&values.disability_category),
            myna_records::grade.eq(&values.grade),
            myna_records::municipality.eq(&values.municipality),
            myna_records::number.eq(&values.number),
            myna_records::issued_on.eq(&values.issued_on),
            myna_records::renewed_on.eq(&values.renewed_on),
            myna_records::expires_on.eq(&values.expires_on),
            myna_records::received_at.eq(at),
        ))
        .returning(myna_records::id)
        .get_result(conn)
}

/// The holder's approved registration of `kind` the portal's record is about (the newest).
pub fn approved_handbook(conn: &mut DbConnection, holder_id: i64, kind: HandbookKind) -> QueryResult<Option<i64>> {
    handbooks::table
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::kind.eq(kind.as_str()))
        .filter(handbooks::status.eq_any(ReviewStatus::APPROVED.map(ReviewStatus::as_str)))
        .order(handbooks::id.desc())
        .select(handbooks::id)
        .first(conn)
        .optional()
}

/// The holder's approved registrations of the given kinds.
pub fn approved_of_kinds(conn: &mut DbConnection, holder_id: i64, kinds: &[HandbookKind]) -> QueryResult<Vec<i64>> {
    handbooks::table
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::kind.eq_any(kinds.iter().map(|k| k.as_str())))
        .filter(handbooks::status.eq_any(ReviewStatus::APPROVED.map(ReviewStatus::as_str)))
        .select(handbooks::id)
        .load(conn)
}

/// The portal had no record of these handbooks at `at` (kept from the first time it said so).
pub fn mark_absent(conn: &mut DbConnection, ids: &[i64], at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(handbooks::table.filter(handbooks::id.eq_any(ids)).filter(handbooks::myna_absent_at.is_null()))
        .set(handbooks::myna_absent_at.eq(at))
        .execute(conn)
}

/// The portal delivered this handbook's record: the gap is closed.
pub fn clear_absent(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(handbooks::table.find(id).filter(handbooks::myna_absent_at.is_not_null()))
        .set(handbooks::myna_absent_at.eq(None::<PrimitiveDateTime>))
        .execute(conn)
}

/// Sets a registration's link status (`unlinked`, `pending`, `linked`).
pub fn set_link(
    conn: &mut DbConnection,
    handbook_id: i64,
    link: &str,
    verified_at: Option<PrimitiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(handbooks::table.find(handbook_id))
        .set((handbooks::myna_link.eq(link), handbooks::myna_verified_at.eq(verified_at)))
        .execute(conn)
}

/// A request opened on the holder's consent: their approved, unlinked handbooks of the kinds the
/// portal provides show 申請中 while it runs (a 連携済 handbook keeps its verification until new
/// data arrives). Returns the handbooks changed.
pub fn mark_requested(conn: &mut DbConnection, holder_id: i64, kinds: &[HandbookKind]) -> QueryResult<Vec<i64>> {
    let ids: Vec<i64> = handbooks::table
        .filter(handbooks::holder_id.eq(holder_id))
        .filter(handbooks::kind.eq_any(kinds.iter().map(|k| k.as_str())))
        .filter(handbooks::status.eq_any(ReviewStatus::APPROVED.map(ReviewStatus::as_str)))
        .filter(handbooks::myna_link.eq("unlinked"))
        .select(handbooks::id)
        .load(conn)?;
    diesel::update(handbooks::table.filter(handbooks::id.eq_any(&ids)))
        .set(handbooks::myna_link.eq("pending"))
        .execute(conn)?;
    Ok(ids)
}

/// The holder's last request ended without data: handbooks that were 申請中 only for it (no
/// portal values waiting for a check) go back to 未連携.
pub fn unmark_requested(conn: &mut DbConnection, holder_id: i64) -> QueryResult<usize> {
    let with_values = myna_records::table.filter(myna_records::handbook_id.eq(handbooks::id.nullable()));
    diesel::update(
        handbooks::table
            .filter(handbooks::holder_id.eq(holder_id))
            .filter(handbooks::myna_link.eq("pending"))
            .filter(diesel::dsl::not(diesel::dsl::exists(with_values))),
    )
    .set(handbooks::myna_link.eq("unlinked"))
    .execute(conn)
}

/// Every registration of the holder back to 未連携 (the consent was withdrawn).
pub fn unlink_all(conn: &mut DbConnection, holder_id: i64) -> QueryResult<usize> {
    diesel::update(handbooks::table.filter(handbooks::holder_id.eq(holder_id)))
        .set((handbooks::myna_link.eq("unlinked"), handbooks::myna_verified_at.eq(None::<PrimitiveDateTime>)))
        .execute(conn)
}

/// Deletes the holder's portal values and marks their consents purged (and withdrawn, when
/// `withdrawn`); returns how many value rows went.
pub fn purge_holder(
    conn: &mut DbConnection,
    holder_id: i64,
    at: PrimitiveDateTime,
    withdrawn: bool,
) -> QueryResult<usize> {
    let gone = diesel::delete(myna_records::table.filter(myna_records::holder_id.eq(holder_id))).execute(conn)?;
    let open =
        myna_consents::table.filter(myna_consents::holder_id.eq(holder_id)).filter(myna_consents::purged_at.is_null());
    if withdrawn {
        diesel::update(open.filter(myna_consents::withdrawn_at.is_null()))
            .set(myna_consents::withdrawn_at.eq(at))
            .execute(conn)?;
    }
    diesel::update(
        myna_consents::table.filter(myna_consents::holder_id.eq(holder_id)).filter(myna_consents::purged_at.is_null()),
    )
    .set(myna_consents::purged_at.eq(at))
    .execute(conn)?;
    Ok(gone)
}

/// How many portal value rows the holder has (tests and the profile).
pub fn records_of(conn: &mut DbConnection, holder_id: i64) -> QueryResult<i64> {
    myna_records::table.filter(myna_records::holder_id.eq(holder_id)).count().get_result(conn)
}

/// Consents whose validity has ended by `now` and whose values are not yet purged: (consent
/// id, holder id), oldest first, through `myna_consents_due`.
pub fn expired_consents(conn: &mut DbConnection, now: PrimitiveDateTime, limit: i64) -> QueryResult<Vec<(i64, i64)>> {
    myna_consents::table
        .filter(myna_consents::purged_at.is_null())
        .filter(myna_consents::valid_until.le(now))
        .order(myna_consents::valid_until.asc())
        .select((myna_consents::id, myna_consents::holder_id))
        .limit(limit)
        .load(conn)
}

/// Marks one consent purged and deletes the values it carried; returns how many rows went, or
/// `None` when another instance purged it first (the mark is taken before anything is deleted,
/// so two nodes running the purge at once never both purge, or both audit, one consent).
pub fn purge_consent(conn: &mut DbConnection, consent_id: i64, at: PrimitiveDateTime) -> QueryResult<Option<usize>> {
    let marked = diesel::update(myna_consents::table.find(consent_id).filter(myna_consents::purged_at.is_null()))
        .set(myna_consents::purged_at.eq(at))
        .execute(conn)?;
    if marked == 0 {
        return Ok(None);
    }
    diesel::delete(myna_records::table.filter(myna_records::consent_id.eq(consent_id))).execute(conn).map(Some)
}

/// The values columns of `myna_records`, read into the portal's record in one place.
#[derive(Queryable, Selectable)]
#[diesel(table_name = myna_records)]
struct Values {
    disability_category: Option<String>,
    grade: Option<String>,
    municipality: Option<String>,
    number: Option<String>,
    issued_on: Option<String>,
    renewed_on: Option<String>,
    expires_on: Option<String>,
}

impl From<Values> for PortalRecord {
    fn from(v: Values) -> Self {
        PortalRecord {
            disability_category: v.disability_category,
            grade: v.grade,
            municipality: v.municipality,
            number: v.number,
            issued_on: v.issued_on,
            renewed_on: v.renewed_on,
            expires_on: v.expires_on,
        }
    }
}

/// The newest values the portal sent for one registration, with when they came and until when
/// their consent holds.
pub fn latest_for_handbook(
    conn: &mut DbConnection,
    handbook_id: i64,
) -> QueryResult<Option<(PortalRecord, PrimitiveDateTime, PrimitiveDateTime)>> {
    let row: Option<(Values, PrimitiveDateTime, PrimitiveDateTime)> = myna_records::table
        .inner_join(myna_consents::table)
        .filter(myna_records::handbook_id.eq(handbook_id))
        .order(myna_records::id.desc())
        .select((Values::as_select(), myna_records::received_at, myna_consents::valid_until))
        .first(conn)
        .optional()?;
    Ok(row.map(|(values, received, until)| (values.into(), received, until)))
}

/// A registration's link status and when it was verified.
pub fn link_of(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Option<(String, Option<PrimitiveDateTime>)>> {
    handbooks::table
        .find(handbook_id)
        .select((handbooks::myna_link, handbooks::myna_verified_at))
        .first(conn)
        .optional()
}

/// A handbook waiting for its portal check (申請中), with what the comparison needs.
pub struct PendingCheck {
    pub handbook_id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub kind: HandbookKind,
    pub portal: PortalRecord,
    pub fields: Option<super::fields::FieldsRow>,
}

/// Handbooks waiting for a check after `after`, by id: three queries for the page.
pub fn pending_checks(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<PendingCheck>> {
    use super::schema::holders;
    let rows: Vec<(i64, i64, String, HandbookKind)> = handbooks::table
        .inner_join(holders::table)
        .filter(handbooks::myna_link.eq("pending"))
        .filter(handbooks::id.gt(after))
        .order(handbooks::id.asc())
        .limit(limit)
        .select((handbooks::id, handbooks::holder_id, holders::public_id, handbooks::kind))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    // Newest first: the first record seen for a handbook is the one to compare.
    let mut newest: std::collections::HashMap<i64, PortalRecord> = std::collections::HashMap::new();
    for (handbook, values) in myna_records::table
        .filter(myna_records::handbook_id.eq_any(&ids))
        .order(myna_records::id.desc())
        .select((myna_records::handbook_id.assume_not_null(), Values::as_select()))
        .load::<(i64, Values)>(conn)?
    {
        newest.entry(handbook).or_insert_with(|| values.into());
    }
    let fields = super::fields::find_many(conn, &ids)?;
    Ok(rows
        .into_iter()
        .filter_map(|(handbook_id, holder_id, public_id, kind)| {
            let portal = newest.remove(&handbook_id)?;
            let fields = fields.iter().find(|f| f.handbook_id == handbook_id).cloned();
            Some(PendingCheck { handbook_id, holder_id, public_id, kind, portal, fields })
        })
        .collect())
}
