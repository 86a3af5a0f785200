//! `/registrations/{id}`: the review screen (photos, transcription, warnings, decision,
//! history) and its actions, one file each: the page's view model (`page`), claim actions
//! (`claim`), the transcription save with its conflict page (`transcription`), and the
//! decision (`decision`).

mod claim;
mod decision;
mod face;
mod myna;
mod page;
mod panels;
mod transcription;
mod understood;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};

pub use claim::{hold, reassign, release, take, unhold};
pub use decision::decide;
pub use face::mark_face;
pub use myna::check_myna;
pub use transcription::save_transcription;
pub use understood::understood;

use super::access::ImageViewers;
use super::auth::{CurrentStaff, RequireRole};
use super::error::{AppError, AppResult};
use super::render;
use super::state::AppState;
use crate::domain::review::ReviewError;
use crate::services::review::view;
use crate::services::review::{Acting, ReviewFailure};
use page::ReviewForms;

/// Opens the registration as this person (the service decides the grounds and records each
/// view), and renders the page with what a failed post kept.
async fn show_page(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    status: StatusCode,
    kept: ReviewForms,
) -> AppResult<HttpResponse> {
    let provided = state.settings.myna_provided.clone();
    let (opened, now) =
        state.as_staff(staff, move |conn, acting| Ok((view::open(conn, id, &provided, acting)?, acting.now))).await?;
    let view::Opened { data, basis, myna, duplicates } = opened;
    let mut page = page::build(data, staff, basis, now, kept, myna, &state.settings.myna_provided);
    if state.ocr.reader().is_none() {
        page.without_ocr_engine();
    }
    page.show_duplicates(duplicates);
    render::page(status, &page)
}

pub async fn show(
    state: web::Data<AppState>,
    staff: RequireRole<ImageViewers>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    show_page(&state, &staff, *id, StatusCode::OK, ReviewForms::default()).await
}

fn back(id: i64) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/registrations/{id}"))).finish()
}

/// Runs a review action for this member of staff on the blocking pool. Rule refusals (someone
/// else holds it, already decided) come back as values for the screen; a missing
/// registration and faults as errors.
pub async fn act<T, F>(state: &AppState, staff: &CurrentStaff, action: F) -> AppResult<Result<T, ReviewError>>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::services::DbConnection, &Acting<'_>) -> Result<T, ReviewFailure> + Send + 'static,
{
    state
        .as_staff(staff, move |conn, acting| match action(conn, acting) {
            Ok(value) => Ok(Ok(value)),
            Err(ReviewFailure::Rule(rule)) => Ok(Err(rule)),
            Err(other) => Err(AppError::from(other)),
        })
        .await
}
