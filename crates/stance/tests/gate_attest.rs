//! `stance gate --attest-out FILE`: the attestation is written only when the gate allows
//! the command, and it verifies for the tier it was gated for.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

fn stance(dir: &Path, args: &[&str]) -> Output {
    stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance")).current_dir(dir).args(args).output().unwrap()
}

/// A probe report of an empty offline root (L0), and the same report with every control passing (L3).
fn reports(dir: &Path) {
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let o = stance(dir, &["probe", "--root", "root", "--format", "json", "-o", "l0.json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("l0.json")).unwrap()).unwrap();
    for f in v["findings"].as_array_mut().unwrap() {
        f["outcome"] = "pass".into();
        f.as_object_mut().unwrap().remove("reason");
    }
    v["posture"] = serde_json::json!({ "level": "L3" });
    std::fs::write(dir.join("l3.json"), serde_json::to_string(&v).unwrap()).unwrap();
    let o = stance(dir, &["key", "generate", "--out", "k"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn allowed_gate_writes_an_attestation_that_verifies_for_the_tier() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reports(d);
    std::fs::write(d.join("artifact.tar"), "release bits").unwrap();
    let o = stance(
        d,
        &[
            "gate",
            "--report",
            "l3.json",
            "--tier",
            "release",
            "--attest-out",
            "a.intoto.jsonl",
            "--key",
            "k.key",
            "--subject",
            "artifact.tar",
            "--",
            "sh",
            "-c",
            "touch ran",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(d.join("ran").exists());
    assert!(d.join("a.intoto.jsonl").exists());
    let o = stance(
        d,
        &["verify", "a.intoto.jsonl", "--key", "k.pub", "--tier", "release", "--subject", "artifact.tar"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn denied_gate_writes_nothing_and_never_runs_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reports(d);
    let o = stance(
        d,
        &[
            "gate",
            "--report",
            "l0.json",
            "--tier",
            "release",
            "--attest-out",
            "a.intoto.jsonl",
            "--key",
            "k.key",
            "--",
            "sh",
            "-c",
            "touch ran",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!d.join("ran").exists());
    assert!(!d.join("a.intoto.jsonl").exists());
}

#[test]
fn attest_out_needs_a_key_and_a_bad_key_stops_before_deciding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reports(d);
    let o = stance(
        d,
        &["gate", "--report", "l3.json", "--tier", "release", "--attest-out", "a.jsonl", "--", "true"],
    );
    assert_eq!(o.status.code(), Some(2));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.join("k.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = stance(
        d,
        &[
            "gate",
            "--report",
            "l3.json",
            "--tier",
            "release",
            "--attest-out",
            "a.jsonl",
            "--key",
            "k.key",
            "--",
            "sh",
            "-c",
            "touch ran",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!d.join("ran").exists() && !d.join("a.jsonl").exists());
}

#[test]
fn attest_records_the_policy_decision_for_the_tier() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reports(d);
    let o =
        stance(d, &["attest", "--report", "l0.json", "--tier", "build", "--key", "k.key", "-o", "b.jsonl"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line = std::fs::read_to_string(d.join("b.jsonl")).unwrap();
    let env: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
    let st: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(st["predicate"]["policy"]["decision"], "deny");
    assert_eq!(st["predicate"]["policy"]["required_level"], "L1");
    assert_eq!(st["predicate"]["tier"], "build");
}

#[test]
fn verify_with_a_policy_file_evaluates_the_attested_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reports(d);
    let o = stance(d, &["attest", "--report", "l0.json", "--key", "k.key", "-o", "l0.jsonl"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The default policy denies release on L0.
    let o = stance(d, &["verify", "l0.jsonl", "--key", "k.pub", "--tier", "release"]);
    assert_eq!(o.status.code(), Some(5));
    // A policy that accepts L0 for release allows it...
    std::fs::write(d.join("lax.toml"), "[tier.release]\nmin_level = \"L0\"\n").unwrap();
    let o = stance(d, &["verify", "l0.jsonl", "--key", "k.pub", "--tier", "release", "--policy", "lax.toml"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("policy:"));
    // ...until it requires a control that the attested report fails.
    std::fs::write(
        d.join("strict.toml"),
        "[tier.release]\nmin_level = \"L0\"\nrequire = [\"seccomp-disabled\"]\n",
    )
    .unwrap();
    let o =
        stance(d, &["verify", "l0.jsonl", "--key", "k.pub", "--tier", "release", "--policy", "strict.toml"]);
    assert_eq!(o.status.code(), Some(5), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[policy-denies]"));
    // A broken policy file is a usage error, before anything is verified.
    std::fs::write(d.join("broken.toml"), "[tier.release\n").unwrap();
    let o =
        stance(d, &["verify", "l0.jsonl", "--key", "k.pub", "--tier", "release", "--policy", "broken.toml"]);
    assert_eq!(o.status.code(), Some(2));
    // --policy without --tier is a usage error.
    let o = stance(d, &["verify", "l0.jsonl", "--key", "k.pub", "--policy", "lax.toml"]);
    assert_eq!(o.status.code(), Some(2));
}

// User trial: the signing key must not reach the gated command, nor count as the job's secret.
#[test]
fn the_signing_key_is_stance_s_own_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reports(d);
    let pem = std::fs::read_to_string(d.join("k.key")).unwrap();
    let o = stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance"))
        .current_dir(d)
        .env("STANCE_SIGNING_KEY", &pem)
        .args([
            "gate",
            "--report",
            "l3.json",
            "--tier",
            "release",
            "--attest-out",
            "a.jsonl",
            "--key-env",
            "STANCE_SIGNING_KEY",
            "--",
            "sh",
            "-c",
            "test -z \"$STANCE_SIGNING_KEY\" && touch clean",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(d.join("clean").exists(), "the gated command saw the signing key");
    // --key and --subject without --attest-out would silently do nothing: a usage error.
    let o = stance(d, &["gate", "--report", "l3.json", "--tier", "release", "--key", "k.key", "--", "true"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The posture report inside an `.intoto.jsonl` envelope.
fn attested_report(line: &str) -> serde_json::Value {
    use base64::Engine as _;
    let env: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    let payload = base64::engine::general_purpose::STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
    let st: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    st["predicate"]["report"].clone()
}

fn outcome_of<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    let f = report["findings"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap();
    f["outcome"].as_str().unwrap()
}

// Review: `attest` without --report probed with defaults of its own and counted its own
// --key-env key as a long-lived secret of the job, so it signed a lower level than gate would.
#[test]
fn attest_of_the_live_probe_does_not_count_its_key_as_the_job_s_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reports(d);
    let pem = std::fs::read_to_string(d.join("k.key")).unwrap();
    let run = |args: &[&str]| {
        stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance"))
            .current_dir(d)
            .env("STANCE_SIGNING_KEY", &pem)
            .args(args)
            .output()
            .unwrap()
    };
    // The probe alone sees the key in the environment as a secret (so the check below can fail).
    let o = run(&["probe", "--no-secret-scan", "--format", "json"]);
    let probed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        outcome_of(&probed, "long-lived-secrets-in-env"),
        "fail",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // attest takes the probe flags and leaves its own key out.
    let o = run(&["attest", "--key-env", "STANCE_SIGNING_KEY", "--no-secret-scan"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let attested = attested_report(&String::from_utf8_lossy(&o.stdout));
    assert_ne!(outcome_of(&attested, "long-lived-secrets-in-env"), "fail", "{attested:#}");
    assert_eq!(outcome_of(&attested, "secrets-in-logs"), "unknown", "--no-secret-scan was not applied");
    // Probe flags with --report would be ignored: a usage error.
    let o = run(&["attest", "--key-env", "STANCE_SIGNING_KEY", "--report", "l3.json", "--no-secret-scan"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
}

// Review: with nothing after `--`, gate probed the machine (and wrote --report-out) before
// saying that CMD was missing.
#[test]
fn gate_without_a_command_stops_before_probing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = stance(d, &["gate", "--tier", "build", "--report-out", "r.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no command to run"));
    assert!(!d.join("r.json").exists(), "gate probed before checking its command");
}

// Review: the envelope on stdout went through the output scrubber, which could only have broken
// its signature; now nothing secret-shaped is signed in the first place, and the envelope is
// written as signed.
#[test]
fn attest_refuses_a_report_holding_a_token_and_writes_envelopes_unaltered() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reports(d);
    let token = format!("ghp_{}{}", "BKkWQENix2VWeAv6YV5R", "AxUN8DXFT6JYQPLT");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("l3.json")).unwrap()).unwrap();
    v["findings"][0]["message"] = serde_json::json!(format!("left in the log: {token}"));
    std::fs::write(d.join("leaky.json"), v.to_string()).unwrap();
    let o = stance(d, &["attest", "--report", "leaky.json", "--key", "k.key"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!all.contains(&token) && all.contains("not signed"), "{all}");
    // A clean report: stdout is byte for byte the envelope written with -o, and it verifies.
    let o = stance(d, &["attest", "--report", "l3.json", "--key", "k.key"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(d.join("stdout.jsonl"), &o.stdout).unwrap();
    let o = stance(d, &["verify", "stdout.jsonl", "--key", "k.pub"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}
