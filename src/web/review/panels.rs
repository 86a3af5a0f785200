//! The review screen's panels beside the form: photos, possible duplicates, the Myna Portal
//! comparison, OCR suggestions, decisions so far, the registration's history and the holder's
//! other registrations. Each is built from the loaded data, shown only on the viewer's grounds.

use crate::clock::from_db;
use crate::domain::handbook::{Channel, HandbookKind};
use crate::domain::ocr_fields::SuggestionUse;
use crate::domain::review::{Decision, Defect};
use crate::domain::transcription::{Field, TranscriptionInput};
use crate::services::review::view::{HandbookRow, ReviewData};
use crate::web::format::datetime_jst;

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
    /// Shown beside this registration once a 「重複の確認」 was stated: key facts and photos.
    pub facts: Option<Vec<(&'static str, String)>>,
    pub images: Vec<i64>,
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
    pub defects: Vec<String>,
    pub holder_message: String,
    pub internal_note: String,
}

/// The Myna Portal comparison as the screen shows it.
pub struct MynaView {
    pub lines: Vec<(&'static str, String, String, String, bool)>,
    /// Fields whose portal value may be taken as a correction: (code, label, portal value).
    pub correctable: Vec<(&'static str, &'static str, String)>,
    pub received: String,
    pub valid_until: String,
    pub link: &'static str,
    pub verified: Option<String>,
    pub all_match: bool,
}

pub(super) fn myna_view(
    check: crate::services::myna::check::Check,
    provided: &crate::domain::reconcile::Provided,
) -> MynaView {
    MynaView {
        all_match: !check.needs_attention(),
        correctable: check
            .lines
            .iter()
            .filter(|l| l.correctable())
            .map(|l| (l.field.code(), l.field.label(), l.portal.clone()))
            .collect(),
        lines: check
            .lines
            .iter()
            .map(|l| {
                (
                    l.field.label(),
                    l.registered.clone(),
                    l.portal.clone(),
                    l.verdict.label(),
                    l.verdict.needs_attention(),
                )
            })
            .collect(),
        received: datetime_jst(from_db(check.received_at)),
        valid_until: datetime_jst(from_db(check.valid_until)),
        link: crate::domain::reconcile::LinkStatus::of(check.kind, &check.link, provided).label(),
        verified: check.verified_at.map(|t| datetime_jst(from_db(t))),
    }
}

pub struct OtherRegistration {
    pub id: i64,
    pub kind: &'static str,
    pub status: &'static str,
    pub submitted: String,
}

/// One field's OCR suggestion as the form shows it.
pub struct SuggestionView {
    pub field: &'static str,
    pub label: &'static str,
    /// The value as the form takes it (what accepting puts in the field).
    pub value: String,
    /// The value as a person reads it (「第1種」, 「なし」, 「あり」).
    pub shown: String,
    /// Which photo and line it was read from.
    pub source: String,
    pub confidence: i32,
    /// The photo's id and the line's box in percent of the photo (left, top, width, height).
    pub image_id: Option<i64>,
    pub area: String,
    /// What the reviewer did with it, once saved.
    pub outcome: Option<&'static str>,
}

pub(super) fn suggestion_views(data: &ReviewData) -> Vec<SuggestionView> {
    data.suggestions
        .iter()
        .filter_map(|row| {
            let field = Field::from_name(&row.field)?;
            let shown = match field {
                Field::Kind => HandbookKind::parse(&row.value).map(HandbookKind::label).unwrap_or_default().to_owned(),
                Field::FareClass => crate::domain::transcription::FareClass::from_code(&row.value)
                    .map_or("なし（記載がない）", |c| c.label())
                    .to_owned(),
                Field::Care => if row.value.is_empty() { "なし" } else { "あり（「介護」の記載）" }.to_owned(),
                _ => row.value.clone(),
            };
            let image = row.page.and_then(|page| data.images.iter().find(|i| i.page == page));
            let area = match (image, row.box_x, row.box_y, row.box_w, row.box_h) {
                (Some(i), Some(x), Some(y), Some(w), Some(h)) if i.width > 0 && i.height > 0 => {
                    let pct = |v: i32, of: i32| f64::from(v) * 100.0 / f64::from(of);
                    format!(
                        "{:.2},{:.2},{:.2},{:.2}",
                        pct(x, i.width),
                        pct(y, i.height),
                        pct(w, i.width),
                        pct(h, i.height)
                    )
                }
                _ => String::new(),
            };
            let source = match (row.page, row.line) {
                (Some(page), Some(line)) => format!("{page}枚目の写真・上から{}行目", line + 1),
                _ => "旅客運賃減額の印が写真に見当たらないため".to_owned(),
            };
            Some(SuggestionView {
                field: field.name(),
                label: field.label(),
                value: row.value.clone(),
                shown,
                source,
                confidence: row.confidence,
                image_id: image.map(|i| i.id),
                area,
                outcome: row.outcome.as_deref().and_then(SuggestionUse::parse).map(|o| match o {
                    SuggestionUse::Accepted => "候補のまま保存済み",
                    SuggestionUse::Corrected => "修正して保存済み",
                    SuggestionUse::Dismissed => "使わないことを確認済み",
                }),
            })
        })
        .collect()
}

/// The suggestions the form as shown leaves unused: their field is empty.
pub(super) fn unused(data: &ReviewData, input: &TranscriptionInput) -> Vec<&'static str> {
    data.suggestions
        .iter()
        .filter(|r| r.outcome.as_deref() != Some(SuggestionUse::Dismissed.as_str()))
        .filter(|r| crate::domain::ocr_fields::settle(&r.field, &r.value, input).is_none())
        .filter_map(|r| Field::from_name(&r.field).map(Field::label))
        .collect()
}

pub(super) fn action_label(action: &str) -> &'static str {
    crate::audit::catalogue::label(action).unwrap_or("操作")
}

pub(super) fn lookalikes(data: &ReviewData) -> Vec<Lookalike> {
    // One line per registration: the same number and the same person may both point at it.
    let mut out: Vec<Lookalike> = Vec::new();
    let found = data
        .same_number
        .iter()
        .map(|l| (l, "同じ発行元・手帳番号"))
        .chain(data.same_person.iter().map(|l| (l, "同じ氏名・生年月日")));
    for (l, why) in found {
        match out.iter_mut().find(|o| o.handbook_id == l.handbook_id) {
            Some(seen) => seen.why = "同じ発行元・手帳番号、同じ氏名・生年月日",
            None => out.push(Lookalike {
                handbook_id: l.handbook_id,
                public_id: l.public_id.clone(),
                status: l.status.label(),
                why,
                facts: None,
                images: Vec::new(),
            }),
        }
    }
    out
}

pub(super) fn decided(data: &ReviewData) -> Vec<DecisionLine> {
    data.decisions
        .iter()
        .map(|d| DecisionLine {
            at: datetime_jst(from_db(d.decided_at)),
            who: d.decided_by_name.clone(),
            decision: d.decision.label(),
            // A code this version does not know is shown as stored, not dropped.
            defects: d
                .defect_codes
                .split(',')
                .filter(|c| !c.is_empty())
                .map(|c| Defect::parse(c).map(Defect::label).map(str::to_owned).unwrap_or_else(|| c.to_owned()))
                .collect(),
            holder_message: d.holder_message.clone(),
            internal_note: d.internal_note.clone(),
        })
        .collect()
}

pub(super) fn history(data: &ReviewData) -> Vec<HistoryLine> {
    data.history
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
        .collect()
}

pub(super) fn others(data: &ReviewData) -> Vec<OtherRegistration> {
    data.other_registrations
        .iter()
        .map(|o| OtherRegistration {
            id: o.id,
            kind: o.kind.label(),
            status: o.status.label(),
            submitted: datetime_jst(from_db(o.submitted_at)),
        })
        .collect()
}

pub(super) fn channel_label(h: &HandbookRow) -> &'static str {
    match (h.proxy, h.channel) {
        (true, _) => "代理登録",
        (false, Channel::Staff) => "窓口・郵送",
        (false, Channel::App) => "アプリ",
    }
}

/// The hold for a supervisor, as the page says it: why, by whom, when.
pub(super) fn held_text(data: &ReviewData) -> Option<String> {
    data.hold.as_ref().map(|(at, by, why)| {
        let by = by.clone().unwrap_or_else(|| "不明".into());
        format!("{}（{by}、{}）", why.clone().unwrap_or_default(), datetime_jst(from_db(*at)))
    })
}

/// Where the face photo was marked, in the words of the form.
pub(super) fn face_marked(data: &ReviewData) -> Option<String> {
    data.face.and_then(|(image, b)| {
        let page = data.images.iter().find(|i| i.id == image)?.page;
        let shown = b.as_input(image);
        Some(format!("{page}枚目の 左{}% 上{}% 幅{}% 高さ{}%", shown.left, shown.top, shown.width, shown.height))
    })
}

/// The subject of the notice each decision sends, shown beside its choice.
pub(super) fn notice_subjects(kind: HandbookKind) -> Vec<(&'static str, String)> {
    Decision::ALL
        .iter()
        .map(|d| {
            let subject = match d {
                Decision::Approve => crate::domain::notice::approved(kind, "").subject,
                Decision::ApproveWithCorrections => crate::domain::notice::corrected(kind, &[], "").subject,
                Decision::Return => crate::domain::notice::returned(kind, &[], "").subject,
                Decision::Reject => crate::domain::notice::rejected(kind).subject,
            };
            (d.as_str(), subject)
        })
        .collect()
}
