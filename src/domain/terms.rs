//! The documents a holder agrees to (the terms of use, which have had seven versions, and the
//! privacy policy) and their version labels as the app sends them.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Document {
    Terms,
    Privacy,
}

impl Document {
    pub fn code(self) -> &'static str {
        match self {
            Document::Terms => "terms",
            Document::Privacy => "privacy",
        }
    }

    pub fn parse(code: &str) -> Option<Document> {
        [Document::Terms, Document::Privacy].into_iter().find(|d| d.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Document::Terms => "利用規約",
            Document::Privacy => "プライバシーポリシー",
        }
    }
}

/// A version label: 1 to 20 letters, digits, dots or hyphens (「v7」「2024-04」).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version(String);

impl Version {
    pub fn parse(raw: &str) -> Option<Version> {
        let raw = raw.trim();
        let ok =
            (1..=20).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        ok.then(|| Version(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_short_plain_labels() {
        assert_eq!(Version::parse(" v7 ").map(|v| v.0), Some("v7".into()));
        assert!(Version::parse("2024-04.1").is_some());
        assert!(Version::parse("").is_none());
        assert!(Version::parse("第7版").is_none());
        assert!(Version::parse(&"a".repeat(21)).is_none());
        assert_eq!(Document::parse("terms"), Some(Document::Terms));
    }
}
