//! The app's backend files a holder's request (開示・訂正・利用停止・消去) after the holder
//! signed in to the app, and asks where it stands; intake credential.
//! `POST /api/v1/holders/{public_id}/requests` `{"kind", "detail"}` → `201` (or `200` with the
//! open request of that kind); `GET /api/v1/holders/{public_id}/requests/{reference}`.

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
use crate::domain::requests::{Channel, RequestKind};
use crate::services::requests::{self as service, Incoming, Receiver, RequestFailure, RequestRow};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    kind: String,
    #[serde(default)]
    detail: String,
}

fn answer(row: &RequestRow) -> serde_json::Value {
    let rfc = |t: time::PrimitiveDateTime| from_db(t).format(&time::format_description::well_known::Rfc3339).ok();
    json!({
        "reference": row.reference,
        "kind": row.kind.code(),
        "state": row.state.code(),
        "received_at": rfc(row.received_at),
        "due_on": row.due_on.to_string(),
        "answered_at": row.answered_at.and_then(rfc),
    })
}

fn parse_id(public_id: &str) -> Result<PublicId, ApiError> {
    PublicId::parse(public_id).map_err(|_| ApiError::from(AppError::NotFound))
}

pub async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
    public_id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !bearer_ok(&req, &state) {
        return Err(ApiError::unauthorized());
    }
    let public_id = parse_id(&public_id)?;
    let body = json_body(payload).await?;
    let body = serde_json::from_slice::<Body>(&body).ok();
    let kind = body.as_ref().and_then(|b| RequestKind::parse(&b.kind)).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_kind",
            "kind must be disclosure, correction, stop_use or erasure",
        )
    })?;
    let detail = body.map(|b| b.detail).unwrap_or_default();
    if detail.chars().count() > 2000 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "detail_too_long", "detail is at most 2000 characters"));
    }
    let (now, keys, due_days) = (state.clock.now(), state.audit.clone(), state.settings.request_due_days);
    let request_id = request_id.to_string();
    let result = state
        .db(move |conn| {
            let Some(holder_id) = service::holder_by_public_id(conn, &public_id)? else {
                return Err(AppError::NotFound);
            };
            let incoming = Incoming { holder_id, kind, channel: Channel::App, detail: &detail, due_days };
            let by = Receiver { actor: Actor::App, staff_id: None, now, request_id: Some(&request_id), audit: &keys };
            match service::receive(conn, &incoming, &by) {
                Ok(done) => Ok(Ok(done)),
                Err(RequestFailure::NotFound) => Err(AppError::NotFound),
                Err(RequestFailure::Fault(f)) => Err(f.into()),
                Err(_) => Ok(Err(())),
            }
        })
        .await?;
    let (row, created) =
        result.map_err(|()| ApiError::new(StatusCode::CONFLICT, "already_ended", "the ID's data has been erased"))?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(answer(&row)))
}

pub async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    if !bearer_ok(&req, &state) {
        return Err(ApiError::unauthorized());
    }
    let (public_id, reference) = path.into_inner();
    let public_id = parse_id(&public_id)?;
    let row = state
        .db(move |conn| {
            let Some(holder_id) = service::holder_by_public_id(conn, &public_id)? else { return Ok(None) };
            Ok(service::by_reference(conn, holder_id, reference.trim())?)
        })
        .await?
        .ok_or_else(|| ApiError::from(AppError::NotFound))?;
    Ok(HttpResponse::Ok().json(answer(&row)))
}
