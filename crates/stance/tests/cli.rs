//! The command line as a new user meets it: help, bad input, exit codes.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn stance(args: &[&str]) -> Output {
    stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance")).args(args).output().unwrap()
}

fn one_error_line(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got: {err:?}");
    assert!(lines[0].starts_with("stance: error: "), "{err:?}");
    assert!(o.stdout.is_empty(), "nothing on stdout for an error");
    lines[0].to_string()
}

#[test]
fn bad_flag_is_one_line_and_exit_2() {
    let o = stance(&["probe", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    let line = one_error_line(&o);
    assert!(line.contains("--no-such-flag") && line.contains("stance probe --help"), "{line}");
}

#[test]
fn bad_values_are_usage_errors() {
    for args in [
        &["probe", "--format", "yaml"][..],
        &["probe", "--min-level", "L9"],
        &["probe", "--job-start", "yesterday"],
        &["probe", "--egress-target", "no-port"],
        &["probe", "--connect-timeout", "0"],
        &["nonsense"],
    ] {
        let o = stance(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        one_error_line(&o);
    }
}

#[test]
fn unusable_root_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let o = stance(&["probe", "--root", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(one_error_line(&o).contains("cannot use --root"));
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let o = stance(&["probe", "--root", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(one_error_line(&o).contains("not a directory"));
}

#[test]
fn unreadable_root_is_one_line_and_exit_2() {
    // Root bypasses permissions; run the probe as nobody when we are root.
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = env!("CARGO_BIN_EXE_stance");
    let o = if stance_testkit::is_root() {
        let Some(setpriv) = stance_testkit::which("setpriv") else {
            return stance_testkit::skip("setpriv is not installed");
        };
        // The binary must be reachable by nobody: copy it next to the locked dir.
        let copy = dir.path().join("stance");
        std::fs::copy(bin, &copy).unwrap();
        Command::new(setpriv)
            .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(&copy)
            .args(["probe", "--root"])
            .arg(&locked)
            .env_clear()
            .output()
            .unwrap()
    } else {
        stance(&["probe", "--root", locked.to_str().unwrap()])
    };
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(one_error_line(&o).contains("cannot read --root"));
}

#[test]
fn help_documents_every_probe_flag() {
    let o = stance(&["probe", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8(o.stdout).unwrap();
    for flag in [
        "--format",
        "--verbose",
        "--output",
        "--summary",
        "--min-level",
        "--root",
        "--egress-target",
        "--metadata-target",
        "--internal-target",
        "--connect-timeout",
        "--no-secret-scan",
        "--scan-budget",
        "--scan-max-mib",
        "--workspace",
        "--runner-dir",
        "--runner-label",
        "--job-start",
        "--color",
    ] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
}

#[test]
fn min_level_not_met_exits_3() {
    // An empty offline root cannot prove anything, so it is L0.
    let dir = tempfile::tempdir().unwrap();
    let o =
        stance(&["probe", "--root", dir.path().to_str().unwrap(), "--min-level", "L1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["posture"]["level"], "L0");
    let o =
        stance(&["probe", "--root", dir.path().to_str().unwrap(), "--min-level", "L0", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn every_format_renders() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["text", "json", "markdown", "github"] {
        let o = stance(&["probe", "--root", dir.path().to_str().unwrap(), "--format", f]);
        assert!(o.status.success(), "{f}");
        assert!(!o.stdout.is_empty(), "{f}");
    }
    let o = stance(&["probe", "--root", dir.path().to_str().unwrap(), "--format", "github"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
}

#[test]
fn summary_appends_markdown_to_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "existing\n").unwrap();
    let o = stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance"))
        .args(["probe", "--root", dir.path().to_str().unwrap(), "--summary", "--format", "json"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert!(o.status.success());
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("existing\n## stance probe: posture level"), "{md}");
}

#[test]
fn controls_lists_the_catalog_in_three_formats() {
    let o = stance(&["controls"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("docker")
            || String::from_utf8_lossy(&o.stdout).contains("container-socket-accessible")
    );
    let o = stance(&["controls", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), stance_core::CONTROLS.len());
}

// User trial: folding clap's error into one line lost the list of missing arguments, the
// accepted values and the suggestion, and pointed at the wrong help page.
#[test]
fn one_line_errors_keep_what_matters() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["check"], &["--tier <TIER>", "stance check --help"]),
        (&["key", "generate", "--algorithm", "rsa"], &["ed25519, ecdsa-p256", "stance key generate --help"]),
        (&["prob"], &["'probe'"]),
        (&["probe", "--formt", "json"], &["'--format'", "stance probe --help"]),
        (&["verify", "x.jsonl"], &["--key <PUB>"]),
    ];
    for (args, wanted) in cases {
        let o = stance(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let line = one_error_line(&o);
        for w in *wanted {
            assert!(line.contains(w), "{args:?}: {line} lacks {w}");
        }
    }
}

#[test]
fn active_check_targets_are_validated_before_anything_is_sent() {
    for (flag, value) in [
        ("--egress-target", "127.0.0.1:99999"),
        ("--egress-target", "127.0.0.1:0"),
        ("--internal-target", "db.internal"),
        ("--metadata-target", "metadata.google.internal"),
        ("--job-start", "2099-01-01T00:00:00Z"),
    ] {
        let o = stance(&["probe", flag, value, "--no-secret-scan"]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {}", String::from_utf8_lossy(&o.stderr));
        one_error_line(&o);
    }
}
