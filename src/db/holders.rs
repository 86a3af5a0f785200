//! The `holders` table.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::holders;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = holders)]
pub struct HolderRow {
    pub id: i64,
    pub public_id: String,
    pub email: Option<String>,
    pub status: String,
    pub myna_link: String,
    pub last_contact_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    pub version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = holders)]
pub struct NewHolder<'a> {
    pub public_id: &'a str,
    pub email: Option<&'a str>,
    pub status: &'a str,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<HolderRow>> {
    holders::table.find(id).select(HolderRow::as_select()).first(conn).optional()
}

pub fn find_by_public_id(conn: &mut DbConnection, public_id: &str) -> QueryResult<Option<HolderRow>> {
    holders::table.filter(holders::public_id.eq(public_id)).select(HolderRow::as_select()).first(conn).optional()
}

/// Takes the holder's row lock for the rest of the write transaction, so registrations of one
/// holder decide one after another (PostgreSQL; SQLite's write transaction already does).
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(holders::table.find(id)).set(holders::version.eq(holders::version)).execute(conn)
}

pub fn insert(conn: &mut DbConnection, new: &NewHolder<'_>) -> QueryResult<i64> {
    diesel::insert_into(holders::table).values(new).returning(holders::id).get_result(conn)
}

pub fn set_email(conn: &mut DbConnection, id: i64, email: &str, now: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(holders::table.find(id))
        .set((holders::email.eq(email), holders::updated_at.eq(now), holders::version.eq(holders::version + 1)))
        .execute(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    holders::table.count().get_result(conn)
}
