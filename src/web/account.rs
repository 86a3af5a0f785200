//! A member of staff's own account: changing the password.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::AnyStaff;
use super::auth::RequireRole;
use super::error::{AppResult, account_refusal};
use super::forms::FormErrors;
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::domain::staff::{NewPassword, StaffEmail};
use crate::services::accounts::directory;
use crate::services::accounts::manage::{self, ManageError};
use crate::services::accounts::sign_in;

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    layout: Layout,
    errors: FormErrors,
    required: bool,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn must_change(state: &AppState, staff_id: i64) -> AppResult<bool> {
    state.db(move |conn| Ok(directory::find(conn, staff_id)?.is_some_and(|r| r.must_change_password))).await
}

pub async fn show(state: web::Data<AppState>, staff: RequireRole<AnyStaff>) -> AppResult<HttpResponse> {
    let page = PasswordPage {
        layout: Layout::for_staff(&staff, "パスワード変更", ""),
        errors: FormErrors::default(),
        required: must_change(&state, staff.id).await?,
    };
    render::page(StatusCode::OK, &page)
}

pub async fn submit(
    state: web::Data<AppState>,
    staff: RequireRole<AnyStaff>,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let email = StaffEmail::parse(&staff.email).ok();
    let new = match NewPassword::parse(&form.new_password, email.as_ref()) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.add("new_password", e.to_string());
            None
        }
    };
    if form.new_password != form.confirm_password {
        errors.add("confirm_password", "確認用のパスワードが一致しません。");
    }
    if form.current_password.is_empty() {
        errors.add("current_password", "現在のパスワードを入力してください。");
    }
    if let (Some(new), true) = (new, errors.is_empty()) {
        let now = state.clock.now();
        let id = staff.id;
        let row = state.db(move |conn| Ok(directory::find(conn, id)?)).await?;
        let hash = sign_in::hash_to_check(row.as_ref(), now).to_owned();
        let current_ok = state.hasher.verify(form.current_password.clone(), hash).await;
        let keys = state.audit.clone();
        let request_id = staff.request_id.clone();
        if !current_ok {
            let locked = state
                .db(move |conn| {
                    account_refusal(manage::refuse_current_password(conn, &keys, id, now, Some(&request_id)))
                })
                .await?;
            if matches!(locked, Ok(true)) {
                staff.session.clear();
                session::set_notice(
                    &staff.session,
                    "現在のパスワードの誤りが続いたため、アカウントを15分間ロックし、サインアウトしました。",
                )?;
                return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish());
            }
            errors.add("current_password", ManageError::WrongCurrentPassword.to_string());
        } else if form.current_password == new.expose() {
            errors.add("new_password", ManageError::SamePassword.to_string());
        } else {
            let hash = state.hasher.hash(new.expose().to_owned()).await.map_err(crate::error::Fault::from)?;
            let result = state
                .db(move |conn| {
                    account_refusal(manage::set_own_password(conn, &keys, id, &hash, now, Some(&request_id)))
                })
                .await?;
            match result {
                Ok(epoch) => {
                    session::sign_in(&staff.session, id, epoch, now)?;
                    session::set_notice(
                        &staff.session,
                        "パスワードを変更しました。ほかの端末のセッションは終了しました。",
                    )?;
                    return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/")).finish());
                }
                Err(other) => errors.add("new_password", other.to_string()),
            }
        }
    }
    let page = PasswordPage {
        layout: Layout::for_staff(&staff, "パスワード変更", ""),
        errors,
        required: must_change(&state, staff.id).await?,
    };
    render::page(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
