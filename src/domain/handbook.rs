//! Handbooks: their kinds and the review states a registration moves through.

use std::fmt;

/// The three handbook kinds (DOMAIN.md "Handbook kinds").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandbookKind {
    Physical,
    Mental,
    Intellectual,
}

impl HandbookKind {
    pub const ALL: [HandbookKind; 3] = [HandbookKind::Physical, HandbookKind::Mental, HandbookKind::Intellectual];

    pub fn as_str(self) -> &'static str {
        match self {
            HandbookKind::Physical => "physical",
            HandbookKind::Mental => "mental",
            HandbookKind::Intellectual => "intellectual",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }

    /// The handbook's name as printed.
    pub fn label(self) -> &'static str {
        match self {
            HandbookKind::Physical => "身体障害者手帳",
            HandbookKind::Mental => "精神障害者保健福祉手帳",
            HandbookKind::Intellectual => "療育手帳",
        }
    }
}

impl fmt::Display for HandbookKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Names handbooks print, offered to the reviewer (the intellectual handbook's regional names
/// among them); what is typed is kept as printed.
pub const PRINTED_NAMES: &[&str] = &[
    "身体障害者手帳",
    "精神障害者保健福祉手帳",
    "療育手帳",
    "愛の手帳",
    "みどりの手帳",
    "愛護手帳",
    "療育手帳（愛の手帳）",
];

/// Where a registration stands (DESIGN.md "Review states").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    Submitted,
    InReview,
    Approved,
    Corrected,
    Returned,
    Rejected,
    /// Replaced by a newer submission of the same holder and kind.
    Superseded,
    /// Still open when the ID ended (withdrawn, revoked or deleted): nobody reviews it.
    Closed,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 8] = [
        ReviewStatus::Submitted,
        ReviewStatus::InReview,
        ReviewStatus::Approved,
        ReviewStatus::Corrected,
        ReviewStatus::Returned,
        ReviewStatus::Rejected,
        ReviewStatus::Superseded,
        ReviewStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::InReview => "in_review",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Corrected => "corrected",
            ReviewStatus::Returned => "returned",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Superseded => "superseded",
            ReviewStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::Submitted => "審査待ち",
            ReviewStatus::InReview => "審査中",
            ReviewStatus::Approved => "承認済",
            ReviewStatus::Corrected => "補正して承認",
            ReviewStatus::Returned => "差し戻し",
            ReviewStatus::Rejected => "却下（不正の疑い）",
            ReviewStatus::Superseded => "再提出により置換",
            ReviewStatus::Closed => "IDの終了により終了",
        }
    }

    /// Registrations a new submission of the same kind must look at: waiting, being
    /// reviewed, or returned to the holder.
    pub const OPEN: [ReviewStatus; 3] = [ReviewStatus::Submitted, ReviewStatus::InReview, ReviewStatus::Returned];

    /// Registrations that still stand for a handbook (not rejected or replaced): what
    /// duplicate checks compare against.
    pub const LIVE: [ReviewStatus; 5] = [
        ReviewStatus::Submitted,
        ReviewStatus::InReview,
        ReviewStatus::Approved,
        ReviewStatus::Corrected,
        ReviewStatus::Returned,
    ];

    /// Approved, with or without staff corrections: what counters may see.
    pub const APPROVED: [ReviewStatus; 2] = [ReviewStatus::Approved, ReviewStatus::Corrected];

    /// Still before a decision: waiting or being reviewed.
    pub fn is_undecided(self) -> bool {
        matches!(self, ReviewStatus::Submitted | ReviewStatus::InReview)
    }

    /// A new submission of the same kind replaces this one (the holder sent the handbook
    /// again before anyone started, or after it was returned).
    pub fn is_replaced_by_resubmission(self) -> bool {
        matches!(self, ReviewStatus::Submitted | ReviewStatus::Returned)
    }
}

/// Who sent a registration in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The holder, through the app.
    App,
    /// A reviewer uploaded it for the holder (mail-in or proxy, terms art. 3(1)(i)).
    Staff,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Staff => "staff",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Channel::App, Channel::Staff].into_iter().find(|c| c.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip() {
        for kind in HandbookKind::ALL {
            assert_eq!(HandbookKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(HandbookKind::parse("passport"), None);
        for status in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ReviewStatus::parse("Approved"), None, "codes are exact");
        for channel in [Channel::App, Channel::Staff] {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
    }

    #[test]
    fn only_waiting_or_returned_registrations_are_replaced() {
        let replaced: Vec<_> = ReviewStatus::ALL.into_iter().filter(|s| s.is_replaced_by_resubmission()).collect();
        assert_eq!(replaced, [ReviewStatus::Submitted, ReviewStatus::Returned]);
    }
}
