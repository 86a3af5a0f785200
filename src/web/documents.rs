//! `/documents`: the register of terms-of-use and privacy-policy versions (admins).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::Admins;
use super::auth::RequireRole;
use super::error::AppResult;
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::domain::terms::{Document, Version};
use crate::services::documents;

#[derive(Template)]
#[template(path = "documents.html")]
struct Page {
    layout: Layout,
    errors: FormErrors,
    documents: Vec<Choice>,
    version: String,
    in_force_from: String,
    /// Document label, version, in force from.
    rows: Vec<(&'static str, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct VersionForm {
    #[serde(default)]
    document: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    in_force_from: String,
}

async fn page(
    state: &AppState,
    staff: &RequireRole<Admins>,
    errors: FormErrors,
    form: VersionForm,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let rows = state.db(move |conn| Ok(documents::versions(conn)?)).await?;
    let page = Page {
        layout: Layout::for_staff(staff, "規約・ポリシーの版", "/documents"),
        errors,
        documents: [Document::Terms, Document::Privacy]
            .into_iter()
            .map(|d| Choice { code: d.code(), label: d.label().into(), checked: d.code() == form.document })
            .collect(),
        version: form.version,
        in_force_from: form.in_force_from,
        rows: rows
            .into_iter()
            .map(|(d, v, from)| {
                (Document::parse(&d).map_or("（不明）", Document::label), v, crate::domain::wareki::format(from))
            })
            .collect(),
    };
    render::page(status, &page)
}

pub async fn show(state: web::Data<AppState>, staff: RequireRole<Admins>) -> AppResult<HttpResponse> {
    page(&state, &staff, FormErrors::default(), VersionForm::default(), StatusCode::OK).await
}

pub async fn record(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    form: web::Form<VersionForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let document = Document::parse(&form.document);
    if document.is_none() {
        errors.add("document", "文書を選んでください。");
    }
    let version = Version::parse(&form.version);
    if version.is_none() {
        errors.add("version", "版は1〜20文字の英数字・ピリオド・ハイフンで入力してください（例: v8）。");
    }
    let from =
        time::Date::parse(form.in_force_from.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok();
    if from.is_none() {
        errors.add("in_force_from", "施行日を選んでください。");
    }
    let (Some(document), Some(version), Some(from), true) = (document, version, from, errors.is_empty()) else {
        return page(&state, &staff, errors, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let added = state
        .as_staff(&staff, move |conn, acting| Ok(documents::record(conn, document, &version, from, acting)?))
        .await?;
    if !added {
        errors.add("version", "この文書のこの版は登録済みです。登録済みの版は変更できません。");
        return page(&state, &staff, errors, form, StatusCode::CONFLICT).await;
    }
    session::set_notice(&staff.session, "版と施行日を登録しました。")?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/documents")).finish())
}
