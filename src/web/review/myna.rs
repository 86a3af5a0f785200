//! `POST /registrations/{id}/myna`: the reviewer records the check against the Myna Portal's
//! values: 連携済 when everything matches, or a mismatch (back to 未連携), after which the
//! registration is returned or rejected through the decision; or it takes the portal's value
//! for fields that differ as a correction, and the holder is notified (art. 2(2)–(3)).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::page::ReviewForms;
use super::show_page;
use crate::domain::reconcile::Field;
use crate::services::myna::check::{self, CheckFailure};
use crate::web::access::Reviewers;
use crate::web::auth::RequireRole;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::HtmlForm;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    outcome: String,
    /// The fields to correct to the portal's values (`outcome=correct`).
    #[serde(default)]
    field: Vec<String>,
    #[serde(default)]
    version: Option<i32>,
}

pub async fn check_myna(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: HtmlForm<CheckForm>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let form = form.0;
    let outcome = form.outcome.clone();
    let chosen: Vec<Field> = form.field.iter().filter_map(|f| Field::parse(f)).collect();
    if chosen.len() != form.field.len() || !matches!(outcome.as_str(), "verified" | "mismatch" | "correct") {
        return Err(AppError::BadRequest("outcome"));
    }
    let version = form.version.unwrap_or_default();
    let provided = state.settings.myna_provided.clone();
    let result = state
        .as_staff(&staff, move |conn, acting| {
            let done = match outcome.as_str() {
                "correct" => check::correct(conn, id, version, &chosen, &provided, acting).map(|c| {
                    if c.linked {
                        "マイナポータルの値で訂正し、利用者に通知しました。すべての項目が一致したため連携済にしました。"
                    } else {
                        "マイナポータルの値で訂正し、利用者に通知しました。一致しない項目が残っています。"
                    }
                }),
                "verified" => check::decide(conn, id, true, &provided, acting)
                    .map(|()| "マイナポータルと照合済みにしました（連携済）。"),
                _ => check::decide(conn, id, false, &provided, acting).map(|()| "不一致として記録しました（未連携）。"),
            };
            match done {
                Ok(done) => Ok(Ok(done)),
                Err(CheckFailure::Fault(f)) => Err(f.into()),
                Err(refused) => Ok(Err(refused.to_string())),
            }
        })
        .await?;
    match result {
        Ok(done) => {
            session::set_notice(&staff.session, done)?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/registrations/{id}#myna"))).finish())
        }
        Err(message) => {
            let kept = ReviewForms { banner: Some(message), ..Default::default() };
            show_page(&state, &staff, id, StatusCode::CONFLICT, kept).await
        }
    }
}
