//! `/myna/requests`: the Myna Portal requests still open (waiting for their run time or for
//! the portal's answer), when each runs and why it waits; staff may move a waiting one or
//! cancel one, never start one (a request needs the holder's fresh consent).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::Reviewers;
use super::auth::{CurrentStaff, RequireRole};
use super::error::{AppError, AppResult};
use super::format::{datetime_jst, local_input, parse_local};
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::from_db;

use crate::domain::myna_request::{Mode, State};
use crate::services::myna::listing::{self, RequestRow};
use crate::services::myna::requests::{self, ChangeFailure};

const PAGE: i64 = 50;

pub struct RequestLine {
    pub id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub state: &'static str,
    pub waiting: bool,
    pub mode: String,
    pub valid_until: String,
    pub run_at: Option<String>,
    pub why: Option<&'static str>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub version: i32,
    /// What the datetime field shows (typed values come back after a mistake).
    pub run_at_input: String,
    pub reason_input: String,
    pub run_at_error: Option<String>,
    pub reason_error: Option<String>,
}

/// How a request's mode reads: 時点指定 (day) or 範囲指定 (from–to).
pub fn mode_label(row: &RequestRow) -> String {
    match Mode::from_parts(&row.mode, row.from_on, row.to_on) {
        Some(Mode::Point(day)) => format!("時点指定（{day}）"),
        Some(Mode::Range(from, to)) => format!("範囲指定（{from}〜{to}）"),
        None => row.mode.clone(),
    }
}

/// When a waiting request runs and why, as one sentence for the holder's profile too.
pub fn when_label(row: &RequestRow) -> Option<String> {
    match (row.state, row.run_at) {
        (State::Scheduled, Some(at)) => Some(match row.wait_reason {
            Some(why) => format!("{}、{} に照会します。", why.label(), datetime_jst(from_db(at))),
            None => format!("{} に照会します。", datetime_jst(from_db(at))),
        }),
        (State::Sent, _) => Some("マイナポータルが受け付けました。回答を待っています。".to_owned()),
        _ => None,
    }
}

fn line(row: RequestRow, public_id: String, now: time::OffsetDateTime) -> RequestLine {
    RequestLine {
        id: row.id,
        holder_id: row.holder_id,
        public_id,
        state: row.state.label(),
        waiting: row.state == State::Scheduled,
        mode: mode_label(&row),
        valid_until: datetime_jst(from_db(row.consent_valid_until)),
        run_at: row.run_at.map(|t| datetime_jst(from_db(t))),
        why: row.wait_reason.map(|w| w.label()),
        attempts: row.attempts,
        last_error: row.last_error.clone(),
        version: row.version,
        run_at_input: local_input(row.run_at.map(from_db).unwrap_or(now)),
        reason_input: String::new(),
        run_at_error: None,
        reason_error: None,
    }
}

#[derive(Template)]
#[template(path = "myna/requests.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<RequestLine>,
    portal_configured: bool,
    next: Option<i64>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    after: Option<i64>,
}

/// A form that came back: which request, which field, what was typed and what is wrong.
struct Refused {
    id: i64,
    field: &'static str,
    typed: String,
    message: String,
}

async fn list_page(
    state: &AppState,
    staff: &CurrentStaff,
    after: i64,
    refused: Option<Refused>,
) -> AppResult<ListPage> {
    let rows = state.db(move |conn| Ok(listing::open(conn, after, PAGE + 1)?)).await?;
    let next = (rows.len() as i64 > PAGE).then(|| rows[PAGE as usize - 1].row.id);
    let now = state.clock.now();
    let mut lines: Vec<RequestLine> =
        rows.into_iter().take(PAGE as usize).map(|l| line(l.row, l.public_id, now)).collect();
    let mut layout = Layout::for_staff(staff, "マイナポータル照会", "/myna/requests");
    if let Some(refused) = refused {
        match lines.iter_mut().find(|l| l.id == refused.id) {
            Some(l) if refused.field == "run_at" => {
                l.run_at_input = refused.typed;
                l.run_at_error = Some(refused.message);
            }
            Some(l) => {
                l.reason_input = refused.typed;
                l.reason_error = Some(refused.message);
            }
            // The request has closed meanwhile: say so at the top.
            None => layout.notice = Some(refused.message),
        }
    }
    Ok(ListPage { layout, lines, portal_configured: state.settings.myna_portal.is_some(), next })
}

pub async fn list(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let page = list_page(&state, &staff, query.after.unwrap_or(0), None).await?;
    render::page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct RescheduleForm {
    #[serde(default)]
    run_at: String,
    /// Missing reads as 0, which no request has: refused as stale, not a bad request.
    #[serde(default)]
    version: i32,
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: i32,
}

/// Back to the list with a notice, or the list again with the form's mistake beside its field.
async fn answer(state: &AppState, staff: &CurrentStaff, result: Result<String, Refused>) -> AppResult<HttpResponse> {
    match result {
        Ok(notice) => {
            session::set_notice(&staff.session, &notice)?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/myna/requests")).finish())
        }
        Err(refused) => {
            let page = list_page(state, staff, 0, Some(refused)).await?;
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// A refusal the form shows; a fault is an error page.
fn refusal(e: ChangeFailure) -> AppResult<String> {
    match e {
        ChangeFailure::Fault(f) => Err(AppError::from(f)),
        ChangeFailure::NotFound => Err(AppError::NotFound),
        other => Ok(other.to_string()),
    }
}

pub async fn reschedule(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: web::Form<RescheduleForm>,
) -> AppResult<HttpResponse> {
    let (id, form) = (*id, form.into_inner());
    let Some(wanted) = parse_local(&form.run_at).map(from_db) else {
        let refused = Refused {
            id,
            field: "run_at",
            typed: form.run_at,
            message: "照会日時を「2026-11-30 08:00」の形で入力してください。".into(),
        };
        return answer(&state, &staff, Err(refused)).await;
    };
    let version = form.version;
    let result =
        state.as_staff(&staff, move |conn, acting| Ok(requests::reschedule(conn, id, version, wanted, acting))).await?;
    let result = match result {
        Ok(at) => Ok(format!("照会を {} に予定しました。", datetime_jst(at))),
        Err(e) => Err(Refused { id, field: "run_at", typed: form.run_at, message: refusal(e)? }),
    };
    answer(&state, &staff, result).await
}

pub async fn cancel(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: web::Form<CancelForm>,
) -> AppResult<HttpResponse> {
    let (id, form) = (*id, form.into_inner());
    let (reason, version) = (form.reason.clone(), form.version);
    let result =
        state.as_staff(&staff, move |conn, acting| Ok(requests::cancel(conn, id, version, &reason, acting))).await?;
    let result = match result {
        Ok(()) => Ok("照会を取り消しました。".to_owned()),
        Err(e) => Err(Refused { id, field: "reason", typed: form.reason, message: refusal(e)? }),
    };
    answer(&state, &staff, result).await
}
