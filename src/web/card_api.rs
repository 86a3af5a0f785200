//! `GET /api/v1/holders/{public_id}/card`: what the app may show at a counter (the rule is in
//! `crate::services::card`), as JSON.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::api_error::ApiError;
use super::error::AppError;
use super::intake_api::{card_bearer_ok, presented};
use super::state::AppState;
use super::throttles;
use crate::domain::holder::{HolderStatus, PublicId};
use crate::domain::transcription::FareClass;
use crate::services::card::{self, CardHandbook};

fn handbook_json(public_id: &str, h: &CardHandbook) -> serde_json::Value {
    let face = h.has_face.then(|| format!("/api/v1/holders/{public_id}/handbooks/{}/face", h.kind.as_str()));
    json!({
        "kind": h.kind.as_str(),
        "kind_label": h.kind.label(),
        "handbook_name": h.handbook_name,
        "disability_category": h.disability_category,
        "medical_number": h.medical_number,
        "name": h.name,
        "name_kana": h.name_kana,
        "birth_date": h.birth_date.to_string(),
        "grade": h.grade,
        "fare_class": h.fare_class.map(FareClass::code),
        "fare_class_label": h.fare_class.map(FareClass::label).unwrap_or("なし"),
        "municipality": h.municipality,
        "number": h.number,
        "number_display": h.number_display,
        "issued_on": h.issued_on.to_string(),
        "renewed_on": h.renewed_on.map(|d| d.to_string()),
        "expires_on": h.expires_on.map(|d| d.to_string()),
        "recertification": h.recertification,
        "care": h.care,
        "myna_link": h.myna_link.code(),
        "myna_link_label": h.myna_link.label(),
        "face_photo_url": face,
        "myna_verified_at": h.myna_verified_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
    })
}

pub async fn card(
    req: HttpRequest,
    state: web::Data<AppState>,
    public_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !card_bearer_ok(&req, &state) {
        return Err(ApiError::unauthorized());
    }
    let now = state.clock.now();
    let caller = presented(&req).map(throttles::fingerprint).unwrap_or_default();
    if let Err(refused) = state.throttles.card_check(&caller, now) {
        // Recorded once a window: a flood of refused calls must not become a flood of writes.
        if refused.first {
            let today = crate::clock::today_jst(now);
            state.db(move |conn| Ok(card::record_throttled(conn, today)?)).await?;
            tracing::warn!(caller = %caller, "card API caller slowed: too many unknown IDs");
        }
        return Err(ApiError::rate_limited(throttles::retry_after_seconds(refused.wait)));
    }
    let Ok(public_id) = PublicId::parse(&public_id) else {
        state.throttles.card_miss(&caller, now);
        return Err(AppError::NotFound.into());
    };
    let keys = state.audit.clone();
    let provided = state.settings.myna_provided.clone();
    let reader = card::Reader { token: caller.clone(), budget: state.settings.card_budget };
    let read = state.db(move |conn| Ok(card::card(conn, &keys, &reader, &public_id, &provided, now)?)).await?;
    let card = match read {
        card::Read::Found(card) => card,
        card::Read::Unknown => {
            state.throttles.card_miss(&caller, now);
            return Err(AppError::NotFound.into());
        }
        card::Read::OverBudget { retry_after, window } => {
            return Err(over_budget(&state, &caller, retry_after, window).await);
        }
    };
    if card.status == HolderStatus::Withdrawn {
        // A withdrawn ID has no card: the app must not show one at a counter.
        return Err(ApiError::new(actix_web::http::StatusCode::GONE, "withdrawn", "the ID was withdrawn"));
    }
    Ok(HttpResponse::Ok().json(json!({
        "holder_public_id": card.public_id,
        "status": card.status.as_str(),
        "status_label": card.status.label(),
        "coupon_suspended": card.coupon_suspended,
        "handbooks": card.handbooks.iter().map(|h| handbook_json(&card.public_id, h)).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/holders/{public_id}/handbooks/{kind}/face`: the face crop the card links to,
/// with the card's credential and under the card's rule; never cached.
pub async fn face(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    if !card_bearer_ok(&req, &state) {
        return Err(ApiError::unauthorized());
    }
    let now = state.clock.now();
    let caller = presented(&req).map(throttles::fingerprint).unwrap_or_default();
    if let Err(refused) = state.throttles.card_check(&caller, now) {
        return Err(ApiError::rate_limited(throttles::retry_after_seconds(refused.wait)));
    }
    let (public_id, kind) = path.into_inner();
    let parsed = PublicId::parse(&public_id).ok().zip(crate::domain::handbook::HandbookKind::parse(&kind));
    let Some((public_id, kind)) = parsed else {
        state.throttles.card_miss(&caller, now);
        return Err(AppError::NotFound.into());
    };
    let (store, keys) = (state.images.clone(), state.audit.clone());
    let reader = card::Reader { token: caller.clone(), budget: state.settings.card_budget };
    let found = state.db(move |conn| Ok(card::face(conn, &keys, &store, &reader, &public_id, kind, now)?)).await?;
    let bytes = match found {
        card::Read::Found(bytes) => bytes,
        card::Read::Unknown => {
            state.throttles.card_miss(&caller, now);
            return Err(AppError::NotFound.into());
        }
        card::Read::OverBudget { retry_after, window } => {
            return Err(over_budget(&state, &caller, retry_after, window).await);
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

/// A credential past its budget of distinct holders: `429` until its window ends, counted once
/// a window (the dashboard names the credential by fingerprint).
async fn over_budget(
    state: &AppState,
    caller: &str,
    retry_after: time::Duration,
    window: time::OffsetDateTime,
) -> ApiError {
    if state.throttles.card_budget_first_refusal(caller, window) {
        tracing::warn!(caller = %caller, "card API credential over its budget of distinct holders");
        let today = crate::clock::today_jst(state.clock.now());
        if let Err(e) = state.db(move |conn| Ok(card::record_throttled(conn, today)?)).await {
            tracing::error!(error = ?e, "the refused card read could not be counted");
        }
    }
    ApiError::over_budget(retry_after.whole_seconds().max(1))
}
