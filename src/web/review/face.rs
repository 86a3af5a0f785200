//! Saving where the face photo is on a page (`POST /registrations/{id}/face`); a box with a
//! mistake comes back with what was typed and the problem beside its field.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};

use super::page::ReviewForms;
use super::{act, show_page};
use crate::domain::face::FaceInput;
use crate::services::review::face::{self, FaceError};
use crate::web::access::Reviewers;
use crate::web::auth::RequireRole;
use crate::web::error::AppResult;
use crate::web::session;
use crate::web::state::AppState;

pub async fn mark_face(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: web::Form<FaceInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (*id, form.into_inner());
    let (image_id, face_box) = match input.parse() {
        Ok(parsed) => parsed,
        Err(notes) => {
            let kept = ReviewForms { face: Some(input), face_errors: notes, ..Default::default() };
            return show_page(&state, &staff, id, StatusCode::UNPROCESSABLE_ENTITY, kept).await;
        }
    };
    let store = state.images.clone();
    let result =
        act(&state, &staff, move |conn, acting| face::mark(conn, &store, id, image_id, face_box, acting)).await?;
    let banner = match result {
        Ok(Ok(())) => {
            session::set_notice(&staff.session, "顔写真の範囲を保存しました。")?;
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/registrations/{id}#face")))
                .finish());
        }
        Ok(Err(FaceError::NotThisRegistration)) => "選んだ写真はこの登録の写真ではありません。".to_owned(),
        Ok(Err(FaceError::Unreadable)) => "保存された写真を切り出せませんでした。写真を確認してください。".to_owned(),
        Err(rule) => format!("保存できませんでした: {rule}"),
    };
    let kept = ReviewForms { face: Some(input), banner: Some(banner), ..Default::default() };
    show_page(&state, &staff, id, StatusCode::CONFLICT, kept).await
}

/// The face box the review form carried, if it carried one (its inputs belong to the form).
pub(super) fn posted(encoded: &str) -> Option<FaceInput> {
    serde_html_form::from_str::<FaceInput>(encoded).ok().filter(|f| !f.image_id.trim().is_empty())
}

/// Keeps the box posted with the transcription or the decision. `Ok(Err(message))` when it
/// could not be kept (said in a banner; the transcription is saved either way).
pub(super) async fn keep_posted(
    state: &AppState,
    staff: &crate::web::auth::CurrentStaff,
    id: i64,
    image_id: i64,
    face_box: crate::domain::face::FaceBox,
) -> AppResult<Result<(), String>> {
    let store = state.images.clone();
    let result =
        act(state, staff, move |conn, acting| face::keep(conn, &store, id, image_id, face_box, acting)).await?;
    Ok(match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(FaceError::NotThisRegistration)) => Err("選んだ写真はこの登録の写真ではありません。".to_owned()),
        Ok(Err(FaceError::Unreadable)) => {
            Err("保存された写真を切り出せませんでした。写真を確認してください。".to_owned())
        }
        Err(rule) => Err(format!("顔写真の範囲を保存できませんでした: {rule}")),
    })
}
