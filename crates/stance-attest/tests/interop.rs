//! Interop both ways with third-party implementations (securesystemslib's DSSE,
//! the in-toto package, in-toto-attestation's Statement model, rfc8785,
//! jsonschema), through tests/python/dsse_interop.py in the test venv.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{Value, json};
use stance_attest::*;

/// A named change to a predicate.
type Edit = Box<dyn Fn(&mut Value)>;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/dsse_interop.py")
}

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/attestation-predicate.schema.json")
}

/// The venv's Python with the interop packages, or `None` after reporting a skip.
fn python() -> Option<PathBuf> {
    let Some(py) = stance_testkit::python() else {
        stance_testkit::skip("no test Python venv (.venv); see docs/attestation.md for the packages");
        return None;
    };
    let probe = Command::new(&py)
        .args(["-c", "import securesystemslib.dsse, in_toto.models.metadata, in_toto_attestation.v1.statement, rfc8785, jsonschema"])
        .output()
        .unwrap();
    if !probe.status.success() {
        stance_testkit::skip(
            "the test venv lacks securesystemslib[crypto], in-toto, in-toto-attestation, rfc8785 or jsonschema",
        );
        return None;
    }
    Some(py)
}

/// Runs the script; returns (exit code, its JSON output).
fn run(py: &Path, args: &[&str]) -> (i32, Value) {
    let out = Command::new(py).arg(script()).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let value = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "script printed no JSON for {args:?}: stdout={stdout} stderr={}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), value)
}

fn now_request(subjects: Vec<ArtifactDigest>) -> AttestRequest {
    let now = Timestamp::now();
    let mut req = AttestRequest::new(sample_report(&now.to_rfc3339(), "L2", 30));
    req.subjects = subjects;
    req.tier = Some(Tier::Privileged);
    req.policy = Some(PolicyResult {
        decision: Decision::Allow,
        tier: Tier::Privileged,
        required_level: Level::L2,
        reasons: vec!["posture L2 meets the L2 that privileged jobs need".into()],
    });
    req
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn stance_envelopes_verify_with_securesystemslib_and_in_toto() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(*alg).unwrap();
        let pub_path = dir.path().join(format!("{alg}.pub.pem"));
        std::fs::write(&pub_path, key.public_key().to_pem()).unwrap();
        for (label, subjects) in
            [("report", vec![]), ("artifacts", vec![ArtifactDigest::of_bytes("dist/app.whl", b"wheel")])]
        {
            let env = now_request(subjects).sign(&[&key]).unwrap();
            let path = dir.path().join(format!("{alg}-{label}.intoto.jsonl"));
            std::fs::write(&path, format!("{}\n", env.to_json())).unwrap();
            let (code, out) = run(&py, &["verify", p(&path), p(&pub_path)]);
            assert_eq!(code, 0, "{alg} {label}: {out}");
            assert_eq!(out["keyid"], key.key_id(), "securesystemslib's default key id equals stance's");
            let checks: Vec<&str> =
                out["checks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            for c in ["securesystemslib-dsse", "in-toto-metadata", "in-toto-attestation-statement"] {
                assert!(checks.contains(&c), "{alg} {label}: {checks:?}");
            }
            assert_eq!(checks.contains(&"report-digest-rfc8785"), label == "report", "{checks:?}");

            // The oracle is not a rubber stamp: a flipped payload bit fails there too.
            let mut bad = env.clone();
            bad.payload[40] ^= 0x01;
            let bad_path = dir.path().join(format!("{alg}-{label}-bad.json"));
            std::fs::write(&bad_path, bad.to_json()).unwrap();
            let (code, out) = run(&py, &["verify", p(&bad_path), p(&pub_path)]);
            assert_eq!(code, 1, "{out}");
        }
        // The report digest check in Python is independent: a report edited and
        // re-signed without updating the subject is caught by rfc8785 there.
        let mut st = serde_json::to_value(now_request(vec![]).statement().unwrap()).unwrap();
        st["predicate"]["report"]["duration_ms"] = json!(7);
        let env = Envelope::sign(PAYLOAD_TYPE, serde_json::to_vec(&st).unwrap(), &[&key]);
        let path = dir.path().join(format!("{alg}-edited.json"));
        std::fs::write(&path, env.to_json()).unwrap();
        let (code, out) = run(&py, &["verify", p(&path), p(&pub_path)]);
        assert_eq!((code, out["reason"].as_str()), (1, Some("report digest (rfc8785) mismatch")));
    }
}

#[test]
fn securesystemslib_envelopes_verify_with_stance() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let now = Timestamp::now();
    let report_path = dir.path().join("report.json");
    std::fs::write(&report_path, sample_report(&now.to_rfc3339(), "L3", 25).to_string()).unwrap();
    let (code, out) = run(&py, &["sign", p(dir.path()), p(&report_path), &now.to_rfc3339()]);
    assert_eq!(code, 0, "{out}");
    for name in ["ed25519", "ecdsa", "ecdsa-custom-keyid"] {
        let key = PublicKey::read_file(&dir.path().join(format!("{name}.pub.pem"))).unwrap();
        let made = &out["made"][name];
        if name == "ecdsa-custom-keyid" {
            assert_eq!(made["keyid"], "ci-release-key-2026");
        } else {
            assert_eq!(made["keyid"], key.key_id(), "{name}: key id derivation matches securesystemslib");
        }
        if name.starts_with("ecdsa") {
            assert_eq!(made["sig_first_byte"], 0x30, "securesystemslib writes DER ECDSA signatures");
        } else {
            assert_eq!(made["sig_len"], 64);
        }
        let bytes = std::fs::read(dir.path().join(format!("{name}.intoto.json"))).unwrap();
        let mut opts = VerifyOptions::new(vec![key.clone()]);
        opts.max_age = Some(600);
        opts.tier = Some(Tier::Release);
        let v = verify(&bytes, &opts).unwrap_or_else(|r| panic!("{name}: {} {r}", r.code()));
        assert!(v.report_bound, "{name}: Python's rfc8785 digest equals stance's");
        assert_eq!(v.predicate.level, Level::L3);
        assert_eq!(v.predicate.stance_version, "python-interop");

        // And the wrong key is refused.
        let other = SigningKey::generate(key.algorithm()).unwrap();
        let opts = VerifyOptions::new(vec![other.public_key().clone()]);
        assert_eq!(verify(&bytes, &opts).unwrap_err().code(), "signature-does-not-verify");
    }
}

#[test]
fn python_signs_with_stance_generated_private_keys() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let now = Timestamp::now();
    let report_path = dir.path().join("report.json");
    std::fs::write(&report_path, sample_report(&now.to_rfc3339(), "L2", 5).to_string()).unwrap();
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(*alg).unwrap();
        let key_path = dir.path().join(format!("{alg}.key.pem"));
        key.write_pem_file(&key_path, false).unwrap();
        let env_path = dir.path().join(format!("{alg}.intoto.json"));
        let (code, out) =
            run(&py, &["sign-with", p(&key_path), p(&env_path), p(&report_path), &now.to_rfc3339()]);
        assert_eq!(code, 0, "{alg}: cryptography reads stance's PKCS#8 key: {out}");
        assert_eq!(out["keyid"], key.key_id());
        let opts = VerifyOptions::new(vec![key.public_key().clone()]);
        let bytes = std::fs::read(&env_path).unwrap();
        assert!(verify(&bytes, &opts).is_ok(), "{alg}");
    }
}

#[test]
fn sigstore_bundle_parses_with_sigstore_models() {
    let Some(py) = python() else { return };
    let probe = Command::new(&py)
        .args(["-c", "import sigstore_protobuf_specs.dev.sigstore.bundle.v1"])
        .output()
        .unwrap();
    if !probe.status.success() {
        stance_testkit::skip("the test venv lacks sigstore-protobuf-specs");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(*alg).unwrap();
        let pub_path = dir.path().join("k.pub");
        std::fs::write(&pub_path, key.public_key().to_pem()).unwrap();
        let env = now_request(vec![]).sign(&[&key]).unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, bundle::to_bundle(&env, key.key_id()).to_string()).unwrap();
        let (code, out) = run(&py, &["bundle", p(&path), p(&pub_path)]);
        assert_eq!(code, 0, "{alg}: {out}");
        assert_eq!(out["media_type"], bundle::BUNDLE_MEDIA_TYPE);
        assert_eq!(out["hint"], key.key_id());
        assert_eq!(out["payload_type"], PAYLOAD_TYPE);
    }
}

#[test]
fn predicates_validate_against_the_schema() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Algorithm::Ed25519).unwrap();
    let schema = schema();
    let check = |name: &str, predicate: &Value| -> i32 {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, predicate.to_string()).unwrap();
        let (code, out) = run(&py, &["schema", p(&schema), p(&path)]);
        assert!(code == 0 || out["errors"].is_array(), "{out}");
        code
    };
    // What stance produces, with and without tier and policy.
    let base = serde_json::to_value(now_request(vec![]).statement().unwrap()).unwrap();
    let full = base["predicate"].clone();
    assert_eq!(check("full", &full), 0);
    let mut bare = AttestRequest::new(json!({"anything": true}));
    bare.level = Some(Level::L0);
    let bare = bare.statement().unwrap().predicate;
    assert_eq!(bare["tier"], Value::Null);
    assert_eq!(check("bare", &bare), 0);

    // Predicates the verifier refuses are refused by the schema too.
    let edits: Vec<(&str, Edit)> = vec![
        ("level-L4", Box::new(|p| p["level"] = json!("L4"))),
        ("tier-unknown", Box::new(|p| p["tier"] = json!("admin"))),
        ("no-policy", Box::new(|p| drop(p.as_object_mut().unwrap().remove("policy")))),
        ("no-tier", Box::new(|p| drop(p.as_object_mut().unwrap().remove("tier")))),
        ("extra", Box::new(|p| p["extra"] = json!(1))),
        ("report-array", Box::new(|p| p["report"] = json!([]))),
        ("policy-array", Box::new(|p| p["policy"] = json!(["allow", "build", "L1", []]))),
        ("policy-extra", Box::new(|p| p["policy"]["why"] = json!("x"))),
        ("decision", Box::new(|p| p["policy"]["decision"] = json!("maybe"))),
        ("attested-at-space", Box::new(|p| p["attested_at"] = json!("2026-01-01 00:00:00Z"))),
        ("attested-at-number", Box::new(|p| p["attested_at"] = json!(1_700_000_000))),
        ("version-number", Box::new(|p| p["stance_version"] = json!(1))),
    ];
    for (name, edit) in &edits {
        let mut pred = full.clone();
        edit(&mut pred);
        assert_eq!(check(name, &pred), 1, "schema accepted {name}");
        let mut st = base.clone();
        st["predicate"] = pred;
        let env = Envelope::sign(PAYLOAD_TYPE, serde_json::to_vec(&st).unwrap(), &[&key]);
        let err = verify(env.to_json().as_bytes(), &VerifyOptions::new(vec![key.public_key().clone()]))
            .unwrap_err();
        assert!(matches!(err.code(), "predicate-malformed" | "timestamp-invalid"), "{name}: {}", err.code());
    }
}
