//! `/holders`: search and the holder's profile, with the sanction form (the support center
//! sees only the lost-phone article) and the lifting of a suspension.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::{HolderViewers, Supervisors};
use super::auth::{CurrentStaff, RequireRole};
use super::error::{AppError, AppResult, sanction_refusal};
use super::format::datetime_jst;
use super::forms::{Choice, FormErrors};
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::from_db;
use crate::db::holders::HolderHit;
use crate::domain::disclosure::{Disclosure, DisclosureError, Grounds};
use crate::domain::sanctions::{self, Action, Article, SanctionError};
use crate::domain::search::Search;
use crate::domain::staff::Role;
use crate::services::holders::{self, Profile};
use crate::services::sanctions::{Request, RequestedSanction};

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "holders/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    /// The support center searched by something other than an ID or address.
    restricted: bool,
    hits: Vec<HolderHit>,
}

pub async fn search(
    state: web::Data<AppState>,
    staff: RequireRole<HolderViewers>,
    query: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner().q;
    let exact_id = matches!(Search::classify(&q), Search::PublicId(_));
    let q2 = q.clone();
    let hits = state.as_staff(&staff, move |conn, acting| Ok(holders::search(conn, &q2, acting)?)).await?;
    if exact_id && hits.len() == 1 {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/holders/{}", hits[0].id)))
            .finish());
    }
    let page = SearchPage {
        layout: Layout::for_staff(&staff, "利用者検索", "/holders"),
        searched: !q.trim().is_empty(),
        restricted: staff.role == Role::Support
            && matches!(Search::classify(&q), Search::Number { .. } | Search::KanaPrefix(_) | Search::NamePrefix(_)),
        q,
        hits,
    };
    render::page(StatusCode::OK, &page)
}

pub struct SuspensionLine {
    pub article: &'static str,
    pub code: &'static str,
    pub started: String,
    pub lifted: Option<String>,
    pub lift_reason: Option<String>,
}

pub struct HandbookLine {
    pub id: i64,
    /// Its own Myna Portal link status, as the card shows it.
    pub myna: &'static str,
    /// When it was reported or detected as returned to the municipality.
    pub returned: Option<String>,
    /// Approved and not yet known as returned: a supervisor may record its return.
    pub may_report_return: bool,
    pub kind: &'static str,
    pub status: &'static str,
    pub submitted: String,
    pub number: Option<String>,
    pub expires: String,
}

pub struct SanctionView {
    pub terms: String,
    pub action: &'static str,
    pub article: &'static str,
    pub state: &'static str,
    pub requested: String,
    pub by: String,
    pub note: String,
    pub without_notice: bool,
}

pub struct NoticeView {
    pub subject: String,
    pub status: &'static str,
    pub attempts: i32,
    pub created: String,
}

#[derive(Template)]
#[template(path = "holders/profile.html")]
struct ProfilePage {
    layout: Layout,
    /// The holder's Myna Portal requests: state, mode, when it runs and why.
    myna_requests: Vec<(i64, &'static str, String, String)>,
    id: i64,
    public_id: String,
    status: &'static str,
    coupon_suspended: bool,
    registered: String,
    withdrawal: Option<String>,
    deleted: Option<String>,
    consents: Vec<String>,
    shows_numbers: bool,
    in_force: Vec<SuspensionLine>,
    history: Vec<SuspensionLine>,
    handbooks: Vec<HandbookLine>,
    sanctions: Vec<SanctionView>,
    notices: Vec<NoticeView>,
    /// Articles to choose from (the support center: 3(4) only).
    articles: Vec<Choice>,
    /// The article chosen, and the actions it allows.
    article: Option<&'static str>,
    actions: Vec<Choice>,
    note: String,
    /// The article allows a disclosure: the form asks to whom, why and what.
    offers_disclosure: bool,
    recipient: String,
    basis: String,
    disclosed: String,
    disclosures: Vec<String>,
    /// The form for a disclosure on legal grounds or with consent (supervisors).
    grounds: Vec<Choice>,
    legal: LegalDisclosure,
    /// The form comes back unfolded when it was posted with a mistake.
    legal_open: bool,
    timeline: Vec<(String, &'static str, String)>,
    reports: Vec<(i64, String, String, &'static str)>,
    /// The support center and supervisors open the reports.
    links_reports: bool,
    errors: FormErrors,
    may_sanction: bool,
}

/// What an audited event on a holder means, for the timeline.
fn event_label(action: &str) -> &'static str {
    crate::audit::catalogue::label(action).unwrap_or("操作")
}

fn suspension_line(s: &crate::db::sanctions::SuspensionRow) -> SuspensionLine {
    SuspensionLine {
        article: s.article.label(),
        code: s.article.code(),
        started: datetime_jst(from_db(s.started_at)),
        lifted: s.lifted_at.map(|t| datetime_jst(from_db(t))),
        lift_reason: s.lift_reason.clone(),
    }
}

/// The articles this role may cite on the profile (supervisors only: the support center
/// acts through its reports).
fn articles_for(role: Role) -> Vec<Article> {
    if role != Role::Supervisor {
        return Vec::new();
    }
    Article::ALL.into_iter().filter(|a| Action::ALL.iter().any(|x| sanctions::role_may_request(role, *a, *x))).collect()
}

/// What a failed sanction or disclosure post keeps.
#[derive(Default)]
struct Kept {
    article: Option<Article>,
    action: Option<Action>,
    note: String,
    disclosure: [String; 3],
    legal: LegalDisclosure,
    errors: FormErrors,
}

/// The typed values of the disclosure form (outside a sanction). Its fields carry a prefix:
/// the sanction form on the same page has a recipient and a content of its own.
#[derive(Default, Deserialize, Clone)]
pub struct LegalDisclosure {
    #[serde(default, rename = "legal_grounds")]
    grounds: String,
    #[serde(default, rename = "legal_recipient")]
    recipient: String,
    #[serde(default, rename = "legal_citation")]
    citation: String,
    #[serde(default, rename = "legal_disclosed")]
    disclosed: String,
}

impl LegalDisclosure {
    /// Nothing typed: the form stays folded.
    fn is_blank(&self) -> bool {
        [&self.grounds, &self.recipient, &self.citation, &self.disclosed].iter().all(|t| t.trim().is_empty())
    }
}

/// The legal-disclosure form's field for a problem.
fn legal_field(e: DisclosureError) -> &'static str {
    match e {
        DisclosureError::Grounds => "legal_grounds",
        DisclosureError::Recipient => "legal_recipient",
        DisclosureError::Citation => "legal_citation",
        DisclosureError::Disclosed => "legal_disclosed",
    }
}

fn profile_page(
    staff: &CurrentStaff,
    p: Profile,
    kept: Kept,
    provided: &crate::domain::reconcile::Provided,
) -> ProfilePage {
    let h = &p.holder;
    let article = kept.article;
    let allowed: Vec<Action> = article
        .map(|a| a.allows().iter().copied().filter(|x| sanctions::role_may_request(staff.role, a, *x)).collect())
        .unwrap_or_default();
    ProfilePage {
        myna_requests: p
            .myna_requests
            .iter()
            .map(|r| {
                let when = super::myna_requests::when_label(r).unwrap_or_else(|| {
                    r.finished_at.map(|t| format!("{} に終了", datetime_jst(from_db(t)))).unwrap_or_default()
                });
                (r.id, r.state.label(), super::myna_requests::mode_label(r), when)
            })
            .collect(),
        layout: Layout::for_staff(staff, format!("利用者 {}", h.public_id), "/holders"),
        id: h.id,
        public_id: h.public_id.clone(),
        status: h.status.label(),
        coupon_suspended: h.coupon_suspended,
        registered: datetime_jst(from_db(h.created_at)),
        deleted: h.deleted_at.map(|t| datetime_jst(from_db(t))),
        consents: [("利用規約", &p.terms), ("プライバシーポリシー", &p.privacy)]
            .into_iter()
            .map(|(doc, c)| match c {
                Some((v, at)) => format!("{doc}: {v}（{}に同意）", datetime_jst(from_db(*at))),
                None => format!("{doc}: 同意の記録なし"),
            })
            .collect(),
        withdrawal: h.withdrawn_at.map(|t| {
            let reason = h.withdrawal_reason.map(|r| r.label()).unwrap_or_default();
            format!("{}（{reason}）", datetime_jst(from_db(t)))
        }),
        shows_numbers: staff.role.sees_handbook_numbers(),
        in_force: p.suspensions.iter().filter(|s| s.lifted_at.is_none()).map(suspension_line).collect(),
        history: p.suspensions.iter().map(suspension_line).collect(),
        handbooks: p
            .handbooks
            .iter()
            .map(|b| HandbookLine {
                id: b.id,
                myna: crate::domain::reconcile::LinkStatus::of(b.kind, &b.myna_link, provided).label(),
                returned: b.returned_at.map(|t| datetime_jst(from_db(t))),
                may_report_return: staff.role == Role::Supervisor
                    && b.returned_at.is_none()
                    && crate::domain::handbook::ReviewStatus::APPROVED.contains(&b.status),
                kind: b.kind.label(),
                status: b.status.label(),
                submitted: datetime_jst(from_db(b.submitted_at)),
                number: b.number.as_ref().map(|n| format!("{} {n}", b.municipality.clone().unwrap_or_default())),
                expires: b.expires_on.map(crate::domain::wareki::format).unwrap_or_else(|| "-".into()),
            })
            .collect(),
        sanctions: p
            .sanctions
            .iter()
            .map(|s| SanctionView {
                terms: s.terms_version.clone().map(|v| format!("規約 {v}")).unwrap_or_else(|| "規約の版 不明".into()),
                action: s.action.label(),
                article: s.article.label(),
                state: s.state.label(),
                requested: datetime_jst(from_db(s.requested_at)),
                by: s.requested_by_name.clone().unwrap_or_else(|| "システム".into()),
                note: s.note.clone(),
                without_notice: s.without_notice,
            })
            .collect(),
        notices: p
            .notices
            .iter()
            .map(|n| NoticeView {
                subject: n.subject.clone(),
                status: match n.status {
                    crate::domain::notice::Delivery::Pending => "送信待ち",
                    crate::domain::notice::Delivery::Sent => "送信済",
                    crate::domain::notice::Delivery::Failed => "送信できず",
                },
                attempts: n.attempts,
                created: datetime_jst(from_db(n.created_at)),
            })
            .collect(),
        articles: articles_for(staff.role)
            .into_iter()
            .map(|a| Choice { code: a.code(), label: a.label().into(), checked: Some(a) == article })
            .collect(),
        article: article.map(Article::code),
        actions: allowed
            .into_iter()
            .map(|x| Choice { code: x.code(), label: x.label().into(), checked: Some(x) == kept.action })
            .collect(),
        note: kept.note,
        offers_disclosure: article.is_some_and(|a| a.allows().contains(&Action::Disclose)),
        recipient: kept.disclosure[0].clone(),
        basis: kept.disclosure[1].clone(),
        disclosed: kept.disclosure[2].clone(),
        disclosures: p
            .disclosures
            .iter()
            .map(|(to, basis, what, at)| format!("{}: {to}（根拠: {basis}）— {what}", datetime_jst(from_db(*at))))
            .collect(),
        grounds: Grounds::ALL
            .into_iter()
            .map(|g| Choice { code: g.code(), label: g.label().into(), checked: g.code() == kept.legal.grounds })
            .collect(),
        legal_open: !kept.legal.is_blank(),
        legal: kept.legal,
        timeline: p
            .timeline
            .iter()
            .map(|(e, who)| {
                let who = who.clone().unwrap_or_else(|| "システム・アプリ".into());
                (datetime_jst(from_db(e.occurred_at)), event_label(&e.action), who)
            })
            .collect(),
        reports: p
            .reports
            .iter()
            .map(|r| (r.id, r.reference.clone(), datetime_jst(from_db(r.received_at)), super::support::state_of(r)))
            .collect(),
        links_reports: matches!(staff.role, Role::Support | Role::Supervisor),
        errors: kept.errors,
        // The support center acts through its lost-phone reports, which identify the caller.
        may_sanction: staff.role == Role::Supervisor,
    }
}

async fn show_profile(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    status: StatusCode,
    kept: Kept,
) -> AppResult<HttpResponse> {
    let profile = state
        .as_staff(staff, move |conn, acting| Ok(holders::profile(conn, id, acting)?))
        .await?
        .ok_or(AppError::NotFound)?;
    render::page(status, &profile_page(staff, profile, kept, &state.settings.myna_provided))
}

#[derive(Deserialize, Default)]
pub struct ProfileQuery {
    #[serde(default)]
    article: String,
}

pub async fn profile(
    state: web::Data<AppState>,
    staff: RequireRole<HolderViewers>,
    id: web::Path<i64>,
    query: web::Query<ProfileQuery>,
) -> AppResult<HttpResponse> {
    let article = Article::parse(&query.article).filter(|a| articles_for(staff.role).contains(a));
    show_profile(&state, &staff, *id, StatusCode::OK, Kept { article, ..Default::default() }).await
}

#[derive(Deserialize)]
pub struct SanctionForm {
    #[serde(default)]
    article: String,
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
    let mut errors = FormErrors::default();
    if article.is_none() {
        errors.add("article", "条項を選んでください。");
    }
    if action.is_none() {
        errors.add("action", "処分を選んでください。");
    }
    let kept = |errors| Kept {
        article,
        action,
        note: form.note.clone(),
        disclosure: [form.recipient.clone(), form.basis.clone(), form.disclosed.clone()],
        errors,
        legal: LegalDisclosure::default(),
    };
    let (Some(article), Some(action)) = (article, action) else {
        return show_profile(state, staff, holder_id, StatusCode::UNPROCESSABLE_ENTITY, kept(errors)).await;
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
            show_profile(state, staff, holder_id, StatusCode::UNPROCESSABLE_ENTITY, kept(errors)).await
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
            let kept = Kept { legal: form, errors, ..Default::default() };
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
    let news = state
        .as_staff(&staff, move |conn, acting| Ok(holders::report_returned(conn, holder_id, handbook_id, acting)?))
        .await?;
    let notice = if news {
        "手帳の返還を記録しました。作業リストの「返還された手帳」に載ります。"
    } else {
        "この手帳の返還はすでに記録されています。"
    };
    session::set_notice(&staff.session, notice)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/holders/{holder_id}#handbooks-title")))
        .finish())
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
    let request = SanctionForm {
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
pub struct WithdrawalForm {
    #[serde(default)]
    reason: String,
}

/// A supervisor withdraws an ID for the holder (the old ID of a reissued handbook, or one the
/// holder asked to end through the support center).
pub async fn withdraw(
    state: web::Data<AppState>,
    staff: RequireRole<super::access::Supervisors>,
    id: web::Path<i64>,
    form: web::Form<WithdrawalForm>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let reason = crate::domain::holder_state::WithdrawalReason::parse(&form.reason)
        .ok_or(AppError::BadRequest("withdrawal reason"))?;
    let (staff_id, now, request_id) = (staff.id, state.clock.now(), staff.request_id.clone());
    let keys = state.audit.clone();
    let result = state
        .db(move |conn| {
            let holder = crate::db::holders::find(conn, id)?.ok_or(AppError::NotFound)?;
            let public_id = crate::domain::holder::PublicId::parse(&holder.public_id)
                .map_err(|_| crate::error::Fault::Corrupt("holders.public_id"))?;
            match holders::withdraw(
                conn,
                &public_id,
                reason,
                crate::audit::Actor::Staff(staff_id),
                now,
                Some(&request_id),
                &keys,
            ) {
                Ok(_) => Ok(Ok(())),
                Err(holders::WithdrawFailure::Gate(refused)) => Ok(Err(refused.to_string())),
                Err(holders::WithdrawFailure::NotFound) => Err(AppError::NotFound),
                Err(holders::WithdrawFailure::Fault(f)) => Err(f.into()),
            }
        })
        .await?;
    let notice = match result {
        Ok(()) => format!("退会にしました（{}）。", reason.label()),
        Err(message) => format!("退会にできませんでした: {message}"),
    };
    session::set_notice(&staff.session, &notice)?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/holders/{id}"))).finish())
}
