//! Keeping secret values out of every output: descriptors for secrets that were
//! found, and a last-pass scrubber over rendered text.

use std::borrow::Cow;

use aho_corasick::AhoCorasick;
use sha2::{Digest, Sha256};

/// A short, non-reversible description of a secret: kind, length and (for long
/// values only) an 8-hex-digit SHA-256 prefix to correlate sightings.
pub fn describe(kind: &str, value: &[u8]) -> String {
    let fp = fingerprint(value);
    if fp.is_empty() {
        format!("{kind}, {} bytes", value.len())
    } else {
        format!("{kind}, {} bytes, {fp}", value.len())
    }
}

/// `sha256:` and the first 8 hex digits of the value's SHA-256, for values of at
/// least 16 bytes (shorter values could be brute-forced from the prefix); else empty.
pub fn fingerprint(value: &[u8]) -> String {
    if value.len() < 16 {
        return String::new();
    }
    let digest = Sha256::digest(value);
    let mut out = String::from("sha256:");
    for b in &digest[..4] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Whole words (between underscores) of a variable name that mark its value as secret.
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "TOKENS",
    "SECRET",
    "SECRETS",
    "PASSWORD",
    "PASSWD",
    "PWD_HASH",
    "PASSPHRASE",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "APIKEY",
    "PAT",
    "AUTH",
    "COOKIE",
    "SESSION",
    "DSN",
    "JWT",
    "KEY",
    "PRIVATE",
    "SIGNING",
    "WEBHOOK",
];

/// Fragments that mark a secret even inside a word (`NPMTOKEN`, `DBPASSWORD`).
const SECRET_FRAGMENTS: &[&str] = &["TOKEN", "SECRET", "PASSWORD", "PASSWD", "APIKEY", "CONNECTIONSTRING"];

/// Names that look secret but are known not to hold secrets.
const NOT_SECRET_NAMES: &[&str] = &[
    "SSH_AUTH_SOCK",
    "XAUTHORITY",
    "KEYTIMEOUT",
    "GPG_KEY_ID",
    "GITHUB_TOKEN_PERMISSIONS",
    "AUTH_TYPE",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
];

/// Whether an environment variable's name says its value is a secret.
///
/// Words are matched whole (`MY_PAT` is secret, `CARGO_PKG_VERSION_PATCH` is not); a few
/// unambiguous fragments also match inside words (`NPMTOKEN`). Names of paths and URLs
/// (`*_FILE`, `*_PATH`, `*_URL`, `*_DIR`) are not secrets themselves.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if NOT_SECRET_NAMES.contains(&upper.as_str()) {
        return false;
    }
    let words: Vec<&str> =
        upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if let Some(last) = words.last()
        && matches!(
            *last,
            "FILE"
                | "PATH"
                | "URL"
                | "URI"
                | "DIR"
                | "HOST"
                | "NAME"
                | "ID"
                | "USER"
                | "USERNAME"
                | "TYPE"
                | "LENGTH"
        )
        && words.len() > 1
    {
        return false;
    }
    words.iter().any(|w| SECRET_WORDS.contains(w))
        || words.iter().any(|w| SECRET_FRAGMENTS.iter().any(|f| w.contains(f)))
}

/// Whether a variable names a secret or the file that holds one (`GPG_KEY_PATH`,
/// `SCAN_TOKEN_FILE`: CI file variables): for deciding what a job can reach, where
/// [`is_secret_name`] decides whose *value* is secret.
pub fn refers_to_secret(name: &str) -> bool {
    if is_secret_name(name) {
        return true;
    }
    let upper = name.to_ascii_uppercase();
    ["_FILE", "_PATH"].iter().any(|s| upper.strip_suffix(s).is_some_and(is_secret_name))
}

/// Replaces known secret values in text with `[REDACTED]`.
///
/// Built once per run from every value the process knows to be secret (secret-named
/// environment variables, values matched by the secret patterns); applied to every
/// byte stance writes, as a backstop behind evidence that never carries values.
#[derive(Clone, Default)]
pub struct Scrubber {
    matcher: Option<AhoCorasick>,
    count: usize,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the values.
        write!(f, "Scrubber({} values)", self.count)
    }
}

/// The shortest value the scrubber will redact; shorter ones would mangle ordinary text.
pub const MIN_SCRUB_LEN: usize = 8;

impl Scrubber {
    /// A scrubber for `values`; values shorter than [`MIN_SCRUB_LEN`] are ignored.
    pub fn new<I, S>(values: I) -> Scrubber
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut vals: Vec<String> = Vec::new();
        for v in values {
            let v = v.as_ref().trim();
            if v.len() < MIN_SCRUB_LEN {
                continue;
            }
            // Output formats escape what they print: also match the value as JSON, GitHub
            // workflow commands and Markdown table cells show it.
            vals.push(v.to_string());
            vals.extend(escaped_forms(v).into_iter().filter(|e| e != v));
        }
        // Longest first so a value containing another is replaced whole.
        vals.sort_by_key(|v| std::cmp::Reverse(v.len()));
        vals.dedup();
        let count = vals.len();
        let matcher = if vals.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(aho_corasick::MatchKind::LeftmostLongest).build(&vals).ok()
        };
        Scrubber { matcher, count }
    }

    /// A scrubber for the secret-named variables of an environment.
    pub fn from_env<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Scrubber {
        Scrubber::new(vars.into_iter().filter(|(k, _)| is_secret_name(k)).map(|(_, v)| v))
    }

    /// How many distinct values it redacts.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it redacts nothing.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// `text` with every known value replaced by `[REDACTED]`.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match &self.matcher {
            Some(m) if m.is_match(text) => Cow::Owned(m.replace_all(text, &vec!["[REDACTED]"; self.count])),
            _ => Cow::Borrowed(text),
        }
    }
}

/// How the output formats may write `v`: JSON string escaping, and the escapes of the text,
/// GitHub workflow-command (message and property) and Markdown table renderers, which are
/// called here so that this list cannot drift from what they print.
fn escaped_forms(v: &str) -> Vec<String> {
    use crate::render;
    let json = serde_json::to_string(v).map(|q| q[1..q.len() - 1].to_string()).unwrap_or_default();
    vec![
        json,
        render::clean(v).into_owned(),
        render::escape_data(v),
        render::escape_property(v),
        render::escape_cell(v),
    ]
}

/// Removes the userinfo (`user:password@`) from a URL-like string.
pub fn strip_url_credentials(url: &str) -> Cow<'_, str> {
    let Some(scheme_end) = url.find("://") else { return Cow::Borrowed(url) };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => Cow::Owned(format!("{}://[REDACTED]@{}", &url[..scheme_end], &rest[at + 1..])),
        None => Cow::Borrowed(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_every_occurrence_and_longest_value() {
        let s = Scrubber::new(["supersecretvalue", "supersecretvalue-extended", "short"]);
        assert_eq!(s.len(), 2);
        assert_eq!(s.scrub("a supersecretvalue-extended b supersecretvalue"), "a [REDACTED] b [REDACTED]");
        assert_eq!(s.scrub("short stays"), "short stays");
        assert!(matches!(s.scrub("nothing here"), Cow::Borrowed(_)));
        assert!(!format!("{s:?}").contains("supersecret"));
    }

    #[test]
    fn escaped_forms_of_values_are_scrubbed_too() {
        let s = Scrubber::new(["pa\"ss|wo:rd,%x\nyz"]);
        let json = serde_json::to_string("pa\"ss|wo:rd,%x\nyz").unwrap();
        assert_eq!(s.scrub(&json), "\"[REDACTED]\"");
        assert_eq!(s.scrub("pa\"ss|wo%3Ard%2C%25x%0Ayz"), "[REDACTED]");
        // The Markdown table cell (`|` escaped, the newline a space) and the text renderer's
        // escaped control character.
        assert_eq!(s.scrub("pa\"ss\\|wo:rd,%x yz"), "[REDACTED]");
        assert_eq!(s.scrub("pa\"ss|wo:rd,%x\\nyz"), "[REDACTED]");
        // A form no renderer produces is left alone.
        assert_eq!(s.scrub("pa\"ss|wo:rd,%x-yz"), "pa\"ss|wo:rd,%x-yz");
    }

    #[test]
    fn names_that_refer_to_a_secret_file() {
        for n in ["GPG_KEY_PATH", "SCAN_TOKEN_FILE", "GPG_PASSPHRASE_PATH", "NPM_TOKEN"] {
            assert!(refers_to_secret(n), "{n}");
            assert_eq!(is_secret_name(n), n == "NPM_TOKEN", "{n}");
        }
        for n in ["CMAKE_PREFIX_PATH", "TARBALL_ARTIFACT_PATH", "CONFIG_FILE", "PATH"] {
            assert!(!refers_to_secret(n), "{n}");
        }
    }

    #[test]
    fn secret_names() {
        for n in [
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "NPM_TOKEN",
            "DB_PASSWORD",
            "MY_PAT",
            "SSH_PRIVATE_KEY",
            "SENTRY_DSN",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "PATH",
            "HOME",
            "GITHUB_REPOSITORY",
            "SSH_AUTH_SOCK",
            "TOKEN_URL",
            "KEYTIMEOUT",
            "GIT_AUTHOR_NAME",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn descriptions_never_contain_the_value() {
        let v = b"ghp_0123456789abcdefghijklmnopqrstuvwxyz";
        let d = describe("github-token", v);
        assert!(d.starts_with("github-token, 40 bytes, sha256:"));
        assert!(!d.contains("0123456789"));
        assert_eq!(describe("pin", b"1234"), "pin, 4 bytes");
    }

    #[test]
    fn url_credentials_are_stripped() {
        assert_eq!(strip_url_credentials("http://user:pw@proxy:3128/x"), "http://[REDACTED]@proxy:3128/x");
        assert_eq!(strip_url_credentials("http://proxy:3128"), "http://proxy:3128");
        assert_eq!(strip_url_credentials("proxy:3128"), "proxy:3128");
    }
}
