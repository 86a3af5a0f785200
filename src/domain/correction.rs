//! Correction of an approved record (DOMAIN.md "The holder's rights and the data's life"): a
//! reviewer proposes new values with a reason and the evidence; a second person approves; the
//! holder is told each change. What counters see changes only on approval, so one person's
//! mistake never reaches the card.

use time::Date;

use super::staff::Role;
use super::transcription::{self, Changed, Field, TranscriptionInput};

/// What shows the corrected values are right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// A new photo of the handbook, attached to the proposal.
    Photo,
    /// The government's values received from Myna Portal for this handbook.
    Myna,
}

impl Evidence {
    pub const ALL: [Evidence; 2] = [Evidence::Photo, Evidence::Myna];

    pub fn code(self) -> &'static str {
        match self {
            Evidence::Photo => "photo",
            Evidence::Myna => "myna",
        }
    }

    pub fn parse(code: &str) -> Option<Evidence> {
        Evidence::ALL.into_iter().find(|e| e.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Evidence::Photo => "新しい手帳の写真（この起案に添付）",
            Evidence::Myna => "マイナポータルから取得した値",
        }
    }
}

/// Why a correction is refused, in words for the person who tried it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    #[error("承認済みの登録だけを訂正できます。")]
    NotApproved,
    #[error("値が何も変わっていません。訂正する項目を書き換えてください。")]
    NothingChanged,
    #[error("手帳の種類は訂正できません。別の種類として登録し直してください。")]
    KindChanged,
    #[error("訂正の理由を10文字以上で記録してください。")]
    ReasonTooShort,
    #[error("訂正の理由は2000文字以内で入力してください。")]
    ReasonTooLong,
    #[error("根拠の写真を添付してください。")]
    PhotoMissing,
    #[error("この登録にはマイナポータルの値がありません。根拠に写真を添付してください。")]
    NoMynaValues,
    #[error("この登録の訂正の起案がすでに承認待ちです。")]
    AlreadyProposed,
    #[error("自分が起案した訂正は承認・却下できません。別の人が判断します。")]
    OwnProposal,
    #[error("この訂正はすでに判断されています。")]
    AlreadyDecided,
    #[error("起案の後に登録内容が変わりました。却下して、今の内容から起案し直してください。")]
    Stale,
    #[error("この操作の権限がありません。")]
    NotAllowedForRole,
    #[error("IDが消去されているため訂正できません。")]
    Erased,
}

/// Who proposes (review roles) and who decides (supervisors).
pub fn may_propose(role: Role) -> bool {
    role.may_review()
}

pub fn may_decide(role: Role, proposer: i64, decider: i64) -> Result<(), CorrectionError> {
    if role != Role::Supervisor {
        return Err(CorrectionError::NotAllowedForRole);
    }
    if proposer == decider {
        return Err(CorrectionError::OwnProposal);
    }
    Ok(())
}

pub fn check_reason(reason: &str) -> Result<(), CorrectionError> {
    match reason.trim().chars().count() {
        n if n < 10 => Err(CorrectionError::ReasonTooShort),
        n if n > 2000 => Err(CorrectionError::ReasonTooLong),
        _ => Ok(()),
    }
}

/// The changes a proposal makes, as the holder will read them: the kind must stay, and at
/// least one value must differ (typing the same value differently is no change).
pub fn changes(
    current: &TranscriptionInput,
    proposed: &TranscriptionInput,
    today: Date,
) -> Result<Vec<Changed>, CorrectionError> {
    let changed = transcription::changes(current, proposed, today);
    if changed.iter().any(|c| c.field == Field::Kind) {
        return Err(CorrectionError::KindChanged);
    }
    if changed.is_empty() {
        return Err(CorrectionError::NothingChanged);
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn input() -> TranscriptionInput {
        TranscriptionInput {
            kind: "physical".into(),
            name: "山田 太郎".into(),
            name_kana: "やまだ たろう".into(),
            birth_date: "平成6年3月1日".into(),
            disability_category: "肢体不自由".into(),
            grade: "2級".into(),
            fare_class: "1".into(),
            municipality: "未来県".into(),
            number: "第1000001号".into(),
            issued_on: "令和4年1月31日".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_change_is_listed_with_before_and_after() {
        let mut proposed = input();
        proposed.grade = "1級".into();
        let changed = changes(&input(), &proposed, date!(2026 - 12 - 07)).unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!(
            (changed[0].field, changed[0].before.as_str(), changed[0].after.as_str()),
            (Field::Grade, "2級", "1級")
        );
    }

    #[test]
    fn the_same_value_typed_differently_is_no_change() {
        let mut proposed = input();
        proposed.birth_date = "1994-03-01".into();
        assert_eq!(changes(&input(), &proposed, date!(2026 - 12 - 07)), Err(CorrectionError::NothingChanged));
    }

    #[test]
    fn the_kind_cannot_be_corrected() {
        let mut proposed = input();
        proposed.kind = "intellectual".into();
        proposed.disability_category = String::new();
        proposed.grade = "A1".into();
        assert_eq!(changes(&input(), &proposed, date!(2026 - 12 - 07)), Err(CorrectionError::KindChanged));
    }

    #[test]
    fn only_another_supervisor_decides() {
        assert_eq!(may_decide(Role::Supervisor, 3, 3), Err(CorrectionError::OwnProposal));
        assert_eq!(may_decide(Role::Reviewer, 3, 4), Err(CorrectionError::NotAllowedForRole));
        assert_eq!(may_decide(Role::Supervisor, 3, 4), Ok(()));
        assert!(may_propose(Role::Reviewer) && may_propose(Role::Supervisor) && !may_propose(Role::Support));
    }

    #[test]
    fn a_reason_is_required() {
        assert_eq!(check_reason("違う"), Err(CorrectionError::ReasonTooShort));
        assert!(check_reason("本人から等級の変更の連絡があり、新しい写真で確認").is_ok());
    }
}
