//! `POST /api/v1/registrations`: the app sends a handbook's photos.

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tracing_actix_web::RequestId;

use super::api_error::ApiError;
use super::multipart;
use super::state::AppState;
use crate::audit::Actor;
use crate::services::intake::Refusal;
use crate::services::intake::{self, Channel, MAX_REQUEST_BYTES, Metadata, Submission};

/// Room for multipart boundaries and part headers on top of the photo bytes.
const ENVELOPE_BYTES: usize = 256 * 1024;

pub(super) fn presented(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The intake credential (intake, withdrawal, Myna consents), compared in constant time with
/// each token of `HANDBOOK_ADMIN_INTAKE_TOKEN`.
pub fn bearer_ok(req: &HttpRequest, state: &AppState) -> bool {
    presented(req).is_some_and(|token| state.settings.intake_token.matches_any(token))
}

/// The card credential (`HANDBOOK_ADMIN_CARD_TOKEN`): a token of the intake API is refused
/// here, and the other way round, so a leaked reader cannot upload or withdraw.
pub fn card_bearer_ok(req: &HttpRequest, state: &AppState) -> bool {
    presented(req).is_some_and(|token| state.settings.card_token.matches_any(token))
}

pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !bearer_ok(&req, &state) {
        return Err(ApiError::unauthorized());
    }
    // An honest client says how much it sends: refuse before reading a byte.
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BYTES + ENVELOPE_BYTES) {
        return Err(Refusal::RequestTooLarge.into());
    }
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_request",
            "the body must be multipart/form-data",
        ));
    }
    // The metadata is parsed once, as soon as it arrives, and the holder's eligibility checked
    // then, before any photo is decoded: an ID that may not register costs no decoding.
    let mut metadata: Option<Metadata> = None;
    let check = async |text: &str| -> Result<(), ApiError> {
        let parsed = Metadata::from_json(text.as_bytes())?;
        // The app registers nothing the holder has not agreed to: the versions of the terms and
        // the privacy policy they accepted come with every registration.
        if parsed.terms_version.is_none() || parsed.privacy_version.is_none() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "consent_required",
                "terms_version and privacy_version (the versions the holder agreed to) are required",
            ));
        }
        let public_id = parsed.holder_public_id.clone();
        let eligible = state.db(move |conn| Ok(intake::may_register(conn, &public_id)?)).await?;
        if !eligible {
            return Err(intake::IntakeError::HolderNotEligible.into());
        }
        // The first metadata part is the registration's.
        metadata.get_or_insert(parsed);
        Ok(())
    };
    let received = multipart::receive(Multipart::new(req.headers(), payload), check).await?;
    let metadata = metadata.ok_or(intake::MetadataError::Malformed)?;
    if received.images.is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "missing_image", "at least one image part is required"));
    }
    let now = state.clock.now();
    let request_id = request_id.to_string();
    let (images, keys) = (state.images.clone(), state.audit.clone());
    let registered = state
        .db(move |conn| {
            let submission = Submission {
                consent_signed_on: None,
                metadata: &metadata,
                images: &received.images,
                channel: Channel::App,
                actor: Actor::App,
                note: None,
                now,
                request_id: Some(&request_id),
                audit: &keys,
            };
            Ok(intake::register(conn, &images, &submission))
        })
        .await??;
    let status = if registered.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok(HttpResponse::build(status).json(json!({
        "registration_id": registered.handbook_id,
        "holder_public_id": registered.holder_public_id,
    })))
}
