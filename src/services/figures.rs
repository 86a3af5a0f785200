//! The figures the dashboard shows each role: the queue at a glance, decisions and defects
//! over 30 days, OCR acceptance, and the machine and sign-in traffic of the day. Reads only,
//! each through a counter table or an index range (no `COUNT(*)` over a big table).

use time::{Date, PrimitiveDateTime};

use crate::db::{self, DbConnection};
use crate::domain::handbook::ReviewStatus;
use crate::domain::review::{Decision, Defect};
use crate::domain::sanctions::Article;
use crate::error::Fault;

/// The queue now, and the decisions since `week_start`.
pub struct Queue {
    pub waiting: i64,
    pub in_review: i64,
    /// Registrations waiting since before the SLA cut-off, counted up to the cap asked.
    pub overdue: i64,
    pub oldest: Option<PrimitiveDateTime>,
    pub decisions: Vec<(Decision, PrimitiveDateTime)>,
}

pub fn queue(
    conn: &mut DbConnection,
    overdue_before: PrimitiveDateTime,
    overdue_cap: i64,
    week_start: PrimitiveDateTime,
) -> Result<Queue, Fault> {
    Ok(Queue {
        waiting: db::counts::in_status(conn, ReviewStatus::Submitted)?,
        in_review: db::counts::in_status(conn, ReviewStatus::InReview)?,
        overdue: db::handbooks::waiting_since_before(conn, overdue_before, overdue_cap)?,
        oldest: db::handbooks::oldest_waiting(conn)?,
        decisions: db::decisions::since(conn, week_start)?,
    })
}

/// Decisions per day (one entry per `[start, end)` asked), defect reasons and sanctions by
/// article since `since`.
pub struct Trends {
    pub per_day: Vec<Vec<(Decision, i64)>>,
    pub defects: Vec<(Defect, i64)>,
    pub sanctions: Vec<(Article, i64)>,
}

pub fn trends(
    conn: &mut DbConnection,
    days: &[(PrimitiveDateTime, PrimitiveDateTime)],
    since: PrimitiveDateTime,
) -> Result<Trends, Fault> {
    let per_day = days
        .iter()
        .map(|(start, end)| db::trends::decisions_between(conn, *start, *end))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Trends {
        per_day,
        defects: db::trends::defects_since(conn, since)?,
        sanctions: db::trends::sanctions_since(conn, since)?,
    })
}

/// Per field and outcome (`accepted`, `changed`, …), how many OCR suggestions were settled.
pub fn ocr_outcomes(conn: &mut DbConnection, since: PrimitiveDateTime) -> Result<Vec<(String, String, i64)>, Fault> {
    Ok(db::ocr::outcomes_since(conn, since)?)
}

/// Today's card reads (reads, holders), card callers refused, and sign-ins with an unknown
/// e-mail: counted beside the audit chain, not in it.
pub struct Traffic {
    pub card_reads: i64,
    pub card_holders: i64,
    pub card_refused: i64,
    pub unknown_sign_ins: i64,
}

pub fn traffic(conn: &mut DbConnection, today: Date) -> Result<Traffic, Fault> {
    let mut tally = |kind| -> Result<i64, Fault> {
        Ok(db::tallies::per_day(conn, kind, today, today)?.first().map_or(0, |(_, n)| *n))
    };
    let card_refused = tally(db::tallies::CARD_THROTTLED)?;
    let unknown_sign_ins = tally(db::tallies::UNKNOWN_SIGN_IN)?;
    let (card_reads, card_holders) = db::card_reads::day_totals(conn, today)?;
    Ok(Traffic { card_reads, card_holders, card_refused, unknown_sign_ins })
}
