//! `/support/contacts`: the support center's contact log (every contact, not only lost phones),
//! found by reference; `POST /holders/{id}/notices/{notice}/resend` resends a notice.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::SupportDesk;
use super::auth::{CurrentStaff, RequireRole};
use super::error::{AppError, AppResult};
use super::format::datetime_jst;
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::{from_db, to_db};
use crate::domain::contacts::{ContactChannel, Topic};
use crate::domain::holder::PublicId;
use crate::domain::staff::Role;
use crate::services::contacts::{self, ContactFailure, ContactLine, NewLog};

const PAGE: i64 = 50;

/// A contact as lists show it.
pub struct LineView {
    pub id: i64,
    pub reference: String,
    pub holder_id: i64,
    pub public_id: String,
    pub channel: &'static str,
    pub topic: &'static str,
    pub by: String,
    pub at: String,
    pub restricted: bool,
}

pub fn line_view(l: &ContactLine) -> LineView {
    LineView {
        id: l.id,
        reference: l.reference.clone(),
        holder_id: l.holder_id,
        public_id: l.public_id.clone(),
        channel: ContactChannel::parse(&l.channel).map_or("", ContactChannel::label),
        topic: Topic::parse(&l.topic).map_or("", Topic::label),
        by: l.recorded_by_name.clone(),
        at: datetime_jst(from_db(l.recorded_at)),
        restricted: l.restricted,
    }
}

#[derive(Template)]
#[template(path = "support/contacts.html")]
struct ListPage {
    layout: Layout,
    errors: FormErrors,
    lines: Vec<LineView>,
    next: Option<String>,
    holder_public_id: String,
    channels: Vec<Choice>,
    topics: Vec<Choice>,
    note: String,
    restricted: bool,
    may_restrict: bool,
    reference: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    before: String,
}

#[derive(Deserialize, Default)]
pub struct LogForm {
    #[serde(default)]
    holder_public_id: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    restricted: Option<String>,
}

fn parse_before(raw: &str) -> Option<(time::PrimitiveDateTime, i64)> {
    let (at, id) = raw.split_once('_')?;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(at.parse().ok()?).ok()?;
    Some((to_db(at), id.parse().ok()?))
}

async fn list_page(
    state: &AppState,
    staff: &CurrentStaff,
    query: ListQuery,
    form: LogForm,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let before = parse_before(&query.before);
    let reference = query.reference.trim().to_ascii_uppercase();
    let wanted = (!reference.is_empty()).then(|| reference.clone());
    let rows = state.db(move |conn| Ok(contacts::lines(conn, None, wanted.as_deref(), before, PAGE + 1)?)).await?;
    let next = (rows.len() as i64 > PAGE)
        .then(|| rows.get(PAGE as usize - 1))
        .flatten()
        .map(|l| format!("{}_{}", from_db(l.recorded_at).unix_timestamp_nanos(), l.id));
    let page = ListPage {
        layout: Layout::for_staff(staff, "問い合わせの記録", "/support/contacts"),
        errors,
        lines: rows.iter().take(PAGE as usize).map(line_view).collect(),
        next,
        channels: ContactChannel::ALL
            .into_iter()
            .map(|c| Choice { code: c.code(), label: c.label().into(), checked: c.code() == form.channel })
            .collect(),
        topics: Topic::ALL
            .into_iter()
            .map(|t| Choice { code: t.code(), label: t.label().into(), checked: t.code() == form.topic })
            .collect(),
        holder_public_id: form.holder_public_id,
        note: form.note,
        restricted: form.restricted.is_some(),
        may_restrict: staff.role == Role::Supervisor,
        reference,
    };
    render::page(status, &page)
}

pub async fn list(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    list_page(&state, &staff, query.into_inner(), LogForm::default(), FormErrors::default(), StatusCode::OK).await
}

pub async fn log(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    form: web::Form<LogForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let public_id = PublicId::parse(&form.holder_public_id).ok();
    if public_id.is_none() {
        errors.add("holder_public_id", "利用者IDを入力してください（例: MR-2600001）。");
    }
    let channel = ContactChannel::parse(&form.channel);
    if channel.is_none() {
        errors.add("channel", "経路を選んでください。");
    }
    let topic = Topic::parse(&form.topic);
    if topic.is_none() {
        errors.add("topic", "内容の分類を選んでください。");
    }
    if let Err(message) = crate::domain::contacts::check_note(&form.note) {
        errors.add("note", message);
    }
    let (Some(public_id), Some(channel), Some(topic), true) = (public_id, channel, topic, errors.is_empty()) else {
        return list_page(&state, &staff, ListQuery::default(), form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let note = form.note.clone();
    let restricted = form.restricted.is_some() && staff.role == Role::Supervisor;
    let result = state
        .as_staff(&staff, move |conn, acting| {
            let Some(holder_id) = crate::services::requests::holder_by_public_id(conn, &public_id)? else {
                return Ok(None);
            };
            let new = NewLog { holder_id, channel, topic, note: &note, restricted };
            match contacts::log(conn, &new, acting) {
                Ok(done) => Ok(Some(done)),
                Err(ContactFailure::Fault(f)) => Err(f.into()),
                Err(ContactFailure::NotFound) => Ok(None),
                Err(ContactFailure::Rule(_)) => Err(AppError::Forbidden),
            }
        })
        .await?;
    let Some((id, reference)) = result else {
        errors.add("holder_public_id", "この利用者IDは登録されていません。");
        return list_page(&state, &staff, ListQuery::default(), form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    session::set_notice(&staff.session, &format!("問い合わせを記録しました（受付番号 {reference}）。"))?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/support/contacts/{id}"))).finish())
}

#[derive(Template)]
#[template(path = "support/contact.html")]
struct ContactPage {
    layout: Layout,
    line: LineView,
    note: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let found = state.as_staff(&staff, move |conn, acting| Ok(contacts::view(conn, id, acting)?)).await?;
    let (line, note) = found.ok_or(AppError::NotFound)?;
    let page = ContactPage {
        layout: Layout::for_staff(&staff, format!("問い合わせ {}", line.reference), "/support/contacts"),
        line: line_view(&line),
        note,
    };
    render::page(StatusCode::OK, &page)
}
