//! `stance scan` driven as a user would: the real binary, a temporary repository,
//! no configuration, then each output format, ignores, config errors and exit codes.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use stance_testkit::{clean_command, python, skip, workspace_root};

fn stance() -> Command {
    clean_command(env!("CARGO_BIN_EXE_stance"))
}

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    stance().current_dir(dir).arg("--color").arg("never").arg("scan").args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

const GPU_PR: &str = "name: gpu\non:\n  pull_request:\njobs:\n  test:\n    runs-on: [self-hosted, linux, gpu]\n    container:\n      image: ubuntu:24.04\n      options: --privileged\n    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n";
const HOSTED: &str = "on: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: make test\n";

#[test]
fn a_new_user_gets_useful_results_without_configuration() {
    let dir = repo(&[(".github/workflows/gpu.yml", GPU_PR), (".github/workflows/ok.yml", HOSTED)]);
    let o = run(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(4), "findings at or above medium exit 4: {}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("self-hosted-untrusted-trigger"), "{text}");
    assert!(text.contains("privileged-container"), "{text}");
    // A source snippet with the line number and a caret, and the fix.
    assert!(text.contains(".github/workflows/gpu.yml:6:14"), "{text}");
    assert!(text.contains("runs-on: [self-hosted, linux, gpu]"), "{text}");
    assert!(text.contains('^'), "{text}");
    assert!(text.contains("fix:"), "{text}");
    assert!(text.contains("2 file(s)"), "{text}");
}

#[test]
fn a_clean_repository_exits_zero() {
    let dir = repo(&[(".github/workflows/ok.yml", HOSTED)]);
    let o = run(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn fail_severity_and_filters_decide_the_exit_code() {
    let dir = repo(&[(".github/workflows/gpu.yml", GPU_PR)]);
    assert_eq!(run(dir.path(), &["--fail-severity", "none"]).status.code(), Some(0));
    assert_eq!(run(dir.path(), &["--fail-severity", "critical"]).status.code(), Some(4));
    assert_eq!(
        run(dir.path(), &["--min-confidence", "high", "--min-severity", "critical"]).status.code(),
        Some(4)
    );
    let o = run(dir.path(), &["--format", "json", "--min-severity", "critical"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "critical"));
}

#[test]
fn json_output_is_the_report_envelope_and_matches_the_schema() {
    let dir = repo(&[(".github/workflows/gpu.yml", GPU_PR), (".github/workflows/bad.yml", "on: [push\n")]);
    let out = dir.path().join("report.json");
    let o = run(dir.path(), &["--format", "json", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["kind"], "scan");
    assert_eq!(v["scan"]["diagnostics"][0]["path"], ".github/workflows/bad.yml");
    assert!(v["findings"][0]["evidence"][0]["location"]["start"]["line"].as_u64().is_some());
    let Some(py) = python() else { return skip("no test Python venv (.venv): run scripts/test.sh") };
    let script = workspace_root().join("crates/stance/tests/tools/validate_schema.py");
    let schema = workspace_root().join("schema/report.schema.json");
    let st = Command::new(py).arg(script).arg(schema).arg(&out).output().unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stdout));
}

#[test]
fn every_format_renders() {
    let dir = repo(&[(".github/workflows/gpu.yml", GPU_PR)]);
    let sarif: serde_json::Value = serde_json::from_slice(&run(dir.path(), &["-f", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let gl: serde_json::Value = serde_json::from_slice(&run(dir.path(), &["-f", "gitlab"]).stdout).unwrap();
    assert!(gl.as_array().unwrap().iter().any(|i| i["check_name"] == "privileged-container"));
    let gh = stdout(&run(dir.path(), &["-f", "github"]));
    assert!(gh.contains("::error file=.github/workflows/gpu.yml,line=6"), "{gh}");
    let md = stdout(&run(dir.path(), &["-f", "markdown"]));
    assert!(md.contains("self-hosted-untrusted-trigger"), "{md}");
}

#[test]
fn inline_and_config_ignores_suppress_findings_and_are_counted() {
    let wf = GPU_PR.replace(
        "    runs-on: [self-hosted, linux, gpu]\n",
        "    # stance: ignore[self-hosted-untrusted-trigger] lab runner, isolated VLAN\n    runs-on: [self-hosted, linux, gpu]\n",
    );
    let cfg = "[scan]\nignore = [{ audit = \"privileged-container\", path = \".github/workflows/gpu.yml\", reason = \"needs KVM\" }]\n";
    let dir = repo(&[(".github/workflows/gpu.yml", &wf), ("stance.toml", cfg)]);
    let v: serde_json::Value =
        serde_json::from_slice(&run(dir.path(), &["-f", "json", "--min-severity", "info"]).stdout).unwrap();
    let ids: Vec<&str> =
        v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(
        !ids.contains(&"self-hosted-untrusted-trigger") && !ids.contains(&"privileged-container"),
        "{ids:?}"
    );
    assert_eq!(v["scan"]["ignored"], 2);
    // --no-config brings the config-ignored finding back.
    let v: serde_json::Value =
        serde_json::from_slice(&run(dir.path(), &["-f", "json", "--no-config"]).stdout).unwrap();
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["id"] == "privileged-container"));
}

#[test]
fn the_runner_inventory_changes_the_verdict() {
    let cfg = "[runners.gpu]\nephemeral = true\negress-restricted = true\n";
    let push = GPU_PR.replace("  pull_request:\n", "  push:\n").replace(
        "      - run: make test\n",
        "      - run: make test\n        env:\n          T: ${{ secrets.T }}\n",
    );
    let dir = repo(&[(".github/workflows/gpu.yml", &push)]);
    let before: serde_json::Value = serde_json::from_slice(&run(dir.path(), &["-f", "json"]).stdout).unwrap();
    assert!(
        before["findings"].as_array().unwrap().iter().any(|f| f["id"] == "privileged-job-persistent-runner")
    );
    std::fs::write(dir.path().join("stance.toml"), cfg).unwrap();
    let after: serde_json::Value = serde_json::from_slice(&run(dir.path(), &["-f", "json"]).stdout).unwrap();
    assert!(
        !after["findings"].as_array().unwrap().iter().any(|f| f["id"] == "privileged-job-persistent-runner")
    );
}

#[test]
fn usage_errors_exit_two_with_one_clear_line() {
    let dir = repo(&[(".github/workflows/ok.yml", HOSTED)]);
    let o = run(dir.path(), &["no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such file or directory: no/such/dir"));
    std::fs::write(dir.path().join("stance.toml"), "[runners.gpu]\nephemeral = true\nephemerall = 1\n")
        .unwrap();
    let o = run(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("stance.toml:3:"), "{err}");
    let o = run(dir.path(), &["--no-config", "--posture", "missing-dir"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(dir.path(), &["--no-config", "--min-severity", "severe"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn invalid_yaml_is_a_diagnostic_not_an_error() {
    let dir =
        repo(&[(".github/workflows/bad.yml", "on: push\njobs: [\n"), (".github/workflows/ok.yml", HOSTED)]);
    let o = run(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("diagnostic: .github/workflows/bad.yml:"), "{}", stdout(&o));
}

#[test]
fn help_documents_formats_config_ignores_and_exit_codes() {
    let o = stance().args(["scan", "--help"]).output().unwrap();
    let help = stdout(&o);
    for needle in [
        "--format",
        "sarif",
        "gitlab",
        "--posture",
        "--min-severity",
        "--min-confidence",
        "--fail-severity",
        "stance.toml",
        "stance: ignore[",
        "Exit codes",
        "--config",
        "--no-config",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}

#[test]
fn posture_reports_from_the_probe_are_joined_by_runner_label() {
    // A real probe report of this machine, labelled like the runner the workflow selects.
    let dir = repo(&[(".github/workflows/gpu.yml", GPU_PR)]);
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let st = stance()
        .args([
            "probe",
            "--format",
            "json",
            "--no-secret-scan",
            "--runner-label",
            "self-hosted",
            "--runner-label",
            "linux",
            "--runner-label",
            "gpu",
            "-o",
        ])
        .arg(reports.join("gpu.json"))
        .status()
        .unwrap();
    assert!(st.success() || st.code() == Some(3));
    let probe: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("gpu.json")).unwrap()).unwrap();
    let level = probe["posture"]["level"].as_str().unwrap().to_string();
    let v: serde_json::Value =
        serde_json::from_slice(&run(dir.path(), &["-f", "json", "--posture", "reports"]).stdout).unwrap();
    assert!(
        v["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("1 probe report(s)")),
        "{v}"
    );
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "self-hosted-untrusted-trigger")
        .unwrap();
    let text = f.to_string();
    assert!(text.contains(&format!("measured posture {level}")), "{text}");
}
