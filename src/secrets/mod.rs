//! Secrets: keys and tokens that never print (`Debug` shows `[redacted]`), compared in
//! constant time, and generated from the operating system's random source (`random`).

pub mod random;

use std::fmt;

use subtle::ConstantTimeEq;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Secret<String> {
    /// Compares a presented token with this secret without leaking, through timing, how many
    /// leading bytes matched.
    pub fn matches(&self, presented: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), presented.as_bytes())
    }

    /// The secret is a comma-separated list (a token being rotated and its successor): does
    /// any of them match? Every entry is compared, so the time does not say which one did.
    pub fn matches_any(&self, presented: &str) -> bool {
        self.0
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .fold(false, |found, token| found | constant_time_eq(token.as_bytes(), presented.as_bytes()))
    }

    /// Each entry of a comma-separated list.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.0.split(',').map(str::trim).filter(|t| !t.is_empty())
    }

    /// Each entry, as a secret of its own (a rotated list verifies against all of them).
    pub fn each(&self) -> Vec<Secret<String>> {
        self.entries().map(|e| Secret::new(e.to_owned())).collect()
    }

    /// The first entry: the one outgoing messages are signed with while a list is rotated.
    pub fn first(&self) -> Secret<String> {
        Secret::new(self.entries().next().unwrap_or_default().to_owned())
    }
}

/// Constant-time equality of two byte strings (length may leak, contents do not).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), "[redacted]");
    }

    #[test]
    fn a_rotated_list_accepts_each_token_and_nothing_else() {
        let list = Secret::new("old-token-aaaaaaaaaaaaaaaa, new-token-bbbbbbbbbbbbbbbb".to_owned());
        assert!(list.matches_any("old-token-aaaaaaaaaaaaaaaa"));
        assert!(list.matches_any("new-token-bbbbbbbbbbbbbbbb"));
        assert!(!list.matches_any("old-token-aaaaaaaaaaaaaaaa, new-token-bbbbbbbbbbbbbbbb"));
        assert!(!list.matches_any(""));
        assert!(!Secret::new(" , ".to_owned()).matches_any(""), "an empty list admits nothing");
    }

    #[test]
    fn matches_only_the_same_token() {
        let secret = Secret::new("demo-intake-token".to_owned());
        assert!(secret.matches("demo-intake-token"));
        assert!(!secret.matches("demo-intake-tokem"));
        assert!(!secret.matches("demo-intake-token "));
        assert!(!secret.matches(""));
    }
}
