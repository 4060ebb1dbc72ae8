//! End-to-end behaviour of attest → verify: subjects, freshness, tiers, forms.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::json;
use stance_attest::*;

fn code(r: Result<Verified, Rejection>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn report_is_the_subject_without_artifacts() {
    let key = ed_key();
    let env = request(-60, -120).sign(&[&key]).unwrap();
    let v = verify(env.to_json().as_bytes(), &options(&key)).unwrap();
    assert!(v.report_bound);
    assert_eq!(v.statement.subject.len(), 1);
    let s = &v.statement.subject[0];
    assert_eq!(s.name.as_deref(), Some(REPORT_SUBJECT_NAME));
    // The digest is sha256 over the RFC 8785 form of the report in the predicate.
    let report = serde_json::Value::Object(v.predicate.report.clone());
    assert_eq!(s.digest["sha256"], canonical::sha256_hex(&report));
    assert_eq!(v.predicate.level, Level::L2);
    assert_eq!(v.age, 60);
    assert_eq!(v.key_ids, vec![key.key_id().to_string()]);
    assert!(v.checks.iter().any(|c| c.starts_with("report: digest matches")));
}

#[test]
fn artifacts_are_bound_by_both_digests() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("app.tar.gz");
    let b = dir.path().join("app.sbom.json");
    let c = dir.path().join("other.bin");
    std::fs::write(&a, b"artifact a").unwrap();
    std::fs::write(&b, b"artifact b").unwrap();
    std::fs::write(&c, b"artifact c").unwrap();
    let key = ec_key();
    let mut req = request(-10, -20);
    req.subjects = vec![ArtifactDigest::of_file(&a).unwrap(), ArtifactDigest::of_file(&b).unwrap()];
    let env = req.sign(&[&key]).unwrap();
    let bytes = env.to_json();
    let st: Statement = serde_json::from_slice(&env.payload).unwrap();
    assert_eq!(st.subject.len(), 2);
    assert!(st.subject.iter().all(|s| s.digest.contains_key("sha256") && s.digest.contains_key("sha512")));

    let mut opts = options(&key);
    opts.subjects = vec![ArtifactDigest::of_file(&a).unwrap(), ArtifactDigest::of_file(&b).unwrap()];
    let v = verify(bytes.as_bytes(), &opts).unwrap();
    assert!(!v.report_bound, "artifacts replace the report subject");

    // The name does not matter, the bytes do: a copy elsewhere verifies.
    let copy = dir.path().join("renamed");
    std::fs::copy(&a, &copy).unwrap();
    opts.subjects = vec![ArtifactDigest::of_file(&copy).unwrap()];
    assert_eq!(code(verify(bytes.as_bytes(), &opts)), "ok");

    opts.subjects = vec![ArtifactDigest::of_file(&a).unwrap(), ArtifactDigest::of_file(&c).unwrap()];
    let err = verify(bytes.as_bytes(), &opts).unwrap_err();
    assert_eq!(err, Rejection::SubjectDigestMismatch { name: c.to_str().unwrap().to_string() });
    assert_eq!(err.kind(), RejectionKind::Unacceptable);
}

#[test]
fn reserved_subject_name_is_refused() {
    let mut req = request(0, 0);
    req.subjects = vec![ArtifactDigest::of_bytes(REPORT_SUBJECT_NAME, b"x")];
    assert_eq!(req.statement().unwrap_err(), AttestError::ReservedSubjectName);
}

#[test]
fn freshness_boundaries() {
    let key = ed_key();
    let check = |attested: i64, report: i64| {
        code(verify(request(attested, report).sign(&[&key]).unwrap().to_json().as_bytes(), &options(&key)))
    };
    let max = MAX_AGE as i64;
    assert_eq!(check(-max, -max), "ok", "exactly max age is still fresh");
    assert_eq!(check(-max - 1, -max - 1), "attestation-too-old");
    assert_eq!(check(-10, -max - 1), "report-too-old");
    assert_eq!(check(120, 0), "ok", "within the 120 s skew");
    assert_eq!(check(121, 0), "timestamp-in-future");
    assert_eq!(check(0, 121), "timestamp-in-future");
    // Without --max-age, age is not checked, the future still is.
    let mut opts = options(&key);
    opts.max_age = None;
    let old = request(-10 * max, -10 * max).sign(&[&key]).unwrap().to_json();
    assert_eq!(code(verify(old.as_bytes(), &opts)), "ok");
    let future = request(1000, 0).sign(&[&key]).unwrap().to_json();
    assert_eq!(code(verify(future.as_bytes(), &opts)), "timestamp-in-future");
}

#[test]
fn tier_uses_the_default_mapping() {
    let key = ed_key();
    for (level, tier, want) in [
        ("L0", Tier::Build, "tier-not-satisfied"),
        ("L1", Tier::Build, "ok"),
        ("L1", Tier::Privileged, "tier-not-satisfied"),
        ("L2", Tier::Privileged, "ok"),
        ("L2", Tier::Untrusted, "ok"),
        ("L1", Tier::Untrusted, "tier-not-satisfied"),
        ("L2", Tier::Release, "tier-not-satisfied"),
        ("L3", Tier::Release, "ok"),
    ] {
        let mut req = request(0, 0);
        req.report = sample_report(&at(0), level, 3);
        let env = req.sign(&[&key]).unwrap().to_json();
        let mut opts = options(&key);
        opts.tier = Some(tier);
        assert_eq!(code(verify(env.as_bytes(), &opts)), want, "{level} {tier}");
    }
    // The mapping is a swappable function.
    let mut req = request(0, 0);
    req.report = sample_report(&at(0), "L1", 3);
    let env = req.sign(&[&key]).unwrap().to_json();
    let mut opts = options(&key);
    opts.tier = Some(Tier::Release);
    opts.required_level = |_| Level::L1;
    assert_eq!(code(verify(env.as_bytes(), &opts)), "ok");
}

#[test]
fn level_and_policy_are_recorded() {
    let key = ed_key();
    let mut req = request(0, 0);
    req.tier = Some(Tier::Build);
    req.policy = Some(PolicyResult {
        decision: Decision::Allow,
        tier: Tier::Build,
        required_level: Level::L1,
        reasons: vec!["level L2 meets L1".into()],
    });
    let v = verify(req.sign(&[&key]).unwrap().to_json().as_bytes(), &options(&key)).unwrap();
    assert_eq!(v.predicate.tier, Some(Tier::Build));
    assert_eq!(v.predicate.policy.as_ref().unwrap().decision, Decision::Allow);
    assert_eq!(v.predicate.stance_version, "0.1.0-test");
    assert_eq!(v.to_json()["level"], "L2");

    req.tier = Some(Tier::Release);
    assert!(matches!(req.statement(), Err(AttestError::PolicyTierDisagrees { .. })));
}

#[test]
fn level_comes_from_the_report_or_must_be_given() {
    let mut req = AttestRequest::new(json!({"anything": ["goes", 1]}));
    assert_eq!(req.statement().unwrap_err(), AttestError::NoLevel);
    req.level = Some(Level::L1);
    let st = req.statement().unwrap();
    assert_eq!(st.predicate["level"], "L1");
    assert_eq!(st.predicate["tier"], serde_json::Value::Null);
    let mut req = request(0, 0);
    req.level = Some(Level::L3);
    assert!(matches!(req.statement(), Err(AttestError::LevelDisagrees { .. })));
    let req = AttestRequest::new(json!([1]));
    assert_eq!(req.statement().unwrap_err(), AttestError::ReportNotObject);
}

#[test]
fn bundle_and_jsonl_forms_verify() {
    let key = ed_key();
    let env = request(0, 0).sign(&[&key]).unwrap();
    let opts = options(&key);
    let bundle = bundle::to_bundle(&env, key.key_id()).to_string();
    assert_eq!(code(verify(bundle.as_bytes(), &opts)), "ok");
    let pretty = serde_json::to_string_pretty(&env.to_value()).unwrap();
    assert_eq!(code(verify(pretty.as_bytes(), &opts)), "ok");

    // JSON Lines: a line for another predicate type, then ours.
    let other =
        Envelope::sign(PAYLOAD_TYPE, br#"{"_type":"https://in-toto.io/Statement/v1"}"#.to_vec(), &[&key]);
    let jsonl = format!("{}\n{}\n", other.to_json(), env.to_json());
    let v = verify(jsonl.as_bytes(), &opts).unwrap();
    assert_eq!(v.line, Some(2));
    // When no line verifies, the reason from the line that got furthest is given.
    let old = request(-(MAX_AGE as i64) - 5, 0).sign(&[&key]).unwrap();
    let jsonl = format!("{}\n\n{}\n", other.to_json(), old.to_json());
    assert_eq!(code(verify(jsonl.as_bytes(), &opts)), "attestation-too-old");
    // Work is bounded: too many lines are refused before any signature check.
    let many = format!("{}\n", other.to_json()).repeat(verify::MAX_LINES + 1);
    let err = verify(many.as_bytes(), &opts).unwrap_err();
    assert!(err.to_string().contains("JSON Lines"), "{err}");
}

#[test]
fn threshold_counts_distinct_trusted_keys() {
    let (a, b) = (ed_key(), ec_key());
    let env = request(0, 0).sign(&[&a, &b]).unwrap().to_json();
    let mut opts = options(&a);
    opts.keys.push(b.public_key().clone());
    opts.threshold = 2;
    let v = verify(env.as_bytes(), &opts).unwrap();
    assert_eq!(v.key_ids.len(), 2);
    let single = request(0, 0).sign(&[&a]).unwrap().to_json();
    assert_eq!(code(verify(single.as_bytes(), &opts)), "threshold-not-met");
}

#[test]
fn checks_list_what_was_verified() {
    let key = ed_key();
    let mut opts = options(&key);
    opts.tier = Some(Tier::Build);
    let v = verify(request(-5, -5).sign(&[&key]).unwrap().to_json().as_bytes(), &opts).unwrap();
    let text = v.checks.join("\n");
    for needle in [
        "signature: valid ed25519",
        "payload type: application/vnd.in-toto+json",
        "statement: https://in-toto.io/Statement/v1",
        "predicate: https://stance.dev/attestation/posture/v1",
        "freshness: attested 5s ago",
        "tier: build requires L1",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}
