//! A registration's transcribed fields and every saved revision of them.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use super::DbConnection;
use super::schema::{handbook_fields, handbooks, holders, staff, transcriptions};
use crate::domain::handbook::ReviewStatus;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = handbook_fields, treat_none_as_null = true)]
pub struct FieldsRow {
    pub handbook_id: i64,
    pub name: String,
    pub name_kana: String,
    pub birth_date: Date,
    pub disability_category: Option<String>,
    pub grade: String,
    pub fare_class: Option<String>,
    pub care: bool,
    pub municipality: String,
    pub number: String,
    pub issued_on: Date,
    pub renewed_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub recert_on: Option<Date>,
    pub recert_month_only: bool,
    pub medical_number: Option<String>,
    pub name_key: String,
    pub kana_key: String,
    pub municipality_key: String,
    pub number_key: String,
    pub transcribed_by: i64,
    pub transcribed_at: PrimitiveDateTime,
    pub handbook_name: Option<String>,
}

/// The transcribed fields of several registrations, in one query.
pub fn find_many(conn: &mut DbConnection, handbook_ids: &[i64]) -> QueryResult<Vec<FieldsRow>> {
    handbook_fields::table
        .filter(handbook_fields::handbook_id.eq_any(handbook_ids))
        .select(FieldsRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Option<FieldsRow>> {
    handbook_fields::table.find(handbook_id).select(FieldsRow::as_select()).first(conn).optional()
}

/// Writes the fields (insert the first time, update after).
pub fn save(conn: &mut DbConnection, row: &FieldsRow) -> QueryResult<()> {
    let updated = diesel::update(handbook_fields::table.find(row.handbook_id)).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(handbook_fields::table).values(row).execute(conn)?;
    }
    Ok(())
}

#[derive(Queryable, Debug, Clone)]
pub struct Revision {
    pub version: i32,
    pub fields: String,
    pub saved_by: i64,
    pub saved_by_name: String,
    pub saved_at: PrimitiveDateTime,
}

pub fn add_revision(
    conn: &mut DbConnection,
    handbook_id: i64,
    version: i32,
    fields_json: &str,
    saved_by: i64,
    saved_at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(transcriptions::table)
        .values((
            transcriptions::handbook_id.eq(handbook_id),
            transcriptions::version.eq(version),
            transcriptions::fields.eq(fields_json),
            transcriptions::saved_by.eq(saved_by),
            transcriptions::saved_at.eq(saved_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Every saved revision, oldest first, with the name of who saved it.
pub fn revisions(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Vec<Revision>> {
    transcriptions::table
        .inner_join(staff::table.on(staff::id.eq(transcriptions::saved_by)))
        .filter(transcriptions::handbook_id.eq(handbook_id))
        .order(transcriptions::version.asc())
        .select((
            transcriptions::version,
            transcriptions::fields,
            transcriptions::saved_by,
            staff::display_name,
            transcriptions::saved_at,
        ))
        .load(conn)
}

/// Another holder's registration that looks like the same handbook or the same person.
#[derive(Queryable, Debug, Clone)]
pub struct Lookalike {
    pub handbook_id: i64,
    pub status: ReviewStatus,
    pub public_id: String,
}

/// Registrations that still stand for a handbook, as stored.
fn live() -> [&'static str; 5] {
    ReviewStatus::LIVE.map(ReviewStatus::as_str)
}

/// The same municipality and number registered by another holder (terms art. 3(1)(vi)).
pub fn same_number(
    conn: &mut DbConnection,
    holder_id: i64,
    municipality_key: &str,
    number_key: &str,
) -> QueryResult<Vec<Lookalike>> {
    handbook_fields::table
        .inner_join(handbooks::table.inner_join(holders::table))
        .filter(handbook_fields::number_key.eq(number_key))
        .filter(handbook_fields::municipality_key.eq(municipality_key))
        .filter(handbooks::holder_id.ne(holder_id))
        .filter(handbooks::status.eq_any(live()))
        .select((handbooks::id, handbooks::status, holders::public_id))
        .limit(20)
        .load(conn)
}

/// The same normalised name and birth date registered by another holder.
pub fn same_person(
    conn: &mut DbConnection,
    holder_id: i64,
    name_key: &str,
    birth_date: Date,
) -> QueryResult<Vec<Lookalike>> {
    handbook_fields::table
        .inner_join(handbooks::table.inner_join(holders::table))
        .filter(handbook_fields::name_key.eq(name_key))
        .filter(handbook_fields::birth_date.eq(birth_date))
        .filter(handbooks::holder_id.ne(holder_id))
        .filter(handbooks::status.eq_any(live()))
        .select((handbooks::id, handbooks::status, holders::public_id))
        .limit(20)
        .load(conn)
}
