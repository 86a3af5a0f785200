//! Review decisions, the defect code list, and who may act on a registration when.

use time::{Duration, OffsetDateTime};

use super::handbook::ReviewStatus;
use super::staff::Role;

/// A claim is a lease: it lapses unless renewed while the reviewer works.
pub const LEASE: Duration = Duration::minutes(30);

/// Why a registration goes back to the holder (terms art. 2(3)). Codes are stable and
/// numbered so reports can count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Defect {
    WrongPage,
    NoFacePhoto,
    Unreadable,
    CutOff,
    Glare,
    Expired,
    DataMismatch,
    Other,
}

impl Defect {
    pub const ALL: [Defect; 8] = [
        Defect::WrongPage,
        Defect::NoFacePhoto,
        Defect::Unreadable,
        Defect::CutOff,
        Defect::Glare,
        Defect::Expired,
        Defect::DataMismatch,
        Defect::Other,
    ];

    /// The stable number (`D01` …) used in data and reports.
    pub fn code(self) -> &'static str {
        match self {
            Defect::WrongPage => "D01",
            Defect::NoFacePhoto => "D02",
            Defect::Unreadable => "D03",
            Defect::CutOff => "D04",
            Defect::Glare => "D05",
            Defect::Expired => "D06",
            Defect::DataMismatch => "D07",
            Defect::Other => "D99",
        }
    }

    pub fn parse(code: &str) -> Option<Defect> {
        Defect::ALL.into_iter().find(|d| d.code() == code)
    }

    /// For staff.
    pub fn label(self) -> &'static str {
        match self {
            Defect::WrongPage => "撮影したページが違う",
            Defect::NoFacePhoto => "顔写真のページがない・顔写真が貼られていない（規約第2条第1項）",
            Defect::Unreadable => "文字が読み取れない（ぼやけ・ピンぼけ）",
            Defect::CutOff => "手帳の一部が写っていない",
            Defect::Glare => "光の反射で見えない部分がある",
            Defect::Expired => "有効期限が切れている",
            Defect::DataMismatch => "記載内容が一致しない（ページ間・マイナポータル）",
            Defect::Other => "その他",
        }
    }

    /// For the holder: what is wrong and what to photograph again.
    pub fn holder_text(self) -> &'static str {
        match self {
            Defect::WrongPage => {
                "お送りいただいた写真に、必要なページが写っていませんでした。顔写真のあるページと、障害名・等級・交付日が記載されたページを撮影してください。"
            }
            Defect::NoFacePhoto => {
                "顔写真が確認できませんでした。顔写真が貼られた手帳のみ登録できます（利用規約 第2条第1項）。顔写真のあるページを撮影してください。"
            }
            Defect::Unreadable => {
                "写真がぼやけていて文字が読み取れませんでした。明るい場所で、手帳を平らに置き、ピントを合わせて撮影してください。"
            }
            Defect::CutOff => "手帳の一部が写真の外に切れていました。ページ全体が枠に収まるように撮影してください。",
            Defect::Glare => "光の反射で読み取れない部分がありました。照明が映り込まない角度で撮影してください。",
            Defect::Expired => "手帳の有効期限が切れていました。更新後の手帳を撮影して、あらためて登録してください。",
            Defect::DataMismatch => {
                "手帳のページ間、またはマイナポータルの情報と記載内容が一致しませんでした。最新の手帳の該当ページを撮影してください。"
            }
            Defect::Other => "登録内容に不備がありました。下記の説明をご確認のうえ、あらためて登録してください。",
        }
    }

    /// Staff can fix this one themselves and tell the holder (art. 2(3), first case).
    pub fn correctable(self) -> bool {
        matches!(self, Defect::DataMismatch | Defect::Other)
    }
}

/// What a reviewer decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    /// Approved after staff corrected a correctable defect; the holder is told what changed.
    ApproveWithCorrections,
    /// An uncorrectable defect: the holder registers again.
    Return,
    /// Suspected fraud: opens a sanction proposal (terms art. 2(4)).
    Reject,
}

impl Decision {
    pub const ALL: [Decision; 4] =
        [Decision::Approve, Decision::ApproveWithCorrections, Decision::Return, Decision::Reject];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::ApproveWithCorrections => "correct",
            Decision::Return => "return",
            Decision::Reject => "reject",
        }
    }

    pub fn parse(raw: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Approve => "承認する",
            Decision::ApproveWithCorrections => "補正して承認する（補正内容を利用者に通知）",
            Decision::Return => "不備のため差し戻す（利用者が再登録）",
            Decision::Reject => "不正の疑いで却下する（処分を起案）",
        }
    }

    pub fn resulting_status(self) -> ReviewStatus {
        match self {
            Decision::Approve => ReviewStatus::Approved,
            Decision::ApproveWithCorrections => ReviewStatus::Corrected,
            Decision::Return => ReviewStatus::Returned,
            Decision::Reject => ReviewStatus::Rejected,
        }
    }

    /// Needs a complete transcription to be decided.
    pub fn needs_transcription(self) -> bool {
        matches!(self, Decision::Approve | Decision::ApproveWithCorrections)
    }
}

/// The facts about a registration's claim that the rules below need.
#[derive(Clone, Copy, Debug)]
pub struct ClaimState {
    pub status: ReviewStatus,
    pub claimed_by: Option<i64>,
    pub claim_expires_at: Option<OffsetDateTime>,
    /// Who uploaded it on the holder's behalf: never also its reviewer.
    pub uploaded_by: Option<i64>,
}

impl ClaimState {
    pub fn lease_live(&self, now: OffsetDateTime) -> bool {
        self.status == ReviewStatus::InReview && self.claim_expires_at.is_some_and(|t| t > now)
    }

    /// Held by this person, with a live lease.
    pub fn held_by(&self, staff_id: i64, now: OffsetDateTime) -> bool {
        self.lease_live(now) && self.claimed_by == Some(staff_id)
    }

    /// Anyone with review rights may take it: waiting, or a lease that lapsed.
    pub fn takeable(&self, now: OffsetDateTime) -> bool {
        self.status == ReviewStatus::Submitted || (self.status == ReviewStatus::InReview && !self.lease_live(now))
    }
}

/// Why an action on a registration is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("この登録はほかの担当者が審査中です。")]
    ClaimedByOther,
    #[error("この登録の担当になっていません。先に「担当する」を押してください。")]
    NotClaimed,
    #[error("この登録は審査が終わっています。")]
    AlreadyDecided,
    #[error("この操作の権限がありません。")]
    NotAllowed,
    #[error("指定した職員は審査を担当できません（審査担当・審査責任者の有効なアカウントのみ）。")]
    AssigneeCannotReview,
    #[error("この登録は保留中です（責任者の確認待ち）。審査責任者が担当するか、保留を解除します。")]
    OnHold,
    #[error("自分で代理登録した登録は審査できません。ほかの審査担当者に任せてください。")]
    OwnUpload,
}

/// May `staff_id` claim (or renew their claim on) this registration?
pub fn may_claim(state: &ClaimState, staff_id: i64, role: Role, now: OffsetDateTime) -> Result<(), ReviewError> {
    if !role.may_review() {
        return Err(ReviewError::NotAllowed);
    }
    if !state.status.is_undecided() {
        return Err(ReviewError::AlreadyDecided);
    }
    if state.uploaded_by == Some(staff_id) {
        return Err(ReviewError::OwnUpload);
    }
    if state.takeable(now) || state.held_by(staff_id, now) { Ok(()) } else { Err(ReviewError::ClaimedByOther) }
}

/// May `staff_id` change the transcription or decide? Only the live claim holder.
/// May this person mark the face box? On a registration under review, whoever may work on it;
/// on an approved one without a face crop (the work list), any review role: the box changes
/// no transcribed value, only what the card shows of the photo.
pub fn may_mark_face(state: &ClaimState, staff_id: i64, role: Role, now: OffsetDateTime) -> Result<(), ReviewError> {
    if super::handbook::ReviewStatus::APPROVED.contains(&state.status) {
        return if role.may_review() { Ok(()) } else { Err(ReviewError::NotAllowed) };
    }
    may_work(state, staff_id, role, now)
}

pub fn may_work(state: &ClaimState, staff_id: i64, role: Role, now: OffsetDateTime) -> Result<(), ReviewError> {
    if !role.may_review() {
        return Err(ReviewError::NotAllowed);
    }
    if !state.status.is_undecided() {
        return Err(ReviewError::AlreadyDecided);
    }
    if state.uploaded_by == Some(staff_id) {
        return Err(ReviewError::OwnUpload);
    }
    if state.held_by(staff_id, now) {
        Ok(())
    } else if state.lease_live(now) {
        Err(ReviewError::ClaimedByOther)
    } else {
        Err(ReviewError::NotClaimed)
    }
}

/// A supervisor hands a registration in review to another reviewer, who must be an active
/// member of staff of a review role.
pub fn may_reassign(state: &ClaimState, role: Role, assignee: Option<(Role, bool)>) -> Result<(), ReviewError> {
    if role != Role::Supervisor {
        return Err(ReviewError::NotAllowed);
    }
    if !state.status.is_undecided() {
        return Err(ReviewError::AlreadyDecided);
    }
    match assignee {
        Some((role, true)) if role.may_review() => Ok(()),
        _ => Err(ReviewError::AssigneeCannotReview),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-24 10:00 UTC);

    #[test]
    fn the_uploader_of_a_registration_never_reviews_it() {
        let now = datetime!(2026-11-26 10:00 UTC);
        let uploaded = |claimed_by: Option<i64>| ClaimState {
            status: if claimed_by.is_some() { ReviewStatus::InReview } else { ReviewStatus::Submitted },
            claimed_by,
            claim_expires_at: claimed_by.map(|_| now + Duration::minutes(10)),
            uploaded_by: Some(7),
        };
        assert_eq!(may_claim(&uploaded(None), 7, Role::Reviewer, now), Err(ReviewError::OwnUpload));
        assert_eq!(may_claim(&uploaded(None), 8, Role::Reviewer, now), Ok(()));
        // Even holding the claim (handed over by a supervisor), the uploader cannot decide it.
        assert_eq!(may_work(&uploaded(Some(7)), 7, Role::Supervisor, now), Err(ReviewError::OwnUpload));
        assert_eq!(may_work(&uploaded(Some(8)), 8, Role::Reviewer, now), Ok(()));
    }

    fn claimed(by: i64, until: OffsetDateTime) -> ClaimState {
        ClaimState {
            status: ReviewStatus::InReview,
            claimed_by: Some(by),
            claim_expires_at: Some(until),
            uploaded_by: None,
        }
    }

    #[test]
    fn defect_codes_are_stable_and_round_trip() {
        let codes: Vec<&str> = Defect::ALL.iter().map(|d| d.code()).collect();
        assert_eq!(codes, ["D01", "D02", "D03", "D04", "D05", "D06", "D07", "D99"]);
        for d in Defect::ALL {
            assert_eq!(Defect::parse(d.code()), Some(d));
            assert!(!d.holder_text().is_empty());
        }
        assert!(Defect::ALL.iter().all(|d| !d.holder_text().contains("障がい")));
    }

    #[test]
    fn decisions_lead_to_their_states() {
        assert_eq!(Decision::Approve.resulting_status(), ReviewStatus::Approved);
        assert_eq!(Decision::ApproveWithCorrections.resulting_status(), ReviewStatus::Corrected);
        assert_eq!(Decision::Return.resulting_status(), ReviewStatus::Returned);
        assert_eq!(Decision::Reject.resulting_status(), ReviewStatus::Rejected);
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
    }

    #[test]
    fn waiting_or_lapsed_registrations_can_be_claimed() {
        let waiting =
            ClaimState { status: ReviewStatus::Submitted, claimed_by: None, claim_expires_at: None, uploaded_by: None };
        assert_eq!(may_claim(&waiting, 1, Role::Reviewer, NOW), Ok(()));
        let live = claimed(2, NOW + LEASE);
        assert_eq!(may_claim(&live, 1, Role::Reviewer, NOW), Err(ReviewError::ClaimedByOther));
        assert_eq!(may_claim(&live, 2, Role::Reviewer, NOW), Ok(()), "renewal");
        let lapsed = claimed(2, NOW - Duration::seconds(1));
        assert_eq!(may_claim(&lapsed, 1, Role::Reviewer, NOW), Ok(()));
        assert_eq!(may_claim(&waiting, 1, Role::Support, NOW), Err(ReviewError::NotAllowed));
        let done = ClaimState {
            status: ReviewStatus::Approved,
            claimed_by: Some(1),
            claim_expires_at: None,
            uploaded_by: None,
        };
        assert_eq!(may_claim(&done, 1, Role::Reviewer, NOW), Err(ReviewError::AlreadyDecided));
    }

    #[test]
    fn only_the_live_claim_holder_works() {
        let live = claimed(2, NOW + LEASE);
        assert_eq!(may_work(&live, 2, Role::Reviewer, NOW), Ok(()));
        assert_eq!(may_work(&live, 1, Role::Supervisor, NOW), Err(ReviewError::ClaimedByOther));
        let lapsed = claimed(2, NOW - Duration::seconds(1));
        assert_eq!(may_work(&lapsed, 2, Role::Reviewer, NOW), Err(ReviewError::NotClaimed));
        let waiting =
            ClaimState { status: ReviewStatus::Submitted, claimed_by: None, claim_expires_at: None, uploaded_by: None };
        assert_eq!(may_work(&waiting, 2, Role::Reviewer, NOW), Err(ReviewError::NotClaimed));
        assert_eq!(may_work(&live, 2, Role::Auditor, NOW), Err(ReviewError::NotAllowed));
    }

    #[test]
    fn only_supervisors_reassign() {
        let live = claimed(2, NOW + LEASE);
        let reviewer = Some((Role::Reviewer, true));
        assert_eq!(may_reassign(&live, Role::Supervisor, reviewer), Ok(()));
        assert_eq!(may_reassign(&live, Role::Reviewer, reviewer), Err(ReviewError::NotAllowed));
    }

    #[test]
    fn only_active_review_staff_take_a_reassigned_registration() {
        let live = claimed(2, NOW + LEASE);
        assert_eq!(may_reassign(&live, Role::Supervisor, Some((Role::Supervisor, true))), Ok(()));
        for assignee in [None, Some((Role::Reviewer, false)), Some((Role::Support, true)), Some((Role::Auditor, true))]
        {
            assert_eq!(may_reassign(&live, Role::Supervisor, assignee), Err(ReviewError::AssigneeCannotReview));
        }
    }

    #[test]
    fn only_data_defects_are_correctable() {
        let correctable: Vec<Defect> = Defect::ALL.into_iter().filter(|d| d.correctable()).collect();
        assert_eq!(correctable, [Defect::DataMismatch, Defect::Other]);
    }
}
