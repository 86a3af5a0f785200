//! A reviewer registers a handbook for a holder who cannot do it alone, or who mailed it in
//! (terms art. 3(1)(i)). The registration is marked as a proxy registration, and carries how the
//! holder consented: the versions of the terms and privacy policy on the paper form they signed,
//! and its date. Without them nothing is registered.

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;

use super::access::Reviewers;
use super::auth::RequireRole;
use super::error::AppResult;
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::multipart;
use super::render;
use super::session;
use super::state::AppState;
use crate::audit::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::handbook::HandbookKind;
use crate::domain::holder::PublicId;
use crate::services::intake::Refusal;
use crate::services::intake::{self, Channel, IntakeError, Metadata, Submission};

#[derive(Template)]
#[template(path = "registrations/new.html")]
struct NewPage {
    layout: Layout,
    errors: FormErrors,
    kinds: Vec<Choice>,
    holder_public_id: String,
    email: String,
    note: String,
    terms_version: String,
    privacy_version: String,
    consent_signed_on: String,
}

/// What the form posted, as typed, to show it again beside any error.
#[derive(Default)]
struct Typed {
    holder_public_id: String,
    email: String,
    kind: String,
    note: String,
    terms_version: String,
    privacy_version: String,
    consent_signed_on: String,
}

impl Typed {
    fn read(text: impl Fn(&str) -> String) -> Typed {
        Typed {
            holder_public_id: text("holder_public_id"),
            email: text("email"),
            kind: text("kind"),
            note: text("note").trim().to_owned(),
            terms_version: text("terms_version"),
            privacy_version: text("privacy_version"),
            consent_signed_on: text("consent_signed_on"),
        }
    }
}

fn new_page(staff: &RequireRole<Reviewers>, errors: FormErrors, typed: Typed) -> NewPage {
    NewPage {
        layout: Layout::for_staff(staff, "代理登録・郵送受付", "/registrations/new"),
        errors,
        kinds: HandbookKind::ALL
            .iter()
            .map(|k| Choice { code: k.as_str(), label: k.label().into(), checked: k.as_str() == typed.kind })
            .collect(),
        holder_public_id: typed.holder_public_id,
        email: typed.email,
        note: typed.note,
        terms_version: typed.terms_version,
        privacy_version: typed.privacy_version,
        consent_signed_on: typed.consent_signed_on,
    }
}

pub async fn show(staff: RequireRole<Reviewers>) -> AppResult<HttpResponse> {
    render::page(StatusCode::OK, &new_page(&staff, FormErrors::default(), Typed::default()))
}

pub(super) fn refusal_text(refusal: Refusal) -> &'static str {
    match refusal {
        Refusal::TooManyImages => "写真は4枚までです。",
        Refusal::ImageTooLarge => "1枚10MBまでの写真を選んでください。",
        Refusal::RequestTooLarge => "写真の合計が40MBを超えています。",
        Refusal::UnsupportedMediaType => "JPEGまたはPNGの写真を選んでください。",
        Refusal::CorruptImage => "写真が壊れているか、途中で切れています。撮り直したファイルを選んでください。",
        Refusal::FieldTooLarge | Refusal::Malformed => "送信内容を読み取れませんでした。もう一度送信してください。",
    }
}

pub async fn submit(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let mut errors = FormErrors::default();
    let (all, refusal) = multipart::receive_keeping_texts(payload).await;
    if let Some(refusal) = refusal {
        errors.add("images", refusal_text(refusal));
    }
    let values = Typed::read(|name| all.text(name).unwrap_or_default().to_owned());
    let public_id =
        PublicId::parse(&values.holder_public_id).map_err(|e| errors.add("holder_public_id", e.to_string())).ok();
    let email = match values.email.trim() {
        "" => None,
        raw => EmailAddress::parse(raw).map_err(|e| errors.add("email", e.to_string())).ok(),
    };
    let kind = HandbookKind::parse(&values.kind);
    if kind.is_none() {
        errors.add("kind", "手帳の種類を選んでください。");
    }
    let note = values.note.clone();
    if note.chars().count() < 4 || note.chars().count() > 200 {
        errors.add("note", "代理登録の理由を4〜200文字で記入してください（例: 郵送で受け付けたため）。");
    }
    // How the holder consented: the signed paper form's versions and date, none of them optional.
    let terms_version = crate::domain::terms::Version::parse(values.terms_version.trim());
    if terms_version.is_none() {
        errors.add("terms_version", "本人が署名した同意書に記載の利用規約の版を入力してください（例: v7）。");
    }
    let privacy_version = crate::domain::terms::Version::parse(values.privacy_version.trim());
    if privacy_version.is_none() {
        errors.add("privacy_version", "同意書に記載のプライバシーポリシーの版を入力してください（例: v3）。");
    }
    let today = crate::clock::today_jst(state.clock.now());
    let signed_on = crate::domain::wareki::parse(&values.consent_signed_on, crate::domain::wareki::Accept::Day)
        .ok()
        .map(|d| d.date)
        .filter(|d| *d <= today);
    if signed_on.is_none() {
        errors.add(
            "consent_signed_on",
            "同意書に本人が署名した日を「令和8年12月7日」や「2026-12-07」の形で入力してください（今日以前）。",
        );
    }
    let received = refusal.is_none().then_some(all);
    if received.as_ref().is_some_and(|r| r.images.is_empty()) {
        errors.add("images", "手帳の写真を1〜4枚選んでください。");
    }

    let (Some(received), Some(public_id), Some(kind), true) = (received, public_id, kind, errors.is_empty()) else {
        return rerender(&staff, errors, values);
    };
    let metadata = Metadata { holder_public_id: public_id, email, kind, proxy: true, terms_version, privacy_version };
    let now = state.clock.now();
    let (staff_id, request_id, note2) = (staff.id, staff.request_id.clone(), note.clone());
    let (store, keys) = (state.images.clone(), state.audit.clone());
    let result = state
        .db(move |conn| {
            let submission = Submission {
                metadata: &metadata,
                images: &received.images,
                channel: Channel::Staff,
                actor: Actor::Staff(staff_id),
                note: Some(&note2),
                consent_signed_on: signed_on,
                now,
                request_id: Some(&request_id),
                audit: &keys,
            };
            match intake::register(conn, &store, &submission) {
                Err(IntakeError::Fault(fault)) => Err(fault.into()),
                other => Ok(other),
            }
        })
        .await?;
    match result {
        Ok(registered) => {
            session::set_notice(
                &staff.session,
                &format!("登録 #{} を代理登録として受け付けました。", registered.handbook_id),
            )?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/registrations/new")).finish())
        }
        Err(IntakeError::HolderNotEligible) => {
            errors.add("holder_public_id", "この利用者は資格剥奪または退会のため、登録できません。");
            rerender(&staff, errors, values)
        }
        Err(_) => {
            errors.add("kind", "この利用者の同じ種類の手帳は審査中です。審査の結果を待ってください。");
            rerender(&staff, errors, values)
        }
    }
}

fn rerender(staff: &RequireRole<Reviewers>, mut errors: FormErrors, values: Typed) -> AppResult<HttpResponse> {
    if !errors.has("images") {
        // Browsers cannot refill a file field; say so rather than let it pass unnoticed.
        errors.add("images", "安全のため、写真はもう一度選び直してください。");
    }
    render::page(StatusCode::UNPROCESSABLE_ENTITY, &new_page(staff, errors, values))
}
