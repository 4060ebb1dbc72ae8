//! Fake-credential factory for the tests.
//!
//! Tokens are assembled at run time from a prefix and pseudo-random characters,
//! so the repository never contains a complete credential-shaped string that a
//! push-protection scanner would flag. The values are random, not real.

#![allow(dead_code, clippy::unwrap_used)]

use base64::Engine as _;

pub const B62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const HEX: &str = "0123456789abcdef";
pub const LOWER_ALNUM: &str = "0123456789abcdefghijklmnopqrstuvwxyz";
pub const UPPER_ALNUM: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const BECH32_UPPER: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
pub const DIGITS: &str = "0123456789";

/// A small deterministic generator (xorshift64*): reproducible fake values.
pub struct Fake(u64);

impl Fake {
    pub fn new(seed: u64) -> Fake {
        Fake(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `n` characters drawn from `alphabet`.
    pub fn chars(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n).map(|_| a[(self.next() % a.len() as u64) as usize] as char).collect()
    }

    /// `prefix` followed by `n` characters from `alphabet`.
    pub fn token(&mut self, prefix: &str, alphabet: &str, n: usize) -> String {
        format!("{prefix}{}", self.chars(alphabet, n))
    }

    /// A PEM-armoured block of `kind` (e.g. "RSA PRIVATE KEY") with a random body.
    pub fn pem(&mut self, kind: &str, headers: &str) -> String {
        let mut body = String::new();
        for _ in 0..6 {
            body.push_str(&self.chars(B64, 64));
            body.push('\n');
        }
        format!("-----BEGIN {kind}-----\n{headers}{body}-----END {kind}-----")
    }

    /// A signed-looking JWT with the given header and claims JSON.
    pub fn jwt(&mut self, header: &str, claims: &str) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.{}", e.encode(header), e.encode(claims), self.chars(B64URL, 86))
    }
}

/// Standard base64.
pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The words "PRIVATE KEY", kept apart in the source.
pub fn private_key_words() -> String {
    ["PRIVATE", "KEY"].join(" ")
}
