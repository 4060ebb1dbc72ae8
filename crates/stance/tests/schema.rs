//! The report JSON of real runs validates against the committed JSON Schema
//! (`schema/report.schema.json`), checked by the reference Python `jsonschema`.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use stance_testkit::{clean_command, python, skip, workspace_root};

fn stance() -> Command {
    clean_command(env!("CARGO_BIN_EXE_stance"))
}

fn validate(schema: &Path, docs: &[&Path]) {
    let Some(py) = python() else { return skip("no test Python venv (.venv): run scripts/test.sh") };
    let script = workspace_root().join("crates/stance/tests/tools/validate_schema.py");
    let out = Command::new(py).arg(script).arg(schema).args(docs).output().unwrap();
    assert!(
        out.status.success(),
        "schema validation failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn live_probe_report_matches_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.json");
    let st =
        stance().args(["probe", "--format", "json", "--no-secret-scan", "-o"]).arg(&out).status().unwrap();
    assert!(st.success());
    validate(&workspace_root().join("schema/report.schema.json"), &[&out]);
}

#[test]
fn ci_context_report_matches_the_schema() {
    // A GitHub-like environment fills the context section, including the event payload.
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(&event, r#"{"repository":{"full_name":"acme/app","private":false},"pull_request":{"head":{"sha":"a","repo":{"full_name":"eve/app"}},"base":{"repo":{"full_name":"acme/app"}}}}"#).unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("notes.txt"), "nothing secret\n").unwrap();
    let out = dir.path().join("gh.json");
    let st = stance()
        .args(["probe", "--format", "json", "--job-start", "now", "--runner-label", "linux-x64", "-o"])
        .arg(&out)
        .env("GITHUB_ACTIONS", "true")
        .env("RUNNER_ENVIRONMENT", "self-hosted")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("GITHUB_WORKSPACE", &ws)
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", "https://example.invalid/token")
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\"platform\": \"github-actions\""), "{text}");
    validate(&workspace_root().join("schema/report.schema.json"), &[&out]);
}

#[test]
fn offline_root_report_matches_the_schema() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(
        root.path().join("etc/os-release"),
        "ID=debian\nVERSION_ID=12\nPRETTY_NAME=\"Debian 12\"\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("root.json");
    let st = stance()
        .args(["probe", "--format", "json", "--root"])
        .arg(root.path())
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    validate(&workspace_root().join("schema/report.schema.json"), &[&out]);
}

#[test]
fn schema_rejects_a_malformed_report() {
    // The validator itself must be able to fail: a report with an invented outcome.
    let Some(py) = python() else { return skip("no test Python venv (.venv): run scripts/test.sh") };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"schema_version":1,"kind":"probe","tool":{"name":"stance","version":"0"},"generated_at":"2026-01-01T00:00:00Z","duration_ms":1,"summary":{"counts":{"pass":0,"fail":0,"warn":0,"not-applicable":0,"unknown":0}},"findings":[{"id":"x","title":"t","outcome":"maybe","severity":"high","confidence":"high","message":"m"}]}"#).unwrap();
    let script = workspace_root().join("crates/stance/tests/tools/validate_schema.py");
    let out = Command::new(py)
        .arg(script)
        .arg(workspace_root().join("schema/report.schema.json"))
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("maybe"));
}
