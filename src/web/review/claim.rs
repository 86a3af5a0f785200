//! Taking, releasing and reassigning a registration from its screen.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{act, back};
use crate::services::review::{Acting, ReviewFailure, claim};
use crate::web::access::{Reviewers, Supervisors};
use crate::web::auth::{CurrentStaff, RequireRole};
use crate::web::error::{AppError, AppResult};
use crate::web::session;
use crate::web::state::AppState;

/// Runs a claim action; rule refusals become a notice on the review screen.
async fn claim_action<F>(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    done: &str,
    action: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut crate::services::DbConnection, &Acting<'_>) -> Result<(), ReviewFailure> + Send + 'static,
{
    match act(state, staff, action).await? {
        Ok(()) if !done.is_empty() => session::set_notice(&staff.session, done)?,
        Ok(()) => {}
        Err(rule) => session::set_notice(&staff.session, &rule.to_string())?,
    }
    Ok(back(id))
}

pub async fn take(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = *id;
    claim_action(&state, &staff, id, "", move |conn, acting| claim::claim(conn, id, acting).map(drop)).await
}

pub async fn release(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: web::Form<crate::web::forms::Confirmation>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let notice =
        "担当は外していません。外すときは「審査待ちに戻すことを確認した」にチェックを入れてから押してください。";
    if let Some(unconfirmed) = form.required(&staff.session, notice, &format!("/registrations/{id}"))? {
        return Ok(unconfirmed);
    }
    claim_action(
        &state,
        &staff,
        id,
        "担当を外しました。審査待ちに戻りました。",
        move |conn, acting| claim::release(conn, id, acting),
    )
    .await
}

#[derive(Deserialize)]
pub struct ReassignForm {
    staff_id: i64,
}

pub async fn reassign(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: Result<web::Form<ReassignForm>, actix_web::Error>,
) -> AppResult<HttpResponse> {
    // The form is parsed after the role check: a refused role never learns what is expected.
    let form = form.map_err(|_| AppError::BadRequest("reassign form"))?;
    let (id, to) = (*id, form.staff_id);
    claim_action(&state, &staff, id, "担当者を変更しました。", move |conn, acting| {
        claim::reassign(conn, id, to, acting)
    })
    .await
}

#[derive(Deserialize, Default)]
pub struct HoldForm {
    #[serde(default)]
    reason: String,
}

/// 「保留（責任者確認）」: parks the registration with a reason and opens the next one; a missing
/// reason comes back beside its field.
pub async fn hold(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: web::Form<HoldForm>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let reason = form.into_inner().reason;
    let typed = reason.clone();
    let result = state
        .as_staff(&staff, move |conn, acting| match claim::hold(conn, id, &reason, acting) {
            Ok(()) => Ok(Ok(())),
            Err(claim::HoldFailure::Review(ReviewFailure::Rule(rule))) => Ok(Err(rule.to_string())),
            Err(claim::HoldFailure::Review(other)) => Err(AppError::from(other)),
            Err(refused @ claim::HoldFailure::NoReason) => Ok(Err(refused.to_string())),
        })
        .await?;
    match result {
        Ok(()) => {
            let done = format!("登録 #{id} を保留にしました（責任者の確認待ち）。");
            crate::web::queue::open_next(&state, &staff, None, Some(&done)).await
        }
        Err(message) => {
            let kept = super::page::ReviewForms { hold: Some((typed, message)), ..Default::default() };
            super::show_page(&state, &staff, id, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, kept).await
        }
    }
}

pub async fn unhold(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = *id;
    claim_action(
        &state,
        &staff,
        id,
        "保留を解除しました。審査待ちに戻りました。",
        move |conn, acting| claim::unhold(conn, id, acting),
    )
    .await
}
