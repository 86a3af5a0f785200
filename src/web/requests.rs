//! `/requests`: a holder's requests (開示・訂正・利用停止・消去). Support and supervisors
//! see the open ones by due date and enter one from a contact; support or a supervisor
//! records the identity check; another supervisor produces the disclosure file, answers or
//! refuses.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::{Supervisors, SupportDesk};
use super::auth::{CurrentStaff, RequireRole};
use super::error::{AppError, AppResult};
use super::format::datetime_jst;
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::{from_db, today_jst};
use crate::domain::holder::PublicId;
use crate::domain::requests::{self, Channel, IdentityCheck, RequestError, RequestKind, RequestState};
use crate::services::requests::{self as service, Answered, Incoming, Receiver, RequestFailure, RequestRow};

const PAGE: i64 = 50;

/// One open request on the work list.
pub struct Line {
    pub id: i64,
    pub reference: String,
    pub holder_id: i64,
    pub public_id: String,
    pub kind: &'static str,
    pub channel: &'static str,
    pub state: &'static str,
    pub received: String,
    pub due: String,
    pub overdue: bool,
    pub verified_by: String,
}

#[derive(Template)]
#[template(path = "requests/list.html")]
struct ListPage {
    layout: Layout,
    errors: FormErrors,
    lines: Vec<Line>,
    next: Option<String>,
    holder_public_id: String,
    kinds: Vec<Choice>,
    detail: String,
    due_days: u16,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    after: String,
}

#[derive(Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    holder_public_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    detail: String,
}

/// `2026-12-21_42`: the keyset of the next page.
fn parse_after(raw: &str) -> Option<(time::Date, i64)> {
    let (day, id) = raw.split_once('_')?;
    let day = time::Date::parse(day, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some((day, id.parse().ok()?))
}

fn kind_choices(selected: &str) -> Vec<Choice> {
    RequestKind::ALL
        .into_iter()
        .map(|k| Choice { code: k.code(), label: k.label().into(), checked: k.code() == selected })
        .collect()
}

async fn list_page(
    state: &AppState,
    staff: &CurrentStaff,
    after: Option<(time::Date, i64)>,
    form: NewForm,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let rows = state.db(move |conn| Ok(service::open(conn, after, PAGE + 1)?)).await?;
    let today = today_jst(state.clock.now());
    let next =
        (rows.len() as i64 > PAGE).then(|| rows[PAGE as usize - 1].clone()).map(|l| format!("{}_{}", l.due_on, l.id));
    let lines = rows
        .into_iter()
        .take(PAGE as usize)
        .map(|l| Line {
            id: l.id,
            reference: l.reference,
            holder_id: l.holder_id,
            public_id: l.public_id,
            kind: l.kind.label(),
            channel: l.channel.label(),
            state: l.state.label(),
            received: datetime_jst(from_db(l.received_at)),
            due: crate::domain::wareki::format(l.due_on),
            overdue: requests::overdue(l.state, l.due_on, today),
            verified_by: l.verified_by_name.unwrap_or_default(),
        })
        .collect();
    let page = ListPage {
        layout: Layout::for_staff(staff, "本人からの請求", "/requests"),
        errors,
        lines,
        next,
        kinds: kind_choices(&form.kind),
        holder_public_id: form.holder_public_id,
        detail: form.detail,
        due_days: state.settings.request_due_days,
    };
    render::page(status, &page)
}

pub async fn list(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let after = parse_after(&query.after);
    list_page(&state, &staff, after, NewForm::default(), FormErrors::default(), StatusCode::OK).await
}

/// Enters a request taken by the support center (or a supervisor) from a contact.
pub async fn create(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    form: web::Form<NewForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let public_id = PublicId::parse(&form.holder_public_id).ok();
    if public_id.is_none() {
        errors.add("holder_public_id", "利用者IDを入力してください（例: MR-2600001）。");
    }
    let kind = RequestKind::parse(&form.kind);
    if kind.is_none() {
        errors.add("kind", "請求の種類を選んでください。");
    }
    if form.detail.trim().chars().count() > 2000 {
        errors.add("detail", "請求の内容は2000文字以内で入力してください。");
    }
    let (Some(public_id), Some(kind), true) = (public_id, kind, errors.is_empty()) else {
        return list_page(&state, &staff, None, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let detail = form.detail.clone();
    let due_days = state.settings.request_due_days;
    let result = state
        .as_staff(&staff, move |conn, acting| {
            let Some(holder_id) = service::holder_by_public_id(conn, &public_id)? else { return Ok(None) };
            let incoming = Incoming { holder_id, kind, channel: Channel::Support, detail: &detail, due_days };
            let by = Receiver {
                actor: crate::audit::Actor::Staff(acting.staff_id),
                staff_id: Some(acting.staff_id),
                now: acting.now,
                request_id: acting.request_id,
                audit: acting.audit,
            };
            match service::receive(conn, &incoming, &by) {
                Ok(done) => Ok(Some(Ok(done))),
                Err(RequestFailure::Fault(f)) => Err(f.into()),
                Err(refused) => Ok(Some(Err(refused.to_string()))),
            }
        })
        .await?;
    match result {
        None => {
            errors.add("holder_public_id", "この利用者IDは登録されていません。");
            list_page(&state, &staff, None, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Some(Err(message)) => {
            errors.add("kind", format!("受け付けられませんでした: {message}"));
            list_page(&state, &staff, None, form, errors, StatusCode::CONFLICT).await
        }
        Some(Ok((row, created))) => {
            let notice = if created {
                format!("請求を受け付けました（受付番号 {}）。次は本人確認を記録してください。", row.reference)
            } else {
                format!("同じ種類の請求がすでに受付中です（受付番号 {}）。", row.reference)
            };
            session::set_notice(&staff.session, &notice)?;
            see_other(&format!("/requests/{}", row.id))
        }
    }
}

fn see_other(to: &str) -> AppResult<HttpResponse> {
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_owned())).finish())
}

#[derive(Template)]
#[template(path = "requests/show.html")]
struct ShowPage {
    layout: Layout,
    errors: FormErrors,
    r: RequestView,
    public_id: String,
    holder_id: i64,
    how: Vec<Choice>,
    verification_note: String,
    answer_note: String,
    refusal: String,
    may_verify: bool,
    may_answer: bool,
    may_refuse: bool,
    /// Why this person may not answer (they verified it), said rather than hidden.
    answer_blocked: Option<&'static str>,
    /// A correction request: the approved registrations to propose a correction of.
    correctable: Vec<(i64, &'static str)>,
}

/// A request as its page shows it.
pub struct RequestView {
    pub id: i64,
    pub version: i32,
    pub reference: String,
    pub kind: RequestKind,
    pub channel: &'static str,
    pub state: RequestState,
    pub detail: String,
    pub received: String,
    pub received_by: String,
    pub due: String,
    pub overdue: bool,
    pub verified: Option<(String, String, &'static str, String)>,
    pub produced: Option<(String, String)>,
    pub answered: Option<(String, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    version: i32,
    #[serde(default)]
    how: String,
    #[serde(default)]
    verification_note: String,
    #[serde(default)]
    answer_note: String,
    #[serde(default)]
    refusal: String,
    #[serde(default)]
    confirmed: String,
}

async fn show_page(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    form: StepForm,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let loaded = state
        .db(move |conn| {
            let Some(row) = service::find(conn, id)? else { return Ok(None) };
            let public_id = crate::services::holders::public_id_of(conn, row.holder_id)?;
            let ids: Vec<i64> = [row.received_by, row.verified_by, row.disclosure_produced_by, row.answered_by]
                .into_iter()
                .flatten()
                .collect();
            let names = service::names(conn, &ids)?;
            let correctable = if row.kind == RequestKind::Correction && row.state.is_open() {
                service::approved_registrations(conn, row.holder_id)?
            } else {
                Vec::new()
            };
            Ok(Some((row, public_id, names, correctable)))
        })
        .await?;
    let Some((row, public_id, names, correctable)) = loaded else { return Err(AppError::NotFound) };
    let name = |id: Option<i64>| {
        id.and_then(|id| names.iter().find(|(s, _)| *s == id).map(|(_, n)| n.clone())).unwrap_or_default()
    };
    let today = today_jst(state.clock.now());
    let answerable = requests::may_answer(staff.role, row.state, row.verified_by, staff.id);
    let r = view(&row, today, &name);
    let page = ShowPage {
        layout: Layout::for_staff(staff, format!("請求 {}", row.reference), "/requests"),
        errors,
        public_id: public_id.map(|p| p.as_str().to_owned()).unwrap_or_default(),
        holder_id: row.holder_id,
        how: IdentityCheck::ALL
            .into_iter()
            .map(|c| Choice { code: c.code(), label: c.label().into(), checked: c.code() == form.how })
            .collect(),
        verification_note: form.verification_note,
        answer_note: form.answer_note,
        refusal: form.refusal,
        may_verify: requests::may_verify(staff.role) && row.state == RequestState::Received,
        may_answer: answerable.is_ok(),
        may_refuse: requests::may_refuse(staff.role, row.state).is_ok(),
        answer_blocked: match answerable {
            Err(RequestError::SamePerson) => Some("本人確認を記録した人は回答できません。別の審査責任者が回答します。"),
            _ => None,
        },
        correctable: correctable.into_iter().map(|(id, kind)| (id, kind.label())).collect(),
        r,
    };
    render::page(status, &page)
}

fn view(row: &RequestRow, today: time::Date, name: &dyn Fn(Option<i64>) -> String) -> RequestView {
    let at = |t: time::PrimitiveDateTime| datetime_jst(from_db(t));
    RequestView {
        id: row.id,
        version: row.version,
        reference: row.reference.clone(),
        kind: row.kind,
        channel: row.channel.label(),
        state: row.state,
        detail: row.detail.clone(),
        received: at(row.received_at),
        received_by: row.received_by.map_or_else(|| "アプリ".to_owned(), |id| name(Some(id))),
        due: crate::domain::wareki::format(row.due_on),
        overdue: requests::overdue(row.state, row.due_on, today),
        verified: row.verified_at.map(|t| {
            let how = row.verified_how.as_deref().and_then(IdentityCheck::parse).map_or("", IdentityCheck::label);
            (at(t), name(row.verified_by), how, row.verification_note.clone().unwrap_or_default())
        }),
        produced: row.disclosure_produced_at.map(|t| (at(t), name(row.disclosure_produced_by))),
        answered: row.answered_at.map(|t| (at(t), name(row.answered_by), row.answer_note.clone().unwrap_or_default())),
    }
}

pub async fn show(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    show_page(&state, &staff, *id, StepForm::default(), FormErrors::default(), StatusCode::OK).await
}

/// A refusal from the rules: back to the page with the message beside `field` (409 when the
/// page was stale or someone else moved the request, 422 otherwise).
async fn refused(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    form: StepForm,
    field: &'static str,
    failure: RequestFailure,
) -> AppResult<HttpResponse> {
    let status = match failure {
        RequestFailure::NotFound => return Err(AppError::NotFound),
        RequestFailure::Fault(f) => return Err(AppError::Fault(f)),
        RequestFailure::Rule(RequestError::Stale | RequestError::Closed | RequestError::AlreadyVerified) => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut errors = FormErrors::default();
    errors.add(field, failure.to_string());
    show_page(state, staff, id, form, errors, status).await
}

pub async fn verify(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    id: web::Path<i64>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let (id, form) = (*id, form.into_inner());
    let mut errors = FormErrors::default();
    let how = IdentityCheck::parse(&form.how);
    if how.is_none() {
        errors.add("how", "本人確認の方法を選んでください。");
    }
    if let Err(e) = requests::check_note(&form.verification_note) {
        errors.add("verification_note", format!("{e}（何を照合したかを書いてください）"));
    }
    let (Some(how), true) = (how, errors.is_empty()) else {
        return show_page(&state, &staff, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (version, note) = (form.version, form.verification_note.clone());
    let result =
        state.as_staff(&staff, move |conn, acting| Ok(service::verify(conn, id, version, how, &note, acting))).await?;
    match result {
        Ok(()) => {
            session::set_notice(&staff.session, "本人確認を記録しました。回答は別の審査責任者が行います。")?;
            see_other(&format!("/requests/{id}"))
        }
        Err(e) => refused(&state, &staff, id, form, "how", e).await,
    }
}

/// Produces the disclosure file and hands it over as a download (audited with counts).
pub async fn disclosure(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let (id, form) = (*id, form.into_inner());
    let version = form.version;
    let store = state.images.clone();
    let result = state
        .as_staff(&staff, move |conn, acting| Ok(service::disclosure::produce(conn, &store, id, version, acting)))
        .await?;
    match result {
        Ok(file) => Ok(HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.name)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(file.bytes)),
        Err(e) => refused(&state, &staff, id, form, "answer_note", e).await,
    }
}

pub async fn answer(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let (id, form) = (*id, form.into_inner());
    let mut errors = FormErrors::default();
    if let Err(e) = requests::check_note(&form.answer_note) {
        errors.add("answer_note", format!("{e}（どう回答したかを書いてください）"));
    }
    if form.confirmed != "1" {
        errors.add("confirmed", "確認欄にチェックを入れてください。");
    }
    if !errors.is_empty() {
        return show_page(&state, &staff, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (version, note) = (form.version, form.answer_note.clone());
    let store = state.images.clone();
    let result = state
        .as_staff(&staff, move |conn, acting| Ok(service::answer(conn, &store, id, version, &note, acting)))
        .await?;
    match result {
        Ok(done) => {
            let notice = match done {
                Answered::Disclosed => "開示の回答を記録しました。利用者にお知らせが届きます。",
                Answered::Corrected => "訂正の回答を記録しました。利用者にお知らせが届きます。",
                Answered::UseStopped => "IDを本人の請求による利用停止にしました。利用者にお知らせが届きます。",
                Answered::Erased => "請求により個人情報を消去しました。記録（受付番号・日時・担当者）は残ります。",
            };
            session::set_notice(&staff.session, notice)?;
            see_other(&format!("/requests/{id}"))
        }
        Err(e) => refused(&state, &staff, id, form, "answer_note", e).await,
    }
}

pub async fn refuse(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<StepForm>,
) -> AppResult<HttpResponse> {
    let (id, form) = (*id, form.into_inner());
    if let Err(e) = requests::check_note(&form.refusal) {
        let mut errors = FormErrors::default();
        errors.add("refusal", format!("{e}（利用者に伝える理由です）"));
        return show_page(&state, &staff, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (version, reason) = (form.version, form.refusal.clone());
    let result =
        state.as_staff(&staff, move |conn, acting| Ok(service::refuse(conn, id, version, &reason, acting))).await?;
    match result {
        Ok(()) => {
            session::set_notice(&staff.session, "請求に応じない旨と理由を記録しました。利用者にお知らせが届きます。")?;
            see_other(&format!("/requests/{id}"))
        }
        Err(e) => refused(&state, &staff, id, form, "refusal", e).await,
    }
}
