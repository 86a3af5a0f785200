//! JSON errors of the machine API: `{"error":{"code":"snake_case","message":"…"}}` with a
//! stable code per failure. Messages name what is wrong, never a submitted value.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use super::error::AppError;
use crate::services::intake::Refusal;
use crate::services::intake::{IntakeError, MetadataError};

#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After` (a throttled caller).
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    /// 429 with the wait: the caller used up its budget.
    /// A card credential past its budget of distinct holders (`domain::card_budget`).
    pub fn over_budget(retry_after: i64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "this credential read its budget of distinct IDs for this window; wait",
            )
        }
    }

    pub fn rate_limited(retry_after: i64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests for unknown IDs; slow down")
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "missing or invalid credentials")
    }
}

/// The largest body a JSON machine endpoint (Myna callback, consents, withdrawal) reads: a
/// handful of records is a few kilobytes.
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// Reads a JSON machine endpoint's body, refusing it as soon as it passes `MAX_JSON_BODY`: the
/// caller gets the JSON `body_too_large` (413) like every other refusal, never the framework's
/// plain-text page, and nothing past the limit is buffered.
pub async fn json_body(payload: actix_web::web::Payload) -> Result<actix_web::web::Bytes, ApiError> {
    match payload.to_bytes_limited(MAX_JSON_BODY).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(_)) => Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed_body", "the body could not be read")),
        Err(_) => Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the body exceeds 64 KiB")),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(json!({"error": {"code": self.code, "message": self.message}}))
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let (status, code) = match refusal {
            Refusal::TooManyImages => (StatusCode::BAD_REQUEST, "too_many_images"),
            Refusal::ImageTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "image_too_large"),
            Refusal::RequestTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "request_too_large"),
            Refusal::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Refusal::CorruptImage => (StatusCode::UNPROCESSABLE_ENTITY, "corrupt_image"),
            Refusal::FieldTooLarge => (StatusCode::BAD_REQUEST, "invalid_metadata"),
            Refusal::Malformed => (StatusCode::BAD_REQUEST, "malformed_request"),
        };
        Self::new(status, code, refusal.to_string())
    }
}

impl From<MetadataError> for ApiError {
    fn from(error: MetadataError) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_metadata", error.to_string())
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource"),
            other => {
                tracing::error!(error = %crate::error::chain(&other), "API request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal error")
            }
        }
    }
}

impl From<IntakeError> for ApiError {
    fn from(error: IntakeError) -> Self {
        match error {
            IntakeError::HolderNotEligible => Self::new(
                StatusCode::FORBIDDEN,
                "holder_not_eligible",
                "the holder's status does not allow registration",
            ),
            IntakeError::InReview => Self::new(
                StatusCode::CONFLICT,
                "registration_in_review",
                "a registration of this kind is being reviewed; wait for its result",
            ),
            IntakeError::Fault(fault) => AppError::from(fault).into(),
        }
    }
}
