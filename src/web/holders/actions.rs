//! What staff do from a holder's profile: request a sanction, record a legal disclosure, report
//! a returned handbook, lift a suspension (withdrawal by staff is a proposal: `web::withdrawals`). A refusal comes back on the profile
//! with what was typed.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::profile::{LegalDisclosure, ProfileForms, legal_field, show_profile};
use crate::domain::disclosure::Disclosure;
use crate::domain::sanctions::{Action, Article, SanctionError};
use crate::services::holders::{self};
use crate::services::sanctions::{Request, RequestedSanction};
use crate::web::access::Supervisors;
use crate::web::auth::{CurrentStaff, RequireRole};
use crate::web::error::{AppError, AppResult, sanction_refusal};
use crate::web::forms::FormErrors;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub struct SanctionForm {
    #[serde(default)]
    article: String,
    /// The article whose actions the form showed: what is recorded must be what was shown.
    #[serde(default)]
    shown_article: String,
    /// 「この条項で行える処分を表示」: show the chosen article's actions, record nothing.
    #[serde(default)]
    show_actions: Option<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    disclosed: String,
}

/// Runs a sanction request; refusals come back on the profile with what was typed.
async fn sanction_request(
    state: &AppState,
    staff: &CurrentStaff,
    holder_id: i64,
    form: SanctionForm,
) -> AppResult<HttpResponse> {
    let article = Article::parse(&form.article);
    let action = Action::parse(&form.action);
    // The actions on screen were those of `shown_article`: an article changed since is shown
    // with its own actions, and nothing is recorded until one of those is chosen.
    let changed = article.is_some() && form.shown_article != form.article;
    // An article left unchosen comes back with the form as it was shown, so what was typed
    // below it (the note, a disclosure) stays on screen beside the error.
    let on_page = article.or_else(|| Article::parse(&form.shown_article));
    let kept = |errors, action| ProfileForms {
        article: on_page,
        action,
        note: form.note.clone(),
        disclosure: [form.recipient.clone(), form.basis.clone(), form.disclosed.clone()],
        errors,
        legal: LegalDisclosure::default(),
        hold_reason: String::new(),
        email_change: Default::default(),
        resend: None,
    };
    let mut errors = FormErrors::default();
    if form.show_actions.is_some() {
        if article.is_none() {
            errors.add("article", "条項を選んでください。");
        }
        let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        return show_profile(state, staff, holder_id, status, kept(errors, None)).await;
    }
    if article.is_none() {
        errors.add("article", "条項を選んでください。");
    } else if changed {
        errors.add("action", "条項を変えたので、この条項で行える処分から選び直してください（まだ記録していません）。");
    } else if action.is_none() {
        errors.add("action", "処分を選んでください。");
    }
    let (Some(article), Some(action), true) = (article, action, errors.is_empty()) else {
        let action = if changed { None } else { action };
        return show_profile(state, staff, holder_id, StatusCode::UNPROCESSABLE_ENTITY, kept(errors, action)).await;
    };
    let note = form.note.clone();
    let (recipient, basis, disclosed) = (form.recipient.clone(), form.basis.clone(), form.disclosed.clone());
    let result = state
        .as_staff(staff, move |conn, acting| {
            let disclosure =
                crate::services::sanctions::Disclosure { recipient: &recipient, basis: &basis, disclosed: &disclosed };
            let request = Request { article, action, note: &note, disclosure: Some(disclosure) };
            sanction_refusal(crate::services::sanctions::request(conn, holder_id, &request, acting))
        })
        .await?;
    match result {
        Ok(RequestedSanction::Applied { .. }) => {
            session::set_notice(&staff.session, &format!("{}を実施しました（{}）。", action.label(), article.label()))?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/holders/{holder_id}"))).finish())
        }
        Ok(RequestedSanction::Proposed { .. }) => {
            session::set_notice(
                &staff.session,
                &format!("{}を起案しました。別の審査責任者の承認で実施されます。", action.label()),
            )?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/holders/{holder_id}"))).finish())
        }
        Err(message) => {
            let field = if message == SanctionError::NoteTooShort.to_string()
                || message == SanctionError::NoteTooLong.to_string()
            {
                "note"
            } else {
                "action"
            };
            errors.add(field, message);
            show_profile(state, staff, holder_id, StatusCode::UNPROCESSABLE_ENTITY, kept(errors, Some(action))).await
        }
    }
}

pub async fn sanction(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<SanctionForm>,
) -> AppResult<HttpResponse> {
    sanction_request(&state, &staff, *id, form.into_inner()).await
}

/// Records a disclosure on legal grounds or with the holder's consent; a form with a mistake
/// comes back on the profile with what was typed.
pub async fn disclose(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<LegalDisclosure>,
) -> AppResult<HttpResponse> {
    let (holder_id, form) = (*id, form.into_inner());
    let parsed = Disclosure::parse(&form.grounds, &form.recipient, &form.citation, &form.disclosed);
    let disclosure = match parsed {
        Ok(d) => d,
        Err(problems) => {
            let mut errors = FormErrors::default();
            for p in problems {
                errors.add(legal_field(p), p.to_string());
            }
            let kept = ProfileForms { legal: form, errors, ..Default::default() };
            return show_profile(&state, &staff, holder_id, StatusCode::UNPROCESSABLE_ENTITY, kept).await;
        }
    };
    state.as_staff(&staff, move |conn, acting| Ok(holders::disclose(conn, holder_id, &disclosure, acting)?)).await?;
    session::set_notice(&staff.session, "第三者への開示を記録しました。")?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/holders/{holder_id}#disclosures-title")))
        .finish())
}

/// Every field defaults, so a malformed post is refused by role before it is read.
#[derive(Deserialize)]
pub struct ReturnedForm {
    #[serde(default)]
    handbook_id: String,
    #[serde(flatten)]
    confirmation: crate::web::forms::Confirmation,
}

/// Records that a handbook of this holder was returned to the municipality (art. 3(1)(v)).
pub async fn report_returned(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<ReturnedForm>,
) -> AppResult<HttpResponse> {
    let holder_id = *id;
    let handbook_id: i64 = form.handbook_id.parse().map_err(|_| AppError::NotFound)?;
    let back = format!("/holders/{holder_id}#handbooks-title");
    let notice = "返還は記録していません。記録するときは確認欄にチェックを入れてから押してください。";
    if let Some(unconfirmed) = form.confirmation.required(&staff.session, notice, &back)? {
        return Ok(unconfirmed);
    }
    let news = state
        .as_staff(&staff, move |conn, acting| Ok(holders::report_returned(conn, holder_id, handbook_id, acting)?))
        .await?;
    let notice = if news {
        "手帳の返還を記録しました。作業リストの「返還された手帳」に載ります。"
    } else {
        "この手帳の返還はすでに記録されています。"
    };
    session::set_notice(&staff.session, notice)?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, back)).finish())
}

#[derive(Deserialize)]
pub struct ReinstateForm {
    #[serde(default)]
    article: String,
    #[serde(default)]
    note: String,
}

/// Lifts one suspension, its cause named (CONTRACT: `POST /holders/{id}/reinstate`). The
/// support center lifts a lost-phone suspension through its report, after identifying the
/// holder again; here a supervisor lifts any.
pub async fn reinstate(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<ReinstateForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    // The lift button names its article and action itself: nothing else was on screen.
    let request = SanctionForm {
        shown_article: form.article.clone(),
        show_actions: None,
        article: form.article,
        action: Action::Reinstate.code().into(),
        note: form.note,
        recipient: String::new(),
        basis: String::new(),
        disclosed: String::new(),
    };
    sanction_request(&state, &staff, *id, request).await
}

#[derive(Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    hold_reason: String,
}

/// Places a litigation hold: the holder's data stays past its retention period.
pub async fn place_hold(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<HoldForm>,
) -> AppResult<HttpResponse> {
    hold_step(&state, &staff, *id, form.into_inner(), true).await
}

/// Lifts it, with the reason (the field carries the note).
pub async fn lift_hold(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<HoldForm>,
) -> AppResult<HttpResponse> {
    hold_step(&state, &staff, *id, form.into_inner(), false).await
}

async fn hold_step(
    state: &AppState,
    staff: &RequireRole<Supervisors>,
    holder_id: i64,
    form: HoldForm,
    place: bool,
) -> AppResult<HttpResponse> {
    use crate::services::retention::{self, HoldFailure};
    let reason = form.hold_reason.clone();
    let result = state
        .as_staff(staff, move |conn, acting| {
            let done = if place {
                retention::place_hold(conn, holder_id, &reason, acting).map(drop)
            } else {
                retention::lift_hold(conn, holder_id, &reason, acting)
            };
            match done {
                Ok(()) => Ok(Ok(())),
                Err(HoldFailure::NotFound) => Err(AppError::NotFound),
                Err(HoldFailure::Fault(f)) => Err(f.into()),
                Err(refused) => Ok(Err(refused.to_string())),
            }
        })
        .await?;
    match result {
        Ok(()) => {
            let notice = if place {
                "法的保留を設定しました。解除するまで、保存期間を過ぎてもこの利用者の写真と転記は削除されません。"
            } else {
                "法的保留を解除しました。保存期間を過ぎた写真と転記は、次の定期処理で削除されます。"
            };
            session::set_notice(&staff.session, notice)?;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/holders/{holder_id}#retention-title")))
                .finish())
        }
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("hold_reason", message);
            let kept = ProfileForms { hold_reason: form.hold_reason, errors, ..Default::default() };
            show_profile(state, staff, holder_id, StatusCode::UNPROCESSABLE_ENTITY, kept).await
        }
    }
}

#[derive(Deserialize)]
pub struct EmailChangeForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    email_note: String,
}

/// Proposes the e-mail change a caller asked for; a supervisor other than the proposer decides.
pub async fn propose_email_change(
    state: web::Data<AppState>,
    staff: RequireRole<crate::web::access::SupportDesk>,
    id: web::Path<i64>,
    form: web::Form<EmailChangeForm>,
) -> AppResult<HttpResponse> {
    use crate::services::contacts::{self, ContactFailure};
    let (holder_id, form) = (*id, form.into_inner());
    let mut errors = FormErrors::default();
    let email = crate::domain::email::EmailAddress::parse(&form.new_email)
        .map_err(|e| errors.add("new_email", e.to_string()))
        .ok();
    if form.email_note.trim().chars().count() < 10 {
        errors.add("email_note", "本人確認の方法と経緯を10文字以上で記録してください。");
    }
    let kept = |errors| ProfileForms {
        email_change: [form.new_email.clone(), form.email_note.clone()],
        errors,
        ..Default::default()
    };
    let (Some(email), true) = (email, errors.is_empty()) else {
        return show_profile(&state, &staff, holder_id, StatusCode::UNPROCESSABLE_ENTITY, kept(errors)).await;
    };
    let note = form.email_note.clone();
    let result = state
        .as_staff(&staff, move |conn, acting| {
            match contacts::propose_email_change(conn, holder_id, &email, &note, acting) {
                Ok(_) => Ok(Ok(())),
                Err(ContactFailure::NotFound) => Err(AppError::NotFound),
                Err(ContactFailure::Fault(f)) => Err(f.into()),
                Err(ContactFailure::Rule(message)) => Ok(Err(message)),
            }
        })
        .await?;
    if let Err(message) = result {
        let mut errors = FormErrors::default();
        errors.add("new_email", message);
        return show_profile(&state, &staff, holder_id, StatusCode::CONFLICT, kept(errors)).await;
    }
    session::set_notice(&staff.session, "メールアドレスの変更を起案しました。審査責任者が承認すると変わります。")?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/holders/{holder_id}#contacts-title")))
        .finish())
}

async fn decide_email_change(
    state: &AppState,
    staff: &RequireRole<Supervisors>,
    path: (i64, i64),
    approve: bool,
    form: crate::web::forms::Confirmation,
) -> AppResult<HttpResponse> {
    use crate::services::contacts::{self, ContactFailure};
    let (holder_id, proposal) = path;
    let back = format!("/holders/{holder_id}#contacts-title");
    if approve {
        let notice = "承認していません。変更するときは確認欄にチェックを入れてから押してください。";
        if let Some(unconfirmed) = form.required(&staff.session, notice, &back)? {
            return Ok(unconfirmed);
        }
    }
    let result = state
        .as_staff(staff, move |conn, acting| match contacts::decide_email_change(conn, proposal, approve, acting) {
            Ok(()) => Ok(Ok(())),
            Err(ContactFailure::NotFound) => Err(AppError::NotFound),
            Err(ContactFailure::Fault(f)) => Err(f.into()),
            Err(ContactFailure::Rule(message)) => Ok(Err(message)),
        })
        .await?;
    let notice = match (result, approve) {
        (Ok(()), true) => "メールアドレスを変更しました。旧・新両方のアドレスにお知らせが届きます。".to_owned(),
        (Ok(()), false) => "メールアドレスの変更を却下しました。".to_owned(),
        (Err(message), _) => format!("判断できませんでした: {message}"),
    };
    session::set_notice(&staff.session, &notice)?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, back)).finish())
}

pub async fn approve_email_change(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    path: web::Path<(i64, i64)>,
    form: web::Form<crate::web::forms::Confirmation>,
) -> AppResult<HttpResponse> {
    decide_email_change(&state, &staff, path.into_inner(), true, form.into_inner()).await
}

pub async fn reject_email_change(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    path: web::Path<(i64, i64)>,
    form: web::Form<crate::web::forms::Confirmation>,
) -> AppResult<HttpResponse> {
    decide_email_change(&state, &staff, path.into_inner(), false, form.into_inner()).await
}

#[derive(Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    reason: String,
}

/// Resends a notice to the holder's address on record, with the reason. A refusal comes back
/// on the profile with the reason as typed beside that notice's field.
pub async fn resend_notice(
    state: web::Data<AppState>,
    staff: RequireRole<crate::web::access::SupportDesk>,
    path: web::Path<(i64, i64)>,
    form: web::Form<ResendForm>,
) -> AppResult<HttpResponse> {
    use crate::services::contacts::{self, ContactFailure};
    let (holder_id, notice_id) = path.into_inner();
    let reason = form.into_inner().reason;
    let typed = reason.clone();
    let result = state
        .as_staff(&staff, move |conn, acting| match contacts::resend(conn, holder_id, notice_id, &reason, acting) {
            Ok(id) => Ok(Ok(id)),
            Err(ContactFailure::NotFound) => Err(AppError::NotFound),
            Err(ContactFailure::Fault(f)) => Err(f.into()),
            Err(ContactFailure::Rule(message)) => Ok(Err(message)),
        })
        .await?;
    if let Err(message) = result {
        let mut errors = FormErrors::default();
        errors.add("resend_reason", message);
        let kept = ProfileForms { resend: Some((notice_id, typed)), errors, ..Default::default() };
        return show_profile(&state, &staff, holder_id, StatusCode::UNPROCESSABLE_ENTITY, kept).await;
    }
    session::set_notice(&staff.session, "通知を再送しました（送信待ちに入りました）。")?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/holders/{holder_id}#notices-title")))
        .finish())
}
