//! Random values from the operating system's generator.

use rand::{Rng, RngExt};

pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    rand::rng().fill_bytes(&mut out);
    out
}

/// A URL-safe random token of `n` bytes of entropy, hex encoded.
pub fn token(n: usize) -> String {
    let mut out = vec![0u8; n];
    rand::rng().fill_bytes(&mut out);
    hex::encode(out)
}

/// `n` characters drawn uniformly (no modulo bias) from an ASCII `alphabet`.
pub fn pick(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::rng();
    (0..n).map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())])).collect()
}

/// A reference a holder or an agent reads out on the phone: `PREFIX-XXXX-XXXX`, eight
/// characters without look-alikes (no 0/O, 1/I/L).
pub fn reference(prefix: &str) -> String {
    let chars = pick(b"23456789ABCDEFGHJKMNPQRSTUVWXYZ", 8);
    format!("{prefix}-{}-{}", &chars[..4], &chars[4..])
}
