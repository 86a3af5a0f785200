//! The support center's contact log (`support_contacts`) and resent notices.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{holders, notifications, staff, support_contacts as sc};
use crate::domain::notice::Delivery;

pub struct NewContact<'a> {
    pub reference: &'a str,
    pub holder_id: i64,
    pub channel: &'a str,
    pub topic: &'a str,
    pub note: &'a str,
    pub restricted: bool,
    pub recorded_by: i64,
    pub recorded_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewContact<'_>) -> QueryResult<i64> {
    diesel::insert_into(sc::table)
        .values((
            sc::reference.eq(new.reference),
            sc::holder_id.eq(new.holder_id),
            sc::channel.eq(new.channel),
            sc::topic.eq(new.topic),
            sc::note.eq(new.note),
            sc::restricted.eq(new.restricted),
            sc::recorded_by.eq(new.recorded_by),
            sc::recorded_at.eq(new.recorded_at),
        ))
        .returning(sc::id)
        .get_result(conn)
}

/// One contact as lists show it (the note is read on its own page).
#[derive(Queryable, Debug, Clone)]
pub struct ContactLine {
    pub id: i64,
    pub reference: String,
    pub holder_id: i64,
    pub public_id: String,
    pub channel: String,
    pub topic: String,
    pub restricted: bool,
    pub recorded_by_name: String,
    pub recorded_at: PrimitiveDateTime,
}

macro_rules! line_columns {
    () => {
        (
            sc::id,
            sc::reference,
            sc::holder_id,
            holders::public_id,
            sc::channel,
            sc::topic,
            sc::restricted,
            staff::display_name,
            sc::recorded_at,
        )
    };
}

/// Contacts newest first, before the keyset `(recorded_at, id)`; of one holder, or by reference.
pub fn lines(
    conn: &mut DbConnection,
    holder: Option<i64>,
    reference: Option<&str>,
    before: Option<(PrimitiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<ContactLine>> {
    let mut q = sc::table
        .inner_join(holders::table.on(holders::id.eq(sc::holder_id)))
        .inner_join(staff::table.on(staff::id.eq(sc::recorded_by)))
        .select(line_columns!())
        .order((sc::recorded_at.desc(), sc::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(h) = holder {
        q = q.filter(sc::holder_id.eq(h));
    }
    if let Some(r) = reference {
        q = q.filter(sc::reference.eq(r));
    }
    if let Some((at, id)) = before {
        q = q.filter(sc::recorded_at.lt(at).or(sc::recorded_at.eq(at).and(sc::id.lt(id))));
    }
    q.load(conn)
}

/// One contact with its note.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(ContactLine, String)>> {
    sc::table
        .inner_join(holders::table.on(holders::id.eq(sc::holder_id)))
        .inner_join(staff::table.on(staff::id.eq(sc::recorded_by)))
        .filter(sc::id.eq(id))
        .select((line_columns!(), sc::note))
        .first(conn)
        .optional()
}

/// Contacts per topic since `since` (the dashboard).
pub fn per_topic(conn: &mut DbConnection, since: PrimitiveDateTime) -> QueryResult<Vec<(String, i64)>> {
    sc::table
        .filter(sc::recorded_at.ge(since))
        .group_by(sc::topic)
        .select((sc::topic, diesel::dsl::count_star()))
        .load(conn)
}

/// Erases the notes about a holder (抹消); the contacts' dates, channels and topics stay.
pub fn erase_notes(conn: &mut DbConnection, holder_id: i64) -> QueryResult<usize> {
    diesel::update(sc::table.filter(sc::holder_id.eq(holder_id))).set(sc::note.eq("（抹消により削除）")).execute(conn)
}

/// A notice to resend: holder, registration, kind, subject, body.
pub type Notice = (i64, Option<i64>, String, String, String);

pub fn notice(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Notice>> {
    notifications::table
        .find(id)
        .select((
            notifications::holder_id,
            notifications::handbook_id,
            notifications::kind,
            notifications::subject,
            notifications::body,
        ))
        .first(conn)
        .optional()
}

/// A resend of this notice made since `since` (or still waiting): a second press would send it
/// twice.
pub fn resent_since(conn: &mut DbConnection, of: i64, since: PrimitiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        notifications::table
            .filter(notifications::resend_of.eq(of))
            .filter(notifications::status.eq(Delivery::Pending.as_str()).or(notifications::created_at.ge(since))),
    ))
    .get_result(conn)
}

pub fn mark_resend(conn: &mut DbConnection, id: i64, of: i64) -> QueryResult<usize> {
    diesel::update(notifications::table.find(id)).set(notifications::resend_of.eq(of)).execute(conn)
}

/// An e-mail change waiting for a supervisor: id, new address, note, proposer, proposer's name, when.
pub type EmailChange = (i64, Option<String>, String, i64, String, PrimitiveDateTime);

pub fn pending_email_change(conn: &mut DbConnection, holder_id: i64) -> QueryResult<Option<EmailChange>> {
    use super::schema::email_change_proposals as e;
    e::table
        .inner_join(staff::table.on(staff::id.eq(e::proposed_by)))
        .filter(e::holder_id.eq(holder_id))
        .filter(e::state.eq("proposed"))
        .select((e::id, e::new_email, e::note, e::proposed_by, staff::display_name, e::proposed_at))
        .first(conn)
        .optional()
}

pub fn propose_email_change(
    conn: &mut DbConnection,
    holder_id: i64,
    email: &str,
    note: &str,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<i64> {
    use super::schema::email_change_proposals as e;
    diesel::insert_into(e::table)
        .values((
            e::holder_id.eq(holder_id),
            e::new_email.eq(email),
            e::note.eq(note),
            e::state.eq("proposed"),
            e::proposed_by.eq(by),
            e::proposed_at.eq(at),
        ))
        .returning(e::id)
        .get_result(conn)
}

/// Closes a waiting proposal; 0 rows when it was decided meanwhile.
pub fn decide_email_change(
    conn: &mut DbConnection,
    id: i64,
    outcome: &str,
    by: i64,
    at: PrimitiveDateTime,
) -> QueryResult<usize> {
    use super::schema::email_change_proposals as e;
    diesel::update(e::table.find(id).filter(e::state.eq("proposed")))
        .set((e::state.eq(outcome), e::decided_by.eq(by), e::decided_at.eq(at)))
        .execute(conn)
}

/// The holder of a proposal.
pub fn email_change_holder(conn: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    use super::schema::email_change_proposals as e;
    e::table.find(id).select(e::holder_id).first(conn).optional()
}

/// Erases the addresses proposed for a holder (抹消).
pub fn erase_email_changes(conn: &mut DbConnection, holder_id: i64) -> QueryResult<usize> {
    use super::schema::email_change_proposals as e;
    diesel::update(e::table.filter(e::holder_id.eq(holder_id))).set(e::new_email.eq(None::<String>)).execute(conn)
}
