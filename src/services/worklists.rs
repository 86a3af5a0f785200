//! What supervisors work through (`/worklists`): possible duplicate IDs, holders unreachable
//! for three years, expired handbooks, handbooks returned to the municipality, handbooks the
//! Myna Portal has no record of (a gap, not a return), Myna Portal data waiting for its check, and registrations parked for a supervisor. Reads only; each
//! list is one keyset page, read in one call so the page shows one moment.

use time::{Date, PrimitiveDateTime};

use crate::db::{self, DbConnection};
use crate::domain::duplicates::{self, Match, Overlap, Side};
use crate::domain::handbook::HandbookKind;
use crate::domain::reconcile::Provided;
use crate::error::Fault;
use crate::services::myna::check::{self, Waiting};

pub use crate::db::queue::Held;
pub use crate::db::worklists::{Expired, NoRecord, Pair, Returned, Unreachable};

/// Where each list's page starts: the last row of the page before, per list.
#[derive(Clone, Debug, Default)]
pub struct Cursors {
    pub pairs: (i64, i64),
    pub unreachable: i64,
    pub expired: Option<(Date, i64)>,
    pub returned: Option<(PrimitiveDateTime, i64)>,
    pub no_record: Option<(PrimitiveDateTime, i64)>,
    pub myna: i64,
    pub held: Option<(PrimitiveDateTime, i64)>,
    pub faceless: i64,
}

/// One page of every list (up to `limit` rows each: ask one more than shown to know whether
/// a next page exists).
pub struct Lists {
    pub pairs: Vec<Pair>,
    pub unreachable: Vec<Unreachable>,
    pub expired: Vec<Expired>,
    pub returned: Vec<Returned>,
    pub no_record: Vec<NoRecord>,
    pub myna: Vec<Waiting>,
    pub held: Vec<Held>,
    /// Approved handbooks with no face crop: registration, kind, holder, public ID.
    pub faceless: Vec<(i64, HandbookKind, i64, String)>,
    /// Lost-phone reports at the identification caps (a supervisor looks, may unlock).
    pub locked_reports: Vec<crate::services::support::WaitingReport>,
    /// Reinstatements by the support center no supervisor has looked at yet.
    pub reinstatements: Vec<crate::services::support::WaitingReport>,
}

/// Rows of each lost-phone list shown (oldest first).
pub const LOST_DEVICE_ROWS: i64 = 100;

/// `unreachable_before`: a first failed delivery before this is three years unreachable;
/// `today` (in Japan) decides what has expired.
pub fn load(
    conn: &mut DbConnection,
    at: &Cursors,
    unreachable_before: PrimitiveDateTime,
    today: Date,
    provided: &Provided,
    limit: i64,
) -> Result<Lists, Fault> {
    // Both lost-phone lists are short by nature (a lock or a reinstatement is looked at the same
    // day); they show the oldest `LOST_DEVICE_ROWS`, with the count of more.
    let (locked_reports, reinstatements) = crate::services::support::for_supervisors(conn, LOST_DEVICE_ROWS)?;
    Ok(Lists {
        locked_reports,
        reinstatements,
        pairs: db::worklists::duplicate_pairs(conn, at.pairs, limit)?,
        unreachable: db::worklists::unreachable_since(conn, unreachable_before, at.unreachable, limit)?,
        expired: db::worklists::expired(conn, today, at.expired, limit)?,
        returned: db::worklists::returned(conn, at.returned, limit)?,
        no_record: db::worklists::no_portal_record(conn, at.no_record, limit)?,
        myna: check::waiting(conn, provided, at.myna, limit)?,
        held: db::queue::held(conn, at.held, limit)?,
        faceless: db::worklists::without_face(conn, at.faceless, limit)?,
    })
}

/// What a pair is, by `domain::duplicates`: a reissue (withdraw the older ID) or a duplicate.
/// A stored code that does not read makes a duplicate, for a person to look into.
pub fn overlap(p: &Pair) -> Overlap {
    let side = |kind: &str, issued| Side { kind: HandbookKind::parse(kind), issued };
    match Match::parse(&p.why) {
        Some(why) => duplicates::classify(why, side(&p.a_kind, p.a_issued), side(&p.b_kind, p.b_issued)),
        None => Overlap::Duplicate,
    }
}
