//! The `holders` table.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{handbook_fields, handbooks, holders};
use crate::domain::holder::HolderStatus;
use crate::domain::holder_state::WithdrawalReason;
use crate::domain::search::Search;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = holders)]
pub struct HolderRow {
    pub id: i64,
    pub public_id: String,
    pub email: Option<String>,
    pub status: HolderStatus,
    pub myna_link: String,
    pub last_contact_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    pub version: i32,
    pub coupon_suspended: bool,
    pub withdrawn_at: Option<PrimitiveDateTime>,
    pub withdrawal_reason: Option<WithdrawalReason>,
    pub deleted_at: Option<PrimitiveDateTime>,
    /// When the ID ended (withdrawn, deprived, deleted): the retention clock.
    pub ended_at: Option<PrimitiveDateTime>,
    /// When the retention schedule removed its photos and transcriptions.
    pub retention_purged_at: Option<PrimitiveDateTime>,
}

pub struct NewHolder<'a> {
    pub public_id: &'a str,
    pub email: Option<&'a str>,
    pub status: HolderStatus,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<HolderRow>> {
    holders::table.find(id).select(HolderRow::as_select()).first(conn).optional()
}

pub fn find_by_public_id(conn: &mut DbConnection, public_id: &str) -> QueryResult<Option<HolderRow>> {
    holders::table.filter(holders::public_id.eq(public_id)).select(HolderRow::as_select()).first(conn).optional()
}

/// The holder's row, locked for the rest of the write transaction and read as it is now, so
/// registrations of one holder are decided one after another (lock order: holder first, then
/// registration).
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<HolderRow>> {
    select_for_update!(conn, holders::table.find(id).select(HolderRow::as_select()), first).optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewHolder<'_>) -> QueryResult<i64> {
    diesel::insert_into(holders::table)
        .values((
            holders::public_id.eq(new.public_id),
            holders::email.eq(new.email),
            holders::status.eq(new.status.as_str()),
            holders::created_at.eq(new.created_at),
            holders::updated_at.eq(new.updated_at),
        ))
        .returning(holders::id)
        .get_result(conn)
}

/// Writes what the holder-state gate decided: the summary status and the coupon flag.
pub fn set_state(
    conn: &mut DbConnection,
    id: i64,
    status: HolderStatus,
    coupon_suspended: bool,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(holders::table.find(id))
        .set((
            holders::status.eq(status.as_str()),
            holders::coupon_suspended.eq(coupon_suspended),
            holders::updated_at.eq(now),
            holders::version.eq(holders::version + 1),
        ))
        .execute(conn)
}

pub fn set_email(conn: &mut DbConnection, id: i64, email: &str, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(holders::table.find(id))
        .set((holders::email.eq(email), holders::updated_at.eq(now), holders::version.eq(holders::version + 1)))
        .execute(conn)
}

/// The first `limit` holders in `status`, by id (the demo's requests).
pub fn first_with_status(conn: &mut DbConnection, status: HolderStatus, limit: i64) -> QueryResult<Vec<i64>> {
    holders::table
        .filter(holders::status.eq(status.as_str()))
        .select(holders::id)
        .order(holders::id.asc())
        .limit(limit)
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    holders::table.count().get_result(conn)
}

/// One holder found by a search.
#[derive(Queryable, Debug, Clone)]
pub struct HolderHit {
    pub id: i64,
    pub public_id: String,
    pub status: HolderStatus,
}

/// Holders matching a classified search, each through its own index: public ID and e-mail on
/// `holders`, handbook number, name and reading on `handbook_fields`.
pub fn search(conn: &mut DbConnection, search: &Search, limit: i64) -> QueryResult<Vec<HolderHit>> {
    let hit = (holders::id, holders::public_id, holders::status);
    let by_fields = handbook_fields::table.inner_join(handbooks::table.inner_join(holders::table));
    let mut hits: Vec<HolderHit> = match search {
        Search::None => Vec::new(),
        Search::PublicId(id) => holders::table.filter(holders::public_id.eq(id)).select(hit).limit(limit).load(conn)?,
        Search::Email(email) => holders::table.filter(holders::email.eq(email)).select(hit).limit(limit).load(conn)?,
        Search::Number { key, .. } => {
            by_fields.filter(handbook_fields::number_key.eq(key)).select(hit).limit(limit).load(conn)?
        }
        Search::KanaPrefix(prefix) => by_fields
            .filter(handbook_fields::kana_key.ge(prefix.as_str()))
            .filter(handbook_fields::kana_key.lt(format!("{prefix}\u{10FFFF}")))
            .select(hit)
            .limit(limit)
            .load(conn)?,
        Search::NamePrefix(prefix) => by_fields
            .filter(handbook_fields::name_key.ge(prefix.as_str()))
            .filter(handbook_fields::name_key.lt(format!("{prefix}\u{10FFFF}")))
            .select(hit)
            .limit(limit)
            .load(conn)?,
    };
    // One line per holder, whichever handbooks matched.
    let mut seen = std::collections::HashSet::new();
    hits.retain(|h| seen.insert(h.id));
    Ok(hits)
}

/// Records a withdrawal the gate allowed.
pub fn withdrawn(
    conn: &mut DbConnection,
    id: i64,
    reason: WithdrawalReason,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(holders::table.find(id))
        .set((
            holders::status.eq(HolderStatus::Withdrawn.as_str()),
            holders::withdrawn_at.eq(at),
            holders::withdrawal_reason.eq(reason.code()),
            holders::updated_at.eq(at),
            holders::version.eq(holders::version + 1),
        ))
        .execute(conn)
}
