//! Sanctions under the terms of use: the articles, the actions each allows (DOMAIN.md
//! "Obligations and sanctions"), which actions need a second supervisor, which are taken
//! without notice, and the life of a proposal. Every sanction cites its article.

use std::fmt;

/// An article of the terms of use that a sanction cites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Article {
    /// 2(4): fraud suspected at review.
    FraudAtReview,
    /// 3(1)(iii): reissued handbook with changed contents, not registered again.
    ReissueNotRegistered,
    /// 3(1)(v): handbook returned to the municipality, ID not withdrawn.
    HandbookReturned,
    /// 3(1)(vi): one person holds several IDs.
    DuplicateIds,
    /// 3(2): ID lent to or used by someone else.
    LentToOthers,
    /// 3(4): the holder lost the phone (support center).
    LostPhone,
    /// 3(5)(i): contact could not be delivered for three years.
    Unreachable,
    /// 3(5)(ii): fraudulent registration.
    FraudulentRegistration,
    /// 3(5)(iii): terms violated or likely violated.
    TermsViolated,
    /// 3(5)(iv): conduct unfit for operating the ID.
    UnfitConduct,
    /// 4(1)(iii): someone else's or forged documents.
    ForgedDocuments,
    /// 9: anti-social forces.
    AntiSocialForces,
    /// 15(1): coupon-service violation.
    CouponViolation,
    /// Not an article: the holder's own request to stop the use of their data (利用停止の請求).
    /// A suspension under it is no violation; it is lifted when the holder asks to resume.
    HolderRequest,
}

/// What a sanction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Warning,
    Suspend,
    Reinstate,
    Deprive,
    Delete,
    DeleteEmail,
    CouponSuspend,
    CancelRegistration,
    Disclose,
}

use Action::*;
use Article::*;

impl Article {
    pub const ALL: [Article; 13] = [
        FraudAtReview,
        ReissueNotRegistered,
        HandbookReturned,
        DuplicateIds,
        LentToOthers,
        LostPhone,
        Unreachable,
        FraudulentRegistration,
        TermsViolated,
        UnfitConduct,
        ForgedDocuments,
        AntiSocialForces,
        CouponViolation,
    ];

    /// The code forms and records use (CONTRACT.md "Sanction codes").
    pub fn code(self) -> &'static str {
        match self {
            FraudAtReview => "2(4)",
            ReissueNotRegistered => "3(1)(iii)",
            HandbookReturned => "3(1)(v)",
            DuplicateIds => "3(1)(vi)",
            LentToOthers => "3(2)",
            LostPhone => "3(4)",
            Unreachable => "3(5)(i)",
            FraudulentRegistration => "3(5)(ii)",
            TermsViolated => "3(5)(iii)",
            UnfitConduct => "3(5)(iv)",
            ForgedDocuments => "4(1)(iii)",
            AntiSocialForces => "9",
            CouponViolation => "15(1)",
            HolderRequest => "request",
        }
    }

    /// An article of the terms, or the holder's request (which only the request work list
    /// imposes, so it is not in `ALL`, the articles a supervisor may choose).
    pub fn parse(code: &str) -> Option<Article> {
        Article::ALL.into_iter().chain([HolderRequest]).find(|a| a.code() == code.trim())
    }

    /// 「第3条第4項」 and what it is about, for staff.
    pub fn label(self) -> &'static str {
        match self {
            FraudAtReview => "第2条第4項（審査時の不正登録の疑い）",
            ReissueNotRegistered => "第3条第1項第3号（再交付後の未登録）",
            HandbookReturned => "第3条第1項第5号（手帳返還後の未退会）",
            DuplicateIds => "第3条第1項第6号（複数IDの保有）",
            LentToOthers => "第3条第2項（IDの貸与・第三者の利用）",
            LostPhone => "第3条第4項（端末の紛失）",
            Unreachable => "第3条第5項第1号（3年間連絡不能）",
            FraudulentRegistration => "第3条第5項第2号（不正な登録）",
            TermsViolated => "第3条第5項第3号（規約違反）",
            UnfitConduct => "第3条第5項第4号（運営上不適当な行為）",
            ForgedDocuments => "第4条第1項第3号（他人の・偽造の書類）",
            AntiSocialForces => "第9条（反社会的勢力）",
            CouponViolation => "第15条第1項（クーポンサービスの違反）",
            HolderRequest => "本人の請求（利用停止）",
        }
    }

    /// The actions this article allows (reinstatement is the lifting of a suspension under
    /// its own article, so every article that suspends also allows it).
    pub fn allows(self) -> &'static [Action] {
        match self {
            FraudAtReview | ReissueNotRegistered | HandbookReturned => &[Suspend, Reinstate, Deprive],
            DuplicateIds => &[Suspend, Reinstate, Delete],
            LentToOthers => &[Warning, Suspend, Reinstate, Deprive, Delete],
            LostPhone => &[Suspend, Reinstate],
            Unreachable => &[Delete, DeleteEmail],
            FraudulentRegistration | TermsViolated | UnfitConduct | ForgedDocuments => {
                &[Suspend, Reinstate, Deprive, Delete]
            }
            AntiSocialForces => &[Suspend, Reinstate, Delete],
            // Reinstatement under 15(1) lifts the coupon suspension.
            CouponViolation => &[Warning, CouponSuspend, Reinstate, CancelRegistration, Disclose],
            // Imposed by answering the request; lifted when the holder asks to resume.
            HolderRequest => &[Reinstate],
        }
    }

    /// Art. 3(5) (and 4(1)(iii), which refers to it) acts without notice to the holder.
    pub fn without_notice(self) -> bool {
        matches!(self, Unreachable | FraudulentRegistration | TermsViolated | UnfitConduct | ForgedDocuments)
    }
}

impl fmt::Display for Article {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Action {
    pub const ALL: [Action; 9] =
        [Warning, Suspend, Reinstate, Deprive, Delete, DeleteEmail, CouponSuspend, CancelRegistration, Disclose];

    pub fn code(self) -> &'static str {
        match self {
            Warning => "warning",
            Suspend => "suspend",
            Reinstate => "reinstate",
            Deprive => "deprive",
            Delete => "delete",
            DeleteEmail => "delete_email",
            CouponSuspend => "coupon_suspend",
            CancelRegistration => "cancel_registration",
            Disclose => "disclose",
        }
    }

    pub fn parse(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Warning => "警告",
            Suspend => "利用停止",
            Reinstate => "利用再開",
            Deprive => "資格剥奪",
            Delete => "抹消",
            DeleteEmail => "メールアドレスの削除",
            CouponSuspend => "クーポン利用停止",
            CancelRegistration => "ID登録の取消",
            Disclose => "違反事実の開示",
        }
    }

    /// Final actions: a proposal that a second supervisor approves (four eyes). Cancelling
    /// the ID registration (art. 15(1)) ends the ID like a deprivation, so it waits too.
    /// What the action does to the holder's card and data, as the confirmation before it says.
    pub fn effect(self) -> &'static str {
        match self {
            Warning => "カードの表示は変わりません。利用者に警告のお知らせが届きます。",
            Suspend => "カードは「利用停止」と表示され、使えなくなります。",
            Reinstate => "停止の理由がほかになければ、カードはまた使えるようになります。",
            Deprive => "IDは資格剥奪となり、カードは表示されなくなります。取り消せません。",
            Delete => "個人情報と手帳の写真が消去され、カードは表示されなくなります。取り消せません。",
            DeleteEmail => "メールアドレスが消去され、利用者にお知らせが届かなくなります。取り消せません。",
            CouponSuspend => "クーポンが使えなくなります。カードの表示は変わりません。",
            CancelRegistration => "ID登録が取り消され、カードは表示されなくなります。取り消せません。",
            Disclose => "カードの表示は変わりません。開示した事実が記録されます。",
        }
    }

    pub fn needs_second_supervisor(self) -> bool {
        matches!(self, Deprive | Delete | DeleteEmail | CancelRegistration)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a sanction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SanctionState {
    /// Waiting for a second supervisor.
    Proposed,
    /// In effect (taken at once, or approved).
    Applied,
    /// The second supervisor said no.
    Rejected,
}

impl SanctionState {
    pub const ALL: [SanctionState; 3] = [SanctionState::Proposed, SanctionState::Applied, SanctionState::Rejected];

    pub fn code(self) -> &'static str {
        match self {
            SanctionState::Proposed => "proposed",
            SanctionState::Applied => "applied",
            SanctionState::Rejected => "rejected",
        }
    }

    pub fn parse(code: &str) -> Option<SanctionState> {
        SanctionState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            SanctionState::Proposed => "承認待ち",
            SanctionState::Applied => "実施済",
            SanctionState::Rejected => "却下",
        }
    }
}

/// Why a sanction request is refused, in words for the person who made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SanctionError {
    #[error("この条項では、選んだ処分はできません。")]
    NotAllowedByArticle,
    #[error("処分の理由（メモ）を10文字以上で記録してください。")]
    NoteTooShort,
    #[error("処分の理由（メモ）は2000文字以内で入力してください。")]
    NoteTooLong,
    #[error("自分が起案した処分は承認・却下できません。別の審査責任者が判断します。")]
    OwnProposal,
    #[error("起案した人が作成した、または権限を与えたアカウントでは判断できません。別の審査責任者が判断します。")]
    AppointedByProposer,
    #[error("この処分はすでに判断されています。")]
    AlreadyDecided,
    #[error("この操作の権限がありません。")]
    NotAllowedForRole,
    #[error("同じ処分の起案がすでに承認待ちです。")]
    AlreadyProposed,
    #[error("開示する場合は、開示先・根拠・開示した内容をすべて記録してください。")]
    DisclosureIncomplete,
}

/// Who may ask for what: supervisors for every sanction; the support center only the
/// lost-phone suspension (art. 3(4)) and its lifting.
pub fn role_may_request(role: super::staff::Role, article: Article, action: Action) -> bool {
    use super::staff::Role;
    match role {
        Role::Supervisor => true,
        Role::Support => article == LostPhone && matches!(action, Suspend | Reinstate),
        _ => false,
    }
}

/// A sanction request, checked: the article allows the action, and the note says why.
pub fn check_request(article: Article, action: Action, note: &str) -> Result<(), SanctionError> {
    if !article.allows().contains(&action) {
        return Err(SanctionError::NotAllowedByArticle);
    }
    check_note(note)
}

/// Every four-eyes proposal says why, in 10 to 2000 characters: the second supervisor decides
/// on what is written, not on what the proposer remembers.
pub fn check_note(note: &str) -> Result<(), SanctionError> {
    let chars = note.trim().chars().count();
    if chars < 10 {
        return Err(SanctionError::NoteTooShort);
    }
    if chars > 2000 {
        return Err(SanctionError::NoteTooLong);
    }
    Ok(())
}

/// May `decider` approve or reject this proposal? Never their own, and only once.
pub fn may_decide(state: SanctionState, proposer: Option<i64>, decider: i64) -> Result<(), SanctionError> {
    if state != SanctionState::Proposed {
        return Err(SanctionError::AlreadyDecided);
    }
    if proposer == Some(decider) {
        return Err(SanctionError::OwnProposal);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for a in Article::ALL {
            assert_eq!(Article::parse(a.code()), Some(a));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.code()), Some(a));
        }
        for s in SanctionState::ALL {
            assert_eq!(SanctionState::parse(s.code()), Some(s));
        }
        assert_eq!(Article::parse("3(6)"), None);
        assert_eq!(Action::parse("ban"), None);
    }

    /// Every article/action pair of DOMAIN.md's table, allowed or refused.
    #[test]
    fn each_article_allows_exactly_its_actions() {
        let table: [(Article, &[Action]); 13] = [
            (FraudAtReview, &[Suspend, Reinstate, Deprive]),
            (ReissueNotRegistered, &[Suspend, Reinstate, Deprive]),
            (HandbookReturned, &[Suspend, Reinstate, Deprive]),
            (DuplicateIds, &[Suspend, Reinstate, Delete]),
            (LentToOthers, &[Warning, Suspend, Reinstate, Deprive, Delete]),
            (LostPhone, &[Suspend, Reinstate]),
            (Unreachable, &[Delete, DeleteEmail]),
            (FraudulentRegistration, &[Suspend, Reinstate, Deprive, Delete]),
            (TermsViolated, &[Suspend, Reinstate, Deprive, Delete]),
            (UnfitConduct, &[Suspend, Reinstate, Deprive, Delete]),
            (ForgedDocuments, &[Suspend, Reinstate, Deprive, Delete]),
            (AntiSocialForces, &[Suspend, Reinstate, Delete]),
            (CouponViolation, &[Warning, CouponSuspend, Reinstate, CancelRegistration, Disclose]),
        ];
        for (article, allowed) in table {
            for action in Action::ALL {
                let ok = check_request(article, action, "十分な長さの理由を記録する").is_ok();
                assert_eq!(ok, allowed.contains(&action), "{article} {action}");
            }
        }
    }

    #[test]
    fn a_note_is_required() {
        assert_eq!(check_request(LostPhone, Suspend, "電話"), Err(SanctionError::NoteTooShort));
        assert_eq!(check_request(LostPhone, Suspend, &"あ".repeat(2001)), Err(SanctionError::NoteTooLong));
        assert_eq!(
            check_request(LostPhone, Deprive, "十分な長さの理由を記録する"),
            Err(SanctionError::NotAllowedByArticle)
        );
    }

    #[test]
    fn final_actions_need_four_eyes_and_3_5_acts_without_notice() {
        let four_eyes: Vec<Action> = Action::ALL.into_iter().filter(|a| a.needs_second_supervisor()).collect();
        assert_eq!(four_eyes, [Deprive, Delete, DeleteEmail, CancelRegistration]);
        let silent: Vec<Article> = Article::ALL.into_iter().filter(|a| a.without_notice()).collect();
        assert_eq!(silent, [Unreachable, FraudulentRegistration, TermsViolated, UnfitConduct, ForgedDocuments]);
    }

    #[test]
    fn the_support_center_suspends_and_reinstates_lost_phones_only() {
        use crate::domain::staff::Role;
        assert!(role_may_request(Role::Support, LostPhone, Suspend));
        assert!(role_may_request(Role::Support, LostPhone, Reinstate));
        assert!(!role_may_request(Role::Support, FraudAtReview, Suspend));
        assert!(!role_may_request(Role::Support, LostPhone, Deprive));
        assert!(role_may_request(Role::Supervisor, FraudAtReview, Deprive));
        for role in [Role::Reviewer, Role::Auditor, Role::Admin] {
            assert!(!role_may_request(role, LostPhone, Suspend), "{role}");
        }
    }

    #[test]
    fn nobody_decides_their_own_proposal_and_a_decision_is_final() {
        assert_eq!(may_decide(SanctionState::Proposed, Some(7), 8), Ok(()));
        assert_eq!(may_decide(SanctionState::Proposed, Some(7), 7), Err(SanctionError::OwnProposal));
        assert_eq!(may_decide(SanctionState::Applied, Some(7), 8), Err(SanctionError::AlreadyDecided));
        assert_eq!(may_decide(SanctionState::Rejected, Some(7), 8), Err(SanctionError::AlreadyDecided));
        assert_eq!(may_decide(SanctionState::Proposed, None, 8), Ok(()), "a system proposal");
    }
}
