//! Decisions, their defects, and the notification outbox.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{decisions, defects, notifications, staff};
use crate::domain::notice::Delivery;
use crate::domain::review::{Decision, Defect};

pub struct NewDecision<'a> {
    pub handbook_id: i64,
    pub decision: Decision,
    pub decided_by: i64,
    pub decided_at: PrimitiveDateTime,
    pub holder_message: &'a str,
    pub internal_note: &'a str,
    pub defect_codes: &'a str,
    pub corrections: &'a str,
}

pub fn insert(conn: &mut DbConnection, new: &NewDecision<'_>) -> QueryResult<i64> {
    diesel::insert_into(decisions::table)
        .values((
            decisions::handbook_id.eq(new.handbook_id),
            decisions::decision.eq(new.decision.as_str()),
            decisions::decided_by.eq(new.decided_by),
            decisions::decided_at.eq(new.decided_at),
            decisions::holder_message.eq(new.holder_message),
            decisions::internal_note.eq(new.internal_note),
            decisions::defect_codes.eq(new.defect_codes),
            decisions::corrections.eq(new.corrections),
        ))
        .returning(decisions::id)
        .get_result(conn)
}

/// Decisions taken since `from`, with when (the dashboard's figures).
pub fn since(conn: &mut DbConnection, from: PrimitiveDateTime) -> QueryResult<Vec<(Decision, PrimitiveDateTime)>> {
    decisions::table
        .filter(decisions::decided_at.ge(from))
        .select((decisions::decision, decisions::decided_at))
        .load(conn)
}

#[derive(Queryable, Debug, Clone)]
pub struct DecisionLine {
    pub id: i64,
    pub decision: Decision,
    pub decided_by_name: String,
    pub decided_at: PrimitiveDateTime,
    pub holder_message: String,
    pub internal_note: String,
    pub defect_codes: String,
    pub corrections: String,
}

pub fn of_handbook(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Vec<DecisionLine>> {
    decisions::table
        .inner_join(staff::table.on(staff::id.eq(decisions::decided_by)))
        .filter(decisions::handbook_id.eq(handbook_id))
        .order(decisions::id.asc())
        .select((
            decisions::id,
            decisions::decision,
            staff::display_name,
            decisions::decided_at,
            decisions::holder_message,
            decisions::internal_note,
            decisions::defect_codes,
            decisions::corrections,
        ))
        .load(conn)
}

pub struct NewDefect<'a> {
    pub handbook_id: i64,
    pub decision_id: i64,
    pub code: Defect,
    pub field: Option<&'a str>,
    pub correctable: bool,
    pub before_value: Option<&'a str>,
    pub after_value: Option<&'a str>,
    pub created_at: PrimitiveDateTime,
}

impl<'a> NewDefect<'a> {
    /// A defect the holder must fix by registering again (no field, nothing corrected).
    pub fn uncorrectable(handbook_id: i64, decision_id: i64, code: Defect, created_at: PrimitiveDateTime) -> Self {
        Self {
            handbook_id,
            decision_id,
            code,
            field: None,
            correctable: false,
            before_value: None,
            after_value: None,
            created_at,
        }
    }
}

pub fn insert_defect(conn: &mut DbConnection, new: &NewDefect<'_>) -> QueryResult<()> {
    diesel::insert_into(defects::table)
        .values((
            defects::handbook_id.eq(new.handbook_id),
            defects::decision_id.eq(new.decision_id),
            defects::code.eq(new.code.code()),
            defects::field.eq(new.field),
            defects::correctable.eq(new.correctable),
            defects::before_value.eq(new.before_value),
            defects::after_value.eq(new.after_value),
            defects::created_at.eq(new.created_at),
        ))
        .execute(conn)
        .map(drop)
}

/// A notice for the outbox; it starts pending.
pub struct NewNotification<'a> {
    pub holder_id: i64,
    pub handbook_id: Option<i64>,
    pub kind: &'a str,
    pub recipient: Option<&'a str>,
    pub subject: &'a str,
    pub body: &'a str,
    pub next_attempt_at: PrimitiveDateTime,
    pub created_at: PrimitiveDateTime,
}

pub fn enqueue(conn: &mut DbConnection, new: &NewNotification<'_>) -> QueryResult<i64> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::holder_id.eq(new.holder_id),
            notifications::handbook_id.eq(new.handbook_id),
            notifications::kind.eq(new.kind),
            notifications::recipient.eq(new.recipient),
            notifications::subject.eq(new.subject),
            notifications::body.eq(new.body),
            notifications::status.eq(Delivery::Pending.as_str()),
            notifications::next_attempt_at.eq(new.next_attempt_at),
            notifications::created_at.eq(new.created_at),
        ))
        .returning(notifications::id)
        .get_result(conn)
}
