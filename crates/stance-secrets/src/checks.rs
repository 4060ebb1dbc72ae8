//! Validation of regex matches: entropy, placeholders, decoded structure.
//!
//! These run only on confirmed regex matches (rare), so clarity beats speed here.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::patterns::Check;

/// Base64 (standard alphabet) that accepts input with or without padding.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Base64url (JWT segments) that accepts input with or without padding.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Whether a match passes its pattern's check. `full` is the whole regex
/// match, `secret` the part that is reported.
pub(crate) fn passes(check: Check, full: &[u8], secret: &[u8]) -> bool {
    if is_placeholder(secret) {
        return false;
    }
    match check {
        Check::None => true,
        Check::Entropy(min) => entropy(secret) >= min,
        Check::BasicCredentials => basic_credentials(secret),
        Check::Jwt => jwt_payload(secret).is_some(),
        Check::KubernetesJwt => jwt_payload(secret).is_some_and(|p| is_kubernetes_claims(&p)),
        Check::Password => password(full, secret),
    }
}

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(bytes: &[u8]) -> f32 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f32;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// Documentation fillers and template syntax that are never live secrets.
fn is_placeholder(secret: &[u8]) -> bool {
    const MARKERS: &[&[u8]] = &[
        b"example",
        b"xxxxxxxx",
        b"********",
        b"${",
        b"{{",
        b"<your",
        b"your_",
        b"your-",
        b"redacted",
        b"placeholder",
    ];
    let lower = secret.to_ascii_lowercase();
    MARKERS.iter().any(|m| memchr::memmem::find(&lower, m).is_some())
}

/// `base64(user:password)` with printable text and a non-empty password.
fn basic_credentials(secret: &[u8]) -> bool {
    let Ok(decoded) = STANDARD_LENIENT.decode(secret) else {
        return false;
    };
    let Some(colon) = memchr::memchr(b':', &decoded) else {
        return false;
    };
    let printable = decoded.iter().all(|&b| b >= 0x20 && b != 0x7f);
    let pass = &decoded[colon + 1..];
    printable && !pass.is_empty() && !is_placeholder_password(pass)
}

/// The decoded payload of a JWT whose header is a JSON object with an `alg`.
fn jwt_payload(token: &[u8]) -> Option<Vec<u8>> {
    let mut parts = token.split(|&b| b == b'.');
    let header = URL_SAFE_LENIENT.decode(parts.next()?).ok()?;
    let payload = URL_SAFE_LENIENT.decode(parts.next()?).ok()?;
    let is_object = |v: &[u8]| v.trim_ascii_start().first() == Some(&b'{');
    let has_alg = memchr::memmem::find(&header, b"\"alg\"").is_some();
    (is_object(&header) && has_alg && is_object(&payload)).then_some(payload)
}

/// Claims that only Kubernetes puts in service-account tokens (legacy secret
/// tokens carry the `kubernetes/serviceaccount` issuer, projected tokens a
/// `kubernetes.io` claim).
fn is_kubernetes_claims(payload: &[u8]) -> bool {
    let has = |needle: &[u8]| memchr::memmem::find(payload, needle).is_some();
    has(b"\"kubernetes.io\"") || has(b"kubernetes/serviceaccount")
}

/// Words people put where a password goes in examples.
fn is_placeholder_password(pass: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"password",
        b"passwd",
        b"pass",
        b"secret",
        b"token",
        b"changeme",
        b"pwd",
        b"username",
        b"user",
        b"123456",
        b"12345678",
        b"hunter2",
        b"dummy",
        b"foobar",
        b"test",
        b"testing",
        b"none",
        b"null",
        b"undefined",
        b"access_token",
        b"api_key",
        b"apikey",
    ];
    let lower = pass.to_ascii_lowercase();
    let starts_like_template = matches!(pass.first(), Some(b'$' | b'%' | b'{' | b'<' | b'*' | b'['));
    starts_like_template || WORDS.contains(&lower.as_slice())
}

/// A password from a URL (`://user:pass@host`) or a .netrc line: not a
/// placeholder, not equal to the user name (`postgres:postgres` service
/// containers), and not for a documentation host.
fn password(full: &[u8], secret: &[u8]) -> bool {
    if is_placeholder_password(secret) {
        return false;
    }
    let (user, host) = if let Some(at) = memchr::memmem::find(full, b"://") {
        let rest = &full[at + 3..];
        let user = rest.split(|&b| b == b':').next().unwrap_or_default();
        let host = rest.rsplit(|&b| b == b'@').next().unwrap_or_default();
        (user, host)
    } else {
        // .netrc: machine HOST login USER password SECRET
        let mut words = full.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty());
        let host = words.nth(1).unwrap_or_default();
        let user = words.nth(1).unwrap_or_default();
        (user, host)
    };
    let host = host.to_ascii_lowercase();
    let example_host = host.starts_with(b"example.")
        || host.ends_with(b".example")
        || memchr::memmem::find(&host, b".example.").is_some();
    user != secret && !example_host
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_separates_filler_from_random() {
        assert!(entropy(b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") < 0.1);
        assert!(entropy(b"q8Zr1mK0vT3xWbN7eYcJ2pL5sHfD9uGaR4oI") > 4.5);
    }

    #[test]
    fn basic_credentials_need_user_colon_password() {
        let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert!(basic_credentials(enc("x-access-token:r4nd0mV4lue").as_bytes()));
        assert!(!basic_credentials(enc("no colon here").as_bytes()));
        assert!(!basic_credentials(enc("user:password").as_bytes()));
        assert!(!basic_credentials(b"!!!not base64"));
    }

    #[test]
    fn passwords_reject_placeholders_same_user_and_example_hosts() {
        assert!(password(b"s://deploy:s3cr3tP4ss@git.internal.test", b"s3cr3tP4ss"));
        assert!(!password(b"l://postgres:postgres@localhost", b"postgres"));
        assert!(!password(b"p://user:${PASSWORD}@host", b"${PASSWORD}"));
        assert!(!password(b"s://alice:s3cr3tP4ss@example.com", b"s3cr3tP4ss"));
        assert!(password(b"machine h.test login bob password Zq81kd", b"Zq81kd"));
        assert!(!password(b"machine h.test login bob password bob", b"bob"));
    }
}
