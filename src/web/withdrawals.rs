//! Withdrawal by staff, four-eyes: `GET/POST /holders/{id}/withdrawal` proposes it (reason,
//! note, the confirming field, and the other ID of a work-list pair); a second supervisor
//! approves or rejects it on `/sanctions` (`POST /withdrawals/{id}/approve`, `/reject`), seeing
//! both IDs side by side.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::Supervisors;
use super::auth::RequireRole;
use super::error::{AppError, AppResult};
use super::format::datetime_jst;
use super::forms::FormErrors;
use super::layout::Layout;
use super::render;
use super::session;
use super::state::AppState;
use crate::clock::from_db;
use crate::domain::holder_state::WithdrawalReason;
use crate::domain::sanctions::{SanctionError, SanctionState};
use crate::services::withdrawals::IdSummary;
use crate::services::withdrawals::{self, Proposal, WithdrawalFailure};

/// One ID as the proposal and approval screens set it beside another.
pub struct IdView {
    pub holder_id: i64,
    pub public_id: String,
    pub status: &'static str,
    pub registered: String,
    /// 「身体障害者手帳（承認済・交付 令和6年5月1日）」
    pub handbooks: Vec<String>,
}

impl IdView {
    fn of(s: &IdSummary) -> IdView {
        IdView {
            holder_id: s.holder_id,
            public_id: s.public_id.clone(),
            status: s.status.label(),
            registered: datetime_jst(from_db(s.registered_at)),
            handbooks: s
                .handbooks
                .iter()
                .map(|(kind, status, issued)| match issued {
                    Some(d) => {
                        format!("{}（{}・交付 {}）", kind.label(), status.label(), crate::domain::wareki::format(*d))
                    }
                    None => format!("{}（{}）", kind.label(), status.label()),
                })
                .collect(),
        }
    }
}

fn view_of(summaries: &[IdSummary], id: i64) -> Option<IdView> {
    summaries.iter().find(|s| s.holder_id == id).map(IdView::of)
}

#[derive(Deserialize, Default)]
pub struct ProposalForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    /// The other ID of a work-list pair, as the form carried it.
    #[serde(default)]
    related: Option<i64>,
    #[serde(default)]
    confirmed: String,
}

#[derive(Template)]
#[template(path = "withdrawals/propose.html")]
struct ProposePage {
    layout: Layout,
    errors: FormErrors,
    holder: IdView,
    related: Option<IdView>,
    reasons: Vec<super::forms::Choice>,
    note: String,
}

async fn propose_page(
    state: &AppState,
    staff: &RequireRole<Supervisors>,
    holder_id: i64,
    form: ProposalForm,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let ids: Vec<i64> = std::iter::once(holder_id).chain(form.related).collect();
    let summaries = state.db(move |conn| Ok(withdrawals::summaries(conn, &ids)?)).await?;
    let holder = view_of(&summaries, holder_id).ok_or(AppError::NotFound)?;
    let related = form.related.and_then(|id| view_of(&summaries, id));
    let reasons = WithdrawalReason::ALL
        .into_iter()
        .map(|r| super::forms::Choice { code: r.code(), label: r.label().into(), checked: r.code() == form.reason })
        .collect();
    let page = ProposePage {
        layout: Layout::for_staff(staff, "退会の起案", "/worklists"),
        errors,
        holder,
        related,
        reasons,
        note: form.note,
    };
    render::page(status, &page)
}

/// The proposal form, reached from a work list (reason and the related ID filled in) or from
/// the holder's profile.
pub async fn form(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    query: web::Query<ProposalForm>,
) -> AppResult<HttpResponse> {
    let mut form = query.into_inner();
    form.note.clear();
    propose_page(&state, &staff, *id, form, FormErrors::default(), StatusCode::OK).await
}

/// Records the proposal. A mistake comes back with what was typed and the problem beside its
/// field; nothing happens to the ID until a second supervisor approves.
pub async fn propose(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<ProposalForm>,
) -> AppResult<HttpResponse> {
    let (holder_id, form) = (*id, form.into_inner());
    let mut errors = FormErrors::default();
    let reason = WithdrawalReason::parse(&form.reason);
    if reason.is_none() {
        errors.add("reason", "退会の理由を選んでください。");
    }
    if let Err(e) = crate::domain::sanctions::check_note(&form.note) {
        errors.add(
            "note",
            match e {
                SanctionError::NoteTooLong => "起案の理由（メモ）は2000文字以内で入力してください。",
                _ => "起案の理由（メモ）を10文字以上で記録してください。承認する人はこれを読んで判断します。",
            },
        );
    }
    if form.confirmed != "1" {
        errors.add("confirmed", "確認欄にチェックを入れてください。");
    }
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return propose_page(&state, &staff, holder_id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (note, related) = (form.note.clone(), form.related);
    let result = state
        .as_staff(&staff, move |conn, acting| {
            let proposal = Proposal { holder_id, reason, note: &note, related_holder_id: related };
            match withdrawals::propose(conn, &proposal, acting) {
                Ok(id) => Ok(Ok(id)),
                Err(WithdrawalFailure::NotFound) => Err(AppError::NotFound),
                Err(WithdrawalFailure::Fault(f)) => Err(f.into()),
                Err(refused) => Ok(Err(refused.to_string())),
            }
        })
        .await?;
    match result {
        Ok(proposal) => {
            session::set_notice(
                &staff.session,
                "退会を起案しました。別の審査責任者が承認すると退会になります。それまでIDは使えます。",
            )?;
            let to = format!("/sanctions#withdrawal-{proposal}");
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish())
        }
        Err(message) => {
            errors.add("reason", format!("起案できませんでした: {message}"));
            propose_page(&state, &staff, holder_id, form, errors, StatusCode::CONFLICT).await
        }
    }
}

/// A waiting proposal on the approval list, both IDs beside each other.
pub struct WaitingView {
    pub id: i64,
    pub holder: IdView,
    pub related: Option<IdView>,
    pub reason: &'static str,
    pub note: String,
    pub by: String,
    pub proposed: String,
    pub mine: bool,
}

/// The withdrawal proposals for `/sanctions`.
pub async fn waiting(state: &AppState, staff_id: i64) -> AppResult<Vec<WaitingView>> {
    let (lines, summaries) = state.db(move |conn| Ok(withdrawals::waiting(conn, 100)?)).await?;
    Ok(lines
        .into_iter()
        .filter_map(|l| {
            Some(WaitingView {
                id: l.id,
                holder: view_of(&summaries, l.holder_id)?,
                related: l.related_holder_id.and_then(|r| view_of(&summaries, r)),
                reason: l.reason.label(),
                note: l.note,
                by: l.proposed_by_name,
                proposed: datetime_jst(from_db(l.proposed_at)),
                mine: l.proposed_by == staff_id,
            })
        })
        .collect())
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    note: String,
    #[serde(flatten)]
    confirmation: super::forms::Confirmation,
}

async fn decide(
    state: &AppState,
    staff: &RequireRole<Supervisors>,
    id: i64,
    approve: bool,
    form: DecisionForm,
) -> AppResult<HttpResponse> {
    let back = format!("/sanctions#withdrawal-{id}");
    if approve {
        let notice = "承認していません。退会にするときは確認欄にチェックを入れてから押してください。";
        if let Some(unconfirmed) = form.confirmation.required(&staff.session, notice, &back)? {
            return Ok(unconfirmed);
        }
    }
    let note = form.note;
    let result = state
        .as_staff(staff, move |conn, acting| match withdrawals::decide(conn, id, approve, &note, acting) {
            Ok(outcome) => Ok(Ok(outcome)),
            Err(WithdrawalFailure::NotFound) => Err(AppError::NotFound),
            Err(WithdrawalFailure::Fault(f)) => Err(f.into()),
            Err(refused) => Ok(Err(refused.to_string())),
        })
        .await?;
    let notice = match result {
        Ok(SanctionState::Applied) => "退会の起案を承認しました。IDは退会になりました。".to_owned(),
        Ok(_) => "退会の起案を却下しました。IDはそのまま使えます。".to_owned(),
        Err(message) => format!("判断できませんでした: {message}"),
    };
    session::set_notice(&staff.session, &notice)?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/sanctions")).finish())
}

pub async fn approve(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(&state, &staff, *id, true, form.into_inner()).await
}

pub async fn reject(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(&state, &staff, *id, false, form.into_inner()).await
}
