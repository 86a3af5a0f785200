//! `POST /api/v1/myna/callback`: the Myna Portal delivers a holder's handbook data. The
//! signature is checked before the body is read as JSON; every refusal is a JSON error code
//! and stores nothing (the rules are in `crate::myna`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::api_error::{ApiError, json_body};
use super::error::AppError;
use super::state::AppState;
use crate::myna::delivery::Delivery;
use crate::myna::signature::{self, SignatureError};
use crate::services::myna::receive::{self, ReceiveError};

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body(payload).await?;
    let now = state.clock.now();
    let checked = signature::verify(
        header(&req, "X-Myna-Timestamp"),
        header(&req, "X-Myna-Signature"),
        &body,
        &state.settings.myna_callback_secret.each(),
        now.unix_timestamp(),
    );
    if let Err(e) = checked {
        let code = match e {
            SignatureError::Missing => "missing_signature",
            SignatureError::Stale => "stale_timestamp",
            SignatureError::Bad => "bad_signature",
        };
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, code, e.to_string()));
    }
    let delivery =
        Delivery::parse(&body).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()))?;
    let keys = state.audit.clone();
    let provided = state.settings.myna_provided.clone();
    let receipt = state
        .db(move |conn| {
            Ok(match receive::receive(conn, &keys, &provided, &delivery, now) {
                Ok(receipt) => Ok(receipt),
                Err(ReceiveError::UnknownHolder) => {
                    Err(ApiError::new(StatusCode::NOT_FOUND, "unknown_holder", "no holder has that public ID"))
                }
                Err(ReceiveError::ForeignPurpose) => Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "purpose_not_allowed",
                    "the consent's purpose is not the one consented to; nothing was stored",
                )),
                Err(ReceiveError::Fault(f)) => return Err(AppError::from(f)),
            })
        })
        .await??;
    Ok(HttpResponse::Ok().json(json!({
        "request_id": receipt.request_id,
        "status": receipt.status,
        "records": receipt.records,
        "replayed": receipt.replayed,
    })))
}
