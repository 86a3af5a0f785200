//! The supervisors' work lists: possible duplicate IDs (and reissue overlaps), and holders who
//! could not be reached for three years. Each pages by keyset. The pair queries are plain SQL
//! both backends read alike; only our own integers and codes are written into them.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use time::PrimitiveDateTime;

use super::DbConnection;
use super::schema::{handbook_fields, handbooks, holders, notifications};
use crate::domain::handbook::HandbookKind;
use crate::domain::handbook::ReviewStatus;
use crate::domain::holder::HolderStatus;
use crate::domain::notice::Delivery;

/// Two registrations of different holders that look like one handbook or one person.
#[derive(QueryableByName, Debug, Clone)]
pub struct Pair {
    #[diesel(sql_type = BigInt)]
    pub a_handbook: i64,
    #[diesel(sql_type = BigInt)]
    pub a_holder: i64,
    #[diesel(sql_type = Text)]
    pub a_public_id: String,
    #[diesel(sql_type = Text)]
    pub a_status: String,
    #[diesel(sql_type = Date)]
    pub a_issued: time::Date,
    #[diesel(sql_type = Text)]
    pub a_kind: String,
    #[diesel(sql_type = BigInt)]
    pub b_handbook: i64,
    #[diesel(sql_type = BigInt)]
    pub b_holder: i64,
    #[diesel(sql_type = Text)]
    pub b_public_id: String,
    #[diesel(sql_type = Text)]
    pub b_status: String,
    #[diesel(sql_type = Date)]
    pub b_issued: time::Date,
    #[diesel(sql_type = Text)]
    pub b_kind: String,
    /// `number` (same municipality, number and kind) or `person` (same name and birth date):
    /// `domain::duplicates::Match`.
    #[diesel(sql_type = Text)]
    pub why: String,
}

fn codes(statuses: &[ReviewStatus]) -> String {
    statuses.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// Pairs after the keyset `(a, b)`, in order.
pub fn duplicate_pairs(conn: &mut DbConnection, after: (i64, i64), limit: i64) -> QueryResult<Vec<Pair>> {
    let live = codes(&ReviewStatus::LIVE);
    let ended = format!("'{}', '{}'", HolderStatus::Revoked.as_str(), HolderStatus::Withdrawn.as_str());
    let (after_a, after_b) = after;
    let pair = |why: &str, on: &str, also: &str| {
        format!(
            "SELECT a.handbook_id AS a_handbook, ha.holder_id AS a_holder, xa.public_id AS a_public_id,
                    xa.status AS a_status, a.issued_on AS a_issued, ha.kind AS a_kind,
                    b.handbook_id AS b_handbook, hb.holder_id AS b_holder, xb.public_id AS b_public_id,
                    xb.status AS b_status, b.issued_on AS b_issued, hb.kind AS b_kind, '{why}' AS why
             FROM handbook_fields a
             JOIN handbooks ha ON ha.id = a.handbook_id
             JOIN handbook_fields b ON {on} AND b.handbook_id > a.handbook_id
             JOIN handbooks hb ON hb.id = b.handbook_id
             JOIN holders xa ON xa.id = ha.holder_id
             JOIN holders xb ON xb.id = hb.holder_id
             WHERE ha.holder_id <> hb.holder_id{also}
               AND ha.status IN ({live}) AND hb.status IN ({live})
               AND xa.status NOT IN ({ended}) AND xb.status NOT IN ({ended})
               AND (a.handbook_id > {after_a} OR (a.handbook_id = {after_a} AND b.handbook_id > {after_b}))"
        )
    };
    let sql = format!(
        "SELECT * FROM ({} UNION {}) pairs ORDER BY a_handbook, b_handbook LIMIT {limit}",
        // A number is unique within one kind of handbook of one issuer, not across kinds.
        pair(
            "number",
            "b.number_key = a.number_key AND b.municipality_key = a.municipality_key",
            " AND hb.kind = ha.kind"
        ),
        pair("person", "b.name_key = a.name_key AND b.birth_date = a.birth_date", ""),
    );
    diesel::sql_query(sql).load(conn)
}

/// A holder every notice to whom has failed since `since` or earlier.
#[derive(Queryable, Debug, Clone)]
pub struct Unreachable {
    pub holder_id: i64,
    pub public_id: String,
    pub first_failure: PrimitiveDateTime,
    pub failures: i64,
}

/// Holders whose notices have all failed for three years (art. 3(5)(i)): at least one notice
/// failed on or before `cutoff`, and none was sent after the first failure. A holder never
/// mailed is not on it. Two queries whatever the page size; ordered by holder id after `after`.
pub fn unreachable_since(
    conn: &mut DbConnection,
    cutoff: PrimitiveDateTime,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Unreachable>> {
    // Candidates come in batches (three queries each, whatever their size) until the page is
    // full or none are left, so a run of reached or ended holders never cuts the list short.
    let mut out = Vec::new();
    let mut cursor = after;
    while (out.len() as i64) < limit {
        let (batch, last) = unreachable_batch(conn, cutoff, cursor, limit * 4)?;
        out.extend(batch);
        match last {
            Some(id) => cursor = id,
            None => break,
        }
    }
    out.truncate(limit as usize);
    Ok(out)
}

/// One batch of candidates after `after`: those still unreachable, and the last candidate
/// looked at (`None` when there were none).
fn unreachable_batch(
    conn: &mut DbConnection,
    cutoff: PrimitiveDateTime,
    after: i64,
    size: i64,
) -> QueryResult<(Vec<Unreachable>, Option<i64>)> {
    use diesel::dsl::{count_star, max, min};
    let failed: Vec<(i64, Option<PrimitiveDateTime>, i64)> = notifications::table
        .filter(notifications::status.eq(Delivery::Failed.as_str()))
        .filter(notifications::holder_id.gt(after))
        .group_by(notifications::holder_id)
        .having(min(notifications::created_at).le(cutoff))
        .select((notifications::holder_id, min(notifications::created_at), count_star()))
        .order(notifications::holder_id.asc())
        .limit(size)
        .load(conn)?;
    let Some(last) = failed.last().map(|f| f.0) else { return Ok((Vec::new(), None)) };
    let ids: Vec<i64> = failed.iter().map(|f| f.0).collect();
    let last_sent: Vec<(i64, Option<PrimitiveDateTime>)> = notifications::table
        .filter(notifications::holder_id.eq_any(&ids))
        .filter(notifications::status.eq(Delivery::Sent.as_str()))
        .group_by(notifications::holder_id)
        .select((notifications::holder_id, max(notifications::sent_at)))
        .load(conn)?;
    // Only IDs still standing, with an address to lose: an ended or erased one is done with.
    let ended = [HolderStatus::Revoked.as_str(), HolderStatus::Withdrawn.as_str()];
    let public_ids: Vec<(i64, String)> = holders::table
        .filter(holders::id.eq_any(&ids))
        .filter(holders::deleted_at.is_null())
        .filter(holders::email.is_not_null())
        .filter(holders::status.ne_all(ended))
        .select((holders::id, holders::public_id))
        .load(conn)?;
    let still = failed
        .into_iter()
        .filter_map(|(holder_id, first, failures)| {
            let first = first?;
            let reached = last_sent.iter().any(|(h, sent)| *h == holder_id && sent.is_some_and(|s| s >= first));
            let public_id = public_ids.iter().find(|(h, _)| *h == holder_id)?.1.clone();
            (!reached).then_some(Unreachable { holder_id, public_id, first_failure: first, failures })
        })
        .collect();
    Ok((still, Some(last)))
}

/// An approved handbook past its expiry.
#[derive(Queryable, Debug, Clone)]
pub struct Expired {
    pub handbook_id: i64,
    pub kind: HandbookKind,
    pub expires_on: time::Date,
    pub holder_id: i64,
    pub public_id: String,
}

/// Approved handbooks whose expiry is before `today`, on IDs still standing, oldest expiry
/// first, after the keyset `(expires_on, handbook id)`. The card already leaves them out;
/// the holder is due to register the renewed handbook.
pub fn expired(
    conn: &mut DbConnection,
    today: time::Date,
    after: Option<(time::Date, i64)>,
    limit: i64,
) -> QueryResult<Vec<Expired>> {
    let ended = [HolderStatus::Revoked.as_str(), HolderStatus::Withdrawn.as_str()];
    let mut query = handbooks::table
        .inner_join(handbook_fields::table)
        .inner_join(holders::table)
        .filter(handbooks::status.eq_any(ReviewStatus::APPROVED.map(ReviewStatus::as_str)))
        .filter(handbook_fields::expires_on.lt(today))
        .filter(holders::status.ne_all(ended))
        .select((
            handbooks::id,
            handbooks::kind,
            handbook_fields::expires_on.assume_not_null(),
            holders::id,
            holders::public_id,
        ))
        .into_boxed();
    if let Some((date, id)) = after {
        query = query.filter(
            handbook_fields::expires_on.ge(date).and(handbook_fields::expires_on.gt(date).or(handbooks::id.gt(id))),
        );
    }
    query.order((handbook_fields::expires_on.asc(), handbooks::id.asc())).limit(limit).load(conn)
}

/// A handbook a person recorded as returned to the municipality, on an ID still standing.
#[derive(Queryable, Debug, Clone)]
pub struct Returned {
    pub handbook_id: i64,
    pub kind: HandbookKind,
    pub returned_at: PrimitiveDateTime,
    pub holder_id: i64,
    pub public_id: String,
}

/// Returned handbooks (art. 3(1)(v)) whose ID was not withdrawn, oldest news first, after the
/// keyset `(returned_at, handbook id)`; through the partial index on `returned_at`.
pub fn returned(
    conn: &mut DbConnection,
    after: Option<(PrimitiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<Returned>> {
    let ended = [HolderStatus::Revoked.as_str(), HolderStatus::Withdrawn.as_str()];
    let mut query = handbooks::table
        .inner_join(holders::table)
        .filter(handbooks::returned_at.is_not_null())
        .filter(holders::status.ne_all(ended))
        .select((
            handbooks::id,
            handbooks::kind,
            handbooks::returned_at.assume_not_null(),
            holders::id,
            holders::public_id,
        ))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(handbooks::returned_at.ge(at).and(handbooks::returned_at.gt(at).or(handbooks::id.gt(id))));
    }
    query.order((handbooks::returned_at.asc(), handbooks::id.asc())).limit(limit).load(conn)
}

/// A handbook the Myna Portal had no record of, on an ID still standing.
#[derive(Queryable, Debug, Clone)]
pub struct NoRecord {
    pub handbook_id: i64,
    pub kind: HandbookKind,
    pub since: PrimitiveDateTime,
    pub holder_id: i64,
    pub public_id: String,
}

/// Handbooks the portal had no record of (and nobody recorded as returned), oldest gap first,
/// after the keyset `(myna_absent_at, handbook id)`; through the partial index on it.
pub fn no_portal_record(
    conn: &mut DbConnection,
    after: Option<(PrimitiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<NoRecord>> {
    let ended = [HolderStatus::Revoked.as_str(), HolderStatus::Withdrawn.as_str()];
    let mut query = handbooks::table
        .inner_join(holders::table)
        .filter(handbooks::myna_absent_at.is_not_null())
        .filter(handbooks::returned_at.is_null())
        .filter(holders::status.ne_all(ended))
        .select((
            handbooks::id,
            handbooks::kind,
            handbooks::myna_absent_at.assume_not_null(),
            holders::id,
            holders::public_id,
        ))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query
            .filter(handbooks::myna_absent_at.ge(at).and(handbooks::myna_absent_at.gt(at).or(handbooks::id.gt(id))));
    }
    query.order((handbooks::myna_absent_at.asc(), handbooks::id.asc())).limit(limit).load(conn)
}

/// Approved handbooks without a face crop on IDs still standing, by id after `after`: the card
/// shows no face, so a reviewer adds one.
pub fn without_face(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, HandbookKind, i64, String)>> {
    let ended = [HolderStatus::Revoked.as_str(), HolderStatus::Withdrawn.as_str()];
    handbooks::table
        .inner_join(holders::table)
        .filter(handbooks::status.eq_any(ReviewStatus::APPROVED.map(ReviewStatus::as_str)))
        .filter(handbooks::face_key.is_null())
        .filter(handbooks::id.gt(after))
        .filter(holders::status.ne_all(ended))
        .filter(holders::deleted_at.is_null())
        .select((handbooks::id, handbooks::kind, holders::id, holders::public_id))
        .order(handbooks::id.asc())
        .limit(limit)
        .load(conn)
}
