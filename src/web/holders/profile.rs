//! A holder's profile: status, consents, handbooks, suspensions, sanctions, notices, Myna
//! requests and the timeline, with the forms a failed post brings back filled in.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::clock::from_db;
use crate::domain::disclosure::{DisclosureError, Grounds};
use crate::domain::sanctions::{self, Action, Article};
use crate::domain::staff::Role;
use crate::services::holders::{self, Profile};
use crate::web::access::HolderViewers;
use crate::web::auth::{CurrentStaff, RequireRole};
use crate::web::error::{AppError, AppResult};
use crate::web::format::datetime_jst;
use crate::web::forms::{Choice, FormErrors};
use crate::web::layout::Layout;
use crate::web::render;
use crate::web::state::AppState;

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
    pub id: i64,
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
    /// The holder's requests: id, reference, kind, state, received.
    requests: Vec<(i64, String, &'static str, &'static str, String)>,
    /// A litigation hold in force: reason, who, when.
    hold: Option<(String, String, String)>,
    hold_reason: String,
    /// Photos and transcriptions already removed by the retention schedule.
    retention_purged: Option<String>,
    contacts: Vec<crate::web::contacts::LineView>,
    /// The support center and supervisors may resend a notice.
    may_resend: bool,
    email_change: [String; 2],
    /// A resend refused: the notice and the reason as typed (its error is `resend_reason`).
    resend: (i64, String),
    /// An e-mail change waiting: id, new address, note, proposer's name, when, proposed by me.
    email_pending: Option<(i64, String, String, String, String, bool)>,
    may_decide_email: bool,
}

/// What an audited event on a holder means, for the timeline.
fn event_label(action: &str) -> &'static str {
    crate::audit::catalogue::label(action).unwrap_or("操作")
}

fn suspension_line(s: &holders::SuspensionRow) -> SuspensionLine {
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
pub(super) fn articles_for(role: Role) -> Vec<Article> {
    if role != Role::Supervisor {
        return Vec::new();
    }
    Article::ALL.into_iter().filter(|a| Action::ALL.iter().any(|x| sanctions::role_may_request(role, *a, *x))).collect()
}

/// What a failed sanction or disclosure post keeps, to bring the profile's forms back filled in.
#[derive(Default)]
pub(super) struct ProfileForms {
    pub(super) article: Option<Article>,
    pub(super) action: Option<Action>,
    pub(super) note: String,
    pub(super) disclosure: [String; 3],
    pub(super) legal: LegalDisclosure,
    pub(super) hold_reason: String,
    /// The e-mail change form as typed: new address, note.
    pub(super) email_change: [String; 2],
    /// A resend refused: the notice and the reason as typed.
    pub(super) resend: Option<(i64, String)>,
    pub(super) errors: FormErrors,
}

/// The typed values of the disclosure form (outside a sanction). Its fields carry a prefix:
/// the sanction form on the same page has a recipient and a content of its own.
#[derive(Default, Deserialize, Clone)]
pub struct LegalDisclosure {
    #[serde(default, rename = "legal_grounds")]
    pub(super) grounds: String,
    #[serde(default, rename = "legal_recipient")]
    pub(super) recipient: String,
    #[serde(default, rename = "legal_citation")]
    pub(super) citation: String,
    #[serde(default, rename = "legal_disclosed")]
    pub(super) disclosed: String,
}

impl LegalDisclosure {
    /// Nothing typed: the form stays folded.
    fn is_blank(&self) -> bool {
        [&self.grounds, &self.recipient, &self.citation, &self.disclosed].iter().all(|t| t.trim().is_empty())
    }
}

/// The legal-disclosure form's field for a problem.
pub(super) fn legal_field(e: DisclosureError) -> &'static str {
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
    kept: ProfileForms,
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
                let when = crate::web::myna_requests::when_label(r).unwrap_or_else(|| {
                    r.finished_at.map(|t| format!("{} に終了", datetime_jst(from_db(t)))).unwrap_or_default()
                });
                (r.id, r.state.label(), crate::web::myna_requests::mode_label(r), when)
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
        handbooks: p.handbooks.iter().map(|b| handbook_line(b, staff.role, provided)).collect(),
        sanctions: p.sanctions.iter().map(sanction_view).collect(),
        notices: p.notices.iter().map(notice_view).collect(),
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
            .map(|r| {
                (r.id, r.reference.clone(), datetime_jst(from_db(r.received_at)), crate::web::support::state_of(r))
            })
            .collect(),
        links_reports: matches!(staff.role, Role::Support | Role::Supervisor),
        errors: kept.errors,
        // The support center acts through its lost-phone reports, which identify the caller.
        may_sanction: staff.role == Role::Supervisor,
        requests: p
            .requests
            .iter()
            .map(|r| (r.id, r.reference.clone(), r.kind.label(), r.state.label(), datetime_jst(from_db(r.received_at))))
            .collect(),
        hold: p.hold.as_ref().map(|h| (h.reason.clone(), h.placed_by_name.clone(), datetime_jst(from_db(h.placed_at)))),
        hold_reason: kept.hold_reason,
        retention_purged: h.retention_purged_at.map(|t| datetime_jst(from_db(t))),
        contacts: p.contacts.iter().map(crate::web::contacts::line_view).collect(),
        may_resend: matches!(staff.role, Role::Support | Role::Supervisor) && h.deleted_at.is_none(),
        email_change: kept.email_change,
        resend: kept.resend.unwrap_or_default(),
        email_pending: p.email_change.as_ref().map(|(id, email, note, by, name, at)| {
            (
                *id,
                email.clone().unwrap_or_default(),
                note.clone(),
                name.clone(),
                datetime_jst(from_db(*at)),
                *by == staff.id,
            )
        }),
        may_decide_email: staff.role == Role::Supervisor,
    }
}

fn handbook_line(
    b: &crate::services::holders::HolderHandbook,
    role: Role,
    provided: &crate::domain::reconcile::Provided,
) -> HandbookLine {
    HandbookLine {
        id: b.id,
        myna: crate::domain::reconcile::LinkStatus::of(b.kind, &b.myna_link, provided).label(),
        returned: b.returned_at.map(|t| datetime_jst(from_db(t))),
        may_report_return: role == Role::Supervisor
            && b.returned_at.is_none()
            && crate::domain::handbook::ReviewStatus::APPROVED.contains(&b.status),
        kind: b.kind.label(),
        status: b.status.label(),
        submitted: datetime_jst(from_db(b.submitted_at)),
        number: b.number.as_ref().map(|n| format!("{} {n}", b.municipality.clone().unwrap_or_default())),
        expires: b.expires_on.map(crate::domain::wareki::format).unwrap_or_else(|| "-".into()),
    }
}

fn sanction_view(s: &crate::services::holders::SanctionLine) -> SanctionView {
    SanctionView {
        terms: s.terms_version.clone().map(|v| format!("規約 {v}")).unwrap_or_else(|| "規約の版 不明".into()),
        action: s.action.label(),
        article: s.article.label(),
        state: s.state.label(),
        requested: datetime_jst(from_db(s.requested_at)),
        by: s.requested_by_name.clone().unwrap_or_else(|| "システム".into()),
        note: s.note.clone(),
        without_notice: s.without_notice,
    }
}

fn notice_view(n: &crate::services::holders::NoticeLine) -> NoticeView {
    NoticeView {
        id: n.id,
        subject: n.subject.clone(),
        status: match n.status {
            crate::domain::notice::Delivery::Pending => "送信待ち",
            crate::domain::notice::Delivery::Sent => "送信済",
            crate::domain::notice::Delivery::Failed => "送信できず",
        },
        attempts: n.attempts,
        created: datetime_jst(from_db(n.created_at)),
    }
}

pub(super) async fn show_profile(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    status: StatusCode,
    kept: ProfileForms,
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
    show_profile(&state, &staff, *id, StatusCode::OK, ProfileForms { article, ..Default::default() }).await
}
