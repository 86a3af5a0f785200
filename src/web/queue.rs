//! `/queue`: registrations to review, oldest first, one keyset page at a time; and "take
//! next", which claims the oldest one nobody holds.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::access::Reviewers;
use super::auth::RequireRole;
use super::error::AppResult;
use super::format::{datetime_jst, waiting};
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::{from_db, to_db};
use crate::domain::handbook::{Channel, HandbookKind, ReviewStatus};
use crate::domain::search::Search;
use crate::services::queue::{self, QueueFilter, QueueRow};
use crate::services::review::claim;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    kind: Option<String>,
    q: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

pub struct Tab {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub current: bool,
}

pub struct Line {
    pub id: i64,
    pub kind: &'static str,
    pub status: &'static str,
    pub public_id: String,
    pub submitted: String,
    pub waiting: String,
    pub overdue: bool,
    pub channel: &'static str,
    pub claimer: Option<String>,
    pub name: Option<String>,
}

pub struct KindOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    layout: Layout,
    tabs: Vec<Tab>,
    kinds: Vec<KindOption>,
    status: String,
    kind: String,
    q: String,
    lines: Vec<Line>,
    next: Option<String>,
    previous: Option<String>,
    /// 「受付 A 〜 B の N件」: where this page lies.
    range: Option<String>,
    /// A search looks through every status.
    searching: bool,
    /// A name or reading prefix: the page says it lists from the first matches only.
    prefix_search: bool,
    shows_names: bool,
    sla_hours: u32,
}

fn encode_cursor(row: &QueueRow) -> String {
    format!("{}_{}", row.submitted_at.assume_utc().unix_timestamp_nanos() / 1000, row.id)
}

fn decode_cursor(raw: &str) -> Option<(PrimitiveDateTime, i64)> {
    let (micros, id) = raw.split_once('_')?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(micros.parse::<i128>().ok()? * 1000).ok()?;
    Some((to_db(at), id.parse().ok()?))
}

/// The tabs: a status each (its code in the URL), and "all".
const TABS: [(&str, Option<ReviewStatus>, &str); 6] = [
    ("submitted", Some(ReviewStatus::Submitted), "審査待ち"),
    ("in_review", Some(ReviewStatus::InReview), "審査中"),
    ("returned", Some(ReviewStatus::Returned), "差し戻し"),
    ("approved", Some(ReviewStatus::Approved), "承認済"),
    ("rejected", Some(ReviewStatus::Rejected), "却下"),
    ("all", None, "すべて"),
];

pub async fn show(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    query: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let (status, status_filter) = TABS
        .iter()
        .find(|(code, _, _)| query.status.as_deref() == Some(*code))
        .map(|(code, filter, _)| ((*code).to_owned(), *filter))
        .unwrap_or_else(|| ("submitted".into(), Some(ReviewStatus::Submitted)));
    let kind = query.kind.as_deref().and_then(HandbookKind::parse);
    let q = query.q.unwrap_or_default();
    let search = Search::classify(&q);
    // A search finds a registration whatever its status: a reviewer looking for one by ID or
    // number should not have to guess its tab.
    let searching = !q.trim().is_empty();
    let prefix_search = matches!(search, Search::KanaPrefix(_) | Search::NamePrefix(_));
    let (status, status_filter) = if searching { ("all".to_owned(), None) } else { (status, status_filter) };
    let after = query.after.as_deref().and_then(decode_cursor);
    let before = query.before.as_deref().and_then(decode_cursor);
    // Only the first page of a search is recorded: paging through its results is one search.
    let first_page = after.is_none() && before.is_none();
    let typed = q.clone();
    let (rows, counts) = state
        .as_staff(&staff, move |conn, acting| {
            let filter =
                QueueFilter { status: status_filter, kind, search: &search, after, before, limit: PAGE_SIZE + 1 };
            Ok(queue::browse(conn, &filter, &typed, first_page, PAGE_SIZE as usize, acting)?)
        })
        .await?;
    let now = state.clock.now();
    let sla = time::Duration::hours(i64::from(state.settings.queue_sla_hours));
    let count_of = |tab: Option<ReviewStatus>| -> i64 {
        counts
            .iter()
            .filter(|(s, k, _)| tab.is_none_or(|t| t == *s) && kind.is_none_or(|kd| kd == *k))
            .map(|(_, _, n)| *n)
            .sum()
    };
    let more = rows.len() as i64 > PAGE_SIZE;
    // Going back, the extra row is the oldest one (it says an earlier page exists).
    let rows: Vec<QueueRow> = if before.is_some() && more {
        rows.into_iter().skip(1).collect()
    } else {
        rows.into_iter().take(PAGE_SIZE as usize).collect()
    };
    let next = if more || before.is_some() { rows.last().map(encode_cursor) } else { None };
    let previous = if (before.is_some() && more) || after.is_some() { rows.first().map(encode_cursor) } else { None };
    let range = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => Some(format!(
            "受付 {} 〜 {} の{}件",
            datetime_jst(from_db(first.submitted_at)),
            datetime_jst(from_db(last.submitted_at)),
            rows.len()
        )),
        _ => None,
    };
    let shows_names = staff.role.sees_handbook_numbers();
    let lines = rows.into_iter().map(|r| line(r, now, sla, shows_names)).collect();
    let page = QueuePage {
        layout: Layout::for_staff(&staff, "審査キュー", "/queue"),
        tabs: TABS
            .iter()
            .map(|(code, filter, label)| Tab { code, label, count: count_of(*filter), current: *code == status })
            .collect(),
        kinds: HandbookKind::ALL
            .iter()
            .map(|k| KindOption { code: k.as_str(), label: k.label(), selected: Some(*k) == kind })
            .collect(),
        status,
        kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        q,
        lines,
        next,
        previous,
        range,
        searching,
        prefix_search,
        shows_names,
        sla_hours: state.settings.queue_sla_hours,
    };
    render::page(StatusCode::OK, &page)
}

/// One row of the list: how long it has waited, whether past the SLA, who holds it now.
fn line(r: QueueRow, now: OffsetDateTime, sla: time::Duration, shows_names: bool) -> Line {
    let submitted = from_db(r.submitted_at);
    let waiting_for = now - submitted;
    let open = r.status.is_undecided();
    Line {
        id: r.id,
        kind: r.kind.label(),
        status: r.status.label(),
        public_id: r.public_id,
        submitted: datetime_jst(submitted),
        waiting: if open { waiting(waiting_for) } else { "—".into() },
        overdue: open && waiting_for > sla,
        channel: if r.proxy {
            "代理登録"
        } else if r.channel == Channel::Staff {
            "窓口"
        } else {
            "アプリ"
        },
        claimer: r.claimer.filter(|_| r.claim_expires_at.is_some_and(|t| from_db(t) > now)),
        name: r.name.filter(|_| shows_names),
    }
}

#[derive(Deserialize)]
pub struct TakeForm {
    #[serde(default)]
    kind: String,
}

pub async fn take_next(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    form: web::Form<TakeForm>,
) -> AppResult<HttpResponse> {
    open_next(&state, &staff, HandbookKind::parse(&form.kind), None).await
}

/// Takes the next registration and opens it (or the queue, saying none waits), with `done`
/// (what was just decided) as the notice on the next screen.
pub async fn open_next(
    state: &AppState,
    staff: &super::auth::CurrentStaff,
    kind: Option<HandbookKind>,
    done: Option<&str>,
) -> AppResult<HttpResponse> {
    let taken = super::review::act(state, staff, move |conn, acting| claim::take_next(conn, acting, kind))
        .await?
        .map_err(|_| super::error::AppError::Forbidden)?;
    let prefix = done.map(|d| format!("{d} ")).unwrap_or_default();
    let location = match taken {
        Some(id) => {
            if done.is_some() {
                session::set_notice(&staff.session, &format!("{prefix}次の登録 #{id} を担当しました。"))?;
            }
            format!("/registrations/{id}")
        }
        None => {
            session::set_notice(&staff.session, &format!("{prefix}審査待ちの登録はありません。"))?;
            "/queue".to_owned()
        }
    };
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let at = to_db(time::macros::datetime!(2026-11-24 01:02:03.456789 UTC));
        let row = QueueRow {
            id: 42,
            kind: HandbookKind::Physical,
            status: ReviewStatus::Submitted,
            channel: Channel::App,
            proxy: false,
            submitted_at: at,
            claimed_by: None,
            claim_expires_at: None,
            public_id: "MR-000001".into(),
            claimer: None,
            name: None,
        };
        assert_eq!(decode_cursor(&encode_cursor(&row)), Some((at, 42)));
        assert_eq!(decode_cursor("garbage"), None);
    }
}
