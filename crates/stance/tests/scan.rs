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

// ---- Regressions from a new user's first scans --------------------------------------

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A world-readable temporary directory, so the unprivileged user can reach it.
fn open_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `stance --color never scan ARGS` in `dir` as a user that file permissions apply to:
/// as nobody (setpriv, on a copy of the binary inside `dir`) when the tests run as root.
/// `None` when that is impossible here (the caller skips).
fn run_unprivileged(dir: &Path, args: &[&str]) -> Option<Output> {
    if !stance_testkit::is_root() {
        return Some(run(dir, args));
    }
    let setpriv = stance_testkit::which("setpriv")?;
    let copy = dir.join("stance-bin");
    if !copy.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_stance"), &copy).unwrap();
        chmod(&copy, 0o755);
    }
    Some(
        Command::new(setpriv)
            .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(&copy)
            .args(["--color", "never", "scan"])
            .args(args)
            .current_dir(dir)
            .env_clear()
            .output()
            .unwrap(),
    )
}

fn repo_in(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

#[test]
fn scan_passed_when_the_workflows_directory_was_unreadable() {
    // `.github/workflows` mode 000 gave "0 file(s) · 0 diagnostic(s)": now a diagnostic names it.
    let dir = open_tempdir();
    repo_in(dir.path(), &[("r/.github/workflows/gpu.yml", GPU_PR)]);
    chmod(&dir.path().join("r/.github/workflows"), 0o000);
    let Some(o) = run_unprivileged(dir.path(), &["r"]) else { return skip("setpriv is not installed") };
    chmod(&dir.path().join("r/.github/workflows"), 0o755);
    let out = stdout(&o);
    assert!(
        out.contains("diagnostic: .github/workflows: cannot read directory (permission denied)"),
        "{out}\n{}",
        stderr(&o)
    );
    assert!(out.contains("1 diagnostic(s)"), "{out}");
    // Diagnostics inside a tree are reported; they do not change the exit code.
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(stderr(&o).contains("no CI configuration found in r"), "{}", stderr(&o));
}

#[test]
fn scan_passed_when_dot_github_was_unreadable() {
    // `.github` mode 000 hid every workflow without a word: one diagnostic, under its own name.
    let dir = open_tempdir();
    repo_in(
        dir.path(),
        &[
            ("r/.github/workflows/gpu.yml", GPU_PR),
            ("r/.github/actionlint.yaml", "self-hosted-runner:\n  labels: [gpu]\n"),
            ("r/.gitlab-ci.yml", "stages: [t]\nt:\n  script: [make]\n"),
        ],
    );
    chmod(&dir.path().join("r/.github"), 0o000);
    let Some(o) = run_unprivileged(dir.path(), &["r", "-f", "json"]) else {
        return skip("setpriv is not installed");
    };
    chmod(&dir.path().join("r/.github"), 0o755);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diags = v["scan"]["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["path"], ".github");
    assert!(diags[0]["message"].as_str().unwrap().contains("permission denied"));
    // The rest of the repository is still scanned.
    assert_eq!(v["scan"]["files"], serde_json::json!([".gitlab-ci.yml"]));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn scan_passed_when_a_file_named_on_the_command_line_was_unreadable() {
    // An unreadable file the user asked for gave a diagnostic and exit 0: it is a usage error.
    let dir = open_tempdir();
    repo_in(dir.path(), &[("gpu.yml", GPU_PR)]);
    chmod(&dir.path().join("gpu.yml"), 0o000);
    let Some(o) = run_unprivileged(dir.path(), &["gpu.yml"]) else { return skip("setpriv is not installed") };
    chmod(&dir.path().join("gpu.yml"), 0o644);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    let first = err.lines().next().unwrap_or("");
    assert_eq!(first, "stance: error: cannot read gpu.yml: permission denied", "{err}");
    assert!(err.lines().skip(1).all(|l| l.starts_with("hint:")), "{err}");
}

#[test]
fn scan_passed_when_a_path_inside_an_unreadable_directory_was_named() {
    // A path below a directory nobody may enter is unreadable, not "no such file".
    let dir = open_tempdir();
    repo_in(dir.path(), &[("locked/repo/.github/workflows/gpu.yml", GPU_PR)]);
    chmod(&dir.path().join("locked"), 0o000);
    let Some(o) = run_unprivileged(dir.path(), &["locked/repo"]) else {
        return skip("setpriv is not installed");
    };
    chmod(&dir.path().join("locked"), 0o755);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("stance: error: cannot read locked/repo: permission denied"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn scan_passed_when_a_workflow_inside_the_tree_was_unreadable() {
    // An unreadable workflow is a diagnostic; the readable ones are still audited.
    let dir = open_tempdir();
    repo_in(dir.path(), &[("r/.github/workflows/gpu.yml", GPU_PR), ("r/.github/workflows/ok.yml", HOSTED)]);
    chmod(&dir.path().join("r/.github/workflows/ok.yml"), 0o000);
    let Some(o) = run_unprivileged(dir.path(), &["r"]) else { return skip("setpriv is not installed") };
    chmod(&dir.path().join("r/.github/workflows/ok.yml"), 0o644);
    let out = stdout(&o);
    assert!(out.contains("diagnostic: .github/workflows/ok.yml: cannot read (permission denied)"), "{out}");
    assert!(out.contains("self-hosted-untrusted-trigger"), "{out}");
    assert_eq!(o.status.code(), Some(4), "findings decide the exit code: {out}");
}

#[test]
fn scan_passed_silently_when_there_was_no_ci_configuration() {
    // `stance scan empty/` exited 0 without a word: one note on stderr and in the report.
    let dir = repo(&[("empty/README.md", "nothing here\n")]);
    let o = run(dir.path(), &["empty"]);
    assert_eq!(o.status.code(), Some(0));
    let notes: Vec<String> =
        stderr(&o).lines().filter(|l| l.contains("no CI configuration found")).map(String::from).collect();
    assert_eq!(notes.len(), 1, "{}", stderr(&o));
    assert!(notes[0].starts_with("note: no CI configuration found in empty"), "{}", notes[0]);
    assert!(!stdout(&o).contains("no CI configuration found"), "said once, on stderr: {}", stdout(&o));
    let o = run(dir.path(), &["empty", "-f", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let in_report = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n.as_str().unwrap().starts_with("no CI configuration found in empty"));
    assert_eq!(in_report.count(), 1, "{v}");
    assert!(stderr(&o).contains("no CI configuration found"));
}

const GL_MAIN: &str = "include:\n  - local: .gitlab/upload.yml\nstages: [upload]\nu:cmake.org-help:\n  extends: .upload\n  environment: rsync-upload\n  script:\n    - make help\n";
const GL_UPLOAD: &str = "# Upload jobs.\n.upload:\n  image: \"fedora:44\"\n  tags: [docker]\n";

#[test]
fn gitlab_findings_pointed_at_the_wrong_file() {
    // An image from an included template was shown at `.gitlab-ci.yml` with the main file's
    // snippet, at the included file's line; text, SARIF and Code Quality all carry the right file.
    let dir = repo(&[(".gitlab-ci.yml", GL_MAIN), (".gitlab/upload.yml", GL_UPLOAD)]);
    let text = stdout(&run(dir.path(), &["--fail-severity", "none", "--min-severity", "low"]));
    let at = text.find("runs image `fedora:44`").unwrap_or_else(|| panic!("{text}"));
    let block: Vec<&str> = text[at..].lines().take(3).collect();
    assert_eq!(block[1].trim(), "--> .gitlab/upload.yml:3:10", "{text}");
    assert!(block[2].trim_start().starts_with("3 |") && block[2].ends_with("image: \"fedora:44\""), "{text}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&run(dir.path(), &["-f", "sarif", "--min-severity", "low"]).stdout).unwrap();
    let r =
        sarif["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "mutable-job-image");
    let pl = &r.unwrap()["locations"][0]["physicalLocation"];
    assert_eq!(pl["artifactLocation"]["uri"], ".gitlab/upload.yml");
    assert_eq!(pl["region"]["startLine"], 3);
    assert_eq!(pl["region"]["snippet"]["text"], "  image: \"fedora:44\"");
    let cq: serde_json::Value =
        serde_json::from_slice(&run(dir.path(), &["-f", "gitlab", "--min-severity", "low"]).stdout).unwrap();
    let i = cq.as_array().unwrap().iter().find(|i| i["check_name"] == "mutable-job-image").unwrap();
    assert_eq!(i["location"]["path"], ".gitlab/upload.yml");
    assert_eq!(i["location"]["lines"]["begin"], 3);
}

#[test]
fn inline_ignores_were_not_checked() {
    // A misspelled id or a missing reason was silently accepted: both are diagnostics at the comment.
    let wf = GPU_PR.replace(
        "    runs-on: [self-hosted, linux, gpu]\n",
        "    # stance: ignore[self-hosted-untrusted-trigge] lab runner\n    runs-on: [self-hosted, linux, gpu]\n    # stance: ignore[privileged-container]\n",
    );
    let dir = repo(&[(".github/workflows/gpu.yml", &wf)]);
    let o = run(dir.path(), &[]);
    let out = stdout(&o);
    assert!(
        out.contains("diagnostic: .github/workflows/gpu.yml:6:7: inline ignore names unknown audit `self-hosted-untrusted-trigge`"),
        "{out}"
    );
    assert!(
        out.contains("diagnostic: .github/workflows/gpu.yml:8:7: inline ignore without a reason"),
        "{out}"
    );
    assert!(out.contains("self-hosted-untrusted-trigger") && out.contains("privileged-container"), "{out}");
    assert!(out.contains("0 ignored"), "{out}");
}

#[test]
fn hardcoded_secret_was_redacted_but_never_reported() {
    // A token in a workflow showed as [REDACTED:…] with no finding; it is a finding, and no
    // output format carries the value.
    let token = format!("ghp_{}{}", "BKkWQENix2VWeAv6YV5R", "AxUN8DXFT6JYQPLT");
    let wf = HOSTED.replace(
        "    runs-on: ubuntu-latest\n",
        &format!("    runs-on: ubuntu-latest\n    env:\n      GH_TOKEN: {token}\n"),
    );
    let dir = repo(&[(".github/workflows/ok.yml", &wf)]);
    let o = run(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("hardcoded-secret") && text.contains(".github/workflows/ok.yml:8:17"), "{text}");
    assert!(text.contains("GH_TOKEN: [REDACTED:github-classic-pat]"), "{text}");
    for format in ["text", "json", "sarif", "gitlab", "github", "markdown"] {
        let o = run(dir.path(), &["-f", format]);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!all.contains(&token[4..]), "{format} output carries the token");
        assert!(all.contains("hardcoded-secret"), "{format}: {all}");
    }
}

#[test]
fn fail_severity_error_left_out_none() {
    // `--fail-severity bogus` listed info…critical but not `none`, which the help says is valid.
    let dir = repo(&[(".github/workflows/ok.yml", HOSTED)]);
    let o = run(dir.path(), &["--fail-severity", "bogus"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("expected one of: none, info, low, medium, high, critical"), "{err}");
}

#[test]
fn diagnostic_repeated_the_path() {
    // `notci.json: not a recognised CI file (…): notci.json` named the file twice.
    let dir = repo(&[("notci.json", "{\"name\": \"x\"}\n")]);
    let o = run(dir.path(), &["notci.json"]);
    let out = stdout(&o);
    let line = out.lines().find(|l| l.starts_with("diagnostic:")).unwrap_or_else(|| panic!("{out}"));
    assert_eq!(line.matches("notci.json").count(), 1, "{line}");
    assert!(line.starts_with("diagnostic: notci.json: not a recognised CI file"), "{line}");
}
