//! E-mail addresses of staff and holders.

use unicode_normalization::UnicodeNormalization;

/// An e-mail address, normalised (width, case, surrounding space) so the same address cannot
/// exist twice. Deliberately simple: the address is proven by mail that arrives, not by syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("メールアドレスを入力してください。")]
    Empty,
    #[error("メールアドレスの形式が正しくありません（例: name@example.jp）。")]
    Malformed,
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let value: String = raw.nfkc().collect::<String>().trim().to_lowercase();
        if value.is_empty() {
            return Err(EmailError::Empty);
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(EmailError::Malformed);
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty() && !local.contains(char::is_whitespace) && local.is_ascii();
        if !domain_ok || !local_ok || value.len() > 254 {
            return Err(EmailError::Malformed);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised() {
        assert_eq!(EmailAddress::parse(" Reviewer@Demo.Invalid ").map(|e| e.0), Ok("reviewer@demo.invalid".into()));
        // Full-width input from a Japanese IME.
        assert_eq!(EmailAddress::parse("ｓａｔｏ＠ｅｘａｍｐｌｅ．ｊｐ").map(|e| e.0), Ok("sato@example.jp".into()));
    }

    #[test]
    fn malformed_emails_are_refused() {
        assert_eq!(EmailAddress::parse(""), Err(EmailError::Empty));
        for bad in ["no-at-sign", "a@b", "a@.jp", "@example.jp", "a b@example.jp", "a@exa mple.jp"] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Malformed), "{bad}");
        }
    }
}
