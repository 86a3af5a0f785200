//! `/registrations/{id}`: the review screen (photos, transcription, warnings, decision,
//! history) and its actions, one file each: the page's view model (`page`), claim actions
//! (`claim`), the transcription save with its conflict page (`transcription`), and the
//! decision (`decision`).

mod claim;
mod decision;
mod face;
mod myna;
mod page;
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
use crate::services::photos;
use crate::services::review::view;
use crate::services::review::{Acting, ReviewFailure};
use page::Kept;

/// Loads the registration, decides on what grounds this person sees its personal data,
/// records that view, and renders the page with what a failed post kept.
async fn show_page(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    status: StatusCode,
    kept: Kept,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let (staff_id, role) = (staff.id, staff.role);
    let request_id = staff.request_id.clone();
    let keys = state.audit.clone();
    let provided = state.settings.myna_provided.clone();
    let (data, basis, myna, duplicates) = state
        .db(move |conn| {
            let data = view::load(conn, id)?;
            let basis = photos::basis(conn, staff_id, role, &data.handbook, now)?;
            let mut myna = None;
            let mut duplicates = Vec::new();
            if basis.is_some() {
                // A possible duplicate's facts and photos show beside this one once the viewer
                // has a basis for it (a stated 「重複の確認」), each view audited like any other.
                let mut others: Vec<i64> =
                    data.same_number.iter().chain(data.same_person.iter()).map(|l| l.handbook_id).collect();
                others.sort_unstable();
                others.dedup();
                for other in others {
                    let Some(row) = crate::db::handbooks::find(conn, other)? else { continue };
                    if let Some(other_basis) = photos::basis(conn, staff_id, role, &row, now)? {
                        photos::record_data_view(conn, &keys, staff_id, other, &other_basis, now, Some(&request_id))?;
                        let fields = crate::db::fields::find(conn, other)?;
                        let images = crate::db::handbooks::images_of(conn, other)?;
                        duplicates.push((other, fields, images.into_iter().map(|i| i.id).collect::<Vec<_>>()));
                    }
                }
            }
            if let Some(basis) = &basis {
                photos::record_data_view(conn, &keys, staff_id, id, basis, now, Some(&request_id))?;
                // The portal's values are shown on the same grounds as the photos, each view
                // audited like them.
                let acting = Acting { staff_id, role, now, request_id: Some(&request_id), audit: &keys };
                myna = crate::services::myna::check::view(conn, id, &provided, &acting)?;
            }
            Ok((data, basis, myna, duplicates))
        })
        .await?;
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
    show_page(&state, &staff, *id, StatusCode::OK, Kept::default()).await
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
    F: FnOnce(&mut crate::db::DbConnection, &Acting<'_>) -> Result<T, ReviewFailure> + Send + 'static,
{
    state
        .as_staff(staff, move |conn, acting| match action(conn, acting) {
            Ok(value) => Ok(Ok(value)),
            Err(ReviewFailure::Rule(rule)) => Ok(Err(rule)),
            Err(other) => Err(AppError::from(other)),
        })
        .await
}
