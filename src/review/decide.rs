//! Decisions. Each one, in one transaction: the new state, the decision record with the
//! holder's message and the internal note kept apart, its defects, exactly one notice in the
//! outbox, a sanction proposal for suspected fraud, and the audit event.

use diesel::prelude::*;
use serde_json::json;

use super::transcribe::latest_input;
use super::{Acting, ReviewFailure, claim_state};
use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::decisions::{NewDecision, NewDefect, NewNotification, NewSanction};
use crate::db::schema::{handbooks, holders};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::domain::holder::HolderStatus;
use crate::domain::notice::{self, Correction};
use crate::domain::review::{self, Decision, Defect};
use crate::domain::transcription::{FieldNote, Transcription, TranscriptionInput};
use crate::domain::wareki;
use crate::error::AppError;
use crate::web::format::JST;

/// The decision form, parsed.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    pub version: i32,
    pub decision: String,
    pub defects: Vec<String>,
    pub other_text: String,
    pub holder_message: String,
    pub internal_note: String,
    pub face_photo: bool,
    pub right_pages: bool,
    pub legible: bool,
    pub no_tampering: bool,
    pub proxy_confirmed: bool,
    pub duplicates_checked: bool,
}

pub enum DecideResult {
    Decided {
        decision: Decision,
        notification_id: i64,
        sanction_id: Option<i64>,
    },
    Invalid(Vec<FieldNote>),
    /// The registration changed since the form was loaded.
    Stale,
}

const FIELD_LABELS: [(&str, &str); 15] = [
    ("kind", "手帳の種類"),
    ("name", "氏名"),
    ("name_kana", "ふりがな"),
    ("birth_date", "生年月日"),
    ("disability_category", "障害名・種別"),
    ("grade", "等級"),
    ("fare_class", "旅客運賃減額"),
    ("care", "介護"),
    ("municipality", "発行元自治体"),
    ("number", "手帳番号"),
    ("issued_on", "交付日"),
    ("renewed_on", "更新日・再交付日"),
    ("expires_on", "有効期限"),
    ("recert_on", "再認定年月"),
    ("medical_number", "自立支援医療受給者番号"),
];

/// Field values as the holder would read them.
fn shown(t: &Transcription) -> Vec<(&'static str, String)> {
    let date = |d: Option<time::Date>| d.map(wareki::format).unwrap_or_else(|| "（なし）".into());
    vec![
        ("kind", t.kind.label().to_owned()),
        ("name", t.name.clone()),
        ("name_kana", t.name_kana.clone()),
        ("birth_date", wareki::format(t.birth_date)),
        ("disability_category", t.disability_category.clone().unwrap_or_default()),
        ("grade", t.grade.clone()),
        ("fare_class", t.fare_class.map(|c| c.label().to_owned()).unwrap_or_else(|| "なし".into())),
        ("care", if t.care { "あり".into() } else { "なし".into() }),
        ("municipality", t.municipality.clone()),
        ("number", t.number.clone()),
        ("issued_on", wareki::format(t.issued_on)),
        ("renewed_on", date(t.renewed_on)),
        ("expires_on", date(t.expires_on)),
        ("recert_on", t.recert_on.as_ref().map(|r| r.display()).unwrap_or_else(|| "（なし）".into())),
        ("medical_number", t.medical_number.clone().unwrap_or_default()),
    ]
}

fn label(field: &str) -> &'static str {
    FIELD_LABELS.iter().find(|(f, _)| *f == field).map(|(_, l)| *l).unwrap_or("項目")
}

/// What staff changed between the first transcription (what the photos showed) and the last.
pub fn corrections(first: &TranscriptionInput, last: &TranscriptionInput, today: time::Date) -> Vec<Correction> {
    let (Some(a), Some(b)) =
        (Transcription::parse(first, today).transcription, Transcription::parse(last, today).transcription)
    else {
        return Vec::new();
    };
    shown(&a)
        .into_iter()
        .zip(shown(&b))
        .filter(|((_, before), (_, after))| before != after)
        .map(|((field, before), (_, after))| Correction { field: label(field).to_owned(), before, after })
        .collect()
}

fn validate(input: &DecisionInput, decision: Option<Decision>) -> Vec<FieldNote> {
    let mut errors = Vec::new();
    let mut error = |field: &'static str, message: &str| errors.push(FieldNote { field, message: message.to_owned() });
    let Some(decision) = decision else {
        error("decision", "判定を選んでください。");
        return errors;
    };
    if input.holder_message.chars().count() > 1000 {
        error("holder_message", "利用者へのメッセージは1000文字以内で入力してください。");
    }
    if input.internal_note.chars().count() > 2000 {
        error("internal_note", "社内メモは2000文字以内で入力してください。");
    }
    match decision {
        Decision::Approve | Decision::ApproveWithCorrections => {
            if !input.face_photo {
                error(
                    "face_photo",
                    "顔写真のない手帳は登録できません（利用規約 第2条第1項）。確認できない場合は差し戻してください。",
                );
            }
            if !input.right_pages {
                error("right_pages", "必要なページがそろっていることを確認してください。");
            }
            if !input.legible {
                error("legible", "記載内容が読み取れることを確認してください。");
            }
            if !input.no_tampering {
                error("no_tampering", "改ざんの形跡がないことを確認してください。疑わしい場合は却下を選んでください。");
            }
        }
        Decision::Return => {
            let defects: Vec<Option<Defect>> = input.defects.iter().map(|c| Defect::parse(c)).collect();
            if defects.is_empty() {
                error("defects", "差し戻す理由（不備の内容）を1つ以上選んでください。");
            }
            if defects.iter().any(Option::is_none) {
                error("defects", "不備の内容が正しくありません。");
            }
            if defects.contains(&Some(Defect::Other)) && input.other_text.trim().chars().count() < 4 {
                error("other_text", "「その他」を選んだ場合は、利用者に伝える内容を4文字以上で入力してください。");
            }
        }
        Decision::Reject => {
            if input.internal_note.trim().chars().count() < 10 {
                error(
                    "internal_note",
                    "却下（不正の疑い）の理由を社内メモに10文字以上で記録してください。処分の起案に使われます。",
                );
            }
        }
    }
    errors
}

pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    acting: &Acting<'_>,
    input: &DecisionInput,
) -> Result<DecideResult, ReviewFailure> {
    let decision = Decision::parse(&input.decision);
    let mut errors = validate(input, decision);
    let Some(decision) = decision else { return Ok(DecideResult::Invalid(errors)) };
    let now = to_db(acting.now);
    let today = acting.now.to_offset(JST).date();
    write_tx(conn, |c| {
        // Lock order: holder, then registration (as intake does), so the two never deadlock;
        // the holder lock also keeps two approvals of one kind from both standing.
        let holder_id: i64 = handbooks::table.find(id).select(handbooks::holder_id).first(c)?;
        db::holders::lock(c, holder_id)?;
        diesel::update(handbooks::table.find(id)).set(handbooks::id.eq(handbooks::id)).execute(c)?;
        let row = db::handbooks::find(c, id)?.ok_or(AppError::NotFound)?;
        review::may_work(&claim_state(&row), acting.staff_id, acting.role, acting.now)?;
        if row.version != input.version {
            return Ok(DecideResult::Stale);
        }
        let kind = HandbookKind::parse(&row.kind).ok_or(AppError::Internal(anyhow::anyhow!("unknown kind in row")))?;
        let fields = db::fields::find(c, id)?;
        let revisions = db::fields::revisions(c, id)?;
        let mut corrected = Vec::new();
        if decision.needs_transcription() {
            match &fields {
                None => errors
                    .push(FieldNote {
                        field: "decision", message: "承認の前に、転記内容を保存してください。".into()
                    }),
                Some(f) => {
                    if f.expires_on.is_some_and(|e| e < today) {
                        errors.push(FieldNote {
                            field: "decision",
                            message:
                                "有効期限が切れた手帳は承認できません。「有効期限が切れている」で差し戻してください。"
                                    .into(),
                        });
                    }
                    let dupes = db::fields::same_number(c, row.holder_id, &f.municipality_key, &f.number_key)?.len()
                        + db::fields::same_person(c, row.holder_id, &f.name_key, f.birth_date)?.len();
                    if dupes > 0 && !input.duplicates_checked {
                        errors.push(FieldNote {
                            field: "duplicates_checked",
                            message: "重複の可能性がある登録があります。内容を確認してチェックを入れてください（利用規約 第3条第1項第6号）。".into(),
                        });
                    }
                }
            }
            if row.proxy && !input.proxy_confirmed {
                errors.push(FieldNote {
                    field: "proxy_confirmed",
                    message: "代理登録です。本人による登録が難しい事情を確認してチェックを入れてください（利用規約 第3条第1項第1号）。".into(),
                });
            }
        }
        if decision == Decision::ApproveWithCorrections {
            let first: Option<TranscriptionInput> =
                revisions.first().and_then(|r| serde_json::from_str(&r.fields).ok());
            let last = latest_input(c, id)?.map(|(input, _)| input);
            if let (Some(first), Some(last)) = (first, last) {
                corrected = corrections(&first, &last, today);
            }
            let submitted_kind: Option<String> =
                handbooks::table.find(id).select(handbooks::submitted_kind).first(c)?;
            if let Some(before) = submitted_kind.as_deref().and_then(HandbookKind::parse)
                && before != kind
                && !corrected.iter().any(|c| c.field == label("kind"))
            {
                corrected.insert(
                    0,
                    Correction {
                        field: label("kind").to_owned(),
                        before: before.label().to_owned(),
                        after: kind.label().to_owned(),
                    },
                );
            }
            if corrected.is_empty() {
                errors.push(FieldNote {
                    field: "decision",
                    message:
                        "補正した項目がありません。転記欄で補正して保存してから選ぶか、「承認する」を選んでください。"
                            .into(),
                });
            }
        }
        if !errors.is_empty() {
            return Ok(DecideResult::Invalid(errors));
        }

        let status = decision.resulting_status();
        db::handbooks::set_status(c, id, status.as_str(), now)?;
        diesel::update(handbooks::table.find(id))
            .set((
                handbooks::decided_by.eq(acting.staff_id),
                handbooks::decided_at.eq(now),
                handbooks::claimed_by.eq(None::<i64>),
                handbooks::claim_expires_at.eq(None::<time::PrimitiveDateTime>),
            ))
            .execute(c)?;
        let defects: Vec<Defect> = input.defects.iter().filter_map(|d| Defect::parse(d)).collect();
        let defect_codes: Vec<&str> = defects.iter().map(|d| d.code()).collect();
        let holder_message = match decision {
            Decision::Return if defects.contains(&Defect::Other) => {
                format!("{}\n{}", input.other_text.trim(), input.holder_message.trim()).trim().to_owned()
            }
            _ => input.holder_message.trim().to_owned(),
        };
        let corrections_json = serde_json::to_string(&corrected).map_err(|e| AppError::Internal(e.into()))?;
        let decision_id = db::decisions::insert(
            c,
            &NewDecision {
                handbook_id: id,
                decision: decision.as_str(),
                decided_by: acting.staff_id,
                decided_at: now,
                holder_message: &holder_message,
                internal_note: input.internal_note.trim(),
                defect_codes: &defect_codes.join(","),
                corrections: &corrections_json,
            },
        )?;
        if decision == Decision::Return {
            for defect in &defects {
                db::decisions::insert_defect(
                    c,
                    &NewDefect {
                        handbook_id: id,
                        decision_id,
                        code: defect.code(),
                        field: None,
                        correctable: false,
                        before_value: None,
                        after_value: None,
                        created_at: now,
                    },
                )?;
            }
        }
        for correction in &corrected {
            db::decisions::insert_defect(
                c,
                &NewDefect {
                    handbook_id: id,
                    decision_id,
                    code: Defect::DataMismatch.code(),
                    field: Some(&correction.field),
                    correctable: true,
                    before_value: Some(&correction.before),
                    after_value: Some(&correction.after),
                    created_at: now,
                },
            )?;
        }
        let holder = db::holders::find(c, row.holder_id)?.ok_or(AppError::NotFound)?;
        if matches!(decision, Decision::Approve | Decision::ApproveWithCorrections) {
            // The newest approval of a kind is the one counters see.
            let older: Vec<i64> = handbooks::table
                .filter(handbooks::holder_id.eq(row.holder_id))
                .filter(handbooks::kind.eq(&row.kind))
                .filter(handbooks::status.eq_any(["approved", "corrected"]))
                .filter(handbooks::id.ne(id))
                .select(handbooks::id)
                .load(c)?;
            for old in older {
                db::handbooks::set_status(c, old, ReviewStatus::Superseded.as_str(), now)?;
            }
            if holder.status == HolderStatus::Pending.as_str() {
                diesel::update(holders::table.find(holder.id))
                    .set((
                        holders::status.eq(HolderStatus::Active.as_str()),
                        holders::updated_at.eq(now),
                        holders::version.eq(holders::version + 1),
                    ))
                    .execute(c)?;
            }
        }
        let message = match decision {
            Decision::Approve => notice::approved(kind, &holder_message),
            Decision::ApproveWithCorrections => notice::corrected(kind, &corrected, &holder_message),
            Decision::Return => notice::returned(kind, &defects, &holder_message),
            Decision::Reject => notice::rejected(kind),
        };
        let notification_id = db::decisions::enqueue(
            c,
            &NewNotification {
                holder_id: holder.id,
                handbook_id: Some(id),
                kind: decision.as_str(),
                recipient: holder.email.as_deref(),
                subject: &message.subject,
                body: &message.body,
                status: "pending",
                next_attempt_at: now,
                created_at: now,
            },
        )?;
        let sanction_id = if decision == Decision::Reject {
            Some(db::decisions::propose_sanction(
                c,
                &NewSanction {
                    holder_id: holder.id,
                    handbook_id: Some(id),
                    action: "deprive",
                    article: "2(4)",
                    note: input.internal_note.trim(),
                    state: "proposed",
                    requested_by: Some(acting.staff_id),
                    requested_at: now,
                },
            )?)
        } else {
            None
        };
        audit::append(
            c,
            now,
            AuditEntry::new(Actor::Staff(acting.staff_id), "registration.decided", "handbook", id)
                .details(json!({
                    "decision": decision.as_str(),
                    "decision_id": decision_id,
                    "defects": defect_codes,
                    "corrected_fields": corrected.iter().map(|c| c.field.clone()).collect::<Vec<_>>(),
                    "notification_id": notification_id,
                    "sanction_id": sanction_id,
                }))
                .request_id(acting.request_id),
        )?;
        Ok(DecideResult::Decided { decision, notification_id, sanction_id })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> TranscriptionInput {
        TranscriptionInput {
            kind: "mental".into(),
            name: "佐藤 花子".into(),
            name_kana: "サトウ ハナコ".into(),
            birth_date: "1990-01-02".into(),
            grade: "2級".into(),
            municipality: "若葉市".into(),
            number: "12345".into(),
            issued_on: "令和7年4月1日".into(),
            expires_on: "令和9年3月30日".into(),
            ..Default::default()
        }
    }

    #[test]
    fn corrections_list_changed_fields_as_the_holder_reads_them() {
        let first = input();
        let mut last = input();
        last.expires_on = "R9.3.31".into();
        last.name = "佐藤　花子".into();
        let found = corrections(&first, &last, date!(2026 - 11 - 24));
        assert_eq!(found.len(), 1, "a different space is not a correction: {found:?}");
        assert!(
            found.iter().any(|c| c.field == "有効期限" && c.before == "令和9年3月30日" && c.after == "令和9年3月31日")
        );
        assert!(corrections(&first, &input(), date!(2026 - 11 - 24)).is_empty(), "same values, different typing");
    }

    #[test]
    fn decisions_need_what_they_need() {
        let base = DecisionInput { version: 1, ..Default::default() };
        assert!(validate(&base, None).iter().any(|e| e.field == "decision"));
        let approve = validate(&base, Some(Decision::Approve));
        for field in ["face_photo", "right_pages", "legible", "no_tampering"] {
            assert!(approve.iter().any(|e| e.field == field), "{field}");
        }
        let ret = validate(&DecisionInput { defects: vec!["D99".into()], ..base.clone() }, Some(Decision::Return));
        assert!(ret.iter().any(|e| e.field == "other_text"));
        assert!(validate(&base, Some(Decision::Return)).iter().any(|e| e.field == "defects"));
        assert!(validate(&base, Some(Decision::Reject)).iter().any(|e| e.field == "internal_note"));
        let fine = DecisionInput { defects: vec!["D02".into()], ..base };
        assert!(validate(&fine, Some(Decision::Return)).is_empty());
    }
}
