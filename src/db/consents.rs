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
