//! Saving the transcription; a save from a stale form gets the conflict page with both
//! versions side by side, and keeps what was typed.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::page::ReviewForms;
use super::{act, show_page};
use crate::clock::from_db;
use crate::domain::transcription::{Field, TranscriptionInput};
use crate::services::review::transcribe::{self, Conflict, SaveResult};
use crate::web::access::Reviewers;
use crate::web::auth::{CurrentStaff, RequireRole};
use crate::web::error::{AppError, AppResult};
use crate::web::format::datetime_jst;
use crate::web::layout::Layout;
use crate::web::render;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub struct TranscriptionForm {
    /// A string: numbers do not survive `flatten` with URL-encoded forms.
    version: String,
    #[serde(flatten)]
    input: TranscriptionInput,
    /// The face box, whose inputs belong to the same form: saved with the transcription.
    #[serde(flatten)]
    face: crate::domain::face::FaceInput,
}

pub async fn save_transcription(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: Result<web::Form<TranscriptionForm>, actix_web::Error>,
) -> AppResult<HttpResponse> {
    let form = form.map_err(|_| AppError::BadRequest("transcription form"))?;
    let id = *id;
    let TranscriptionForm { version, input, face } = form.into_inner();
    let version: i32 = version.parse().map_err(|_| AppError::BadRequest("version"))?;
    let face = (!face.image_id.trim().is_empty()).then_some(face);
    // A box with a mistake stops the save: both come back as typed.
    let parsed_face = match face.as_ref().map(|f| f.parse()) {
        None => None,
        Some(Ok(parsed)) => Some(parsed),
        Some(Err(notes)) => {
            let kept = ReviewForms { input: Some(input), face, face_errors: notes, ..Default::default() };
            return show_page(&state, &staff, id, StatusCode::UNPROCESSABLE_ENTITY, kept).await;
        }
    };
    let posted = input.clone();
    match act(&state, &staff, move |conn, acting| transcribe::save(conn, id, acting, version, &posted)).await? {
        Ok(SaveResult::Saved { .. }) => {
            let mut notice = "転記を保存しました。".to_owned();
            if let Some((image_id, face_box)) = parsed_face {
                match super::face::keep_posted(&state, &staff, id, image_id, face_box).await? {
                    Ok(()) => notice = "転記を保存しました（顔写真の範囲も保存しました）。".to_owned(),
                    Err(message) => notice.push_str(&message),
                }
            }
            session::set_notice(&staff.session, &notice)?;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/registrations/{id}#transcription")))
                .finish())
        }
        Ok(SaveResult::Invalid(parsed)) => {
            let kept = ReviewForms { input: Some(input), errors: parsed.errors, face, ..Default::default() };
            show_page(&state, &staff, id, StatusCode::UNPROCESSABLE_ENTITY, kept).await
        }
        Ok(SaveResult::Conflict(conflict)) => conflict_page(&staff, id, input, conflict),
        Ok(SaveResult::Stale) => {
            let kept = ReviewForms {
                face,
                input: Some(input),
                banner: Some("この画面を開いた後に登録が更新されました。最新の内容を確認してください。入力内容はそのまま残しています。".into()),
                ..Default::default()
            };
            show_page(&state, &staff, id, StatusCode::CONFLICT, kept).await
        }
        Err(rule) => {
            let kept = ReviewForms {
                input: Some(input),
                banner: Some(format!("保存できませんでした: {rule} 入力内容はそのまま残しています。")),
                ..Default::default()
            };
            show_page(&state, &staff, id, StatusCode::CONFLICT, kept).await
        }
    }
}

/// The transcription fields of a review form that also carries the decision.
pub fn typed_in(encoded: &str) -> Result<TranscriptionInput, &'static str> {
    serde_html_form::from_str(encoded).map_err(|_| "transcription form")
}

/// Saves the transcription a decision came with. `Ok(version)` is the registration's new
/// version, for the decision; `Err` is the page to answer with instead (the transcription
/// has a mistake, or someone saved meanwhile), everything typed kept, decision included.
pub async fn save_with_decision(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    version: i32,
    input: TranscriptionInput,
    decision: &crate::domain::decision::DecisionInput,
) -> AppResult<Result<i32, HttpResponse>> {
    let posted = input.clone();
    let kept = |errors, banner| ReviewForms {
        input: Some(input.clone()),
        errors,
        decision: Some(decision.clone()),
        banner,
        ..Default::default()
    };
    Ok(match act(state, staff, move |conn, acting| transcribe::save(conn, id, acting, version, &posted)).await? {
        Ok(SaveResult::Saved { version }) => Ok(version),
        Ok(SaveResult::Invalid(parsed)) => {
            Err(show_page(state, staff, id, StatusCode::UNPROCESSABLE_ENTITY, kept(parsed.errors, None)).await?)
        }
        Ok(SaveResult::Conflict(conflict)) => Err(conflict_page(staff, id, input.clone(), conflict)?),
        Ok(SaveResult::Stale) => {
            let banner = "この画面を開いた後に登録が更新されました。最新の内容を確認してください。入力内容はそのまま残しています。";
            Err(show_page(state, staff, id, StatusCode::CONFLICT, kept(Vec::new(), Some(banner.into()))).await?)
        }
        Err(rule) => {
            let banner = format!("保存できませんでした: {rule} 入力内容はそのまま残しています。");
            Err(show_page(state, staff, id, StatusCode::CONFLICT, kept(Vec::new(), Some(banner))).await?)
        }
    })
}

pub struct ConflictLine {
    pub label: &'static str,
    pub theirs: String,
    pub mine: String,
    pub differs: bool,
}

#[derive(Template)]
#[template(path = "registrations/conflict.html")]
struct ConflictPage {
    layout: Layout,
    handbook_id: i64,
    version: i32,
    saved_by: String,
    saved_at: String,
    lines: Vec<ConflictLine>,
    mine: TranscriptionInput,
}

fn conflict_page(
    staff: &CurrentStaff,
    id: i64,
    mine: TranscriptionInput,
    conflict: Conflict,
) -> AppResult<HttpResponse> {
    let lines = Field::ALL
        .into_iter()
        .map(|field| {
            let (theirs, mine) = (field.typed(&conflict.theirs), field.typed(&mine));
            ConflictLine { label: field.label(), differs: theirs != mine, theirs, mine }
        })
        .collect();
    let page = ConflictPage {
        layout: Layout::for_staff(staff, format!("登録 #{id}: 保存が競合しました"), "/queue"),
        handbook_id: id,
        version: conflict.current_version,
        saved_by: conflict.saved_by,
        saved_at: datetime_jst(from_db(conflict.saved_at)),
        lines,
        mine,
    };
    render::page(StatusCode::CONFLICT, &page)
}
