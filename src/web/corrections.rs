//! Correction of an approved record: `GET/POST /registrations/{id}/correction` (review roles)
//! proposes new values with a reason and the evidence; `/corrections` (supervisors) shows each
//! waiting proposal, the current and the corrected values side by side, for a second person to
//! approve or reject (`POST /corrections/{id}/approve`, `/reject`).

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::{Reviewers, Supervisors};
use super::auth::{CurrentStaff, RequireRole};
use super::error::{AppError, AppResult};
use super::format::datetime_jst;
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::multipart;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::from_db;
use crate::domain::correction::{CorrectionError, Evidence};
use crate::domain::sanctions::SanctionState;
use crate::domain::transcription::TranscriptionInput;
use crate::services::corrections::{self, CorrectionFailure, Draft, Proposal};

/// The fields a correction may change, in the form's order (the kind stays).
const FIELDS: [&str; 14] = [
    "handbook_name",
    "name",
    "name_kana",
    "birth_date",
    "disability_category",
    "grade",
    "municipality",
    "number",
    "issued_on",
    "renewed_on",
    "expires_on",
    "recert_on",
    "medical_number",
    "fare_class",
];

#[derive(Template)]
#[template(path = "corrections/propose.html")]
struct ProposePage {
    layout: Layout,
    errors: FormErrors,
    draft_id: i64,
    public_id: String,
    holder_id: i64,
    kind_label: &'static str,
    version: i32,
    /// (name, label, the current value as a hint, typed value)
    fields: Vec<(&'static str, &'static str, String, String)>,
    fares: Vec<Choice>,
    care: bool,
    care_label: String,
    evidence: Vec<Choice>,
    reason: String,
    request: Option<i64>,
    pending: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    #[serde(default)]
    request: Option<i64>,
}

fn value_of<'a>(input: &'a TranscriptionInput, name: &str) -> &'a str {
    match name {
        "name" => &input.name,
        "name_kana" => &input.name_kana,
        "birth_date" => &input.birth_date,
        "disability_category" => &input.disability_category,
        "grade" => &input.grade,
        "municipality" => &input.municipality,
        "number" => &input.number,
        "issued_on" => &input.issued_on,
        "renewed_on" => &input.renewed_on,
        "expires_on" => &input.expires_on,
        "recert_on" => &input.recert_on,
        "medical_number" => &input.medical_number,
        "fare_class" => &input.fare_class,
        "handbook_name" => &input.handbook_name,
        _ => "",
    }
}

fn set_value(input: &mut TranscriptionInput, name: &str, value: String) {
    let slot = match name {
        "name" => &mut input.name,
        "name_kana" => &mut input.name_kana,
        "birth_date" => &mut input.birth_date,
        "disability_category" => &mut input.disability_category,
        "grade" => &mut input.grade,
        "municipality" => &mut input.municipality,
        "number" => &mut input.number,
        "issued_on" => &mut input.issued_on,
        "renewed_on" => &mut input.renewed_on,
        "expires_on" => &mut input.expires_on,
        "recert_on" => &mut input.recert_on,
        "medical_number" => &mut input.medical_number,
        "fare_class" => &mut input.fare_class,
        "handbook_name" => &mut input.handbook_name,
        _ => return,
    };
    *slot = value;
}

fn label(name: &str) -> &'static str {
    crate::domain::transcription::Field::from_name(name).map_or("", |f| f.label())
}

/// What was typed (or, the first time, the current values) and the rest of the form.
struct Typed {
    input: TranscriptionInput,
    evidence: String,
    reason: String,
    request: Option<i64>,
}

async fn propose_page(
    state: &AppState,
    staff: &CurrentStaff,
    handbook_id: i64,
    typed: Option<Typed>,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let draft: Draft =
        state.db(move |conn| Ok(corrections::draft(conn, handbook_id)?)).await?.ok_or(AppError::NotFound)?;
    let typed = typed.unwrap_or_else(|| Typed {
        input: draft.input.clone(),
        evidence: String::new(),
        reason: String::new(),
        request: None,
    });
    let page = ProposePage {
        layout: Layout::for_staff(staff, format!("登録内容の訂正の起案: {}", draft.public_id), "/queue"),
        errors,
        draft_id: draft.handbook_id,
        public_id: draft.public_id.clone(),
        holder_id: draft.holder_id,
        kind_label: draft.kind.label(),
        version: draft.version,
        fields: FIELDS
            .iter()
            .filter(|n| **n != "fare_class")
            .map(|n| {
                let current = match value_of(&draft.input, n) {
                    "" => "今の値: （なし）".to_owned(),
                    v => format!("今の値: {v}"),
                };
                (*n, label(n), current, value_of(&typed.input, n).to_owned())
            })
            .collect(),
        fares: [("1", "第1種"), ("2", "第2種"), ("", "なし（記載がない）")]
            .into_iter()
            .map(|(code, l)| Choice { code, label: l.into(), checked: typed.input.fare_class == code })
            .collect(),
        care: typed.input.care.is_some(),
        care_label: format!(
            "「介護」の記載がある（今の値: {}）",
            if draft.input.care.is_some() { "あり" } else { "なし" }
        ),
        evidence: Evidence::ALL
            .into_iter()
            .filter(|e| *e == Evidence::Photo || draft.has_myna)
            .map(|e| Choice { code: e.code(), label: e.label().into(), checked: e.code() == typed.evidence })
            .collect(),
        reason: typed.reason,
        request: typed.request,
        pending: draft.pending,
    };
    render::page(status, &page)
}

pub async fn form(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    query: web::Query<FormQuery>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let draft = state.db(move |conn| Ok(corrections::draft(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    let typed = Typed { input: draft.input, evidence: String::new(), reason: String::new(), request: query.request };
    propose_page(&state, &staff, id, Some(typed), FormErrors::default(), StatusCode::OK).await
}

fn failure_message(e: &CorrectionFailure) -> Option<(&'static str, String, StatusCode)> {
    match e {
        CorrectionFailure::Rule(rule) => {
            let field = match rule {
                CorrectionError::ReasonTooShort | CorrectionError::ReasonTooLong => "reason",
                CorrectionError::PhotoMissing | CorrectionError::NoMynaValues => "evidence",
                _ => "name",
            };
            let status = match rule {
                CorrectionError::AlreadyProposed | CorrectionError::Stale | CorrectionError::AlreadyDecided => {
                    StatusCode::CONFLICT
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Some((field, rule.to_string(), status))
        }
        _ => None,
    }
}

/// Records the proposal. A mistake comes back with what was typed, the problem beside its
/// field; the evidence photo is to be chosen again (a browser never re-sends a file).
pub async fn propose(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let id = *id;
    let mut errors = FormErrors::default();
    let (received, refusal) = multipart::receive_keeping_texts(payload).await;
    if let Some(refusal) = refusal {
        errors.add("image", super::proxy_upload::refusal_text(refusal));
    }
    let text = |name: &str| received.text(name).unwrap_or_default().to_owned();
    let draft = state.db(move |conn| Ok(corrections::draft(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    let mut input = draft.input.clone();
    for name in FIELDS {
        set_value(&mut input, name, text(name));
    }
    input.care = (text("care") == "on").then(|| "on".to_owned());
    let typed = Typed {
        input,
        evidence: text("evidence"),
        reason: text("reason"),
        request: text("request").trim().parse().ok(),
    };
    let version: i32 = text("version").trim().parse().unwrap_or(-1);
    let evidence = Evidence::parse(&typed.evidence);
    if evidence.is_none() {
        errors.add("evidence", "訂正の根拠を選んでください。");
    }
    if text("confirmed") != "1" {
        errors.add("confirmed", "確認欄にチェックを入れてください。");
    }
    let (Some(evidence), true) = (evidence, errors.is_empty()) else {
        return propose_page(&state, &staff, id, Some(typed), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let photo = received.images.into_iter().next();
    let (input, reason, request) = (typed.input.clone(), typed.reason.clone(), typed.request);
    let store = state.images.clone();
    let result = state
        .as_staff(&staff, move |conn, acting| {
            let p = Proposal {
                handbook_id: id,
                version,
                input: &input,
                reason: &reason,
                evidence,
                photo: photo.as_ref(),
                request_id: request,
            };
            match corrections::propose(conn, &store, &p, acting) {
                Ok(id) => Ok(Ok(id)),
                Err(CorrectionFailure::NotFound) => Err(AppError::NotFound),
                Err(CorrectionFailure::Fault(f)) => Err(f.into()),
                Err(refused) => Ok(Err(refused)),
            }
        })
        .await?;
    match result {
        Ok(_) => {
            session::set_notice(
                &staff.session,
                "訂正を起案しました。審査責任者が承認すると、登録内容とカードが変わり、利用者に訂正のお知らせが届きます。",
            )?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/registrations/{id}"))).finish())
        }
        Err(CorrectionFailure::Invalid(notes)) => {
            for n in notes {
                errors.add(n.field, n.message);
            }
            propose_page(&state, &staff, id, Some(typed), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => {
            let (field, message, status) =
                failure_message(&other).unwrap_or(("name", other.to_string(), StatusCode::UNPROCESSABLE_ENTITY));
            errors.add(field, message);
            propose_page(&state, &staff, id, Some(typed), errors, status).await
        }
    }
}

/// A waiting proposal on the approval list.
pub struct WaitingView {
    pub id: i64,
    pub handbook_id: i64,
    pub holder_id: i64,
    pub public_id: String,
    pub kind: &'static str,
    pub changes: Vec<(String, String, String)>,
    pub reason: String,
    pub evidence: &'static str,
    pub evidence_photo: bool,
    pub by: String,
    pub proposed: String,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "corrections/list.html")]
struct ListPage {
    layout: Layout,
    waiting: Vec<WaitingView>,
}

pub async fn list(state: web::Data<AppState>, staff: RequireRole<Supervisors>) -> AppResult<HttpResponse> {
    let rows = state.db(move |conn| Ok(corrections::waiting(conn, 100)?)).await?;
    let waiting = rows
        .into_iter()
        .map(|w| WaitingView {
            id: w.id,
            handbook_id: w.handbook_id,
            holder_id: w.holder_id,
            public_id: w.public_id,
            kind: w.kind.label(),
            changes: w.changes.into_iter().map(|c| (c.field, c.before, c.after)).collect(),
            reason: w.reason,
            evidence: w.evidence.map_or("", Evidence::label),
            evidence_photo: w.evidence_image_id.is_some(),
            by: w.proposed_by_name,
            proposed: datetime_jst(from_db(w.proposed_at)),
            mine: w.proposed_by == staff.id,
        })
        .collect();
    let page =
        ListPage { layout: Layout::for_staff(&staff, "登録内容の訂正の承認", "/corrections"), waiting };
    render::page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    note: String,
    #[serde(flatten)]
    confirmation: super::forms::Confirmation,
}

async fn decide(
    state: &AppState,
    staff: &RequireRole<Supervisors>,
    id: i64,
    approve: bool,
    form: DecisionForm,
) -> AppResult<HttpResponse> {
    if approve {
        let notice = "承認していません。訂正するときは確認欄にチェックを入れてから押してください。";
        if let Some(unconfirmed) = form.confirmation.required(&staff.session, notice, "/corrections")? {
            return Ok(unconfirmed);
        }
    }
    let note = form.note;
    let result = state
        .as_staff(staff, move |conn, acting| match corrections::decide(conn, id, approve, &note, acting) {
            Ok(outcome) => Ok(Ok(outcome)),
            Err(CorrectionFailure::NotFound) => Err(AppError::NotFound),
            Err(CorrectionFailure::Fault(f)) => Err(f.into()),
            Err(refused) => Ok(Err(refused.to_string())),
        })
        .await?;
    let notice = match result {
        Ok(SanctionState::Applied) => {
            "訂正を承認しました。登録内容とカードが変わり、利用者に訂正のお知らせが届きます。".to_owned()
        }
        Ok(_) => "訂正の起案を却下しました。登録内容は変わりません。".to_owned(),
        Err(message) => format!("判断できませんでした: {message}"),
    };
    session::set_notice(&staff.session, &notice)?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/corrections")).finish())
}

pub async fn approve(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(&state, &staff, *id, true, form.into_inner()).await
}

pub async fn reject(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(&state, &staff, *id, false, form.into_inner()).await
}
