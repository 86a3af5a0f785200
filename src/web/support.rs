//! `/support/lost-device`: the support center records a lost-phone report, identifies the
//! caller on one screen, suspends the ID with one action and reads out the reference; later
//! it reinstates after identifying the holder again with a one-time code the console sends to
//! the holder's registered e-mail address, which the caller reads back.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::PrimitiveDateTime;

use super::access::SupportDesk;
use super::auth::{CurrentStaff, RequireRole};
use super::error::{AppError, AppResult, support_refusal};
use super::format::{datetime_jst, local_input, parse_local};
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::from_db;
use crate::domain::email::EmailAddress;
use crate::domain::handbook::HandbookKind;
use crate::domain::holder::PublicId;
use crate::domain::lost_device::{Challenge, ReportChannel};
use crate::domain::wareki::{self, Accept};
use crate::services::support::{self, Answers, Caller, ReportRow, SupportFailure, Verified};

pub struct ReportLine {
    pub id: i64,
    pub reference: String,
    pub received: String,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "support/lost_device.html")]
struct StartPage {
    layout: Layout,
    errors: FormErrors,
    channels: Vec<Choice>,
    received_at: String,
    identifier: String,
    recent: Vec<ReportLine>,
}

/// Where a report stands, as lists show it.
pub(super) fn state_of(r: &ReportRow) -> &'static str {
    match (r.suspended_at, r.reinstated_at) {
        (_, Some(_)) => "利用再開済",
        (Some(_), None) => "利用停止済",
        (None, None) if r.failed_attempts >= crate::domain::lost_device::REPORT_ATTEMPTS => {
            "本人確認の上限（責任者の確認待ち）"
        }
        (None, None) if r.failed_attempts > 0 => "本人確認できず",
        (None, None) => "本人確認待ち",
    }
}

async fn start_page(
    state: &AppState,
    staff: &CurrentStaff,
    errors: FormErrors,
    form: Option<&StartForm>,
) -> AppResult<StartPage> {
    let recent = state.db(|conn| Ok(support::recent_reports(conn, 20)?)).await?;
    let chosen = form.map(|f| f.channel.as_str()).unwrap_or("phone");
    Ok(StartPage {
        layout: Layout::for_staff(staff, "端末紛失の受付", "/support/lost-device"),
        errors,
        channels: ReportChannel::ALL
            .iter()
            .map(|c| Choice { code: c.code(), label: c.label().into(), checked: c.code() == chosen })
            .collect(),
        received_at: form.map(|f| f.received_at.clone()).unwrap_or_else(|| local_input(state.clock.now())),
        identifier: form.map(|f| f.identifier.clone()).unwrap_or_default(),
        recent: recent
            .iter()
            .map(|r| ReportLine {
                id: r.id,
                reference: r.reference.clone(),
                received: datetime_jst(from_db(r.received_at)),
                state: state_of(r),
            })
            .collect(),
    })
}

pub async fn show(state: web::Data<AppState>, staff: RequireRole<SupportDesk>) -> AppResult<HttpResponse> {
    render::page(StatusCode::OK, &start_page(&state, &staff, FormErrors::default(), None).await?)
}

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    identifier: String,
}

pub async fn open(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    form: web::Form<StartForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let channel = ReportChannel::parse(&form.channel);
    if channel.is_none() {
        errors.add("channel", "受付の経路を選んでください。");
    }
    let now = state.clock.now();
    let received = parse_local(&form.received_at);
    match received {
        None => errors.add("received_at", "受付日時を「2026-11-25 18:30」の形で入力してください。"),
        Some(at) if from_db(at) > now + time::Duration::minutes(5) => {
            errors.add("received_at", "受付日時が未来になっています。")
        }
        Some(at) if from_db(at) < now - time::Duration::days(30) => {
            errors.add("received_at", "30日より前の受付は記録できません。日時を確認してください。")
        }
        Some(_) => {}
    }
    let identifier = form.identifier.trim();
    let (public_id, email) = if identifier.contains('@') {
        (None, EmailAddress::parse(identifier).ok())
    } else {
        (PublicId::parse(identifier).ok(), None)
    };
    if public_id.is_none() && email.is_none() {
        errors.add("identifier", "利用者IDまたはメールアドレスを入力してください。");
    }
    let (Some(channel), Some(received), true) = (channel, received, errors.is_empty()) else {
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &start_page(&state, &staff, errors, Some(&form)).await?);
    };
    let random = crate::secrets::random::bytes::<8>();
    let report = state
        .as_staff(&staff, move |conn, acting| {
            let caller = Caller {
                public_id: public_id.as_ref().map(PublicId::as_str),
                email: email.as_ref().map(EmailAddress::as_str),
            };
            support::open_report(conn, channel, received, &caller, acting, random).map_err(support_error)
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/support/lost-device/{}", report.id)))
        .finish())
}

fn support_error(e: SupportFailure) -> AppError {
    match support_refusal::<()>(Err(e)) {
        Err(error) => error,
        Ok(_) => AppError::Conflict("support action refused"),
    }
}

#[derive(Template)]
#[template(path = "support/report.html")]
struct ReportPage {
    layout: Layout,
    id: i64,
    reference: String,
    channel: &'static str,
    received: String,
    suspended: Option<String>,
    first_refused: Option<String>,
    reinstated: Option<String>,
    /// Until when the reinstatement code sent is good, if one waits.
    code_until: Option<String>,
    /// The report reached the caps: nothing is checked until a supervisor unlocks it.
    locked: bool,
    /// Identification attempts: when, by whom, and whether they matched.
    attempts: Vec<(String, String, &'static str)>,
    question: &'static str,
    kind_question: bool,
    kinds: Vec<Choice>,
    errors: FormErrors,
    birth_date: String,
    fact: String,
    banner: Option<String>,
}

async fn report_page(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    status: StatusCode,
    errors: FormErrors,
    typed: (String, String),
    banner: Option<String>,
) -> AppResult<HttpResponse> {
    let (r, attempts) = state.db(move |conn| support::report(conn, id)?.ok_or(AppError::NotFound)).await?;
    let when = |t: Option<PrimitiveDateTime>| t.map(|t| datetime_jst(from_db(t)));
    let page = ReportPage {
        layout: Layout::for_staff(staff, format!("端末紛失の受付 {}", r.reference), "/support/lost-device"),
        id: r.id,
        reference: r.reference.clone(),
        channel: r.channel.label(),
        received: datetime_jst(from_db(r.received_at)),
        suspended: when(r.suspended_at),
        first_refused: when(r.first_refused_at),
        reinstated: when(r.reinstated_at),
        code_until: when(r.code_expires_at),
        locked: r.locked_at.is_some(),
        attempts: attempts
            .into_iter()
            .map(|a| {
                let outcome = if a.matched { "本人確認できた" } else { "本人確認できず" };
                (datetime_jst(from_db(a.attempted_at)), a.attempted_by.unwrap_or_default(), outcome)
            })
            .collect(),
        question: r.challenge.question(),
        kind_question: r.challenge == Challenge::Kind,
        kinds: HandbookKind::ALL
            .iter()
            .map(|k| Choice { code: k.as_str(), label: k.label().into(), checked: k.as_str() == typed.1 })
            .collect(),
        errors,
        birth_date: typed.0,
        fact: typed.1,
        banner,
    };
    render::page(status, &page)
}

pub async fn report(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    report_page(&state, &staff, *id, StatusCode::OK, FormErrors::default(), Default::default(), None).await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    fact: String,
    /// The reinstatement code the caller reads back (reinstatement only).
    #[serde(default)]
    code: String,
}

async fn answer(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    form: AnswerForm,
    reinstate: bool,
) -> AppResult<HttpResponse> {
    let birth_date = wareki::parse(&form.birth_date, Accept::Day).ok().map(|d| d.date);
    let typed = (form.birth_date.clone(), form.fact.clone());
    // What the agent could not type is a form error, not a failed identification.
    let mut errors = FormErrors::default();
    if birth_date.is_none() {
        errors.add("birth_date", "生年月日を「昭和45年6月7日」や「1970-06-07」の形で入力してください。");
    }
    if form.fact.trim().is_empty() {
        errors.add("fact", "質問への答えを入力してください。");
    }
    let code = crate::domain::lost_device::typed_code(&form.code);
    if reinstate && code.is_none() {
        errors.add("code", "利用者のメールアドレスに届いた確認コード（6桁の数字）を入力してください。");
    }
    if !errors.is_empty() {
        return report_page(state, staff, id, StatusCode::UNPROCESSABLE_ENTITY, errors, typed, None).await;
    }
    let fact = form.fact;
    let result = state
        .as_staff(staff, move |conn, acting| {
            let answers = Answers { birth_date, fact: &fact, code: code.as_deref() };
            support_refusal(if reinstate {
                support::verify_and_reinstate(conn, id, &answers, acting)
            } else {
                support::verify_and_suspend(conn, id, &answers, acting)
            })
        })
        .await?;
    match result {
        Ok(Verified::Done) => {
            let done = if reinstate {
                "利用を再開しました。"
            } else {
                "利用を停止しました。受付番号をお伝えください。"
            };
            session::set_notice(&staff.session, done)?;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/support/lost-device/{id}")))
                .finish())
        }
        Ok(Verified::NotVerified { flagged }) => {
            let mut banner = "本人確認ができませんでした。".to_owned();
            if flagged {
                banner.push_str("この利用者への本人確認の失敗が続いています。責任者に報告してください。");
            }
            report_page(state, staff, id, StatusCode::UNPROCESSABLE_ENTITY, FormErrors::default(), typed, Some(banner))
                .await
        }
        Ok(Verified::Locked) => {
            let banner = "この届出は本人確認の上限に達したため、回答を確認していません。発信者には「本人確認ができませんでした」とだけ伝え、審査責任者に報告してください。".to_owned();
            report_page(state, staff, id, StatusCode::UNPROCESSABLE_ENTITY, FormErrors::default(), typed, Some(banner))
                .await
        }
        Err(message) => {
            report_page(state, staff, id, StatusCode::CONFLICT, FormErrors::default(), typed, Some(message)).await
        }
    }
}

pub async fn verify(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    id: web::Path<i64>,
    form: web::Form<AnswerForm>,
) -> AppResult<HttpResponse> {
    answer(&state, &staff, *id, form.into_inner(), false).await
}

pub async fn reinstate(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    id: web::Path<i64>,
    form: web::Form<AnswerForm>,
) -> AppResult<HttpResponse> {
    answer(&state, &staff, *id, form.into_inner(), true).await
}

/// Sends the reinstatement code to the holder's registered address. The agent never sees it:
/// the caller reads it back from their mail.
pub async fn send_code(
    state: web::Data<AppState>,
    staff: RequireRole<SupportDesk>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let random: [u8; 4] = rand::random();
    let result = state
        .as_staff(&staff, move |conn, acting| support_refusal(support::send_code(conn, id, acting, random)))
        .await?;
    let banner = match result {
        Ok(Ok(until)) => {
            let notice = format!(
                "確認コードを利用者の登録メールアドレスに送りました（{}まで有効）。届いたコードを読み上げてもらってください。",
                datetime_jst(from_db(until))
            );
            session::set_notice(&staff.session, &notice)?;
            let to = format!("/support/lost-device/{id}#verify-title");
            return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish());
        }
        Ok(Err(_)) => {
            "この届出は本人確認の上限に達しているため、確認コードを送っていません。審査責任者に報告してください。"
                .to_owned()
        }
        Err(message) => message,
    };
    report_page(&state, &staff, id, StatusCode::CONFLICT, FormErrors::default(), Default::default(), Some(banner)).await
}
