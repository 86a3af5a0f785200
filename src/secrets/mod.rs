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
    fn matches_only_the_same_token() {
        let secret = Secret::new("demo-intake-token".to_owned());
        assert!(secret.matches("demo-intake-token"));
        assert!(!secret.matches("demo-intake-tokem"));
        assert!(!secret.matches("demo-intake-token "));
        assert!(!secret.matches(""));
    }
}
