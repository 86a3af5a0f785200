//! `GET /`: where every role starts. Review roles see the queue at a glance: depth, the
//! oldest wait, what is past the SLA, and the decisions of today and the last week.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use time::{Duration, OffsetDateTime, Time};

use super::access::AnyStaff;
use super::auth::RequireRole;
use super::charts::Chart;
use super::error::AppResult;
use super::format::{JST, datetime_jst, waiting};
use super::layout::Layout;
use super::render;
use super::state::AppState;
use crate::clock::{from_db, to_db};
use crate::domain::review::Decision;
use crate::domain::staff::Role;
use crate::services::figures;

pub struct DayBar {
    pub label: String,
    pub total: i64,
    /// Width in percent of the busiest day, for the bar.
    pub percent: i64,
    pub class: &'static str,
}

pub struct Figures {
    pub waiting: i64,
    pub in_review: i64,
    pub overdue: i64,
    /// More than `overdue` wait past the SLA (the count stops at `OVERDUE_CAP`).
    pub overdue_more: bool,
    pub oldest: Option<String>,
    pub oldest_wait: Option<String>,
    pub today: Vec<(&'static str, i64)>,
    pub week: Vec<DayBar>,
}

/// Machine and sign-in traffic an admin or auditor watches: counted outside the chain.
pub struct Watch {
    pub card_reads: i64,
    pub card_holders: i64,
    pub card_refused: i64,
    /// Card API callers slowed down now, by token fingerprint.
    pub callers_slowed: Vec<String>,
    /// Card credentials that read their whole budget of distinct holders this window.
    pub readers_at_budget: Vec<String>,
    pub unknown_sign_ins: i64,
    pub addresses_blocked: i64,
}

async fn watch(state: &AppState) -> AppResult<Watch> {
    let now = state.clock.now();
    let today = crate::clock::today_jst(now);
    let budget = state.settings.card_budget;
    let (traffic, readers_at_budget, addresses_blocked) = state
        .db(move |conn| {
            Ok((
                figures::traffic(conn, today)?,
                crate::services::card::readers_at_budget(conn, budget, now)?,
                crate::services::accounts::budgets::addresses_blocked(conn, now)?,
            ))
        })
        .await?;
    Ok(Watch {
        card_reads: traffic.card_reads,
        card_holders: traffic.card_holders,
        card_refused: traffic.card_refused,
        callers_slowed: state.throttles.card_callers_slowed(now),
        readers_at_budget,
        unknown_sign_ins: traffic.unknown_sign_ins,
        addresses_blocked,
    })
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    figures: Option<Figures>,
    /// Review roles may take the next registration from here.
    may_take: bool,
    /// Charts over the last 30 days (supervisors and auditors).
    trends: Vec<Chart>,
    sla_hours: u32,
    /// Admins and auditors: card and sign-in traffic today.
    watch: Option<Watch>,
    /// Admins: whether OCR runs, and if not, why and how to turn it on.
    ocr_state: Option<(bool, String)>,
    /// Supervisors: per field, how often its OCR suggestion was saved unchanged (30 days).
    ocr_rates: Vec<OcrRate>,
    /// Support and supervisors: holders' requests past their due day.
    requests_overdue: Option<i64>,
}

pub struct OcrRate {
    pub label: &'static str,
    pub accepted: i64,
    pub settled: i64,
    pub percent: i64,
}

async fn ocr_rates(state: &AppState) -> AppResult<Vec<OcrRate>> {
    let since = jst_midnight(state.clock.now(), TREND_DAYS - 1);
    let rows = state.db(move |conn| Ok(figures::ocr_outcomes(conn, since)?)).await?;
    Ok(crate::domain::transcription::Field::ALL
        .iter()
        .filter_map(|field| {
            let of = |outcome: Option<&str>| {
                rows.iter()
                    .filter(|(f, o, _)| f == field.name() && outcome.is_none_or(|want| o == want))
                    .map(|(_, _, n)| n)
                    .sum::<i64>()
            };
            let settled = of(None);
            (settled > 0).then(|| {
                let accepted = of(Some("accepted"));
                OcrRate { label: field.label(), accepted, settled, percent: accepted * 100 / settled }
            })
        })
        .collect())
}

fn ocr_state(state: &AppState) -> (bool, String) {
    match &state.ocr {
        crate::ocr::Status::On(_) => (true, "写真の文字の読み取り（OCR）は動いています。".to_owned()),
        crate::ocr::Status::Off => (
            false,
            "写真の文字の読み取り（OCR）は止まっています。HANDBOOK_ADMIN_OCR_RUNTIME（ONNX Runtime のライブラリ）と HANDBOOK_ADMIN_OCR_MODELS（PP-OCRv5 のモデルのフォルダ）を設定して再起動すると動きます（README「OCR」）。".to_owned(),
        ),
        crate::ocr::Status::Failed(why) => (
            false,
            format!("写真の文字の読み取り（OCR）を起動できませんでした: {why}。設定を確かめて再起動してください（README「OCR」）。"),
        ),
    }
}

const TREND_DAYS: i64 = 30;

/// Decisions per day, defect reasons and sanctions by article over the last 30 days in Japan.
async fn trends(state: &AppState) -> AppResult<Vec<Chart>> {
    let now = state.clock.now();
    let days: Vec<(time::PrimitiveDateTime, time::PrimitiveDateTime)> = (0..TREND_DAYS)
        .rev()
        .map(|ago| {
            let start = jst_midnight(now, ago);
            (start, start + Duration::days(1))
        })
        .collect();
    let since = days[0].0;
    let days2 = days.clone();
    let figures::Trends { per_day, defects, sanctions } =
        state.db(move |conn| Ok(figures::trends(conn, &days2, since)?)).await?;
    let day_label = |start: time::PrimitiveDateTime| {
        let local = from_db(start).to_offset(JST);
        format!("{}月{}日", u8::from(local.month()), local.day())
    };
    let mut charts = vec![Chart::columns(
        "decisions-30",
        "判定件数（直近30日、日別）",
        "件",
        days.iter()
            .zip(&per_day)
            .map(|((start, _), counts)| (day_label(*start), counts.iter().map(|(_, n)| n).sum()))
            .collect(),
    )];
    charts.push(Chart::rows(
        "defects-30",
        "不備の理由（直近30日）",
        "件",
        defects.into_iter().map(|(d, n)| (format!("{} {}", d.code(), d.label()), n)).collect(),
    ));
    let topics = state.db(move |conn| Ok(crate::services::contacts::per_topic(conn, since)?)).await?;
    charts.push(Chart::rows(
        "contacts-30",
        "サポートセンターへの問い合わせ（直近30日、分類別）",
        "件",
        crate::domain::contacts::Topic::ALL
            .into_iter()
            .map(|t| (t.label().to_owned(), topics.iter().find(|(code, _)| code == t.code()).map_or(0, |(_, n)| *n)))
            .collect(),
    ));
    if !sanctions.is_empty() {
        charts.push(Chart::rows(
            "sanctions-30",
            "処分（直近30日、条項別）",
            "件",
            sanctions.into_iter().map(|(a, n)| (a.label().to_owned(), n)).collect(),
        ));
    }
    Ok(charts)
}

/// Midnight in Japan, `days_ago` days back, as stored.
fn jst_midnight(now: OffsetDateTime, days_ago: i64) -> time::PrimitiveDateTime {
    let local = now.to_offset(JST);
    let midnight = local.replace_time(Time::MIDNIGHT) - Duration::days(days_ago);
    to_db(midnight)
}

/// Registrations past the SLA are counted up to this many; beyond, the dashboard says 以上.
const OVERDUE_CAP: i64 = 1_000;

async fn queue_figures(state: &AppState) -> AppResult<Figures> {
    let now = state.clock.now();
    let cutoff = to_db(now - Duration::hours(i64::from(state.settings.queue_sla_hours)));
    let (today_start, week_start) = (jst_midnight(now, 0), jst_midnight(now, 6));
    let figures::Queue { waiting: waiting_now, in_review, overdue, oldest, decisions: recent } =
        state.db(move |conn| Ok(figures::queue(conn, cutoff, OVERDUE_CAP + 1, week_start)?)).await?;
    let today: Vec<(&'static str, i64)> = Decision::ALL
        .iter()
        .map(|d| (d.label(), recent.iter().filter(|(k, at)| k == d && *at >= today_start).count() as i64))
        .collect();
    let mut days: Vec<(String, i64)> = (0..7)
        .rev()
        .map(|ago| {
            let start = jst_midnight(now, ago);
            let end = start + Duration::days(1);
            let label = from_db(start).to_offset(JST);
            let n = recent.iter().filter(|(_, at)| *at >= start && *at < end).count() as i64;
            (format!("{}月{}日", u8::from(label.month()), label.day()), n)
        })
        .collect();
    let busiest = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    Ok(Figures {
        waiting: waiting_now,
        in_review,
        overdue: overdue.min(OVERDUE_CAP),
        overdue_more: overdue > OVERDUE_CAP,
        oldest: oldest.map(|t| datetime_jst(from_db(t))),
        oldest_wait: oldest.map(|t| waiting(now - from_db(t))),
        today,
        week: days
            .drain(..)
            .map(|(label, total)| DayBar {
                label,
                total,
                percent: total * 100 / busiest,
                class: match total * 10 / busiest {
                    0 => "bar--0",
                    1..=3 => "bar--low",
                    4..=7 => "bar--mid",
                    _ => "bar--high",
                },
            })
            .collect(),
    })
}

pub async fn show(state: web::Data<AppState>, staff: RequireRole<AnyStaff>) -> AppResult<HttpResponse> {
    let sees_queue = staff.role.may_review() || staff.role == Role::Auditor;
    let figures = if sees_queue { Some(queue_figures(&state).await?) } else { None };
    let trends =
        if matches!(staff.role, Role::Supervisor | Role::Auditor) { trends(&state).await? } else { Vec::new() };
    let watch = if matches!(staff.role, Role::Admin | Role::Auditor) { Some(watch(&state).await?) } else { None };
    let ocr_rates = if staff.role == Role::Supervisor { ocr_rates(&state).await? } else { Vec::new() };
    let requests_overdue = if matches!(staff.role, Role::Supervisor | Role::Support) {
        let now = state.clock.now();
        Some(state.db(move |conn| Ok(crate::services::requests::overdue(conn, now)?)).await?)
    } else {
        None
    };
    let page = DashboardPage {
        requests_overdue,
        ocr_state: (staff.role == Role::Admin).then(|| ocr_state(&state)),
        ocr_rates,
        watch,
        layout: Layout::for_staff(&staff, "ダッシュボード", "/"),
        figures,
        may_take: staff.role.may_review(),
        trends,
        sla_hours: state.settings.queue_sla_hours,
    };
    render::page(StatusCode::OK, &page)
}
