//! `/registrations/{id}`: the review screen (photos, transcription, warnings, decision,
//! history) and its actions.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::access::{ImageViewers, Reviewers, Supervisors};
use super::auth::{CurrentStaff, RequireRole};
use super::format::{JST, datetime_jst, waiting};
use super::forms::FormErrors;
use super::layout::Layout;
use super::photos::{ReasonOption, reason_options};
use super::session;
use super::state::AppState;
use crate::clock::from_db;
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::holder::HolderStatus;
use crate::domain::review::{Decision, Defect, ReviewError};
use crate::domain::staff::Role;
use crate::domain::transcription::{FieldNote, Transcription, TranscriptionInput, Understood};
use crate::error::{AppError, AppResult};
use crate::photos::{self, Basis};
use crate::review::decide::{self, DecideResult, DecisionInput};
use crate::review::transcribe::{self, Conflict, SaveResult};
use crate::review::view::{self, ReviewData};
use crate::review::{Acting, ReviewFailure, claim};

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct PhotoView {
    pub id: i64,
    pub page: i32,
    pub width: i32,
    pub height: i32,
}

pub struct Lookalike {
    pub handbook_id: i64,
    pub public_id: String,
    pub status: &'static str,
    pub why: &'static str,
}

pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub what: &'static str,
    pub reason: Option<String>,
}

pub struct DecisionLine {
    pub at: String,
    pub who: String,
    pub decision: &'static str,
    pub defects: Vec<&'static str>,
    pub holder_message: String,
    pub internal_note: String,
}

pub struct OtherRegistration {
    pub id: i64,
    pub kind: &'static str,
    pub status: &'static str,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "registrations/review.html")]
pub struct ReviewPage {
    layout: Layout,
    handbook_id: i64,
    version: i32,
    kind_label: &'static str,
    status_label: &'static str,
    open: bool,
    public_id: String,
    holder_status: &'static str,
    submitted: String,
    waited: String,
    channel: &'static str,
    proxy: bool,
    claimer: Option<String>,
    claim_until: String,
    mine: bool,
    takeable: bool,
    may_act: bool,
    is_supervisor: bool,
    reviewers: Vec<(i64, String)>,
    photos: Option<Vec<PhotoView>>,
    basis_text: String,
    reasons: Vec<ReasonOption>,
    reason_errors: FormErrors,
    reason_chosen: String,
    reason_detail: String,
    input: TranscriptionInput,
    errors: FormErrors,
    understood: Vec<Understood>,
    kinds: Vec<Choice>,
    fares: Vec<Choice>,
    warnings: Vec<String>,
    lookalikes: Vec<Lookalike>,
    checks: Vec<Choice>,
    decision_choices: Vec<Choice>,
    defect_choices: Vec<Choice>,
    decision: DecisionInput,
    decision_errors: FormErrors,
    decided: Vec<DecisionLine>,
    history: Vec<HistoryLine>,
    others: Vec<OtherRegistration>,
    banner: Option<String>,
    visible: bool,
}

impl ReviewPage {
    fn understood_for(&self, field: &str) -> Option<&Understood> {
        self.understood.iter().find(|u| u.field == field)
    }
}

fn action_label(action: &str) -> &'static str {
    match action {
        "registration.received" => "受付",
        "registration.superseded" => "再提出により置換",
        "registration.claimed" => "担当開始",
        "registration.released" => "担当解除",
        "registration.reassigned" => "担当変更",
        "registration.transcribed" => "転記を保存",
        "registration.decided" => "判定",
        "photos.access_stated" => "閲覧理由を記録",
        "registration.viewed" => "閲覧",
        _ => "操作",
    }
}

/// Overrides from a failed post: what was typed stays on screen.
#[derive(Default)]
pub struct Kept {
    input: Option<TranscriptionInput>,
    errors: Vec<FieldNote>,
    decision: Option<DecisionInput>,
    decision_errors: Vec<FieldNote>,
    banner: Option<String>,
}

fn form_errors(notes: &[FieldNote]) -> FormErrors {
    let mut errors = FormErrors::default();
    for note in notes {
        errors.add(note.field, note.message.clone());
    }
    errors
}

pub fn build(
    data: ReviewData,
    staff: &CurrentStaff,
    basis: Option<Basis>,
    now: time::OffsetDateTime,
    kept: Kept,
) -> ReviewPage {
    let h = &data.handbook;
    // The transcribed data is special-care personal information, shown on the same grounds
    // as the photos (a claim or a stated reason) and audited like them.
    let visible = basis.is_some();
    let state = crate::review::claim_state(h);
    let kind = HandbookKind::parse(&h.kind);
    let status = ReviewStatus::parse(&h.status);
    let open = matches!(status, Some(ReviewStatus::Submitted | ReviewStatus::InReview));
    let mine = state.held_by(staff.id, now);
    let may_act = matches!(staff.role, Role::Reviewer | Role::Supervisor);
    let blank = TranscriptionInput { kind: h.kind.clone(), ..Default::default() };
    // What the person just typed always comes back to them, whatever else is hidden.
    let form_visible = visible || kept.input.is_some();
    let input = match (&kept.input, visible) {
        (Some(typed), _) => typed.clone(),
        (None, true) => data.input.clone().unwrap_or(blank),
        (None, false) => blank,
    };
    let today = now.to_offset(JST).date();
    let parsed = Transcription::parse(&input, today);
    let mut warnings: Vec<String> = if visible && (data.input.is_some() || kept.input.is_some()) {
        parsed.warnings.iter().map(|w| w.message.clone()).collect()
    } else {
        Vec::new()
    };
    if h.proxy {
        warnings
            .push("代理登録です（利用規約 第3条第1項第1号）。本人による登録が難しい事情を確認してください。".into());
    }
    let (same_number, same_person) =
        if visible { (data.same_number.as_slice(), data.same_person.as_slice()) } else { (&[][..], &[][..]) };
    let mut lookalikes: Vec<Lookalike> = same_number
        .iter()
        .map(|l| Lookalike {
            handbook_id: l.handbook_id,
            public_id: l.public_id.clone(),
            status: ReviewStatus::parse(&l.status).map(ReviewStatus::label).unwrap_or(""),
            why: "同じ発行元・手帳番号",
        })
        .collect();
    lookalikes.extend(same_person.iter().map(|l| Lookalike {
        handbook_id: l.handbook_id,
        public_id: l.public_id.clone(),
        status: ReviewStatus::parse(&l.status).map(ReviewStatus::label).unwrap_or(""),
        why: "同じ氏名・生年月日",
    }));
    let decision = kept.decision.clone().unwrap_or(DecisionInput { version: h.version, ..Default::default() });
    let decision = DecisionInput { version: h.version, ..decision };
    let submitted = from_db(h.submitted_at);
    ReviewPage {
        layout: Layout::for_staff(staff, format!("登録 #{} の審査", h.id), "/queue"),
        handbook_id: h.id,
        version: h.version,
        kind_label: kind.map(HandbookKind::label).unwrap_or("不明"),
        status_label: status.map(ReviewStatus::label).unwrap_or("不明"),
        open,
        public_id: data.holder.public_id.clone(),
        holder_status: HolderStatus::parse(&data.holder.status).map(HolderStatus::label).unwrap_or("不明"),
        submitted: datetime_jst(submitted),
        waited: if open { waiting(now - submitted) } else { "—".into() },
        channel: if h.proxy {
            "代理登録"
        } else if h.channel == "staff" {
            "窓口・郵送"
        } else {
            "アプリ"
        },
        proxy: h.proxy,
        claimer: data.claimer.clone().filter(|_| state.lease_live(now)),
        claim_until: h.claim_expires_at.map(|t| datetime_jst(from_db(t))).unwrap_or_default(),
        mine,
        takeable: open && may_act && (state.takeable(now) || mine),
        may_act,
        is_supervisor: staff.role == Role::Supervisor,
        reviewers: data.reviewers.clone(),
        basis_text: match &basis {
            Some(Basis::Claim) => "担当者として表示しています。閲覧は監査ログに記録されます。".into(),
            Some(Basis::Reason(r)) => format!("閲覧理由「{r}」を記録して表示しています。"),
            None => String::new(),
        },
        photos: basis.map(|_| {
            data.images.iter().map(|i| PhotoView { id: i.id, page: i.page, width: i.width, height: i.height }).collect()
        }),
        reasons: reason_options(),
        reason_errors: FormErrors::default(),
        reason_chosen: String::new(),
        reason_detail: String::new(),
        understood: parsed.understood.clone(),
        errors: form_errors(&kept.errors),
        kinds: HandbookKind::ALL
            .iter()
            .map(|k| Choice { code: k.as_str(), label: k.label(), checked: input.kind == k.as_str() })
            .collect(),
        fares: [("1", "第1種"), ("2", "第2種"), ("", "なし（記載がない）")]
            .into_iter()
            .map(|(code, label)| Choice { code, label, checked: input.fare_class == code })
            .collect(),
        input,
        warnings,
        lookalikes,
        checks: vec![
            Choice {
                code: "face_photo", label: "顔写真がある（利用規約 第2条第1項）", checked: decision.face_photo
            },
            Choice {
                code: "right_pages", label: "必要なページがそろっている", checked: decision.right_pages
            },
            Choice { code: "legible", label: "記載内容が読み取れる", checked: decision.legible },
            Choice {
                code: "no_tampering", label: "改ざん・偽造の形跡がない", checked: decision.no_tampering
            },
        ],
        decision_choices: Decision::ALL
            .iter()
            .map(|d| Choice { code: d.as_str(), label: d.label(), checked: decision.decision == d.as_str() })
            .collect(),
        defect_choices: Defect::ALL
            .iter()
            .map(|d| Choice {
                code: d.code(),
                label: d.label(),
                checked: decision.defects.iter().any(|c| c == d.code()),
            })
            .collect(),
        decision,
        decision_errors: form_errors(&kept.decision_errors),
        decided: data
            .decisions
            .iter()
            .filter(|_| visible)
            .map(|d| DecisionLine {
                at: datetime_jst(from_db(d.decided_at)),
                who: d.decided_by_name.clone(),
                decision: Decision::parse(&d.decision).map(Decision::label).unwrap_or(""),
                defects: d.defect_codes.split(',').filter_map(Defect::parse).map(Defect::label).collect(),
                holder_message: d.holder_message.clone(),
                internal_note: d.internal_note.clone(),
            })
            .collect(),
        history: data
            .history
            .iter()
            .map(|(e, name)| HistoryLine {
                at: datetime_jst(from_db(e.occurred_at)),
                who: name.clone().unwrap_or_else(|| match e.actor.as_str() {
                    "app" => "アプリ".into(),
                    "system" => "システム".into(),
                    other => other.to_owned(),
                }),
                what: action_label(&e.action),
                reason: e.reason.clone(),
            })
            .collect(),
        others: data
            .other_registrations
            .iter()
            .filter(|_| visible)
            .map(|(id, kind, status, at)| OtherRegistration {
                id: *id,
                kind: HandbookKind::parse(kind).map(HandbookKind::label).unwrap_or(""),
                status: ReviewStatus::parse(status).map(ReviewStatus::label).unwrap_or(""),
                submitted: datetime_jst(from_db(*at)),
            })
            .collect(),
        banner: kept.banner,
        visible: form_visible,
    }
}

async fn render(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    status: StatusCode,
    kept: Kept,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let (staff_id, role) = (staff.id, staff.role);
    let request_id = staff.request_id.clone();
    let (data, basis) = state
        .db(move |conn| {
            let data = view::load(conn, id)?;
            let basis = photos::basis(conn, staff_id, role, &data.handbook, now)?;
            if let Some(basis) = &basis {
                photos::record_data_view(conn, staff_id, id, basis, now, Some(&request_id))?;
            }
            Ok((data, basis))
        })
        .await?;
    let page = build(data, staff, basis, now, kept);
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(page.render()?))
}

pub async fn show(
    state: web::Data<AppState>,
    staff: RequireRole<ImageViewers>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    render(&state, &staff, *id, StatusCode::OK, Kept::default()).await
}

fn back(id: i64) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/registrations/{id}"))).finish()
}

/// Runs a review action for this member of staff on the blocking pool. Rule refusals (someone
/// else holds it, already decided) come back as values for the screen; faults as errors.
pub async fn act<T, F>(state: &AppState, staff: &CurrentStaff, action: F) -> AppResult<Result<T, ReviewError>>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::DbConnection, &Acting<'_>) -> Result<T, ReviewFailure> + Send + 'static,
{
    let now = state.clock.now();
    let (staff_id, role, request_id) = (staff.id, staff.role, staff.request_id.clone());
    state
        .db(move |conn| {
            let acting = Acting { staff_id, role, now, request_id: Some(&request_id) };
            match action(conn, &acting) {
                Ok(value) => Ok(Ok(value)),
                Err(ReviewFailure::Rule(rule)) => Ok(Err(rule)),
                Err(ReviewFailure::App(e)) => Err(e),
            }
        })
        .await
}

/// Runs a claim action; rule refusals become a notice on the review screen.
async fn claim_action<F>(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    done: &str,
    action: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut crate::db::DbConnection, &Acting<'_>) -> Result<(), ReviewFailure> + Send + 'static,
{
    match act(state, staff, action).await? {
        Ok(()) if !done.is_empty() => session::set_notice(&staff.session, done)?,
        Ok(()) => {}
        Err(rule) => session::set_notice(&staff.session, &rule.to_string())?,
    }
    Ok(back(id))
}

pub async fn take(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = *id;
    claim_action(&state, &staff, id, "", move |conn, acting| claim::claim(conn, id, acting).map(drop)).await
}

pub async fn release(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = *id;
    claim_action(
        &state,
        &staff,
        id,
        "担当を外しました。審査待ちに戻りました。",
        move |conn, acting| claim::release(conn, id, acting),
    )
    .await
}

#[derive(Deserialize)]
pub struct ReassignForm {
    staff_id: i64,
}

pub async fn reassign(
    state: web::Data<AppState>,
    staff: RequireRole<Supervisors>,
    id: web::Path<i64>,
    form: Result<web::Form<ReassignForm>, actix_web::Error>,
) -> AppResult<HttpResponse> {
    // The form is parsed after the role check: a refused role never learns what is expected.
    let form = form.map_err(|_| AppError::BadRequest("reassign form"))?;
    let (id, to) = (*id, form.staff_id);
    claim_action(&state, &staff, id, "担当者を変更しました。", move |conn, acting| {
        claim::reassign(conn, id, to, acting)
    })
    .await
}

#[derive(Deserialize)]
pub struct TranscriptionForm {
    /// A string: numbers do not survive `flatten` with URL-encoded forms.
    version: String,
    #[serde(flatten)]
    input: TranscriptionInput,
}

pub async fn save_transcription(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: Result<web::Form<TranscriptionForm>, actix_web::Error>,
) -> AppResult<HttpResponse> {
    let form = form.map_err(|_| AppError::BadRequest("transcription form"))?;
    let id = *id;
    let TranscriptionForm { version, input } = form.into_inner();
    let version: i32 = version.parse().map_err(|_| AppError::BadRequest("version"))?;
    let posted = input.clone();
    match act(&state, &staff, move |conn, acting| transcribe::save(conn, id, acting, version, &posted)).await? {
        Ok(SaveResult::Saved { .. }) => {
            session::set_notice(&staff.session, "転記を保存しました。")?;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/registrations/{id}#transcription")))
                .finish())
        }
        Ok(SaveResult::Invalid(parsed)) => {
            let kept = Kept { input: Some(input), errors: parsed.errors, ..Default::default() };
            render(&state, &staff, id, StatusCode::UNPROCESSABLE_ENTITY, kept).await
        }
        Ok(SaveResult::Conflict(conflict)) => conflict_page(&staff, id, input, conflict),
        Err(rule) => {
            let kept = Kept {
                input: Some(input),
                banner: Some(format!("保存できませんでした: {rule} 入力内容はそのまま残しています。")),
                ..Default::default()
            };
            render(&state, &staff, id, StatusCode::CONFLICT, kept).await
        }
    }
}

pub struct ConflictLine {
    pub label: &'static str,
    pub theirs: String,
    pub mine: String,
    pub differs: bool,
}

#[derive(Template)]
#[template(path = "registrations/conflict.html")]
struct ConflictPage {
    layout: Layout,
    handbook_id: i64,
    version: i32,
    saved_by: String,
    saved_at: String,
    lines: Vec<ConflictLine>,
    mine: TranscriptionInput,
}

fn conflict_page(
    staff: &CurrentStaff,
    id: i64,
    mine: TranscriptionInput,
    conflict: Conflict,
) -> AppResult<HttpResponse> {
    let pairs = |t: &TranscriptionInput| -> Vec<(&'static str, String)> {
        vec![
            ("手帳の種類", HandbookKind::parse(&t.kind).map(HandbookKind::label).unwrap_or("").to_owned()),
            ("氏名", t.name.clone()),
            ("ふりがな", t.name_kana.clone()),
            ("生年月日", t.birth_date.clone()),
            ("障害名・種別", t.disability_category.clone()),
            ("等級", t.grade.clone()),
            ("旅客運賃減額", t.fare_class.clone()),
            ("介護", if t.care.as_deref().is_some_and(|c| !c.is_empty()) { "あり".into() } else { "なし".into() }),
            ("発行元自治体", t.municipality.clone()),
            ("手帳番号", t.number.clone()),
            ("交付日", t.issued_on.clone()),
            ("更新日・再交付日", t.renewed_on.clone()),
            ("有効期限", t.expires_on.clone()),
            ("再認定年月", t.recert_on.clone()),
            ("自立支援医療受給者番号", t.medical_number.clone()),
        ]
    };
    let lines = pairs(&conflict.theirs)
        .into_iter()
        .zip(pairs(&mine))
        .map(|((label, theirs), (_, mine))| ConflictLine { label, differs: theirs != mine, theirs, mine })
        .collect();
    let page = ConflictPage {
        layout: Layout::for_staff(staff, format!("登録 #{id}: 保存が競合しました"), "/queue"),
        handbook_id: id,
        version: conflict.current_version,
        saved_by: conflict.saved_by,
        saved_at: datetime_jst(from_db(conflict.saved_at)),
        lines,
        mine,
    };
    Ok(HttpResponse::build(StatusCode::CONFLICT).content_type("text/html; charset=utf-8").body(page.render()?))
}

pub async fn decide(
    state: web::Data<AppState>,
    staff: RequireRole<Reviewers>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = *id;
    let pairs = form.into_inner();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let checked = |name: &str| pairs.iter().any(|(k, v)| k == name && !v.is_empty());
    let input = DecisionInput {
        version: get("version").parse().map_err(|_| AppError::BadRequest("version"))?,
        decision: get("decision"),
        defects: pairs.iter().filter(|(k, _)| k == "defects").map(|(_, v)| v.clone()).collect(),
        other_text: get("other_text"),
        holder_message: get("holder_message"),
        internal_note: get("internal_note"),
        face_photo: checked("face_photo"),
        right_pages: checked("right_pages"),
        legible: checked("legible"),
        no_tampering: checked("no_tampering"),
        proxy_confirmed: checked("proxy_confirmed"),
        duplicates_checked: checked("duplicates_checked"),
    };
    let posted = input.clone();
    match act(&state, &staff, move |conn, acting| decide::decide(conn, id, acting, &posted)).await? {
        Ok(DecideResult::Decided { decision, .. }) => {
            session::set_notice(&staff.session, &format!("登録 #{id} を判定しました: {}", decision.label()))?;
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/queue")).finish())
        }
        Ok(DecideResult::Invalid(errors)) => {
            let kept = Kept { decision: Some(input), decision_errors: errors, ..Default::default() };
            render(&state, &staff, id, StatusCode::UNPROCESSABLE_ENTITY, kept).await
        }
        Ok(DecideResult::Stale) => {
            let kept = Kept {
                decision: Some(input),
                banner: Some("判定の前に、ほかの担当者が内容を更新しました。最新の内容を確認して、もう一度判定してください。選んだ判定と入力は残しています。".into()),
                ..Default::default()
            };
            render(&state, &staff, id, StatusCode::CONFLICT, kept).await
        }
        Err(rule) => {
            let kept = Kept {
                decision: Some(input),
                banner: Some(format!("判定できませんでした: {rule}")),
                ..Default::default()
            };
            render(&state, &staff, id, StatusCode::CONFLICT, kept).await
        }
    }
}
