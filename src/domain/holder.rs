//! Holders: the public ID the app shows, and account status.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// The holder's ID as the app knows it: 6–40 letters, digits or hyphens, kept in upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PublicId(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("利用者IDは6〜40文字の英数字とハイフンで入力してください。")]
pub struct PublicIdError;

impl PublicId {
    pub fn parse(raw: &str) -> Result<Self, PublicIdError> {
        let value: String = raw.nfkc().collect::<String>().trim().to_ascii_uppercase();
        let ok = (6..=40).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if ok { Ok(Self(value)) } else { Err(PublicIdError) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolderStatus {
    Pending,
    Active,
    Suspended,
    Revoked,
    Withdrawn,
}

impl HolderStatus {
    pub const ALL: [HolderStatus; 5] = [
        HolderStatus::Pending,
        HolderStatus::Active,
        HolderStatus::Suspended,
        HolderStatus::Revoked,
        HolderStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HolderStatus::Pending => "pending",
            HolderStatus::Active => "active",
            HolderStatus::Suspended => "suspended",
            HolderStatus::Revoked => "revoked",
            HolderStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            HolderStatus::Pending => "審査待ち",
            HolderStatus::Active => "利用中",
            HolderStatus::Suspended => "利用停止",
            HolderStatus::Revoked => "資格剥奪",
            HolderStatus::Withdrawn => "退会",
        }
    }

    /// A holder deprived of status, or who left, cannot register a handbook again.
    pub fn may_register(self) -> bool {
        !matches!(self, HolderStatus::Revoked | HolderStatus::Withdrawn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_are_normalised() {
        assert_eq!(PublicId::parse(" mr-000123 ").map(|p| p.0), Ok("MR-000123".into()));
        assert_eq!(PublicId::parse("ＭＲ－０００１２３").map(|p| p.0), Ok("MR-000123".into()), "full width");
    }

    #[test]
    fn malformed_public_ids_are_refused() {
        for bad in ["", "abc", "MR 000123", "MR_000123", "-MR0001", "MR0001-", &"A".repeat(41), "山田000123"] {
            assert_eq!(PublicId::parse(bad), Err(PublicIdError), "{bad}");
        }
    }

    #[test]
    fn revoked_or_withdrawn_holders_cannot_register() {
        let allowed: Vec<_> = HolderStatus::ALL.into_iter().filter(|s| s.may_register()).collect();
        assert_eq!(allowed, [HolderStatus::Pending, HolderStatus::Active, HolderStatus::Suspended]);
    }
}
