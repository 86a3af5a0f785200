//! A reviewer's decision as submitted, and the rules that must hold before it may stand:
//! first those the form alone shows, then those that depend on the registration.

use super::review::{Decision, Defect};
use super::transcription::FieldNote;

/// What the reviewer ticked on the checklist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checklist {
    pub face_photo: bool,
    pub right_pages: bool,
    pub legible: bool,
    pub no_tampering: bool,
    pub proxy_confirmed: bool,
    pub duplicates_checked: bool,
    /// The transcription's warnings (a fare class that does not fit the grade, a date read
    /// generously…) were looked at: acknowledged like a possible duplicate.
    pub warnings_checked: bool,
    /// The OCR suggestions left unused (their fields saved empty) were looked at: the handbook
    /// prints nothing there, or the suggestion was a misreading.
    pub suggestions_checked: bool,
}

/// The decision form, parsed: codes are domain values, so an unknown one never gets here.
/// `decision` is `None` when none was chosen (the form comes back asking for one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecisionInput {
    pub version: i32,
    pub decision: Option<Decision>,
    pub defects: Vec<Defect>,
    pub other_text: String,
    pub holder_message: String,
    pub internal_note: String,
    pub checks: Checklist,
}

/// What the registration itself says about a decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Registration {
    pub transcribed: bool,
    pub expired: bool,
    pub proxy: bool,
    /// Other holders' registrations that look like the same handbook or person.
    pub lookalikes: usize,
    /// Fields staff corrected since the first transcription (the kind included).
    pub corrected_fields: usize,
    /// Warnings the saved transcription raises.
    pub warnings: usize,
    /// OCR suggestions whose fields were saved empty: not confirmed by anyone yet.
    pub unused_suggestions: usize,
    /// A face box is marked: the card can show the face the counter compares.
    pub face_marked: bool,
}

fn note(field: &'static str, message: &str) -> FieldNote {
    FieldNote { field, message: message.to_owned() }
}

impl DecisionInput {
    /// The problems the form alone shows, each named by its field.
    pub fn problems(&self) -> Vec<FieldNote> {
        let mut errors = Vec::new();
        let Some(decision) = self.decision else {
            return vec![note("decision", "判定を選んでください。")];
        };
        if self.holder_message.chars().count() > 1000 {
            errors.push(note("holder_message", "利用者へのメッセージは1000文字以内で入力してください。"));
        }
        if self.internal_note.chars().count() > 2000 {
            errors.push(note("internal_note", "社内メモは2000文字以内で入力してください。"));
        }
        match decision {
            Decision::Approve | Decision::ApproveWithCorrections => {
                let c = self.checks;
                let missing = [
                    (
                        c.face_photo,
                        "face_photo",
                        "顔写真のない手帳は登録できません（利用規約 第2条第1項）。確認できない場合は差し戻してください。",
                    ),
                    (c.right_pages, "right_pages", "必要なページがそろっていることを確認してください。"),
                    (c.legible, "legible", "記載内容が読み取れることを確認してください。"),
                    (
                        c.no_tampering,
                        "no_tampering",
                        "改ざんの形跡がないことを確認してください。疑わしい場合は却下を選んでください。",
                    ),
                ];
                errors.extend(missing.into_iter().filter(|(ticked, _, _)| !ticked).map(|(_, f, m)| note(f, m)));
            }
            Decision::Return => {
                if self.defects.is_empty() {
                    errors.push(note("defects", "差し戻す理由（不備の内容）を1つ以上選んでください。"));
                }
                if self.defects.contains(&Defect::Other) && self.other_text.trim().chars().count() < 4 {
                    errors.push(note(
                        "other_text",
                        "「その他」を選んだ場合は、利用者に伝える内容を4文字以上で入力してください。",
                    ));
                }
            }
            Decision::Reject => {
                if self.internal_note.trim().chars().count() < 10 {
                    errors.push(note(
                        "internal_note",
                        "却下（不正の疑い）の理由を社内メモに10文字以上で記録してください。処分の起案に使われます。",
                    ));
                }
            }
        }
        errors
    }

    /// The problems that depend on the registration (its transcription, expiry, duplicates,
    /// proxy flag, what was corrected).
    pub fn problems_with(&self, decision: Decision, registration: &Registration) -> Vec<FieldNote> {
        let mut errors = Vec::new();
        if decision.needs_transcription() {
            if !registration.transcribed {
                errors.push(note("decision", "承認の前に、転記内容を保存してください。"));
            }
            if !registration.face_marked {
                errors.push(note(
                    "face_image_id",
                    "アプリのカードに表示する顔写真の範囲を指定してください。顔写真がない場合は「D02 顔写真なし」で差し戻します。",
                ));
            }
            if registration.expired {
                errors.push(note(
                    "decision",
                    "有効期限が切れた手帳は承認できません。「有効期限が切れている」で差し戻してください。",
                ));
            }
            if registration.lookalikes > 0 && !self.checks.duplicates_checked {
                errors.push(note(
                    "duplicates_checked",
                    "重複の可能性がある登録があります。内容を確認してチェックを入れてください（利用規約 第3条第1項第6号）。",
                ));
            }
            if registration.warnings > 0 && !self.checks.warnings_checked {
                errors.push(note(
                    "warnings_checked",
                    "転記内容に確認が必要な点があります。各項目の注意を確認してチェックを入れてください。",
                ));
            }
            if registration.unused_suggestions > 0 && !self.checks.suggestions_checked {
                errors.push(note(
                    "suggestions_checked",
                    "読み取り候補を使わずに空欄にした項目があります。手帳に記載がないか誤読であることを確かめて、チェックを入れてください。",
                ));
            }
            if registration.proxy && !self.checks.proxy_confirmed {
                errors.push(note(
                    "proxy_confirmed",
                    "代理登録です。本人による登録が難しい事情を確認してチェックを入れてください（利用規約 第3条第1項第1号）。",
                ));
            }
        }
        if decision == Decision::ApproveWithCorrections && registration.corrected_fields == 0 {
            errors.push(note(
                "decision",
                "補正した項目がありません。転記欄で補正して保存してから選ぶか、「承認する」を選んでください。",
            ));
        }
        errors
    }

    /// The message the holder reads: for a return with "other", the explanation comes first.
    pub fn message_to_holder(&self) -> String {
        match self.decision {
            Some(Decision::Return) if self.defects.contains(&Defect::Other) => {
                format!("{}\n{}", self.other_text.trim(), self.holder_message.trim()).trim().to_owned()
            }
            _ => self.holder_message.trim().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_checked() -> Checklist {
        Checklist { face_photo: true, right_pages: true, legible: true, no_tampering: true, ..Default::default() }
    }

    fn fields(notes: &[FieldNote]) -> Vec<&'static str> {
        notes.iter().map(|n| n.field).collect()
    }

    #[test]
    fn an_unused_ocr_suggestion_must_be_confirmed_before_approval_but_not_before_a_return() {
        let input = DecisionInput {
            version: 1,
            decision: Some(Decision::Approve),
            checks: all_checked(),
            ..Default::default()
        };
        let unused = Registration { transcribed: true, face_marked: true, unused_suggestions: 2, ..Default::default() };
        assert_eq!(fields(&input.problems_with(Decision::Approve, &unused)), ["suggestions_checked"]);
        let checked =
            DecisionInput { checks: Checklist { suggestions_checked: true, ..all_checked() }, ..input.clone() };
        assert!(checked.problems_with(Decision::Approve, &unused).is_empty());
        let all_used = Registration { unused_suggestions: 0, ..unused };
        assert!(input.problems_with(Decision::Approve, &all_used).is_empty());
        assert!(input.problems_with(Decision::Return, &unused).is_empty());
    }

    #[test]
    fn decisions_need_what_they_need() {
        let base = DecisionInput { version: 1, ..Default::default() };
        assert_eq!(fields(&base.problems()), ["decision"]);
        let approve = DecisionInput { decision: Some(Decision::Approve), ..base.clone() };
        assert_eq!(fields(&approve.problems()), ["face_photo", "right_pages", "legible", "no_tampering"]);
        assert!(DecisionInput { checks: all_checked(), ..approve }.problems().is_empty());
        let other = DecisionInput { decision: Some(Decision::Return), defects: vec![Defect::Other], ..base.clone() };
        assert_eq!(fields(&other.problems()), ["other_text"]);
        let bare_return = DecisionInput { decision: Some(Decision::Return), ..base.clone() };
        assert_eq!(fields(&bare_return.problems()), ["defects"]);
        let reject =
            DecisionInput { decision: Some(Decision::Reject), internal_note: "怪しい".into(), ..base.clone() };
        assert_eq!(fields(&reject.problems()), ["internal_note"]);
        let fine = DecisionInput {
            decision: Some(Decision::Return),
            defects: vec![Defect::parse("D02")].into_iter().flatten().collect(),
            ..base
        };
        assert!(fine.problems().is_empty());
    }

    #[test]
    fn long_texts_are_refused() {
        let input = DecisionInput {
            decision: Some(Decision::Reject),
            internal_note: "あ".repeat(2001),
            holder_message: "あ".repeat(1001),
            ..Default::default()
        };
        assert_eq!(fields(&input.problems()), ["holder_message", "internal_note"]);
    }

    #[test]
    fn approval_needs_a_clean_registration() {
        let input = DecisionInput { decision: Some(Decision::Approve), checks: all_checked(), ..Default::default() };
        let clean = Registration { transcribed: true, face_marked: true, ..Default::default() };
        assert!(input.problems_with(Decision::Approve, &clean).is_empty());
        let untranscribed = Registration { face_marked: true, ..Default::default() };
        assert_eq!(fields(&input.problems_with(Decision::Approve, &untranscribed)), ["decision"]);
        let faceless = Registration { transcribed: true, ..Default::default() };
        assert_eq!(
            fields(&input.problems_with(Decision::Approve, &faceless)),
            ["face_image_id"],
            "no card without its face"
        );
        assert!(input.problems_with(Decision::Return, &faceless).is_empty(), "a return (D02) needs no face");
        let expired = Registration { transcribed: true, face_marked: true, expired: true, ..Default::default() };
        assert_eq!(fields(&input.problems_with(Decision::Approve, &expired)), ["decision"]);
        let warned = Registration { transcribed: true, face_marked: true, warnings: 1, ..Default::default() };
        assert_eq!(fields(&input.problems_with(Decision::Approve, &warned)), ["warnings_checked"]);
        let acknowledged =
            DecisionInput { checks: Checklist { warnings_checked: true, ..all_checked() }, ..input.clone() };
        assert!(acknowledged.problems_with(Decision::Approve, &warned).is_empty());
        assert!(input.problems_with(Decision::Return, &warned).is_empty(), "a return needs nothing");
        let risky =
            Registration { transcribed: true, face_marked: true, proxy: true, lookalikes: 2, ..Default::default() };
        assert_eq!(fields(&input.problems_with(Decision::Approve, &risky)), ["duplicates_checked", "proxy_confirmed"]);
        let confirmed = DecisionInput {
            checks: Checklist { proxy_confirmed: true, duplicates_checked: true, ..all_checked() },
            ..input.clone()
        };
        assert!(confirmed.problems_with(Decision::Approve, &risky).is_empty());
        assert!(input.problems_with(Decision::Return, &expired).is_empty(), "returning needs none of it");
    }

    #[test]
    fn a_correction_needs_something_corrected() {
        let input = DecisionInput { decision: Some(Decision::ApproveWithCorrections), ..Default::default() };
        let none = Registration { transcribed: true, face_marked: true, ..Default::default() };
        assert_eq!(fields(&input.problems_with(Decision::ApproveWithCorrections, &none)), ["decision"]);
        let one = Registration { transcribed: true, face_marked: true, corrected_fields: 1, ..Default::default() };
        assert!(input.problems_with(Decision::ApproveWithCorrections, &one).is_empty());
    }

    #[test]
    fn other_defects_put_their_explanation_first() {
        let input = DecisionInput {
            decision: Some(Decision::Return),
            defects: vec![Defect::Other],
            other_text: " 裏面の写真が別の方のものです ".into(),
            holder_message: "お手数ですが".into(),
            ..Default::default()
        };
        assert_eq!(input.message_to_holder(), "裏面の写真が別の方のものです\nお手数ですが");
        let plain =
            DecisionInput { decision: Some(Decision::Approve), holder_message: " ありがとう ".into(), ..input };
        assert_eq!(plain.message_to_holder(), "ありがとう");
    }
}
