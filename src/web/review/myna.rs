//! `POST /registrations/{id}/myna`: the reviewer records the check against the Myna Portal's
//! values: 連携済 when everything matches, or a mismatch (back to 未連携), after which the
//! registration is returned or rejected through the decision.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::page::Kept;
use super::show_page;
use crate::myna::check::{self, CheckFailure};
use crate::web::access::Reviewers;
use crate::web::auth::RequireRole;
use crate::web::error::{AppError, AppResult};
use crate::web::session;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    outcome: String,
}

pub async fn check_myna(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: web::Form<CheckForm>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let verified = match form.outcome.as_str() {
        "verified" => true,
        "mismatch" => false,
        _ => return Err(AppError::BadRequest("outcome")),
    };
    let result = state
        .as_staff(&staff, move |conn, acting| match check::decide(conn, id, verified, acting) {
            Ok(()) => Ok(Ok(())),
            Err(CheckFailure::Fault(f)) => Err(f.into()),
            Err(refused) => Ok(Err(refused.to_string())),
        })
        .await?;
    match result {
        Ok(()) => {
            let done = if verified {
                "マイナポータルと照合済みにしました（連携済）。"
            } else {
                "不一致として記録しました（未連携）。"
            };
            session::set_notice(&staff.session, done)?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/registrations/{id}#myna"))).finish())
        }
        Err(message) => {
            let kept = Kept { banner: Some(message), ..Default::default() };
            show_page(&state, &staff, id, StatusCode::CONFLICT, kept).await
        }
    }
}
