//! The audit tables: `audit_events` (the chain) and `audit_head` (the last sequence number
//! and hash, whose row lock serialises writers so the chain never forks). The chain's rules
//! live in `crate::audit`; this is only its storage.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{audit_events, audit_head, staff};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub seq: i64,
    pub occurred_at: PrimitiveDateTime,
    pub actor_staff_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub reason: Option<String>,
    pub details: String,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The audit key that sealed the row; `None` for rows from before the chain was keyed.
    pub key_id: Option<String>,
}

/// Takes the next sequence number and the previous hash. On PostgreSQL the update takes the
/// head's row lock until commit; on SQLite the write transaction already holds the lock.
pub fn advance_head(conn: &mut DbConnection) -> QueryResult<(i64, String)> {
    diesel::update(audit_head::table.find(1))
        .set(audit_head::last_seq.eq(audit_head::last_seq + 1))
        .returning((audit_head::last_seq, audit_head::last_hash))
        .get_result(conn)
}

/// Writes the event and moves the head's hash to it.
pub fn insert(conn: &mut DbConnection, row: &AuditEventRow) -> QueryResult<()> {
    diesel::insert_into(audit_events::table).values(row).execute(conn)?;
    diesel::update(audit_head::table.find(1)).set(audit_head::last_hash.eq(&row.hash)).execute(conn)?;
    Ok(())
}

/// Up to `limit` events from `from_seq` to `to_seq`, in order.
pub fn page_between(
    conn: &mut DbConnection,
    from_seq: i64,
    to_seq: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEventRow>> {
    audit_events::table
        .filter(audit_events::seq.ge(from_seq))
        .filter(audit_events::seq.le(to_seq))
        .order(audit_events::seq.asc())
        .limit(limit)
        .select(AuditEventRow::as_select())
        .load(conn)
}

/// The head: the last sequence number written and its hash.
pub fn head(conn: &mut DbConnection) -> QueryResult<(i64, String)> {
    audit_head::table.find(1).select((audit_head::last_seq, audit_head::last_hash)).first(conn)
}

/// The newest events about one target, with the acting staff member's name.
pub fn of_target(
    conn: &mut DbConnection,
    target_type: &str,
    target_id: i64,
    limit: i64,
) -> QueryResult<Vec<(AuditEventRow, Option<String>)>> {
    changes_of(conn, target_type, target_id, &[], limit)
}

/// The newest changes to one target: like `of_target`, leaving out reads (`except`).
pub fn changes_of(
    conn: &mut DbConnection,
    target_type: &str,
    target_id: i64,
    except: &[&str],
    limit: i64,
) -> QueryResult<Vec<(AuditEventRow, Option<String>)>> {
    audit_events::table
        .left_join(staff::table.on(staff::id.nullable().eq(audit_events::actor_staff_id)))
        .filter(audit_events::target_type.eq(target_type))
        .filter(audit_events::target_id.eq(target_id.to_string()))
        .filter(audit_events::action.ne_all(except))
        .order(audit_events::seq.desc())
        .limit(limit)
        .select((AuditEventRow::as_select(), staff::display_name.nullable()))
        .load(conn)
}

/// Events of one action (tests and reports).
pub fn count_of_action(conn: &mut DbConnection, action: &str) -> QueryResult<i64> {
    audit_events::table.filter(audit_events::action.eq(action)).count().get_result(conn)
}
