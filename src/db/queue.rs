//! The review queue: one page at a time by keyset, and "take next" as one atomic claim.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::DbConnection;
use super::counts::moved;
use super::schema::{handbook_fields, handbooks, holders, staff};
use crate::domain::handbook::{Channel, HandbookKind, ReviewStatus};
pub use crate::domain::search::Search;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = handbooks)]
pub struct QueueRow {
    pub id: i64,
    pub kind: HandbookKind,
    pub status: ReviewStatus,
    pub channel: Channel,
    pub proxy: bool,
    pub submitted_at: PrimitiveDateTime,
    pub claimed_by: Option<i64>,
    pub claim_expires_at: Option<PrimitiveDateTime>,
    #[diesel(select_expression = holders::public_id)]
    pub public_id: String,
    #[diesel(select_expression = staff::display_name.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<staff::display_name>)]
    pub claimer: Option<String>,
    /// The transcribed name, if any (the screen shows it only to roles that may see it).
    #[diesel(select_expression = handbook_fields::name.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<handbook_fields::name>)]
    pub name: Option<String>,
}

pub struct QueueFilter<'a> {
    pub status: Option<ReviewStatus>,
    pub kind: Option<HandbookKind>,
    pub search: &'a Search,
    /// The last row of the previous page: (submitted_at, id).
    pub after: Option<(PrimitiveDateTime, i64)>,
    /// The first row of the next page, going back: (submitted_at, id). The page comes back
    /// in the usual order.
    pub before: Option<(PrimitiveDateTime, i64)>,
    pub limit: i64,
}

/// The smallest string greater than every string starting with `prefix`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// A name or reading prefix lists registrations from its first matches in the index's order,
/// at most this many (two pages): 「タカハ」 matches a tenth of a million holders, and sorting all of them
/// by date for one page took 0.7 s. A longer prefix narrows it.
pub const PREFIX_MATCHES: i64 = 100;

/// `$query` (boxed, reading `handbooks`) narrowed to the filter's tab, kind, search and
/// cursor, in the page's order (going back: newest first), limited to the page.
macro_rules! narrowed {
    ($query:expr, $filter:expr, $numbered:expr) => {{
        let filter: &QueueFilter<'_> = $filter;
        let mut query = $query;
        if let Some(status) = filter.status {
            query = query.filter(handbooks::status.eq(status.as_str()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(handbooks::kind.eq(kind.as_str()));
        }
        // Each search starts from its own index (a subquery the planner runs first), whatever
        // the tab: joined and filtered row by row, a number search walked every waiting
        // registration. The subqueries read aliases: the outer query reads the same tables.
        let (found, holder) = diesel::alias!(handbook_fields as found_fields, holders as found_holders);
        // The first registrations whose key starts with the prefix (the column differs, the
        // query does not).
        macro_rules! prefix_ids {
            ($column:expr, $prefix:expr) => {{
                let key = found.field($column);
                found
                    .filter(key.ge($prefix.clone()).and(key.lt(prefix_end($prefix))))
                    .select(found.field(handbook_fields::handbook_id))
                    .limit(PREFIX_MATCHES)
            }};
        }
        match filter.search {
            Search::None => {}
            Search::PublicId(public_id) => {
                let ids = holder
                    .filter(holder.field(holders::public_id).eq(public_id.clone()))
                    .select(holder.field(holders::id));
                query = query.filter(handbooks::holder_id.eq_any(ids))
            }
            Search::Email(email) => {
                let ids =
                    holder.filter(holder.field(holders::email).eq(email.clone())).select(holder.field(holders::id));
                query = query.filter(handbooks::holder_id.eq_any(ids))
            }
            Search::Number { .. } => {
                query = query.filter(handbooks::id.eq_any($numbered.as_deref().unwrap_or_default()))
            }
            Search::KanaPrefix(prefix) => {
                query = query.filter(handbooks::id.eq_any(prefix_ids!(handbook_fields::kana_key, prefix)))
            }
            Search::NamePrefix(prefix) => {
                query = query.filter(handbooks::id.eq_any(prefix_ids!(handbook_fields::name_key, prefix)))
            }
        }
        if let Some((at, id)) = filter.after {
            query = query
                .filter(handbooks::submitted_at.ge(at).and(handbooks::submitted_at.gt(at).or(handbooks::id.gt(id))));
        }
        if let Some((at, id)) = filter.before {
            query = query
                .filter(handbooks::submitted_at.le(at).and(handbooks::submitted_at.lt(at).or(handbooks::id.lt(id))))
                .order((handbooks::submitted_at.desc(), handbooks::id.desc()));
        } else {
            query = query.order((handbooks::submitted_at.asc(), handbooks::id.asc()));
        }
        query.limit(filter.limit)
    }};
}

/// One page of the queue. Lists and exact searches are one statement, walking their index in
/// the page's order and joining only the rows they keep. A name or reading prefix sorts its
/// candidates by date first, so it goes in two steps in one read transaction: the page's ids
/// from the registrations alone, then the holders, claimers and names of those rows only
/// (joined before the sort, it read a holder and a transcription for each of its hundred
/// candidates to show fifty, and after a commit by another connection each is a file read).
pub fn page(conn: &mut DbConnection, filter: &QueueFilter<'_>) -> QueryResult<Vec<QueueRow>> {
    // A number's registrations are found first, the typed id beside them: as one condition
    // (`id IN (…) OR id = ?`) PostgreSQL cannot start from either index and walked every
    // registration in date order, testing each (2 req/s).
    let numbered = match filter.search {
        Search::Number { key, id } => {
            let mut ids: Vec<i64> = handbook_fields::table
                .filter(handbook_fields::number_key.eq(key))
                .select(handbook_fields::handbook_id)
                .load(conn)?;
            ids.extend(*id);
            Some(ids)
        }
        _ => None,
    };
    let backwards = filter.before.is_some();
    if !matches!(filter.search, Search::KanaPrefix(_) | Search::NamePrefix(_)) {
        let rows = narrowed!(joined(), filter, numbered).load::<QueueRow>(conn)?;
        return Ok(in_page_order(rows, backwards));
    }
    conn.transaction(|conn| {
        let ids: Vec<i64> =
            narrowed!(handbooks::table.select(handbooks::id).into_boxed(), filter, numbered).load(conn)?;
        let rows = joined().filter(handbooks::id.eq_any(&ids)).load::<QueueRow>(conn)?;
        // Back in the order of the ids (the order the page was read in).
        let mut by_id: std::collections::HashMap<i64, QueueRow> = rows.into_iter().map(|r| (r.id, r)).collect();
        Ok(in_page_order(ids.iter().filter_map(|id| by_id.remove(id)).collect(), backwards))
    })
}

/// Rows read going back come newest first; the page shows them oldest first.
fn in_page_order(mut rows: Vec<QueueRow>, backwards: bool) -> Vec<QueueRow> {
    if backwards {
        rows.reverse();
    }
    rows
}

/// A registration with its holder's public ID, its claimer's name and its transcribed name.
type Joined = diesel::dsl::LeftJoin<
    diesel::dsl::LeftJoinOn<
        diesel::dsl::InnerJoin<handbooks::table, holders::table>,
        staff::table,
        diesel::dsl::Eq<diesel::dsl::Nullable<staff::id>, handbooks::claimed_by>,
    >,
    handbook_fields::table,
>;

type Backend = <DbConnection as Connection>::Backend;

fn joined<'a>()
-> diesel::dsl::IntoBoxed<'a, diesel::dsl::Select<Joined, diesel::dsl::AsSelect<QueueRow, Backend>>, Backend> {
    handbooks::table
        .inner_join(holders::table)
        .left_join(staff::table.on(staff::id.nullable().eq(handbooks::claimed_by)))
        .left_join(handbook_fields::table)
        .select(QueueRow::as_select())
        .into_boxed()
}

/// How long take-next passes by a registration its reviewer just let go.
pub const RELEASE_GRACE: time::Duration = time::Duration::minutes(30);

type ReleasedByOther =
    diesel::dsl::Or<diesel::dsl::IsNull<handbooks::released_by>, diesel::dsl::NotEq<handbooks::released_by, i64>>;
type NotJustReleased = diesel::dsl::Or<ReleasedByOther, diesel::dsl::Lt<handbooks::released_at, PrimitiveDateTime>>;

/// Not let go by `staff_id` since `since`.
fn not_just_released(staff_id: i64, since: PrimitiveDateTime) -> NotJustReleased {
    handbooks::released_by.is_null().or(handbooks::released_by.ne(staff_id)).or(handbooks::released_at.lt(since))
}

/// The oldest registration of one sort, locked for this transaction on PostgreSQL and skipped
/// by anyone else looking at the same time.
macro_rules! oldest {
    ($conn:expr, $base:expr) => {
        match $conn {
            DbConnection::Sqlite(c) => $base.first::<(i64, PrimitiveDateTime, HandbookKind)>(c).optional(),
            DbConnection::Pg(c) => {
                $base.for_update().skip_locked().first::<(i64, PrimitiveDateTime, HandbookKind)>(c).optional()
            }
        }
    };
}

/// Claims the oldest registration nobody holds for `staff_id` until `until`: the older of the
/// longest-waiting one and the one whose lease lapsed first, in one step: two reviewers pressing "take next" together never get the same
/// one. Must run inside a write transaction. Returns the id and the status it had.
pub fn take_next(
    conn: &mut DbConnection,
    staff_id: i64,
    kind: Option<HandbookKind>,
    now: PrimitiveDateTime,
    until: PrimitiveDateTime,
) -> QueryResult<Option<(i64, ReviewStatus)>> {
    let kinds: Vec<&str> = match kind {
        Some(k) => vec![k.as_str()],
        None => HandbookKind::ALL.map(HandbookKind::as_str).to_vec(),
    };
    let recently = now - RELEASE_GRACE;
    let waiting = oldest!(
        conn,
        handbooks::table
            .filter(handbooks::status.eq(ReviewStatus::Submitted.as_str()))
            .filter(handbooks::kind.eq_any(kinds.clone()))
            .filter(handbooks::held_at.is_null())
            .filter(not_just_released(staff_id, recently))
            .filter(handbooks::uploaded_by.is_null().or(handbooks::uploaded_by.ne(staff_id)))
            .order((handbooks::submitted_at.asc(), handbooks::id.asc()))
            .select((handbooks::id, handbooks::submitted_at, handbooks::kind))
    )?;
    // Of the lapsed leases, the one that lapsed first, read straight from the claims index
    // (status, lapse time): ordered by submission, or with the id as a tie-break PostgreSQL's
    // index lacks, it sorted every lapsed lease to find one (124 ms on SQLite, 30 ms on
    // PostgreSQL when a night's abandoned claims had piled up).
    let lapsed = oldest!(
        conn,
        handbooks::table
            .filter(handbooks::status.eq(ReviewStatus::InReview.as_str()))
            .filter(handbooks::claim_expires_at.lt(now))
            .filter(handbooks::kind.eq_any(kinds))
            .filter(handbooks::held_at.is_null())
            .filter(handbooks::uploaded_by.is_null().or(handbooks::uploaded_by.ne(staff_id)))
            .order(handbooks::claim_expires_at.asc())
            .select((handbooks::id, handbooks::submitted_at, handbooks::kind))
    )?;
    let chosen = match (waiting, lapsed) {
        (Some(w), Some(l)) => {
            Some(if (l.1, l.0) < (w.1, w.0) { (l, ReviewStatus::InReview) } else { (w, ReviewStatus::Submitted) })
        }
        (Some(w), None) => Some((w, ReviewStatus::Submitted)),
        (None, Some(l)) => Some((l, ReviewStatus::InReview)),
        (None, None) => None,
    };
    let Some(((id, _, kind), from)) = chosen else { return Ok(None) };
    set_claim(conn, id, kind, from, staff_id, now, until)?;
    Ok(Some((id, from)))
}

/// Sets the claim (status `in_review`) without touching the row's version: a claim says who
/// works on it, not what it says.
pub fn claim(
    conn: &mut DbConnection,
    id: i64,
    staff_id: i64,
    now: PrimitiveDateTime,
    until: PrimitiveDateTime,
) -> QueryResult<()> {
    let (old, kind): (ReviewStatus, HandbookKind) =
        handbooks::table.find(id).select((handbooks::status, handbooks::kind)).first(conn)?;
    set_claim(conn, id, kind, old, staff_id, now, until)
}

fn set_claim(
    conn: &mut DbConnection,
    id: i64,
    kind: HandbookKind,
    old_status: ReviewStatus,
    staff_id: i64,
    now: PrimitiveDateTime,
    until: PrimitiveDateTime,
) -> QueryResult<()> {
    diesel::update(handbooks::table.find(id))
        .set((
            handbooks::status.eq(ReviewStatus::InReview.as_str()),
            handbooks::claimed_by.eq(staff_id),
            handbooks::claim_expires_at.eq(until),
            handbooks::updated_at.eq(now),
        ))
        .execute(conn)?;
    moved(conn, kind, Some(old_status), Some(ReviewStatus::InReview))
}

/// Gives the registration back to the queue.
pub fn release(conn: &mut DbConnection, id: i64, by: i64, now: PrimitiveDateTime) -> QueryResult<()> {
    let (old, kind): (ReviewStatus, HandbookKind) =
        handbooks::table.find(id).select((handbooks::status, handbooks::kind)).first(conn)?;
    diesel::update(handbooks::table.find(id))
        .set((
            handbooks::status.eq(ReviewStatus::Submitted.as_str()),
            handbooks::claimed_by.eq(None::<i64>),
            handbooks::claim_expires_at.eq(None::<PrimitiveDateTime>),
            handbooks::updated_at.eq(now),
            handbooks::released_by.eq(by),
            handbooks::released_at.eq(now),
        ))
        .execute(conn)?;
    moved(conn, kind, Some(old), Some(ReviewStatus::Submitted))
}

/// Parks a registration for a supervisor: back to waiting, out of take-next's way.
pub fn hold(conn: &mut DbConnection, id: i64, by: i64, reason: &str, now: PrimitiveDateTime) -> QueryResult<()> {
    release(conn, id, by, now)?;
    diesel::update(handbooks::table.find(id))
        .set((handbooks::held_at.eq(now), handbooks::held_by.eq(by), handbooks::hold_reason.eq(reason)))
        .execute(conn)
        .map(drop)
}

/// Lifts a hold; the registration waits for take-next again.
pub fn unhold(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(handbooks::table.find(id))
        .set((
            handbooks::held_at.eq(None::<PrimitiveDateTime>),
            handbooks::held_by.eq(None::<i64>),
            handbooks::hold_reason.eq(None::<String>),
        ))
        .execute(conn)
}

/// A registration on hold: (id, holder's public ID, kind, when, by whom, why).
pub type Held = (i64, String, HandbookKind, PrimitiveDateTime, Option<String>, Option<String>);

/// Held registrations after `after` (hold time, id), oldest first (`handbooks_held`).
pub fn held(conn: &mut DbConnection, after: Option<(PrimitiveDateTime, i64)>, limit: i64) -> QueryResult<Vec<Held>> {
    use super::schema::staff;
    let mut query = handbooks::table
        .inner_join(holders::table)
        .left_join(staff::table.on(staff::id.nullable().eq(handbooks::held_by)))
        .filter(handbooks::held_at.is_not_null())
        .select((
            handbooks::id,
            holders::public_id,
            handbooks::kind,
            handbooks::held_at.assume_not_null(),
            staff::display_name.nullable(),
            handbooks::hold_reason,
        ))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(handbooks::held_at.ge(at).and(handbooks::held_at.gt(at).or(handbooks::id.gt(id))));
    }
    query.order((handbooks::held_at.asc(), handbooks::id.asc())).limit(limit).load(conn)
}

/// A hold: when, by whom (display name), why.
pub type Hold = (PrimitiveDateTime, Option<String>, Option<String>);

/// The hold on one registration.
pub fn hold_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Hold>> {
    use super::schema::staff;
    handbooks::table
        .left_join(staff::table.on(staff::id.nullable().eq(handbooks::held_by)))
        .filter(handbooks::id.eq(id))
        .filter(handbooks::held_at.is_not_null())
        .select((handbooks::held_at.assume_not_null(), staff::display_name.nullable(), handbooks::hold_reason))
        .first(conn)
        .optional()
}
