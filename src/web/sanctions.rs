//! `/sanctions`: proposals waiting for a second supervisor (sanctions and withdrawals by staff),
//! and their approval or rejection. An approval takes its confirming field: one press alone
//! ends nothing.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::Supervisors;
use super::auth::RequireRole;
use super::error::{AppResult, sanction_refusal};
use super::format::datetime_jst;
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::from_db;
use crate::domain::sanctions::SanctionState;
use crate::services::sanctions;

pub struct ProposalLine {
    pub id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub action: &'static str,
    pub article: &'static str,
    /// What approving does to the card, named in the confirmation.
    pub effect: &'static str,
    pub note: String,
    pub by: String,
    pub requested: String,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "sanctions/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<ProposalLine>,
    withdrawals: Vec<super::withdrawals::WaitingView>,
}

pub async fn list(state: web::Data<AppState>, staff: RequireRole<Supervisors>) -> AppResult<HttpResponse> {
    let rows = state.db(move |conn| Ok(sanctions::waiting(conn, 100)?)).await?;
    let lines = rows
        .into_iter()
        .map(|s| ProposalLine {
            id: s.id,
            holder_id: s.holder_id,
            public_id: s.public_id,
            action: s.action.label(),
            article: s.article.label(),
            effect: s.action.effect(),
            note: s.note,
            by: s.requested_by_name.unwrap_or_else(|| "システム".into()),
            requested: datetime_jst(from_db(s.requested_at)),
            mine: s.requested_by == Some(staff.id),
        })
        .collect();
    let withdrawals = super::withdrawals::waiting(&state, staff.id).await?;
    let page = ListPage { layout: Layout::for_staff(&staff, "処分の承認", "/sanctions"), lines, withdrawals };
    render::page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    note: String,
    #[serde(flatten)]
    confirmation: super::forms::Confirmation,
}

async fn decide(
    state: &AppState,
    staff: &RequireRole<Supervisors>,
    id: i64,
    approve: bool,
    form: DecisionForm,
) -> AppResult<HttpResponse> {
    if approve {
        let notice = "承認していません。実施するときは確認欄にチェックを入れてから押してください。";
        if let Some(unconfirmed) =
            form.confirmation.required(&staff.session, notice, &format!("/sanctions#proposal-{id}"))?
        {
            return Ok(unconfirmed);
        }
    }
    let note = form.note;
    let store = state.images.clone();
    let result = state
        .as_staff(staff, move |conn, acting| {
            sanction_refusal(crate::services::sanctions::decide(conn, &store, id, approve, &note, acting))
        })
        .await?;
    let notice = match result {
        Ok(SanctionState::Applied) => "処分を承認しました。実施されました。".to_owned(),
        Ok(_) => "処分の起案を却下しました。".to_owned(),
        Err(message) => format!("判断できませんでした: {message}"),
    };
    session::set_notice(&staff.session, &notice)?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/sanctions")).finish())
}

pub async fn approve(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(&state, &staff, *id, true, form.into_inner()).await
}

pub async fn reject(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(&state, &staff, *id, false, form.into_inner()).await
}
