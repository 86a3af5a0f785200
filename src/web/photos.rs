//! Handbook photos for staff: decrypted on the fly, never cached, each view audited.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::ImageViewers;
use super::auth::RequireRole;
use super::error::{AppError, AppResult};
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::render;
use super::state::AppState;
use crate::services::photos::{self, Basis, REASONS, Variant, Viewer};

async fn serve(
    state: &AppState,
    staff: &RequireRole<ImageViewers>,
    image_id: i64,
    variant: Variant,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let (staff_id, role, request_id) = (staff.id, staff.role, staff.request_id.clone());
    let (store, keys) = (state.images.clone(), state.audit.clone());
    let bytes = state
        .db(move |conn| {
            let viewer = Viewer { staff_id, role, now, request_id: Some(&request_id), audit: &keys };
            Ok(photos::view(conn, &store, &viewer, image_id, variant)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .body(bytes))
}

pub async fn full(
    state: web::Data<AppState>,
    staff: RequireRole<ImageViewers>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, &staff, *id, Variant::Full).await
}

pub async fn thumb(
    state: web::Data<AppState>,
    staff: RequireRole<ImageViewers>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, &staff, *id, Variant::Thumb).await
}

pub struct PhotoLink {
    pub id: i64,
    pub page: i32,
    pub width: i32,
    pub height: i32,
}

/// The reasons to choose from, with `chosen` ticked.
pub fn reason_choices(chosen: &str) -> Vec<Choice> {
    REASONS.iter().map(|(code, label)| Choice { code, label: (*label).into(), checked: *code == chosen }).collect()
}

#[derive(Template)]
#[template(path = "registrations/photos.html")]
struct PhotosPage {
    layout: Layout,
    handbook_id: i64,
    basis: Option<String>,
    photos: Vec<PhotoLink>,
    reasons: Vec<Choice>,
    reason_errors: FormErrors,
    reason_detail: String,
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    detail: String,
    /// The registration under review the reason was stated from (a duplicate check): back to
    /// it, where the other registration's facts and photos now show.
    #[serde(default)]
    back: Option<i64>,
}

async fn page(
    state: &AppState,
    staff: &RequireRole<ImageViewers>,
    handbook_id: i64,
    errors: FormErrors,
    form: ReasonForm,
) -> AppResult<PhotosPage> {
    let now = state.clock.now();
    let (staff_id, role) = (staff.id, staff.role);
    let photos::Listing { basis, images } = state
        .db(move |conn| photos::listing(conn, staff_id, role, handbook_id, now)?.ok_or(AppError::NotFound))
        .await?;
    Ok(PhotosPage {
        layout: Layout::for_staff(staff, format!("登録 #{handbook_id} の写真"), ""),
        handbook_id,
        basis: basis.map(|b| match b {
            Basis::Claim => "審査担当（この登録を担当中）として表示しています。".to_owned(),
            Basis::Reason(reason) => format!("閲覧理由「{reason}」を記録して表示しています。"),
        }),
        photos: images
            .into_iter()
            .map(|i| PhotoLink { id: i.id, page: i.page, width: i.width, height: i.height })
            .collect(),
        reasons: reason_choices(&form.reason),
        reason_errors: errors,
        reason_detail: form.detail,
    })
}

pub async fn show(
    state: web::Data<AppState>,
    staff: RequireRole<ImageViewers>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let empty = ReasonForm { reason: String::new(), detail: String::new(), back: None };
    render::page(StatusCode::OK, &page(&state, &staff, *id, FormErrors::default(), empty).await?)
}

pub async fn state_reason(
    state: web::Data<AppState>,
    staff: RequireRole<ImageViewers>,
    id: web::Path<i64>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let handbook_id = *id;
    match photos::reason_text(&form.reason, &form.detail) {
        Ok(reason) => {
            let now = state.clock.now();
            let (staff_id, request_id) = (staff.id, staff.request_id.clone());
            let keys = state.audit.clone();
            let granted = state
                .db(move |conn| {
                    match photos::grant(conn, &keys, staff_id, handbook_id, &reason, now, Some(&request_id)) {
                        Ok(()) => Ok(Ok(())),
                        Err(refused @ photos::PhotoError::EndedId) => Ok(Err(refused.to_string())),
                        Err(other) => Err(other.into()),
                    }
                })
                .await?;
            if let Err(message) = granted {
                let mut errors = FormErrors::default();
                errors.add("reason", message);
                return render::page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &page(&state, &staff, handbook_id, errors, form).await?,
                );
            }
            let location = match form.back {
                Some(back) => format!("/registrations/{back}#duplicate-{handbook_id}"),
                None => format!("/registrations/{handbook_id}/photos"),
            };
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish())
        }
        Err(message) => {
            let mut errors = FormErrors::default();
            let field = if REASONS.iter().any(|(c, _)| *c == form.reason) { "detail" } else { "reason" };
            errors.add(field, message);
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &staff, handbook_id, errors, form).await?)
        }
    }
}
