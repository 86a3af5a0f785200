//! OCR jobs (one per registration, leased like the notice outbox) and the suggestions they
//! leave for the review screen.

use diesel::prelude::*;
use time::{Duration, PrimitiveDateTime};

use super::schema::{ocr_jobs, ocr_suggestions};
use super::{DbConnection, write_tx};

pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";
/// The registration was decided or replaced before its photos were read.
pub const SKIPPED: &str = "skipped";

/// Queues the reading of a new registration's photos (in the intake's transaction).
pub fn enqueue(conn: &mut DbConnection, handbook_id: i64, at: PrimitiveDateTime) -> QueryResult<()> {
    diesel::insert_into(ocr_jobs::table)
        .values((
            ocr_jobs::handbook_id.eq(handbook_id),
            ocr_jobs::status.eq(PENDING),
            ocr_jobs::attempts.eq(0),
            ocr_jobs::next_attempt_at.eq(at),
            ocr_jobs::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims the oldest due job until `now + lease` under `token`, counting the attempt.
/// Returns the registration and which attempt this is.
pub fn claim(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
    lease: Duration,
    token: &str,
) -> QueryResult<Option<(i64, i32)>> {
    write_tx(conn, |c| {
        let due = ocr_jobs::table
            .filter(ocr_jobs::status.eq(PENDING))
            .filter(ocr_jobs::next_attempt_at.le(now))
            .filter(ocr_jobs::locked_until.is_null().or(ocr_jobs::locked_until.lt(now)))
            .order(ocr_jobs::next_attempt_at.asc())
            .limit(1)
            .select(ocr_jobs::handbook_id);
        let id: Option<i64> = match c {
            DbConnection::Sqlite(c) => due.first(c).optional()?,
            DbConnection::Pg(c) => due.for_update().skip_locked().first(c).optional()?,
        };
        let Some(id) = id else { return Ok(None) };
        diesel::update(ocr_jobs::table.find(id))
            .set((
                ocr_jobs::locked_until.eq(now + lease),
                ocr_jobs::lease_token.eq(token),
                ocr_jobs::attempts.eq(ocr_jobs::attempts + 1),
            ))
            .execute(c)?;
        let attempts = ocr_jobs::table.find(id).select(ocr_jobs::attempts).first(c)?;
        Ok(Some((id, attempts)))
    })
}

/// Ends a job this worker still holds: `false` when its lease was lost to another worker, whose
/// outcome then stands.
pub fn finish(
    conn: &mut DbConnection,
    handbook_id: i64,
    token: &str,
    status: &str,
    at: PrimitiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(held(handbook_id, token))
        .set((
            ocr_jobs::status.eq(status),
            ocr_jobs::finished_at.eq(at),
            ocr_jobs::locked_until.eq(None::<PrimitiveDateTime>),
            ocr_jobs::lease_token.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Puts a failed attempt back for later.
pub fn retry_at(conn: &mut DbConnection, handbook_id: i64, token: &str, at: PrimitiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(held(handbook_id, token))
        .set((
            ocr_jobs::next_attempt_at.eq(at),
            ocr_jobs::locked_until.eq(None::<PrimitiveDateTime>),
            ocr_jobs::lease_token.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

type Held<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<ocr_jobs::table, diesel::dsl::Eq<ocr_jobs::handbook_id, i64>>,
        diesel::dsl::Eq<ocr_jobs::lease_token, &'a str>,
    >,
    diesel::dsl::Eq<ocr_jobs::status, &'static str>,
>;

fn held(handbook_id: i64, token: &str) -> Held<'_> {
    ocr_jobs::table
        .filter(ocr_jobs::handbook_id.eq(handbook_id))
        .filter(ocr_jobs::lease_token.eq(token))
        .filter(ocr_jobs::status.eq(PENDING))
}

/// The job's status, if the registration has one.
pub fn job_status(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Option<String>> {
    ocr_jobs::table.find(handbook_id).select(ocr_jobs::status).first(conn).optional()
}

/// One stored suggestion.
#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = ocr_suggestions)]
pub struct SuggestionRow {
    pub handbook_id: i64,
    pub field: String,
    pub value: String,
    pub confidence: i32,
    pub page: Option<i32>,
    pub line: Option<i32>,
    pub box_x: Option<i32>,
    pub box_y: Option<i32>,
    pub box_w: Option<i32>,
    pub box_h: Option<i32>,
    pub outcome: Option<String>,
    pub outcome_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
}

pub fn insert_suggestions(conn: &mut DbConnection, rows: &[SuggestionRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(ocr_suggestions::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn suggestions(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Vec<SuggestionRow>> {
    ocr_suggestions::table
        .filter(ocr_suggestions::handbook_id.eq(handbook_id))
        .select(SuggestionRow::as_select())
        .load(conn)
}

/// Records what the reviewer did with one field's suggestion (`None`: not yet confirmed).
pub fn set_outcome(
    conn: &mut DbConnection,
    handbook_id: i64,
    field: &str,
    outcome: Option<&str>,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(ocr_suggestions::table.find((handbook_id, field)))
        .set((ocr_suggestions::outcome.eq(outcome), ocr_suggestions::outcome_at.eq(outcome.map(|_| at))))
        .execute(conn)?;
    Ok(())
}

/// The fields whose suggestion nobody has settled yet.
pub fn open_fields(conn: &mut DbConnection, handbook_id: i64) -> QueryResult<Vec<String>> {
    ocr_suggestions::table
        .filter(ocr_suggestions::handbook_id.eq(handbook_id))
        .filter(ocr_suggestions::outcome.is_null())
        .select(ocr_suggestions::field)
        .order(ocr_suggestions::field.asc())
        .load(conn)
}

/// Settles every open suggestion as not applying (the approval confirmed it).
pub fn dismiss_open(conn: &mut DbConnection, handbook_id: i64, at: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::update(
        ocr_suggestions::table
            .filter(ocr_suggestions::handbook_id.eq(handbook_id))
            .filter(ocr_suggestions::outcome.is_null()),
    )
    .set((
        ocr_suggestions::outcome.eq(crate::domain::ocr_fields::SuggestionUse::Dismissed.as_str()),
        ocr_suggestions::outcome_at.eq(at),
    ))
    .execute(conn)
}

/// Per field and outcome, how many suggestions read from a line were settled since `since`
/// (a value read from an absence, such as no fare stamp, matches the form's default and says
/// nothing about how well the photos are read).
pub fn outcomes_since(conn: &mut DbConnection, since: PrimitiveDateTime) -> QueryResult<Vec<(String, String, i64)>> {
    let rows: Vec<(String, Option<String>, i64)> = ocr_suggestions::table
        .filter(ocr_suggestions::outcome_at.ge(since))
        .filter(ocr_suggestions::page.is_not_null())
        .group_by((ocr_suggestions::field, ocr_suggestions::outcome))
        .select((ocr_suggestions::field, ocr_suggestions::outcome, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(f, o, n)| o.map(|o| (f, o, n))).collect())
}

/// An erased holder's suggestions keep only what they count for (field and outcome).
pub fn erase(conn: &mut DbConnection, handbook_ids: &[i64]) -> QueryResult<()> {
    diesel::update(ocr_suggestions::table.filter(ocr_suggestions::handbook_id.eq_any(handbook_ids)))
        .set((
            ocr_suggestions::value.eq(""),
            ocr_suggestions::box_x.eq(None::<i32>),
            ocr_suggestions::box_y.eq(None::<i32>),
            ocr_suggestions::box_w.eq(None::<i32>),
            ocr_suggestions::box_h.eq(None::<i32>),
        ))
        .execute(conn)?;
    diesel::update(
        ocr_jobs::table.filter(ocr_jobs::handbook_id.eq_any(handbook_ids)).filter(ocr_jobs::status.eq(PENDING)),
    )
    .set(ocr_jobs::status.eq(SKIPPED))
    .execute(conn)?;
    Ok(())
}
