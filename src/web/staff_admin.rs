//! `/staff`: accounts, for admins. Create, deactivate and reactivate, change role, reset a
//! password (a one-time enrolment link, shown once: the person sets their own password; the
//! admin never sets or sees one), reset the authenticator, end all sessions. Granting
//! supervisor or admin rights (a new account, or a raise) waits for a second admin, who decides
//! on this page (`/staff/proposals/{id}/approve`, `/reject`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::Admins;
use super::auth::RequireRole;
use super::error::{AppError, AppResult, account_refusal};
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::audit::Actor;
use crate::clock::from_db;
use crate::domain::staff::{NewPassword, Role, StaffEmail};
use crate::services::accounts::directory::{self, StaffRow};
use crate::services::accounts::manage::{self, AdminAction, NewAccount};
use crate::web::format::datetime_jst;

const PAGE_SIZE: i64 = 50;

pub struct StaffLine {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: &'static str,
    pub role_code: &'static str,
    pub active: bool,
    pub totp: bool,
    pub locked: bool,
    pub last_login: String,
    pub is_self: bool,
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "staff/list.html")]
struct ListPage {
    layout: Layout,
    staff: Vec<StaffLine>,
    next_cursor: Option<String>,
    roles: Vec<RoleOption>,
    errors: FormErrors,
    form_email: String,
    form_name: String,
    /// The roles of the create form, the one typed ticked.
    form_roles: Vec<Choice>,
    /// Supervisor and admin roles waiting for a second admin.
    proposals: Vec<RoleProposalLine>,
}

pub struct RoleProposalLine {
    pub id: i64,
    pub account: String,
    pub email: String,
    pub role: &'static str,
    pub new_account: bool,
    pub by: String,
    pub when: String,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "staff/password_issued.html")]
struct IssuedPage {
    layout: Layout,
    what: &'static str,
    display_name: String,
    email: String,
    /// The one-time enrolment link to hand to the person.
    link: String,
    /// The role waits for a second admin: the person cannot sign in until then.
    pending: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    after: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

fn roles() -> Vec<RoleOption> {
    Role::ALL.iter().map(|r| RoleOption { code: r.as_str(), label: r.label() }).collect()
}

/// The keyset cursor: the last row's (name, id), hex-encoded so any name survives a URL.
fn encode_cursor(row: &StaffRow) -> String {
    format!("{}.{}", hex::encode(row.display_name.as_bytes()), row.id)
}

fn decode_cursor(raw: &str) -> Option<(String, i64)> {
    let (name, id) = raw.rsplit_once('.')?;
    Some((String::from_utf8(hex::decode(name).ok()?).ok()?, id.parse().ok()?))
}

async fn list_page(
    state: &AppState,
    staff: &RequireRole<Admins>,
    after: Option<String>,
    errors: FormErrors,
    form: CreateForm,
) -> AppResult<ListPage> {
    let cursor = after.as_deref().and_then(decode_cursor);
    let (rows, waiting) = state
        .db(move |conn| {
            let rows = directory::page(conn, cursor.as_ref().map(|(n, i)| (n.as_str(), *i)), PAGE_SIZE + 1)?;
            Ok((rows, directory::roles_waiting(conn, 100)?))
        })
        .await?;
    let now = state.clock.now();
    let more = rows.len() as i64 > PAGE_SIZE;
    let shown: Vec<StaffRow> = rows.into_iter().take(PAGE_SIZE as usize).collect();
    let next_cursor = if more { shown.last().map(encode_cursor) } else { None };
    let me = staff.id;
    let lines = shown
        .into_iter()
        .map(|r| {
            let role = r.role;
            StaffLine {
                id: r.id,
                locked: r.locked_until.is_some_and(|u| from_db(u) > now),
                last_login: r.last_login_at.map(|t| datetime_jst(from_db(t))).unwrap_or_else(|| "—".into()),
                email: r.email,
                display_name: r.display_name,
                role: role.label(),
                role_code: role.as_str(),
                active: r.active,
                totp: r.totp_secret.is_some(),
                is_self: r.id == me,
            }
        })
        .collect();
    Ok(ListPage {
        layout: Layout::for_staff(staff, "スタッフ管理", "/staff"),
        staff: lines,
        next_cursor,
        roles: roles(),
        errors,
        form_email: form.email,
        form_name: form.display_name,
        form_roles: Role::ALL
            .iter()
            .map(|r| Choice { code: r.as_str(), label: r.label().into(), checked: r.as_str() == form.role })
            .collect(),
        proposals: waiting
            .into_iter()
            .map(|(id, _, account, email, role, new_account, by_id, by, at)| RoleProposalLine {
                id,
                account,
                email,
                role: role.label(),
                new_account,
                by,
                when: datetime_jst(from_db(at)),
                mine: by_id == me,
            })
            .collect(),
    })
}

fn back_to_list() -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, "/staff")).finish()
}

pub async fn list(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let page =
        list_page(&state, &staff, query.into_inner().after, FormErrors::default(), CreateForm::default()).await?;
    render::page(StatusCode::OK, &page)
}

/// The enrolment link as the person opens it: this console's own address.
fn enrol_link(req: &actix_web::HttpRequest, token: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}/enrol/{token}", info.scheme(), info.host())
}

pub async fn create(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    form: web::Form<CreateForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let email = StaffEmail::parse(&form.email).map_err(|e| errors.add("email", e.to_string())).ok();
    let name = form.display_name.trim().to_owned();
    if name.is_empty() {
        errors.add("display_name", "氏名を入力してください。");
    } else if name.chars().count() > 100 {
        errors.add("display_name", "氏名は100文字以内で入力してください。");
    }
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.add("role", "役割を選んでください。");
    }
    if let (Some(email), Some(role), true) = (email, role, errors.is_empty()) {
        // A password nobody is told: the person sets their own through the enrolment link.
        let password = manage::temporary_password();
        let now = state.clock.now();
        let (admin, request_id) = (staff.id, staff.request_id.clone());
        let (name2, email2, password2) = (name.clone(), email.clone(), password.clone());
        let keys = state.audit.clone();
        let created = state
            .db(move |conn| {
                let new_password = NewPassword::parse(&password2, None)
                    .map_err(|_| AppError::Internal("temporary password rejected"))?;
                let account =
                    NewAccount { email: &email2, display_name: &name2, role, password: &new_password, temporary: true };
                account_refusal(manage::create(conn, &keys, Actor::Staff(admin), &account, now, Some(&request_id)))
            })
            .await?;
        match created {
            Ok(created) => {
                let token = created.enrolment.unwrap_or_default();
                let page = IssuedPage {
                    layout: Layout::for_staff(&staff, "アカウントを作成しました", "/staff"),
                    what: "作成",
                    display_name: name,
                    email: email.as_str().to_owned(),
                    link: enrol_link(&req, &token),
                    pending: matches!(created.granted, manage::Granted::Proposed(_)),
                };
                return render::page(StatusCode::OK, &page);
            }
            Err(e) => errors.add("email", e.to_string()),
        }
    }
    let page = list_page(&state, &staff, None, errors, form).await?;
    render::page(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn administer(
    state: &AppState,
    staff: &RequireRole<Admins>,
    target: i64,
    action: AdminAction,
    done: &str,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let (admin, request_id) = (staff.id, staff.request_id.clone());
    let keys = state.audit.clone();
    let result = state
        .db(move |conn| account_refusal(manage::administer(conn, &keys, admin, target, action, now, Some(&request_id))))
        .await?;
    match result {
        Ok(manage::Granted::Applied) => session::set_notice(&staff.session, done)?,
        Ok(manage::Granted::Proposed(_)) => session::set_notice(
            &staff.session,
            "審査責任者・システム管理者の権限は、別のシステム管理者が承認すると付与されます。起案を記録しました。",
        )?,
        Err(refused) => session::set_notice(&staff.session, &refused.to_string())?,
    }
    Ok(back_to_list())
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(flatten)]
    confirmation: super::forms::Confirmation,
}

async fn decide_role(
    state: &AppState,
    staff: &RequireRole<Admins>,
    proposal: i64,
    approve: bool,
    form: DecideForm,
) -> AppResult<HttpResponse> {
    if approve {
        let unconfirmed = "承認していません。承認するときは確認欄にチェックを入れてから押してください。";
        if let Some(back) = form.confirmation.required(&staff.session, unconfirmed, "/staff#proposals-title")? {
            return Ok(back);
        }
    }
    let now = state.clock.now();
    let (admin, request_id) = (staff.id, staff.request_id.clone());
    let keys = state.audit.clone();
    let result = state
        .db(move |conn| {
            account_refusal(manage::decide_role(conn, &keys, admin, proposal, approve, now, Some(&request_id)))
        })
        .await?;
    let notice = match (result, approve) {
        (Ok(()), true) => "権限の付与を承認しました。この人のセッションはすべて終了しました。".to_owned(),
        (Ok(()), false) => "権限の付与を却下しました。".to_owned(),
        (Err(refused), _) => format!("判断できませんでした: {refused}"),
    };
    session::set_notice(&staff.session, &notice)?;
    Ok(back_to_list())
}

pub async fn approve_role(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    id: web::Path<i64>,
    form: web::Form<DecideForm>,
) -> AppResult<HttpResponse> {
    decide_role(&state, &staff, *id, true, form.into_inner()).await
}

pub async fn reject_role(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    id: web::Path<i64>,
    form: web::Form<DecideForm>,
) -> AppResult<HttpResponse> {
    decide_role(&state, &staff, *id, false, form.into_inner()).await
}

pub async fn deactivate(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    administer(
        &state,
        &staff,
        *id,
        AdminAction::Deactivate,
        "アカウントを無効にしました。この人のセッションはすべて終了しました。",
    )
    .await
}

pub async fn activate(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    administer(&state, &staff, *id, AdminAction::Activate, "アカウントを有効にしました。").await
}

pub async fn end_sessions(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    administer(&state, &staff, *id, AdminAction::EndSessions, "この人のセッションをすべて終了しました。").await
}

pub async fn reset_totp(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    administer(
        &state,
        &staff,
        *id,
        AdminAction::ResetTotp,
        "2段階認証をリセットしました。次回のサインインで再設定されます。",
    )
    .await
}

pub async fn change_role(
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    id: web::Path<i64>,
    form: web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    let role = Role::parse(&form.role).ok_or(AppError::BadRequest("unknown role"))?;
    administer(
        &state,
        &staff,
        *id,
        AdminAction::ChangeRole(role),
        "役割を変更しました。この人のセッションはすべて終了しました。",
    )
    .await
}

pub async fn reset_password(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    staff: RequireRole<Admins>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let (admin, target, request_id) = (staff.id, *id, staff.request_id.clone());
    let keys = state.audit.clone();
    let result = state
        .db(move |conn| {
            let row = directory::find(conn, target)?.ok_or(AppError::NotFound)?;
            Ok(account_refusal(manage::reset_password(conn, &keys, admin, target, now, Some(&request_id)))?
                .map(|token| (row, token)))
        })
        .await?;
    match result {
        Ok((row, token)) => {
            let page = IssuedPage {
                layout: Layout::for_staff(&staff, "登録用リンクを発行しました", "/staff"),
                what: "パスワードをリセット",
                display_name: row.display_name,
                email: row.email,
                link: enrol_link(&req, &token),
                pending: false,
            };
            render::page(StatusCode::OK, &page)
        }
        Err(refused) => {
            session::set_notice(&staff.session, &refused.to_string())?;
            Ok(back_to_list())
        }
    }
}
