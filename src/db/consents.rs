//! Holders' consents to the terms of use and the privacy policy.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::holder_consents;
use crate::domain::terms::{Document, Version};

/// The latest version agreed to of one document, and when.
pub fn latest(
    conn: &mut DbConnection,
    holder_id: i64,
    document: Document,
) -> QueryResult<Option<(String, PrimitiveDateTime)>> {
    holder_consents::table
        .filter(holder_consents::holder_id.eq(holder_id))
        .filter(holder_consents::document.eq(document.code()))
        .order(holder_consents::id.desc())
        .select((holder_consents::version, holder_consents::agreed_at))
        .first(conn)
        .optional()
}

/// Records a consent unless the holder's latest one to that document is this version.
/// Returns whether a row was written.
pub fn record(
    conn: &mut DbConnection,
    holder_id: i64,
    document: Document,
    version: &Version,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    if latest(conn, holder_id, document)?.is_some_and(|(v, _)| v == version.as_str()) {
        return Ok(false);
    }
    diesel::insert_into(holder_consents::table)
        .values((
            holder_consents::holder_id.eq(holder_id),
            holder_consents::document.eq(document.code()),
            holder_consents::version.eq(version.as_str()),
            holder_consents::agreed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The version of `document` in force on `day` by the register (`document_versions`).
pub fn in_force(conn: &mut DbConnection, document: Document, day: time::Date) -> QueryResult<Option<String>> {
    use super::schema::document_versions as v;
    v::table
        .filter(v::document.eq(document.code()))
        .filter(v::in_force_from.le(day))
        .order((v::in_force_from.desc(), v::recorded_at.desc()))
        .select(v::version)
        .first(conn)
        .optional()
}

/// The register, newest first: document, version, in force from.
pub fn versions(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, time::Date)>> {
    use super::schema::document_versions as v;
    v::table
        .order((v::in_force_from.desc(), v::document.asc()))
        .limit(200)
        .select((v::document, v::version, v::in_force_from))
        .load(conn)
}

/// Adds a version to the register; `false` when that version of the document is there already.
pub fn add_version(
    conn: &mut DbConnection,
    document: Document,
    version: &str,
    from: time::Date,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    use super::schema::document_versions as v;
    let row = (
        v::document.eq(document.code()),
        v::version.eq(version),
        v::in_force_from.eq(from),
        v::recorded_by.eq(by),
        v::recorded_at.eq(at),
    );
    on_backend!(conn, |c| diesel::insert_into(v::table).values(row).on_conflict_do_nothing().execute(c)).map(|n| n == 1)
}
