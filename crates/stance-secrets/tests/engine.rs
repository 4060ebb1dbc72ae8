//! The matcher's API: overlaps, positions, fingerprints, redaction, never
//! leaking, and the generated pattern reference.

#![allow(clippy::unwrap_used)]

mod common;

use std::borrow::Cow;

use common::*;
use stance_secrets::{Confidence, PatternSet};

#[test]
fn a_token_inside_a_url_is_reported_once_as_the_specific_kind() {
    let set = PatternSet::builtin();
    let token = Fake::new(1).token("ghs_", B62, 36);
    let text = format!("remote = https://x-access-token:{token}@github.com/o/r.git\n");
    let found = set.scan_bytes(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].pattern, "github-installation-token");
    assert_eq!(found[0].offset, text.find(&token).unwrap());
}

#[test]
fn a_jwt_in_a_header_is_one_match_and_kubernetes_wins_over_generic() {
    let set = PatternSet::builtin();
    let jwt = Fake::new(2).jwt(r#"{"alg":"RS256"}"#, r#"{"iss":"kubernetes/serviceaccount"}"#);
    let text = format!("Authorization: Bearer {jwt}\n");
    let found = set.scan_bytes(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].pattern, "kubernetes-service-account-token");
    assert_eq!(found[0].confidence, Confidence::High);
}

#[test]
fn positions_are_one_based_lines_and_character_columns() {
    let set = PatternSet::builtin();
    let token = Fake::new(3).token("glpat-", B64URL, 20);
    // Line 3; the token follows "é: " (é is two bytes, one character).
    let text = format!("first\nsecond\né: {token}\n");
    let m = &set.scan_bytes(text.as_bytes())[0];
    assert_eq!((m.line, m.column), (3, 4));
    assert_eq!(m.offset, text.find(&token).unwrap());
    assert_eq!(m.length, token.len());
}

#[test]
fn fingerprints_are_short_hashes_and_absent_for_short_secrets() {
    let set = PatternSet::builtin();
    let mut f = Fake::new(4);
    let long = f.token("ghp_", B62, 36);
    let m = &set.scan_bytes(long.as_bytes())[0];
    assert!(m.fingerprint.starts_with("sha256:") && m.fingerprint.len() == 15, "{}", m.fingerprint);
    assert!(m.fingerprint[7..].bytes().all(|b| b.is_ascii_hexdigit()));
    // Same secret, same fingerprint; different secret, different one.
    let again = &set.scan_bytes(format!("x {long} y").as_bytes())[0];
    assert_eq!(again.fingerprint, m.fingerprint);
    let other = &set.scan_bytes(f.token("ghp_", B62, 36).as_bytes())[0];
    assert_ne!(other.fingerprint, m.fingerprint);
    // A 10-byte .netrc password: a short hash would help guess it.
    let short = set.scan_bytes(b"machine h.test login bot password Zq81kdPw3x\n");
    assert_eq!(short.len(), 1);
    assert_eq!(short[0].length, 10);
    assert!(short[0].fingerprint.is_empty());
}

#[test]
fn redaction_replaces_each_secret_and_keeps_the_rest() {
    let set = PatternSet::builtin();
    let mut f = Fake::new(5);
    let gh = f.token("ghp_", B62, 36);
    let basic = b64(&format!("bot:{}", f.chars(B62, 20)));
    let text = format!("token {gh} and\nAUTHORIZATION: basic {basic}\nend ✓");
    let red = set.redact(&text);
    assert_eq!(
        red,
        "token [REDACTED:github-classic-pat] and\nAUTHORIZATION: basic [REDACTED:http-basic-auth-header]\nend ✓"
    );
    assert!(matches!(set.redact("nothing to see here"), Cow::Borrowed(_)));
}

#[test]
fn overlapping_matches_are_redacted_as_their_union() {
    // A .netrc password that is itself a token: both patterns match, one
    // marker covers both spans, and no byte of the token survives.
    let set = PatternSet::builtin();
    let token = Fake::new(6).token("ghp_", B62, 36);
    let text = format!("machine github.com login bot password {token}\n");
    let red = set.redact(&text);
    assert_eq!(red, "machine github.com login bot password [REDACTED:github-classic-pat]\n");
}

#[test]
fn redact_bytes_handles_invalid_utf8_around_secrets() {
    let set = PatternSet::builtin();
    let token = Fake::new(7).token("npm_", B62, 36);
    let mut data = vec![0xff, 0xfe, b' '];
    data.extend_from_slice(token.as_bytes());
    data.extend_from_slice(b" \xc3");
    let red = set.redact_bytes(&data);
    assert_eq!(&red[..], b"\xff\xfe [REDACTED:npm-access-token] \xc3".as_slice());
}

#[test]
fn is_match_agrees_with_scan_bytes() {
    let set = PatternSet::builtin();
    let token = Fake::new(8).token("hf_", B62, 34);
    assert!(set.is_match(format!("HF_TOKEN={token}").as_bytes()));
    assert!(!set.is_match(b"HF_TOKEN=${{ secrets.HF_TOKEN }}"));
    assert!(!set.is_match(b""));
}

#[test]
fn canary_never_appears_in_match_output() {
    let set = PatternSet::builtin();
    let mut f = Fake::new(9);
    let canaries = [
        f.token("ghp_", B62, 36),
        f.token("AKIA", BASE32, 16),
        f.chars(B62, 24), // a URL password
        f.pem(&format!("EC {}", private_key_words()), ""),
    ];
    let text = format!(
        "a {}\nb {}\nc https://ci:{}@git.corp.test/x\nd\n{}\n",
        canaries[0], canaries[1], canaries[2], canaries[3]
    );
    let found = set.scan_bytes(text.as_bytes());
    assert_eq!(found.len(), 4, "{found:?}");
    let outputs = [format!("{found:?}"), format!("{found:#?}"), serde_json::to_string(&found).unwrap()];
    for out in &outputs {
        for c in &canaries {
            // Any 12-byte window of a canary would be a leak, not only all of it.
            for w in c.as_bytes().windows(12) {
                let w = std::str::from_utf8(w).unwrap();
                assert!(!out.contains(w), "output leaks part of a secret: {w}");
            }
        }
    }
}

#[test]
fn look_behind_sees_bytes_before_the_anchor() {
    // `\b` before the anchor must consult the byte before the prefilter hit.
    let set = PatternSet::builtin();
    let token = Fake::new(10).token("ghp_", B62, 36);
    assert!(set.scan_bytes(format!("x{token}").as_bytes()).is_empty());
    assert_eq!(set.scan_bytes(format!("x:{token}").as_bytes()).len(), 1);
}

#[test]
fn a_long_token_run_past_the_window_yields_nothing() {
    // A JWT-like run longer than the pattern's window: the window ends inside
    // it, and that edge must not pass for the end of a token.
    let set = PatternSet::builtin();
    let mut f = Fake::new(11);
    let e = |s: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, s);
    let text = format!("{}.{}.{}", e(r#"{"alg":"HS256"}"#), e(r#"{"sub":"1"}"#), f.chars(B64URL, 40_000));
    assert!(set.scan_bytes(text.as_bytes()).is_empty());
}

#[test]
fn rg_export_has_one_anonymous_pattern_per_line() {
    let set = PatternSet::builtin();
    let out = set.to_rg_patterns();
    assert_eq!(out.lines().count(), set.patterns().len());
    assert!(!out.contains("(?P<"), "named groups would collide when rg joins patterns");
    assert!(out.lines().all(|l| l.starts_with("(?-u:") && l.ends_with(')')));
}

#[test]
fn many_matches_in_one_buffer_stay_fast_and_ordered() {
    // 20,000 tokens in 1 MB: overlap resolution must not be quadratic.
    let set = PatternSet::builtin();
    let mut f = Fake::new(12);
    let text: String = (0..20_000).map(|_| format!("{} ", f.token("ghp_", B62, 36))).collect();
    let t = std::time::Instant::now();
    let found = set.scan_bytes(text.as_bytes());
    assert_eq!(found.len(), 20_000);
    assert!(found.windows(2).all(|w| w[0].offset < w[1].offset));
    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
}

#[test]
fn patterns_reference_is_up_to_date() {
    // PATTERNS.md is generated from the table; set STANCE_BLESS=1 to rewrite it.
    let mut md = String::from(
        "# Built-in secret patterns\n\n\
         Generated from `src/patterns.rs` by `tests/engine.rs` (run with `STANCE_BLESS=1` to update).\n\
         Anchors are the literals the prefilter looks for; the regexes are in the source.\n\n\
         | id | confidence | what | anchors |\n|---|---|---|---|\n",
    );
    for p in PatternSet::builtin().patterns() {
        let anchors: Vec<String> = p.anchors.iter().map(|a| format!("`{}`", a.replace('|', "\\|"))).collect();
        md.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            p.id,
            p.confidence,
            p.description,
            anchors.join(" ")
        ));
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("PATTERNS.md");
    if std::env::var_os("STANCE_BLESS").is_some() {
        std::fs::write(&path, &md).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == md,
        "PATTERNS.md is stale: run `STANCE_BLESS=1 cargo nextest run -p stance-secrets`"
    );
}
