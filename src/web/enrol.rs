//! `/enrol/{token}`: the one-time link an admin hands to a new member of staff (or after a
//! password reset). The person sets their own password here; the admin never sets or sees it.
//! In `serve` the authenticator is enrolled at the first sign-in that follows.

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::{AppResult, account_refusal};
use super::forms::FormErrors;
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::domain::staff::{NewPassword, StaffEmail};
use crate::services::accounts::manage;
use tracing_actix_web::RequestId;

#[derive(Template)]
#[template(path = "account/enrol.html")]
struct EnrolPage {
    layout: Layout,
    errors: FormErrors,
    token: String,
    /// The link is used up or past its time.
    invalid: bool,
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

fn page(session: &Session, token: String, errors: FormErrors, invalid: bool) -> AppResult<EnrolPage> {
    Ok(EnrolPage {
        layout: Layout::anonymous("パスワードの設定", session::csrf_token(session)?, None),
        errors,
        token,
        invalid,
    })
}

async fn account_of(state: &AppState, token: &str) -> AppResult<Option<(i64, String)>> {
    let (token, now) = (token.to_owned(), state.clock.now());
    state.db(move |conn| Ok(manage::enrolment_for(conn, &token, now)?)).await
}

pub async fn show(state: web::Data<AppState>, session: Session, token: web::Path<String>) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let invalid = account_of(&state, &token).await?.is_none();
    let status = if invalid { StatusCode::NOT_FOUND } else { StatusCode::OK };
    render::page(status, &page(&session, token, FormErrors::default(), invalid)?)
}

pub async fn submit(
    state: web::Data<AppState>,
    session: Session,
    request_id: RequestId,
    token: web::Path<String>,
    form: web::Form<EnrolForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let Some((_, email)) = account_of(&state, &token).await? else {
        return render::page(StatusCode::NOT_FOUND, &page(&session, token, FormErrors::default(), true)?);
    };
    let mut errors = FormErrors::default();
    let new = NewPassword::parse(&form.new_password, StaffEmail::parse(&email).ok().as_ref())
        .map_err(|e| errors.add("new_password", e.to_string()))
        .ok();
    if form.new_password != form.confirm_password {
        errors.add("confirm_password", "確認用のパスワードが一致しません。");
    }
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &page(&session, token, errors, false)?);
    };
    let hash = state.hasher.hash(new.expose().to_owned()).await.map_err(crate::error::Fault::from)?;
    let (keys, now, request_id) = (state.audit.clone(), state.clock.now(), request_id.to_string());
    let token2 = token.clone();
    let done = state
        .db(move |conn| account_refusal(manage::enrol(conn, &keys, &token2, &hash, now, Some(&request_id))))
        .await?;
    match done {
        Ok(_) => {
            session::set_notice(
                &session,
                "パスワードを設定しました。メールアドレスと新しいパスワードでサインインしてください。",
            )?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish())
        }
        Err(_) => render::page(StatusCode::NOT_FOUND, &page(&session, token, FormErrors::default(), true)?),
    }
}
