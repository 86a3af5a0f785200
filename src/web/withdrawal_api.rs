//! `POST /api/v1/holders/{public_id}/withdrawal`: the app's backend reports a withdrawal (退会),
//! `{"reason": "voluntary" | "reissued" | "returned"}`, with the intake credential.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tracing_actix_web::RequestId;

use super::api_error::{ApiError, json_body};
use super::error::AppError;
use super::intake_api::bearer_ok;
use super::state::AppState;
use crate::audit::Actor;
use crate::clock::from_db;
use crate::domain::holder::PublicId;
use crate::domain::holder_state::WithdrawalReason;
use crate::services::holders::{self, WithdrawFailure};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    reason: String,
}

pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
    public_id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !bearer_ok(&req, &state) {
        return Err(ApiError::unauthorized());
    }
    let public_id = PublicId::parse(&public_id).map_err(|_| ApiError::from(AppError::NotFound))?;
    let body = json_body(payload).await?;
    let reason = serde_json::from_slice::<Body>(&body)
        .ok()
        .and_then(|b| WithdrawalReason::parse(&b.reason))
        .ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_reason", "reason must be voluntary, reissued or returned")
        })?;
    let now = state.clock.now();
    let request_id = request_id.to_string();
    let keys = state.audit.clone();
    let result = state
        .db(move |conn| {
            Ok(match holders::withdraw(conn, &public_id, reason, Actor::App, now, Some(&request_id), &keys) {
                Ok(holder) => Ok(holder),
                Err(WithdrawFailure::NotFound) => return Err(AppError::NotFound),
                Err(WithdrawFailure::Fault(f)) => return Err(f.into()),
                Err(WithdrawFailure::Gate(_)) => Err(()),
            })
        })
        .await?;
    let holder = result.map_err(|()| {
        ApiError::new(
            StatusCode::CONFLICT,
            "already_ended",
            "the ID has ended (deprived of status) and cannot withdraw",
        )
    })?;
    Ok(HttpResponse::Ok().json(json!({
        "holder_public_id": holder.public_id,
        "status": holder.status.as_str(),
        "reason": holder.withdrawal_reason.map(WithdrawalReason::code),
        "withdrawn_at": holder.withdrawn_at.and_then(|t| from_db(t).format(&time::format_description::well_known::Rfc3339).ok()),
    })))
}
