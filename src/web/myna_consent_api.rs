//! `POST /api/v1/holders/{public_id}/myna/consents`: the app's backend reports that the holder
//! just consented on Myna Portal to share their handbook data (consent is per use, 「利用の都度」).
//! That opens one request to the portal; the answer says when it runs and, if not now, why.
//! Intake credential. Body:
//! `{"purpose", "granted_at", "valid_until", "mode": "point" | "range", "from"?, "to"?}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime};

use super::api_error::{ApiError, json_body};
use super::error::AppError;
use super::intake_api::bearer_ok;
use super::state::AppState;
use crate::clock::{from_db, today_jst};
use crate::domain::holder::PublicId;
use crate::domain::myna_request::Mode;
use crate::services::myna::requests::{self, ConsentGiven, OpenError};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    purpose: String,
    granted_at: String,
    valid_until: String,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

fn bad(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// Reads the body once into a consent; each mistake has its own code.
fn parse(body: &[u8], now: OffsetDateTime) -> Result<ConsentGiven, ApiError> {
    let body: Body =
        serde_json::from_slice(body).map_err(|_| bad("malformed_body", "the body is not the consent JSON"))?;
    let instant = |raw: &str| {
        OffsetDateTime::parse(raw.trim(), &Rfc3339)
            .map_err(|_| bad("invalid_time", "granted_at and valid_until are RFC 3339 times"))
    };
    let day = |raw: &Option<String>| -> Result<Option<Date>, ApiError> {
        raw.as_deref()
            .map(|d| {
                Date::parse(d.trim(), &Iso8601::DATE).map_err(|_| bad("invalid_date", "from and to are YYYY-MM-DD"))
            })
            .transpose()
    };
    let today = today_jst(now);
    let (from, to) = (day(&body.from)?, day(&body.to)?);
    let mode = match body.mode.as_deref().unwrap_or("point") {
        "point" => Mode::Point(from.unwrap_or(today)),
        "range" => {
            let (Some(from), Some(to)) = (from, to) else {
                return Err(bad("invalid_range", "a range needs from and to"));
            };
            Mode::from_parts("range", from, to).ok_or_else(|| bad("invalid_range", "from is after to"))?
        }
        _ => return Err(bad("invalid_mode", "mode is point or range")),
    };
    Ok(ConsentGiven {
        purpose: body.purpose.trim().to_owned(),
        granted_at: instant(&body.granted_at)?,
        valid_until: instant(&body.valid_until)?,
        mode,
    })
}

fn rfc3339(at: Option<time::PrimitiveDateTime>) -> Option<String> {
    at.and_then(|t| from_db(t).format(&Rfc3339).ok())
}

pub async fn consent(
    req: HttpRequest,
    state: web::Data<AppState>,
    public_id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !bearer_ok(&req, &state) {
        return Err(ApiError::unauthorized());
    }
    let public_id = PublicId::parse(&public_id).map_err(|_| ApiError::from(AppError::NotFound))?;
    let now = state.clock.now();
    let body = json_body(payload).await?;
    let consent = parse(&body, now)?;
    let keys = state.audit.clone();
    let provided = state.settings.myna_provided.clone();
    let opened = state
        .db(move |conn| {
            Ok(match requests::open(conn, &keys, &provided, &public_id, &consent, now) {
                Ok(row) => Ok(row),
                Err(OpenError::Fault(f)) => return Err(f.into()),
                Err(other) => Err(other),
            })
        })
        .await?
        .map_err(|e| match e {
            OpenError::UnknownHolder => ApiError::from(AppError::NotFound),
            OpenError::Ended => ApiError::new(StatusCode::CONFLICT, "already_ended", "the ID has ended"),
            OpenError::Purpose => bad("purpose_not_allowed", "the only purpose is handbook_verification"),
            OpenError::ConsentNotValid => bad("consent_not_valid", "the consent must be given now and still be valid"),
            OpenError::Fault(_) => ApiError::from(AppError::Internal("consent")),
        })?;
    Ok(HttpResponse::Accepted().json(json!({
        "request_id": opened.request_id,
        "state": opened.state.code(),
        "run_at": rfc3339(opened.run_at),
        "wait_reason": opened.wait_reason.map(|w| w.code()),
    })))
}
