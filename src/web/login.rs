//! Sign-in, TOTP enrolment and sign-out.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use tracing_actix_web::RequestId;

use super::auth::CurrentStaff;
use super::error::{AppError, AppResult};
use super::forms::FormErrors;
use super::layout::Layout;
use super::render;
use super::session::{self, PendingEnrolment};
use super::state::AppState;
use super::throttles;
use crate::auth::totp;
use crate::domain::throttle::RetryAfter;
use crate::services::accounts::budgets;
use crate::services::accounts::sign_in::{self, Attempt, SignInVerdict};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
    failed: bool,
    /// Too many attempts: minutes until the next may count.
    throttled_minutes: Option<i64>,
    totp_enabled: bool,
}

#[derive(Template)]
#[template(path = "account/totp_enrol.html")]
struct EnrolPage {
    layout: Layout,
    errors: FormErrors,
    secret: String,
    qr_png_base64: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
}

#[derive(Deserialize)]
pub struct TotpForm {
    #[serde(default)]
    totp: String,
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish()
}

pub async fn show(state: web::Data<AppState>, session: Session) -> AppResult<HttpResponse> {
    if session::auth(&session).is_some() {
        return Ok(see_other("/"));
    }
    let page = LoginPage {
        layout: Layout::anonymous("サインイン", session::csrf_token(&session)?, session::take_notice(&session)),
        errors: FormErrors::default(),
        email: String::new(),
        failed: false,
        throttled_minutes: None,
        totp_enabled: state.settings.require_totp,
    };
    render::page(StatusCode::OK, &page)
}

pub async fn submit(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    request_id: RequestId,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let require_totp = state.settings.require_totp;
    let now = state.clock.now();
    let address = throttles::client_address(&req, &state.settings.proxy_trust);
    let (keys, typed) = (state.audit.clone(), form.email.clone());
    let taken = state.db(move |conn| Ok(budgets::take(conn, &keys, address, &typed, now)?)).await?;
    let ticket = match taken {
        Ok(ticket) => ticket,
        Err(wait) => return failed_page(&session, form.email, require_totp, Some(wait)),
    };
    let lookup_email = form.email.clone();
    let row = state.db(move |conn| Ok(sign_in::look_up(conn, &lookup_email)?)).await?;
    // The hash runs on its own bounded pool, never while holding a database connection.
    let phc = sign_in::hash_to_check(row.as_ref(), now).to_owned();
    let password_ok = state.hasher.verify(form.password, phc).await;
    let request_id = request_id.to_string();
    let (email, code) = (form.email.clone(), form.totp);
    let (keys, images) = (state.audit.clone(), state.images.clone());
    let outcome = state
        .db(move |conn| {
            let attempt = Attempt {
                email: &email,
                totp: &code,
                require_totp,
                now,
                request_id: Some(&request_id),
                audit: &keys,
                keyring: images.keyring(),
            };
            Ok(sign_in::conclude(conn, &attempt, row, password_ok)?)
        })
        .await?;
    match outcome {
        SignInVerdict::SignedIn { staff_id, epoch } => {
            state.db(move |conn| Ok(budgets::signed_in(conn, &ticket)?)).await?;
            session::sign_in(&session, staff_id, epoch, now)?;
            Ok(see_other("/"))
        }
        SignInVerdict::MustEnrolTotp { staff_id, epoch } => {
            state.db(move |conn| Ok(budgets::signed_in(conn, &ticket)?)).await?;
            session::start_enrolment(
                &session,
                PendingEnrolment { staff_id, epoch, secret: totp::new_secret(), started: now.unix_timestamp() },
            )?;
            Ok(see_other("/login/totp"))
        }
        SignInVerdict::Failed => failed_page(&session, form.email, require_totp, None),
    }
}

/// The one answer to every failure (the form never says which part was wrong); too many
/// attempts is 429 with the wait, and no password was checked.
fn failed_page(
    session: &Session,
    email: String,
    totp_enabled: bool,
    throttled: Option<RetryAfter>,
) -> AppResult<HttpResponse> {
    let page = LoginPage {
        layout: Layout::anonymous("サインイン", session::csrf_token(session)?, None),
        errors: FormErrors::default(),
        email,
        failed: throttled.is_none(),
        throttled_minutes: throttled.map(|w| (throttles::retry_after_seconds(w) + 59) / 60),
        totp_enabled,
    };
    let Some(wait) = throttled else {
        return render::page(StatusCode::UNAUTHORIZED, &page);
    };
    let mut response = render::page(StatusCode::TOO_MANY_REQUESTS, &page)?;
    if let Ok(value) = header::HeaderValue::from_str(&throttles::retry_after_seconds(wait).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Ok(response)
}

fn live_enrolment(state: &AppState, session: &Session) -> Option<PendingEnrolment> {
    let pending = session::pending_enrolment(session)?;
    let age = state.clock.now().unix_timestamp() - pending.started;
    (age <= session::ENROLMENT_WINDOW.whole_seconds()).then_some(pending)
}

fn enrol_page(session: &Session, pending: &PendingEnrolment, errors: FormErrors) -> AppResult<EnrolPage> {
    let (_, qr) = totp::enrolment(&pending.secret, &format!("staff-{}", pending.staff_id))
        .map_err(|e| AppError::from(crate::error::Fault::from(e)))?;
    let page = EnrolPage {
        layout: Layout::anonymous("2段階認証の設定", session::csrf_token(session)?, None),
        errors,
        secret: pending.secret.clone(),
        qr_png_base64: qr,
    };
    Ok(page)
}

pub async fn enrol_show(state: web::Data<AppState>, session: Session) -> AppResult<HttpResponse> {
    let Some(pending) = live_enrolment(&state, &session) else {
        session::sign_out(&session);
        return Ok(see_other("/login"));
    };
    render::page(StatusCode::OK, &enrol_page(&session, &pending, FormErrors::default())?)
}

pub async fn enrol_submit(
    state: web::Data<AppState>,
    session: Session,
    request_id: RequestId,
    form: web::Form<TotpForm>,
) -> AppResult<HttpResponse> {
    let Some(pending) = live_enrolment(&state, &session) else {
        session::sign_out(&session);
        return Ok(see_other("/login"));
    };
    let now = state.clock.now();
    let request_id = request_id.to_string();
    let (staff_id, epoch, secret, code) =
        (pending.staff_id, pending.epoch, pending.secret.clone(), form.into_inner().totp);
    let (keys, images) = (state.audit.clone(), state.images.clone());
    let enrolled = state
        .db(move |conn| {
            Ok(sign_in::complete_enrolment(
                conn,
                &keys,
                images.keyring(),
                &sign_in::Enrolment { staff_id, epoch, secret: &secret },
                &code,
                now,
                Some(&request_id),
            )?)
        })
        .await?;
    if enrolled {
        session::sign_in(&session, staff_id, epoch, now)?;
        return Ok(see_other("/"));
    }
    let mut errors = FormErrors::default();
    errors.add("totp", "確認コードが正しくありません。アプリに表示されている最新の6桁を入力してください。");
    render::page(StatusCode::UNPROCESSABLE_ENTITY, &enrol_page(&session, &pending, errors)?)
}

pub async fn logout(state: web::Data<AppState>, staff: CurrentStaff) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let (id, request_id) = (staff.id, staff.request_id.clone());
    let keys = state.audit.clone();
    state.db(move |conn| Ok(sign_in::sign_out(conn, &keys, id, now, Some(&request_id))?)).await?;
    session::sign_out(&staff.session);
    Ok(see_other("/login"))
}
