//! The one gate every change of a holder's state goes through, so no screen can bypass it.
//!
//! Suspensions are kept by cause (the article), not as one flag: lifting the lost-phone
//! suspension leaves a fraud hold in force. Deprivation and withdrawal end an ID for good; it
//! is never reinstated. A coupon suspension (art. 15(1)) is separate from the ID's status.

use std::collections::BTreeSet;

use super::holder::HolderStatus;
use super::sanctions::Article;

/// How an ID ended, if it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Registered, nothing approved yet.
    Pending,
    /// In use (at least one handbook approved).
    Active,
    /// Deprived of status (資格剥奪): final.
    Revoked,
    /// Withdrawn by the holder (退会): final.
    Withdrawn,
}

/// Why a holder withdrew (退会).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WithdrawalReason {
    Voluntary,
    /// The handbook was reissued and registered as a new ID (art. 3(1)(iii)).
    Reissued,
    /// The handbook was returned to the municipality (art. 3(1)(v)).
    Returned,
}

impl WithdrawalReason {
    pub const ALL: [WithdrawalReason; 3] =
        [WithdrawalReason::Voluntary, WithdrawalReason::Reissued, WithdrawalReason::Returned];

    pub fn code(self) -> &'static str {
        match self {
            WithdrawalReason::Voluntary => "voluntary",
            WithdrawalReason::Reissued => "reissued",
            WithdrawalReason::Returned => "returned",
        }
    }

    pub fn parse(code: &str) -> Option<WithdrawalReason> {
        WithdrawalReason::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            WithdrawalReason::Voluntary => "本人の希望",
            WithdrawalReason::Reissued => "手帳の再交付（新しいIDで登録）",
            WithdrawalReason::Returned => "手帳の返還",
        }
    }
}

/// A holder's state as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolderState {
    pub standing: Standing,
    /// The causes of suspensions in force.
    pub suspensions: BTreeSet<Article>,
    pub coupon_suspended: bool,
    /// Deleted (抹消): personal data erased, records kept. Apart from the standing, so a
    /// withdrawn ID stays withdrawn when erased, and any other ID ends as revoked.
    pub erased: bool,
}

/// Something that happens to a holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A handbook was approved.
    Approved,
    Suspend(Article),
    /// Lifts the suspension of this cause only.
    Reinstate(Article),
    Deprive,
    Withdraw,
    CouponSuspend,
    /// Lifts the coupon suspension.
    CouponReinstate,
    /// Erases the ID's personal data; allowed on an ended ID too (erasure after withdrawal or
    /// deprivation), never twice.
    Delete,
    /// Erases the e-mail address only.
    DeleteEmail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GateRefusal {
    #[error("このIDは資格剥奪または退会により終了しています。再開はできません。")]
    Ended,
    #[error("同じ理由の利用停止がすでに有効です。")]
    AlreadySuspended,
    #[error("この理由による利用停止はありません。")]
    NotSuspended,
    #[error("クーポンはすでに利用停止中です。")]
    CouponAlreadySuspended,
    #[error("クーポンは利用停止になっていません。")]
    CouponNotSuspended,
}

impl HolderState {
    pub fn new(standing: Standing) -> Self {
        Self { standing, suspensions: BTreeSet::new(), coupon_suspended: false, erased: false }
    }

    pub fn ended(&self) -> bool {
        self.erased || matches!(self.standing, Standing::Revoked | Standing::Withdrawn)
    }

    /// The state after `event`, or why it cannot happen.
    pub fn apply(&self, event: Event) -> Result<HolderState, GateRefusal> {
        let mut next = self.clone();
        match event {
            Event::Delete | Event::DeleteEmail if self.erased => return Err(GateRefusal::Ended),
            Event::Delete => {
                next.erased = true;
                if next.standing != Standing::Withdrawn {
                    next.standing = Standing::Revoked;
                }
            }
            Event::DeleteEmail => {}
            _ if self.ended() => return Err(GateRefusal::Ended),
            Event::Approved => {
                if next.standing == Standing::Pending {
                    next.standing = Standing::Active;
                }
            }
            Event::Suspend(cause) => {
                if !next.suspensions.insert(cause) {
                    return Err(GateRefusal::AlreadySuspended);
                }
            }
            Event::Reinstate(cause) => {
                if !next.suspensions.remove(&cause) {
                    return Err(GateRefusal::NotSuspended);
                }
            }
            Event::Deprive => next.standing = Standing::Revoked,
            Event::Withdraw => next.standing = Standing::Withdrawn,
            Event::CouponSuspend => {
                if next.coupon_suspended {
                    return Err(GateRefusal::CouponAlreadySuspended);
                }
                next.coupon_suspended = true;
            }
            Event::CouponReinstate => {
                if !next.coupon_suspended {
                    return Err(GateRefusal::CouponNotSuspended);
                }
                next.coupon_suspended = false;
            }
        }
        Ok(next)
    }

    /// The one word the card, intake and lists use.
    pub fn status(&self) -> HolderStatus {
        match self.standing {
            Standing::Revoked => HolderStatus::Revoked,
            Standing::Withdrawn => HolderStatus::Withdrawn,
            _ if !self.suspensions.is_empty() => HolderStatus::Suspended,
            Standing::Pending => HolderStatus::Pending,
            Standing::Active => HolderStatus::Active,
        }
    }
}

/// The standing a stored status and a record of approvals imply (suspended holders keep
/// their suspensions in their own rows).
pub fn standing_of(status: HolderStatus, has_approval: bool) -> Standing {
    match status {
        HolderStatus::Revoked => Standing::Revoked,
        HolderStatus::Withdrawn => Standing::Withdrawn,
        HolderStatus::Pending => Standing::Pending,
        HolderStatus::Active => Standing::Active,
        HolderStatus::Suspended if has_approval => Standing::Active,
        HolderStatus::Suspended => Standing::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active() -> HolderState {
        HolderState::new(Standing::Active)
    }

    #[test]
    fn lifting_one_suspension_leaves_another_in_force() {
        let s = active().apply(Event::Suspend(Article::LostPhone)).unwrap();
        let s = s.apply(Event::Suspend(Article::FraudAtReview)).unwrap();
        assert_eq!(s.status(), HolderStatus::Suspended);
        let s = s.apply(Event::Reinstate(Article::LostPhone)).unwrap();
        assert_eq!(s.status(), HolderStatus::Suspended, "the fraud hold stays");
        let s = s.apply(Event::Reinstate(Article::FraudAtReview)).unwrap();
        assert_eq!(s.status(), HolderStatus::Active);
    }

    #[test]
    fn a_cause_is_suspended_once_and_lifted_once() {
        let s = active().apply(Event::Suspend(Article::LostPhone)).unwrap();
        assert_eq!(s.apply(Event::Suspend(Article::LostPhone)), Err(GateRefusal::AlreadySuspended));
        assert_eq!(active().apply(Event::Reinstate(Article::LostPhone)), Err(GateRefusal::NotSuspended));
        assert_eq!(s.apply(Event::Reinstate(Article::FraudAtReview)), Err(GateRefusal::NotSuspended));
    }

    #[test]
    fn an_ended_id_is_never_reinstated() {
        let suspended = active().apply(Event::Suspend(Article::FraudAtReview)).unwrap();
        let revoked = suspended.apply(Event::Deprive).unwrap();
        assert_eq!(revoked.status(), HolderStatus::Revoked);
        for event in [
            Event::Reinstate(Article::FraudAtReview),
            Event::Suspend(Article::LostPhone),
            Event::Approved,
            Event::Withdraw,
            Event::Deprive,
            Event::CouponSuspend,
        ] {
            assert_eq!(revoked.apply(event), Err(GateRefusal::Ended), "{event:?}");
        }
        let withdrawn = active().apply(Event::Withdraw).unwrap();
        assert_eq!(withdrawn.status(), HolderStatus::Withdrawn);
        assert_eq!(withdrawn.apply(Event::Approved), Err(GateRefusal::Ended));
    }

    #[test]
    fn approval_activates_a_pending_holder_only() {
        let pending = HolderState::new(Standing::Pending);
        assert_eq!(pending.apply(Event::Approved).unwrap().status(), HolderStatus::Active);
        let suspended = pending.apply(Event::Suspend(Article::LostPhone)).unwrap();
        let approved = suspended.apply(Event::Approved).unwrap();
        assert_eq!(approved.status(), HolderStatus::Suspended, "approval does not lift a suspension");
        assert_eq!(approved.standing, Standing::Active);
    }

    #[test]
    fn coupon_suspension_leaves_the_id_usable() {
        let s = active().apply(Event::CouponSuspend).unwrap();
        assert!(s.coupon_suspended);
        assert_eq!(s.status(), HolderStatus::Active);
        assert_eq!(s.apply(Event::CouponSuspend), Err(GateRefusal::CouponAlreadySuspended));
        let lifted = s.apply(Event::CouponReinstate).unwrap();
        assert!(!lifted.coupon_suspended);
        assert_eq!(lifted.apply(Event::CouponReinstate), Err(GateRefusal::CouponNotSuspended));
    }

    #[test]
    fn deletion_erases_even_an_ended_id_but_only_once() {
        let withdrawn = active().apply(Event::Withdraw).unwrap();
        let deleted = withdrawn.apply(Event::Delete).unwrap();
        assert!(deleted.erased);
        assert_eq!(deleted.status(), HolderStatus::Withdrawn, "a withdrawn ID stays withdrawn when erased");
        let erased = active().apply(Event::Delete).unwrap();
        assert_eq!(erased.status(), HolderStatus::Revoked, "any other ID ends as revoked");
        assert_eq!(deleted.apply(Event::Delete), Err(GateRefusal::Ended));
        assert_eq!(deleted.apply(Event::DeleteEmail), Err(GateRefusal::Ended));
        assert_eq!(deleted.apply(Event::Reinstate(Article::LostPhone)), Err(GateRefusal::Ended));
        let kept = active().apply(Event::DeleteEmail).unwrap();
        assert_eq!(kept.status(), HolderStatus::Active, "only the address goes");
    }

    #[test]
    fn withdrawal_reasons_round_trip() {
        for r in WithdrawalReason::ALL {
            assert_eq!(WithdrawalReason::parse(r.code()), Some(r));
        }
        assert_eq!(WithdrawalReason::parse("bored"), None);
    }

    #[test]
    fn stored_statuses_read_back_as_standings() {
        assert_eq!(standing_of(HolderStatus::Suspended, true), Standing::Active);
        assert_eq!(standing_of(HolderStatus::Suspended, false), Standing::Pending);
        assert_eq!(standing_of(HolderStatus::Revoked, true), Standing::Revoked);
    }
}
