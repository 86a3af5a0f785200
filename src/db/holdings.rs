//! Everything held about one holder, read for a disclosure (開示): registrations with their
//! fields and photos, Myna values and consents, consents to the terms, sanctions, disclosures
//! to third parties, requests, notices, and the audit events about them. A few queries, each
//! bounded by the holder's own rows.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{
    disclosures, handbook_images, handbooks, holder_consents, myna_consents, myna_records, notifications, sanctions,
};
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::sanctions::{Action, Article, SanctionState};

#[derive(Queryable, Debug, Clone)]
pub struct HandbookLine {
    pub id: i64,
    pub kind: HandbookKind,
    pub status: ReviewStatus,
    pub submitted_at: PrimitiveDateTime,
    pub decided_at: Option<PrimitiveDateTime>,
}

pub fn handbooks(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<HandbookLine>> {
    handbooks::table
        .filter(handbooks::holder_id.eq(holder_id))
        .select((handbooks::id, handbooks::kind, handbooks::status, handbooks::submitted_at, handbooks::decided_at))
        .order(handbooks::id.asc())
        .load(conn)
}

/// Photos of these registrations: id, registration, page, storage key.
pub fn photos(conn: &mut DbConnection, handbook_ids: &[i64]) -> QueryResult<Vec<(i64, i64, i32, String)>> {
    handbook_images::table
        .filter(handbook_images::handbook_id.eq_any(handbook_ids))
        .select((
            handbook_images::id,
            handbook_images::handbook_id,
            handbook_images::page,
            handbook_images::storage_key,
        ))
        .order(handbook_images::id.asc())
        .load(conn)
}

/// Myna values as stored: kind, category, grade, municipality, number, issued, renewed,
/// expires, received.
pub type MynaLine = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    PrimitiveDateTime,
);

pub fn myna_values(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<MynaLine>> {
    myna_records::table
        .filter(myna_records::holder_id.eq(holder_id))
        .select((
            myna_records::kind,
            myna_records::disability_category,
            myna_records::grade,
            myna_records::municipality,
            myna_records::number,
            myna_records::issued_on,
            myna_records::renewed_on,
            myna_records::expires_on,
            myna_records::received_at,
        ))
        .order(myna_records::id.asc())
        .load(conn)
}

/// Myna consents: purpose, granted, valid until, withdrawn, purged.
pub type MynaConsentLine =
    (String, PrimitiveDateTime, PrimitiveDateTime, Option<PrimitiveDateTime>, Option<PrimitiveDateTime>);

pub fn myna_consents(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<MynaConsentLine>> {
    myna_consents::table
        .filter(myna_consents::holder_id.eq(holder_id))
        .select((
            myna_consents::purpose,
            myna_consents::granted_at,
            myna_consents::valid_until,
            myna_consents::withdrawn_at,
            myna_consents::purged_at,
        ))
        .order(myna_consents::id.asc())
        .load(conn)
}

/// Consents to the terms and the privacy policy: document, version, agreed.
pub fn consents(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<(String, String, PrimitiveDateTime)>> {
    holder_consents::table
        .filter(holder_consents::holder_id.eq(holder_id))
        .select((holder_consents::document, holder_consents::version, holder_consents::agreed_at))
        .order(holder_consents::id.asc())
        .load(conn)
}

/// Sanctions: action, article, state, requested, effective, terms version cited.
pub type SanctionLine = (Action, Article, SanctionState, PrimitiveDateTime, Option<PrimitiveDateTime>, Option<String>);

pub fn sanctions(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<SanctionLine>> {
    sanctions::table
        .filter(sanctions::holder_id.eq(holder_id))
        .select((
            sanctions::action,
            sanctions::article,
            sanctions::state,
            sanctions::requested_at,
            sanctions::effective_at,
            sanctions::terms_version,
        ))
        .order(sanctions::id.asc())
        .load(conn)
}

/// Disclosures to third parties: recipient, basis, what, when.
pub fn disclosures(
    conn: &mut DbConnection,
    holder_id: i64,
) -> QueryResult<Vec<(String, String, String, PrimitiveDateTime)>> {
    disclosures::table
        .filter(disclosures::holder_id.eq(holder_id))
        .select((disclosures::recipient, disclosures::basis, disclosures::disclosed, disclosures::disclosed_at))
        .order(disclosures::id.asc())
        .load(conn)
}

/// Notices: subject, body, status, created, sent.
pub type NoticeLine = (String, String, String, PrimitiveDateTime, Option<PrimitiveDateTime>);

pub fn notices(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Vec<NoticeLine>> {
    notifications::table
        .filter(notifications::holder_id.eq(holder_id))
        .select((
            notifications::subject,
            notifications::body,
            notifications::status,
            notifications::created_at,
            notifications::sent_at,
        ))
        .order(notifications::id.asc())
        .load(conn)
}
