//! The review screen's view model: what the page shows, built from the loaded data, the
//! viewer's grounds to see personal data, and what a failed post kept.

use askama::Template;

use crate::clock::{from_db, today_jst};
use crate::domain::decision::DecisionInput;
use crate::domain::face::FaceInput;
use crate::domain::handbook::HandbookKind;
use crate::domain::review::{Decision, Defect};
use crate::domain::staff::Role;
use crate::domain::transcription::{Field, FieldNote, Parsed, Transcription, TranscriptionInput, Understood};
use crate::services::photos::Basis;
use crate::services::review::view::{Duplicate, OcrJob, ReviewData};
use crate::web::auth::CurrentStaff;
use crate::web::format::{datetime_jst, waiting};
use crate::web::forms::{Choice, FormErrors};
use crate::web::layout::Layout;
use crate::web::photos::reason_choices;

pub use super::panels::{DecisionLine, HistoryLine, Lookalike, MynaView, OtherRegistration, PhotoView, SuggestionView};
use super::panels::{
    channel_label, decided, face_marked, held_text, history, lookalikes, myna_view, notice_subjects, others,
    suggestion_views, unused,
};

#[derive(Template)]
#[template(path = "registrations/review.html")]
pub struct ReviewPage {
    layout: Layout,
    handbook_id: i64,
    version: i32,
    kind_label: &'static str,
    status_label: &'static str,
    /// Approved: review roles may propose a correction of the record.
    correctable: bool,
    open: bool,
    public_id: String,
    holder_status: &'static str,
    submitted: String,
    waited: String,
    channel: &'static str,
    proxy: bool,
    claimer: Option<String>,
    claim_until: String,
    /// 「保留中」: when, by whom and why, for everyone who sees the registration.
    held: Option<String>,
    hold_reason_input: String,
    hold_error: Option<String>,
    mine: bool,
    takeable: bool,
    may_act: bool,
    is_supervisor: bool,
    reviewers: Vec<(i64, String)>,
    photos: Option<Vec<PhotoView>>,
    basis_text: String,
    reasons: Vec<Choice>,
    reason_errors: FormErrors,
    reason_detail: String,
    input: TranscriptionInput,
    errors: FormErrors,
    understood: Vec<Understood>,
    kinds: Vec<Choice>,
    /// How many photos came: a second page may print the number again.
    pages: usize,
    fares: Vec<Choice>,
    /// The names handbooks print, offered for the handbook-name field.
    handbook_names: &'static [&'static str],
    warnings: Vec<String>,
    lookalikes: Vec<Lookalike>,
    checks: Vec<Choice>,
    decision_choices: Vec<Choice>,
    /// How many warnings the transcription raises (each must be acknowledged to approve).
    transcription_warnings: usize,
    warnings_label: String,
    /// The subject of the notice each decision sends, for the confirmation before deciding.
    notice_subjects: Vec<(&'static str, String)>,
    defect_choices: Vec<Choice>,
    decision: DecisionInput,
    decision_errors: FormErrors,
    decided: Vec<DecisionLine>,
    history: Vec<HistoryLine>,
    others: Vec<OtherRegistration>,
    banner: Option<String>,
    visible: bool,
    /// The face box form: the pages to choose from, the box typed or as marked, its problems.
    /// (image id, page number, chosen)
    face_pages: Vec<(i64, i32, bool)>,
    face_errors: FormErrors,
    /// The box shown is the layout's proposal, not yet saved.
    face_proposed: bool,
    face_fixable: bool,
    /// Each photo's id and pixel size, for the crop preview.
    face_images: Vec<(i64, i32, i32)>,
    /// The box's four inputs: name, label, value.
    face_fields: Vec<(&'static str, &'static str, String)>,
    face_marked: Option<String>,
    /// The Myna Portal's values beside the registered ones, when the portal sent some.
    myna: Option<MynaView>,
    /// What OCR read on the photos, per field (only where the transcription may be seen).
    suggestions: Vec<SuggestionView>,
    /// Labels of the fields whose suggestion the form leaves unused (saved or typed empty).
    unused_suggestions: Vec<&'static str>,
    suggestions_label: String,
    /// Where OCR stands for this registration, when it is not simply done.
    ocr_note: Option<&'static str>,
}

const READING: &str = "写真の文字を読み取っています。少し待ってから画面を開き直すと、読み取り候補が表示されます。";

fn ocr_note(data: &ReviewData) -> Option<&'static str> {
    match data.ocr_job() {
        Some(OcrJob::Reading) => Some(READING),
        Some(OcrJob::Failed) => Some("写真の文字を読み取れませんでした。すべての項目を写真から入力してください。"),
        Some(OcrJob::Done) if data.suggestions.is_empty() => Some("写真から読み取れた項目はありませんでした。"),
        _ => None,
    }
}

impl ReviewPage {
    /// Fills in the possible duplicates the viewer may see.
    pub fn show_duplicates(&mut self, shown: Vec<Duplicate>) {
        for Duplicate { handbook_id: id, fields, image_ids: images } in shown {
            for l in self.lookalikes.iter_mut().filter(|l| l.handbook_id == id) {
                l.facts = Some(
                    fields
                        .as_ref()
                        .map(|f| {
                            vec![
                                ("氏名", f.name.clone()),
                                ("ふりがな", f.name_kana.clone()),
                                ("生年月日", crate::domain::wareki::format(f.birth_date)),
                                ("交付自治体", f.municipality.clone()),
                                ("手帳番号", f.number.clone()),
                                ("交付日", crate::domain::wareki::format(f.issued_on)),
                            ]
                        })
                        .unwrap_or_default(),
                );
                l.images = images.clone();
            }
        }
    }

    /// This process reads no photos: a waiting OCR job is no promise of suggestions.
    pub fn without_ocr_engine(&mut self) {
        if self.ocr_note == Some(READING) {
            self.ocr_note = None;
        }
    }

    fn suggestion_for(&self, field: &str) -> Option<&SuggestionView> {
        self.suggestions.iter().find(|s| s.field == field)
    }

    fn understood_for(&self, field: &str) -> Option<&Understood> {
        self.understood.iter().find(|u| u.field == field)
    }

    /// A transcription field's label, said once in `Field`.
    fn label(&self, field: &str) -> &'static str {
        Field::from_name(field).map(Field::label).unwrap_or_default()
    }
}

/// Overrides from a failed post: what was typed stays on screen.
#[derive(Default)]
pub struct ReviewForms {
    pub input: Option<TranscriptionInput>,
    pub errors: Vec<FieldNote>,
    pub decision: Option<DecisionInput>,
    pub decision_errors: Vec<FieldNote>,
    pub face: Option<FaceInput>,
    pub face_errors: Vec<FieldNote>,
    pub banner: Option<String>,
    /// The hold form as typed, and what is wrong with it.
    pub hold: Option<(String, String)>,
}

/// The transcription form's errors, with each warning and what was understood of the number,
/// the municipality and the kana beside their fields.
fn transcription_notes(errors: &[FieldNote], parsed: &Parsed, visible: bool) -> FormErrors {
    let mut notes = form_errors(errors);
    if !visible {
        return notes;
    }
    for w in &parsed.warnings {
        notes.warn(w.field, w.message.clone());
    }
    if let Some(t) = &parsed.transcription {
        notes.read_as("number", t.number_key());
        notes.read_as("municipality", t.municipality_key());
        notes.read_as("name_kana", t.kana_key());
    }
    notes
}

fn form_errors(notes: &[FieldNote]) -> FormErrors {
    let mut errors = FormErrors::default();
    for note in notes {
        errors.add(note.field, note.message.clone());
    }
    errors
}

/// The transcription form's values: what was just typed, else the saved form when the viewer
/// may see it, else a blank of the registration's kind.
fn form_input(data: &ReviewData, kept: &ReviewForms, visible: bool) -> TranscriptionInput {
    let blank = || TranscriptionInput { kind: data.handbook.kind.as_str().to_owned(), ..Default::default() };
    match (&kept.input, visible) {
        (Some(typed), _) => typed.clone(),
        (None, true) => data.input.clone().unwrap_or_else(blank),
        (None, false) => blank(),
    }
}

fn warnings(data: &ReviewData, kept: &ReviewForms, parsed: &Parsed, visible: bool) -> Vec<String> {
    let mut warnings: Vec<String> = if visible && (data.input.is_some() || kept.input.is_some()) {
        parsed.warnings.iter().map(|w| w.message.clone()).collect()
    } else {
        Vec::new()
    };
    if data.handbook.proxy {
        warnings
            .push("代理登録です（利用規約 第3条第1項第1号）。本人による登録が難しい事情を確認してください。".into());
    }
    warnings
}

fn checklist(decision: &DecisionInput) -> Vec<Choice> {
    let c = decision.checks;
    vec![
        Choice {
            code: "face_photo", label: "顔写真がある（利用規約 第2条第1項）".into(), checked: c.face_photo
        },
        Choice { code: "right_pages", label: "必要なページがそろっている".into(), checked: c.right_pages },
        Choice { code: "legible", label: "記載内容が読み取れる".into(), checked: c.legible },
        Choice { code: "no_tampering", label: "改ざん・偽造の形跡がない".into(), checked: c.no_tampering },
    ]
}

fn basis_text(basis: &Option<Basis>) -> String {
    match basis {
        Some(Basis::Claim) => "担当者として表示しています。閲覧は監査ログに記録されます。".into(),
        Some(Basis::Reason(r)) => format!("閲覧理由「{r}」を記録して表示しています。"),
        None => String::new(),
    }
}

/// Every defect reason, the ones the form came back with checked.
fn defect_choices(decision: &DecisionInput) -> Vec<Choice> {
    Defect::ALL
        .iter()
        .map(|d| Choice {
            code: d.code(),
            label: format!("{} {}", d.code(), d.label()),
            checked: decision.defects.contains(d),
        })
        .collect()
}

pub fn build(
    data: ReviewData,
    staff: &CurrentStaff,
    basis: Option<Basis>,
    now: time::OffsetDateTime,
    kept: ReviewForms,
    myna: Option<crate::services::myna::check::Check>,
    provided: &crate::domain::reconcile::Provided,
) -> ReviewPage {
    let h = &data.handbook;
    // The transcribed data is special-care personal information, shown on the same grounds
    // as the photos (a claim or a stated reason) and audited like them.
    let visible = basis.is_some();
    let state = data.claim_state();
    let (open, mine, may_act) = (h.status.is_undecided(), state.held_by(staff.id, now), staff.role.may_review());
    let input = form_input(&data, &kept, visible);
    let unused_labels = if visible { unused(&data, &input) } else { Vec::new() };
    let parsed = Transcription::parse(&input, today_jst(now));
    let decision = DecisionInput { version: h.version, ..kept.decision.clone().unwrap_or_default() };
    let submitted = from_db(h.submitted_at);
    // No box yet: the page's layout proposes one on the first photo, to confirm or move.
    let proposed = data
        .images
        .first()
        .map(|i| crate::domain::face::FaceBox::proposed(i.width.max(0) as u32, i.height.max(0) as u32).as_input(i.id));
    let face =
        kept.face.clone().or_else(|| data.face.map(|(image, b)| b.as_input(image))).or(proposed).unwrap_or_default();
    let face_missing = data.face.is_none();
    ReviewPage {
        layout: Layout::for_staff(staff, format!("登録 #{} の審査", h.id), "/queue"),
        handbook_id: h.id,
        version: h.version,
        kind_label: h.kind.label(),
        status_label: h.status.label(),
        correctable: crate::domain::handbook::ReviewStatus::APPROVED.contains(&h.status)
            && staff.role.may_review()
            && data.holder.deleted_at.is_none(),
        open,
        public_id: data.holder.public_id.clone(),
        holder_status: data.holder.status.label(),
        submitted: datetime_jst(submitted),
        waited: if open { waiting(now - submitted) } else { "—".into() },
        channel: channel_label(h),
        proxy: h.proxy,
        claimer: data.claimer.clone().filter(|_| state.lease_live(now)),
        claim_until: h.claim_expires_at.map(|t| datetime_jst(from_db(t))).unwrap_or_default(),
        held: held_text(&data),
        hold_reason_input: kept.hold.as_ref().map(|h| h.0.clone()).unwrap_or_default(),
        hold_error: kept.hold.as_ref().map(|h| h.1.clone()),
        mine,
        takeable: open && may_act && (state.takeable(now) || mine),
        may_act,
        is_supervisor: staff.role == Role::Supervisor,
        reviewers: data.reviewers.clone(),
        basis_text: basis_text(&basis),
        photos: basis.map(|_| {
            data.images.iter().map(|i| PhotoView { id: i.id, page: i.page, width: i.width, height: i.height }).collect()
        }),
        reasons: reason_choices(""),
        reason_errors: FormErrors::default(),
        reason_detail: String::new(),
        understood: parsed.understood.clone(),
        errors: transcription_notes(&kept.errors, &parsed, visible),
        pages: data.images.len(),
        kinds: HandbookKind::ALL
            .iter()
            .map(|k| Choice { code: k.as_str(), label: k.label().into(), checked: input.kind == k.as_str() })
            .collect(),
        handbook_names: crate::domain::handbook::PRINTED_NAMES,
        fares: [("1", "第1種"), ("2", "第2種"), ("", "なし（記載がない）")]
            .into_iter()
            .map(|(code, label)| Choice { code, label: label.into(), checked: input.fare_class == code })
            .collect(),
        warnings: warnings(&data, &kept, &parsed, visible),
        transcription_warnings: if visible { parsed.warnings.len() } else { 0 },
        warnings_label: format!("転記の注意（{}件）をすべて確認した", parsed.warnings.len()),
        lookalikes: if visible { lookalikes(&data) } else { Vec::new() },
        input,
        checks: checklist(&decision),
        notice_subjects: notice_subjects(h.kind),
        decision_choices: Decision::ALL
            .iter()
            .map(|d| Choice { code: d.as_str(), label: d.label().into(), checked: decision.decision == Some(*d) })
            .collect(),
        defect_choices: defect_choices(&decision),
        decision,
        decision_errors: form_errors(&kept.decision_errors),
        decided: if visible { decided(&data) } else { Vec::new() },
        history: history(&data),
        others: if visible { others(&data) } else { Vec::new() },
        // What the person just typed always comes back to them, whatever else is hidden.
        visible: visible || kept.input.is_some(),
        banner: kept.banner,
        face_pages: data.images.iter().map(|i| (i.id, i.page, face.image_id == i.id.to_string())).collect(),
        face_errors: form_errors(
            &kept
                .face_errors
                .iter()
                .chain(kept.decision_errors.iter().filter(|n| n.field == "face_image_id"))
                .cloned()
                .collect::<Vec<_>>(),
        ),
        face_proposed: face_missing && kept.face.is_none(),
        // An approved registration without its face crop (the work list): marked on its own form.
        face_fixable: !open
            && face_missing
            && staff.role.may_review()
            && crate::domain::handbook::ReviewStatus::APPROVED.contains(&h.status)
            && data.holder.deleted_at.is_none(),
        face_images: data.images.iter().map(|i| (i.id, i.width, i.height)).collect(),
        face_fields: vec![
            ("face_left", "左端（%）", face.left.clone()),
            ("face_top", "上端（%）", face.top.clone()),
            ("face_width", "幅（%）", face.width.clone()),
            ("face_height", "高さ（%）", face.height.clone()),
        ],
        face_marked: if visible { face_marked(&data) } else { None },
        myna: myna.map(|m| myna_view(m, provided)),
        suggestions: if visible { suggestion_views(&data) } else { Vec::new() },
        suggestions_label: format!(
            "読み取り候補を使わなかった項目（{}）は、手帳に記載がないか誤読であることを確認した",
            unused_labels.join("、")
        ),
        unused_suggestions: unused_labels,
        ocr_note: if visible { ocr_note(&data) } else { None },
    }
}
