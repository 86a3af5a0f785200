//! Stated reasons that open a registration's photos to someone who has not claimed it.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::photo_access_grants;

#[derive(Insertable)]
#[diesel(table_name = photo_access_grants)]
pub struct NewGrant<'a> {
    pub staff_id: i64,
    pub handbook_id: i64,
    pub reason: &'a str,
    pub granted_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConnection, grant: &NewGrant<'_>) -> QueryResult<i64> {
    diesel::insert_into(photo_access_grants::table).values(grant).returning(photo_access_grants::id).get_result(conn)
}

/// The reason of the newest grant still valid at `now`.
pub fn current_reason(
    conn: &mut DbConnection,
    staff_id: i64,
    handbook_id: i64,
    now: PrimitiveDateTime,
) -> QueryResult<Option<String>> {
    photo_access_grants::table
        .filter(photo_access_grants::staff_id.eq(staff_id))
        .filter(photo_access_grants::handbook_id.eq(handbook_id))
        .filter(photo_access_grants::expires_at.gt(now))
        .order(photo_access_grants::id.desc())
        .select(photo_access_grants::reason)
        .first(conn)
        .optional()
}
