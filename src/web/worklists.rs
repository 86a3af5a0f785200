//! `/worklists`: what supervisors work through. Possible duplicate IDs (art. 3(1)(vi)), with
//! reissue overlaps shown apart (the old ID is withdrawn, not sanctioned); holders who could not
//! be reached for three years (art. 3(5)(i)); handbooks returned to the municipality on IDs not
//! withdrawn (art. 3(1)(v)), as a person recorded it; handbooks the Myna Portal has no record of
//! (a gap to look into, with no sanction offered); proposals waiting for a second supervisor are at
//! `/sanctions`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::Duration;

use super::access::Supervisors;
use super::auth::RequireRole;
use super::error::AppResult;
use super::format::datetime_jst;
use super::layout::Layout;
use super::render;
use super::state::AppState;
use crate::clock::{from_db, to_db};
use crate::domain::duplicates::Overlap;
use crate::services::worklists::{self, Cursors, Held, Lists, Pair, Returned};

const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    after: String,
    #[serde(default)]
    unreachable_after: Option<i64>,
    #[serde(default)]
    expired_after: String,
    #[serde(default)]
    returned_after: String,
    #[serde(default)]
    no_record_after: String,
    #[serde(default)]
    myna_after: Option<i64>,
    #[serde(default)]
    held_after: String,
    #[serde(default)]
    faceless_after: Option<i64>,
}

/// A returned handbook on an ID that was not withdrawn.
pub struct ReturnedLine {
    pub holder: i64,
    pub public_id: String,
    pub kind: &'static str,
    pub handbook: i64,
    pub when: String,
}

/// Keyset of the returned list: `{unix nanoseconds}_{handbook id}` (the stored time, exactly).
fn returned_key(raw: &str) -> Option<(time::PrimitiveDateTime, i64)> {
    let (at, id) = raw.split_once('_')?;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(at.parse().ok()?).ok()?;
    Some((to_db(at), id.parse().ok()?))
}

pub struct PairLine {
    pub why: &'static str,
    pub old_public_id: String,
    pub old_holder: i64,
    pub new_public_id: String,
    pub new_holder: i64,
}

pub struct UnreachableLine {
    pub holder: i64,
    pub public_id: String,
    pub since: String,
    pub failures: i64,
}

#[derive(Template)]
#[template(path = "worklists.html")]
struct Page {
    layout: Layout,
    duplicates: Vec<PairLine>,
    reissues: Vec<PairLine>,
    next: Option<String>,
    unreachable: Vec<UnreachableLine>,
    next_unreachable: Option<i64>,
    expired: Vec<(i64, &'static str, String, i64, String)>,
    next_expired: Option<String>,
    returned: Vec<ReturnedLine>,
    next_returned: Option<String>,
    /// Handbooks the Myna Portal had no record of: same shape, `when` is since when.
    no_record: Vec<ReturnedLine>,
    next_no_record: Option<String>,
    /// Handbooks whose Myna Portal data waits for a check.
    myna: Vec<crate::services::myna::check::Waiting>,
    next_myna: Option<i64>,
    /// Registrations a reviewer parked for a supervisor: id, public ID, kind, when, by, why.
    held: Vec<(i64, String, &'static str, String, String, String)>,
    next_held: Option<String>,
    /// Approved handbooks with no face on the card: registration, kind, holder, public ID.
    faceless: Vec<(i64, &'static str, i64, String)>,
    next_faceless: Option<i64>,
    /// Lost-phone reports at the caps, and reinstatements by the support center: report id,
    /// reference, holder (row id, public ID), since when.
    locked_reports: Vec<LostLine>,
    reinstatements: Vec<LostLine>,
}

pub struct LostLine {
    pub id: i64,
    pub reference: String,
    pub holder: Option<(i64, String)>,
    pub since: String,
}

fn lost_line((id, reference, holder, public_id, at): &crate::services::support::WaitingReport) -> LostLine {
    LostLine {
        id: *id,
        reference: reference.clone(),
        holder: holder.zip(public_id.clone()),
        since: datetime_jst(from_db(*at)),
    }
}

fn line(p: &Pair) -> PairLine {
    // Older issue first: that is the ID to withdraw in a reissue.
    let (old, new) = if p.a_issued <= p.b_issued {
        ((p.a_public_id.clone(), p.a_holder), (p.b_public_id.clone(), p.b_holder))
    } else {
        ((p.b_public_id.clone(), p.b_holder), (p.a_public_id.clone(), p.a_holder))
    };
    PairLine {
        why: if p.why == "number" { "同じ発行元・手帳番号" } else { "同じ氏名・生年月日" },
        old_public_id: old.0,
        old_holder: old.1,
        new_public_id: new.0,
        new_holder: new.1,
    }
}

impl ListQuery {
    fn cursors(&self) -> Cursors {
        Cursors {
            pairs: self
                .after
                .split_once('_')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .unwrap_or((0, 0)),
            unreachable: self.unreachable_after.unwrap_or(0),
            expired: self.expired_after.split_once('_').and_then(|(d, id)| {
                let date = time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
                Some((date, id.parse().ok()?))
            }),
            returned: returned_key(&self.returned_after),
            no_record: returned_key(&self.no_record_after),
            myna: self.myna_after.unwrap_or(0),
            held: returned_key(&self.held_after),
            faceless: self.faceless_after.unwrap_or(0),
        }
    }
}

/// The cursor of the next page: the last row shown, when one more row than a page came back.
fn next_of<T, K>(rows: &[T], key: impl Fn(&T) -> K) -> Option<K> {
    (rows.len() as i64 > PAGE).then(|| rows.get(PAGE as usize - 1)).flatten().map(key)
}

fn shown<T>(rows: &[T]) -> impl Iterator<Item = &T> {
    rows.iter().take(PAGE as usize)
}

pub async fn show(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let cursors = query.cursors();
    let cutoff = to_db(state.clock.now() - Duration::days(365 * 3 + 1));
    let today = crate::clock::today_jst(state.clock.now());
    let provided = state.settings.myna_provided.clone();
    let lists = state.db(move |conn| Ok(worklists::load(conn, &cursors, cutoff, today, &provided, PAGE + 1)?)).await?;
    let Lists {
        pairs,
        unreachable,
        expired,
        returned,
        no_record,
        mut myna,
        held,
        faceless,
        locked_reports,
        reinstatements,
    } = lists;
    let next_myna = next_of(&myna, |w| w.handbook_id);
    myna.truncate(PAGE as usize);
    let next = next_of(&pairs, |p| format!("{}_{}", p.a_handbook, p.b_handbook));
    let mut pairs: Vec<Pair> = pairs.into_iter().take(PAGE as usize).collect();
    // One line per pair: the same handbook number says more than the same person.
    pairs.sort_by(|x, y| {
        (x.a_handbook, x.b_handbook, x.why != "number").cmp(&(y.a_handbook, y.b_handbook, y.why != "number"))
    });
    pairs.dedup_by_key(|p| (p.a_handbook, p.b_handbook));
    let page = Page {
        layout: Layout::for_staff(&staff, "作業リスト", "/worklists"),
        duplicates: pairs.iter().filter(|p| worklists::overlap(p) == Overlap::Duplicate).map(line).collect(),
        reissues: pairs.iter().filter(|p| worklists::overlap(p) == Overlap::Reissue).map(line).collect(),
        next,
        next_unreachable: next_of(&unreachable, |u| u.holder_id),
        unreachable: shown(&unreachable)
            .map(|u| UnreachableLine {
                holder: u.holder_id,
                public_id: u.public_id.clone(),
                since: datetime_jst(from_db(u.first_failure)),
                failures: u.failures,
            })
            .collect(),
        next_expired: next_of(&expired, |e| format!("{}_{}", e.expires_on, e.handbook_id)),
        expired: shown(&expired)
            .map(|e| {
                let expires = crate::domain::wareki::format(e.expires_on);
                (e.holder_id, e.kind.label(), expires, e.handbook_id, e.public_id.clone())
            })
            .collect(),
        next_returned: next_of(&returned, |r| {
            format!("{}_{}", from_db(r.returned_at).unix_timestamp_nanos(), r.handbook_id)
        }),
        returned: shown(&returned).map(returned_line).collect(),
        next_no_record: next_of(&no_record, |r| {
            format!("{}_{}", from_db(r.since).unix_timestamp_nanos(), r.handbook_id)
        }),
        no_record: shown(&no_record).map(no_record_line).collect(),
        myna,
        next_myna,
        next_held: next_of(&held, |h| format!("{}_{}", from_db(h.3).unix_timestamp_nanos(), h.0)),
        held: shown(&held).map(held_line).collect(),
        next_faceless: next_of(&faceless, |f| f.0),
        faceless: shown(&faceless)
            .map(|(id, kind, holder, public_id)| (*id, kind.label(), *holder, public_id.clone()))
            .collect(),
        locked_reports: locked_reports.iter().map(lost_line).collect(),
        reinstatements: reinstatements.iter().map(lost_line).collect(),
    };
    render::page(StatusCode::OK, &page)
}

fn returned_line(r: &Returned) -> ReturnedLine {
    ReturnedLine {
        holder: r.holder_id,
        public_id: r.public_id.clone(),
        kind: r.kind.label(),
        handbook: r.handbook_id,
        when: datetime_jst(from_db(r.returned_at)),
    }
}

fn no_record_line(r: &crate::services::worklists::NoRecord) -> ReturnedLine {
    ReturnedLine {
        holder: r.holder_id,
        public_id: r.public_id.clone(),
        kind: r.kind.label(),
        handbook: r.handbook_id,
        when: datetime_jst(from_db(r.since)),
    }
}

fn held_line((id, public_id, kind, at, by, why): &Held) -> (i64, String, &'static str, String, String, String) {
    let (by, why) = (by.clone().unwrap_or_default(), why.clone().unwrap_or_default());
    (*id, public_id.clone(), kind.label(), datetime_jst(from_db(*at)), by, why)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(flatten)]
    confirmation: super::forms::Confirmation,
}

/// A supervisor lets a locked lost-phone report be checked again, after looking at it.
pub async fn unlock_report(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let notice = "解除していません。解除するときは確認欄にチェックを入れてから押してください。";
    lost_device_step(&state, &staff, *id, &form.confirmation, notice, true).await
}

/// A supervisor has looked at a reinstatement by the support center.
pub async fn review_reinstatement(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let notice = "記録していません。確認したときは確認欄にチェックを入れてから押してください。";
    lost_device_step(&state, &staff, *id, &form.confirmation, notice, false).await
}

async fn lost_device_step(
    state: &AppState,
    staff: &RequireRole<Supervisors>,
    id: i64,
    confirmation: &super::forms::Confirmation,
    unconfirmed: &str,
    unlock: bool,
) -> AppResult<HttpResponse> {
    use crate::services::support;
    if let Some(back) = confirmation.required(&staff.session, unconfirmed, "/worklists#lost-title")? {
        return Ok(back);
    }
    let result = state
        .as_staff(staff, move |conn, acting| {
            super::error::support_refusal(if unlock {
                support::unlock(conn, id, acting)
            } else {
                support::reviewed(conn, id, acting)
            })
        })
        .await?;
    let notice = match (result, unlock) {
        (Ok(true), true) => "本人確認の上限を解除しました。サポートセンターはもう一度本人確認できます。".to_owned(),
        (Ok(true), false) => "利用再開を確認済みにしました。".to_owned(),
        (Ok(false), _) => "すでに対応済みです。".to_owned(),
        (Err(message), _) => message,
    };
    super::session::set_notice(&staff.session, &notice)?;
    Ok(HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, "/worklists#lost-title")).finish())
}
