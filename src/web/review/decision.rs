//! The decision form: deserialised (repeated `defects` included) into a raw form, turned into
//! the domain's `DecisionInput` once, then decided. A form that comes back keeps everything
//! typed, with each problem beside its field.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::page::ReviewForms;
use super::{act, show_page};
use crate::domain::decision::{Checklist, DecisionInput};
use crate::domain::review::{Decision, Defect};
use crate::services::review::decide::{self, DecideResult};
use crate::web::access::Reviewers;
use crate::web::auth::RequireRole;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::HtmlForm;
use crate::web::session;
use crate::web::state::AppState;

/// The form as posted. Checkboxes are present ("on") or absent.
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct DecisionForm {
    version: String,
    decision: String,
    defects: Vec<String>,
    other_text: String,
    holder_message: String,
    internal_note: String,
    face_photo: Option<String>,
    right_pages: Option<String>,
    legible: Option<String>,
    no_tampering: Option<String>,
    proxy_confirmed: Option<String>,
    duplicates_checked: Option<String>,
    warnings_checked: Option<String>,
    suggestions_checked: Option<String>,
    /// Present when the review form posts the transcription with the decision: it is saved
    /// first, and the decision applies to what was just saved.
    save_transcription: Option<String>,
    /// 「判定して次へ」: open the next registration after deciding.
    next: Option<String>,
}

fn ticked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

impl TryFrom<DecisionForm> for DecisionInput {
    /// What no form of ours sends (a tampered or broken post): a 400, not a message.
    type Error = &'static str;

    fn try_from(form: DecisionForm) -> Result<Self, Self::Error> {
        let decision = match form.decision.as_str() {
            "" => None,
            code => Some(Decision::parse(code).ok_or("unknown decision")?),
        };
        let defects =
            form.defects.iter().map(|c| Defect::parse(c).ok_or("unknown defect")).collect::<Result<_, _>>()?;
        Ok(DecisionInput {
            version: form.version.trim().parse().map_err(|_| "version")?,
            decision,
            defects,
            checks: Checklist {
                face_photo: ticked(&form.face_photo),
                right_pages: ticked(&form.right_pages),
                legible: ticked(&form.legible),
                no_tampering: ticked(&form.no_tampering),
                proxy_confirmed: ticked(&form.proxy_confirmed),
                duplicates_checked: ticked(&form.duplicates_checked),
                warnings_checked: ticked(&form.warnings_checked),
                suggestions_checked: ticked(&form.suggestions_checked),
            },
            other_text: form.other_text,
            holder_message: form.holder_message,
            internal_note: form.internal_note,
        })
    }
}

pub async fn decide(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    body: HtmlForm<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let pairs = body.into_inner();
    let encoded = serde_html_form::to_string(&pairs).map_err(|_| AppError::BadRequest("form"))?;
    let form: DecisionForm = serde_html_form::from_str(&encoded).map_err(|_| AppError::BadRequest("decision form"))?;
    let (save, next) = (ticked(&form.save_transcription), ticked(&form.next));
    let mut input = DecisionInput::try_from(form).map_err(AppError::BadRequest)?;
    // A return or a rejection ends the registration: what was typed is not needed, and an empty
    // form must not stand in the way of returning a photo that cannot be read.
    let ends = matches!(input.decision, Some(Decision::Return | Decision::Reject));
    // The face box's inputs belong to the same form: checked before anything is saved, kept
    // before the decision (an approval needs it).
    let face = super::face::posted(&encoded);
    let parsed_face = match face.as_ref().map(|f| f.parse()) {
        Some(Ok(parsed)) if !ends => Some(parsed),
        Some(Err(notes)) if !ends => {
            let kept = ReviewForms {
                input: super::transcription::typed_in(&encoded).ok(),
                decision: Some(input.clone()),
                face,
                face_errors: notes,
                ..Default::default()
            };
            return show_page(&state, &staff, id, StatusCode::UNPROCESSABLE_ENTITY, kept).await;
        }
        _ => None,
    };
    if save && !ends {
        let typed = super::transcription::typed_in(&encoded).map_err(AppError::BadRequest)?;
        match super::transcription::save_with_decision(&state, &staff, id, input.version, typed, &input).await? {
            Ok(version) => input.version = version,
            Err(response) => return Ok(response),
        }
    }
    if let Some((image_id, face_box)) = parsed_face
        && let Err(message) = super::face::keep_posted(&state, &staff, id, image_id, face_box).await?
    {
        let kept = ReviewForms { decision: Some(input.clone()), face, banner: Some(message), ..Default::default() };
        return show_page(&state, &staff, id, StatusCode::CONFLICT, kept).await;
    }
    let posted = input.clone();
    let kept = |banner: Option<String>, errors| ReviewForms {
        decision: Some(input.clone()),
        decision_errors: errors,
        banner,
        ..Default::default()
    };
    match act(&state, &staff, move |conn, acting| decide::decide(conn, id, acting, &posted)).await? {
        Ok(DecideResult::Decided { decision, .. }) => {
            let done = format!("登録 #{id} を判定しました: {}", decision.label());
            if next {
                return super::super::queue::open_next(&state, &staff, None, Some(&done)).await;
            }
            session::set_notice(&staff.session, &done)?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/queue")).finish())
        }
        Ok(DecideResult::Invalid(errors)) => {
            show_page(&state, &staff, id, StatusCode::UNPROCESSABLE_ENTITY, kept(None, errors)).await
        }
        Ok(DecideResult::Stale) => {
            let banner = "判定の前に、ほかの担当者が内容を更新しました。最新の内容を確認して、もう一度判定してください。選んだ判定と入力は残しています。";
            show_page(&state, &staff, id, StatusCode::CONFLICT, kept(Some(banner.into()), Vec::new())).await
        }
        Err(rule) => {
            let banner = format!("判定できませんでした: {rule}");
            show_page(&state, &staff, id, StatusCode::CONFLICT, kept(Some(banner), Vec::new())).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<DecisionInput, &'static str> {
        let form: DecisionForm = serde_html_form::from_str(body).map_err(|_| "form")?;
        DecisionInput::try_from(form)
    }

    #[test]
    fn repeated_defects_and_ticked_boxes_are_read() {
        let input = parse("version=3&decision=return&defects=D02&defects=D99&other_text=x&legible=on").unwrap();
        assert_eq!(input.version, 3);
        assert_eq!(input.decision, Some(Decision::Return));
        assert_eq!(input.defects.iter().map(|d| d.code()).collect::<Vec<_>>(), ["D02", "D99"]);
        assert!(input.checks.legible && !input.checks.face_photo);
    }

    #[test]
    fn no_decision_chosen_is_a_question_not_an_error() {
        assert_eq!(parse("version=1").unwrap().decision, None);
    }

    #[test]
    fn what_no_form_sends_is_refused() {
        assert_eq!(parse("version=1&decision=approve_all"), Err("unknown decision"));
        assert_eq!(parse("version=1&decision=return&defects=D42"), Err("unknown defect"));
        assert_eq!(parse("decision=approve"), Err("version"));
    }
}
