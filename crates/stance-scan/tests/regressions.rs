//! Regression tests for problems a new user hit with `stance scan`, each named
//! after the problem (the binary's side, exit codes and unreadable paths as a
//! non-root user, is in `crates/stance/tests/scan.rs`).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use stance_core::model::{Finding, Severity};
use stance_scan::discover::DiscoverError;
use stance_scan::{Options, Outcome, scan_paths};

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn scan(dir: &Path) -> Outcome {
    let opts = Options { min_severity: None, ..Options::default() };
    scan_paths(&[dir.to_path_buf()], &opts).unwrap()
}

fn primary(f: &Finding) -> &stance_core::model::Location {
    f.primary_location().unwrap()
}

/// A fabricated GitHub token (never issued), assembled so no complete token sits in this file.
fn fake_pat() -> String {
    format!("ghp_{}{}", "BKkWQENix2VWeAv6YV5R", "AxUN8DXFT6JYQPLT")
}

// ---- 1. Scan passes when it cannot read things -------------------------------

#[test]
fn scan_passes_when_it_finds_no_ci_configuration() {
    // An empty directory printed "0 file(s)" and nothing else: say that nothing was found.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "hello\n").unwrap();
    let out = scan(dir.path());
    assert!(out.info.files.is_empty() && out.info.diagnostics.is_empty());
    let note = out.nothing_found.as_deref().unwrap();
    assert!(note.starts_with("no CI configuration found in "), "{note}");
    assert!(note.contains(".github/workflows/*.yml") && note.contains(".gitlab-ci.yml"), "{note}");
    assert_eq!(out.notes.iter().filter(|n| n.as_str() == note).count(), 1, "{:?}", out.notes);
    // A repository with CI files has no such note.
    let dir = repo(&[(".github/workflows/a.yml", "on: push\njobs: {a: {runs-on: x, steps: [{run: y}]}}\n")]);
    assert!(scan(dir.path()).nothing_found.is_none());
}

#[test]
fn scan_passes_when_a_path_named_on_the_command_line_is_missing_or_not_a_file() {
    // A PATH the user asked for that cannot be scanned is an error, never an empty pass.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let e = scan_paths(&[missing], &Options::default()).unwrap_err();
    assert!(matches!(e, DiscoverError::NotFound(_)), "{e}");
    assert!(e.to_string().contains("no-such-dir") && !e.to_string().contains('\n'));
    let fifo = dir.path().join("pipe.yml");
    if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        let e = scan_paths(&[fifo], &Options::default()).unwrap_err();
        assert!(matches!(e, DiscoverError::NotRegular(_)), "{e}");
    }
}

#[test]
fn a_long_list_of_paths_reports_the_first_bad_one_in_the_order_given() {
    // Long lists (xargs) are checked in parallel; the error is still the first in order.
    let dir = repo(&[("a.yml", "on: push\njobs: {}\n")]);
    let good = dir.path().join("a.yml");
    let mut paths = vec![good.clone(); 100];
    paths[70] = dir.path().join("missing-70.yml");
    paths[90] = dir.path().join("missing-90.yml");
    let e = scan_paths(&paths, &Options::default()).unwrap_err();
    assert!(e.to_string().contains("missing-70.yml"), "{e}");
    // The same file named many times is scanned once.
    let out = scan_paths(&vec![good; 100], &Options::default()).unwrap();
    assert_eq!(out.info.files.len(), 1, "{:?}", out.info.files);
}

#[test]
fn scan_passes_when_a_workflow_is_a_symlink_it_does_not_follow() {
    // Skipping a symlinked workflow silently hid it; it is not followed, and the scan says so.
    let dir = repo(&[("elsewhere.yml", "on: push\njobs: {}\n")]);
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere.yml"), wf.join("linked.yml")).unwrap();
    let out = scan(dir.path());
    assert!(out.info.files.is_empty(), "{:?}", out.info.files);
    let d = &out.info.diagnostics;
    assert!(
        d.iter().any(|d| d.path == ".github/workflows/linked.yml" && d.message.contains("symbolic link")),
        "{d:?}"
    );
}

#[test]
fn scan_reads_a_file_swapped_after_discovery_without_following_or_blocking() {
    // Discovery saw regular files; by the time they are read one walked file has become a
    // symlink and a named one a FIFO. The symlink is not followed (the target's finding would
    // show), and the FIFO is neither waited on nor read: both become diagnostics.
    use stance_scan::discover::{FileKind, Input};
    let dir = repo(&[(
        "elsewhere.yml",
        "on: pull_request_target\njobs: {a: {runs-on: [self-hosted], steps: [{run: make}]}}\n",
    )]);
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere.yml"), wf.join("linked.yml")).unwrap();
    let fifo = dir.path().join("pipe.yml");
    let have_fifo = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut inputs = vec![Input {
        path: wf.join("linked.yml"),
        display: ".github/workflows/linked.yml".into(),
        kind: FileKind::Workflow,
        root: Some(dir.path().to_path_buf()),
    }];
    if have_fifo {
        inputs.push(Input { path: fifo, display: "pipe.yml".into(), kind: FileKind::Detect, root: None });
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(stance_scan::scan(inputs, &Options { min_severity: None, ..Options::default() }));
    });
    let out = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("the scan blocked on a FIFO");
    assert!(out.findings.is_empty() && out.info.files.is_empty(), "{:?}", out.findings);
    let d = &out.info.diagnostics;
    assert!(
        d.iter().any(|d| d.path == ".github/workflows/linked.yml" && d.message.contains("symbolic link")),
        "{d:?}"
    );
    if have_fifo {
        assert!(d.iter().any(|d| d.path == "pipe.yml" && d.message.contains("not a regular file")), "{d:?}");
    }
}

// ---- 2. GitLab findings point at the wrong file ----------------------------------

const GITLAB_MAIN: &str = "\
include:
  - local: .gitlab/upload.yml
stages: [upload]
u:docs:
  extends: .upload
  environment: rsync-upload
  script:
    - make docs
u:site:
  environment: rsync-upload
  script:
    - make site
";

const GITLAB_UPLOAD: &str = "\
# Upload jobs.
.fedora: &fedora
  image: \"fedora:44\"

.upload:
  <<: *fedora
  tags: [docker]
  before_script:
    - curl -fsSL https://tools.invalid/install.sh | bash

default:
  image: \"alpine:3\"
";

#[test]
fn gitlab_findings_point_at_the_wrong_file() {
    // A value reached through `extends:`, an anchor or `default:` of an included file was
    // shown at the main file's path with its snippet, at the included file's line.
    let dir = repo(&[(".gitlab-ci.yml", GITLAB_MAIN), (".gitlab/upload.yml", GITLAB_UPLOAD)]);
    let out = scan(dir.path());
    assert!(out.info.diagnostics.is_empty(), "{:?}", out.info.diagnostics);
    let find = |id: &str, job: &str| {
        out.findings
            .iter()
            .find(|f| f.id == id && f.message.contains(&format!("`{job}`")))
            .unwrap_or_else(|| panic!("no {id} for {job}: {:#?}", out.findings))
    };
    // `extends: .upload` → `<<: *fedora` → image at .gitlab/upload.yml:3.
    let l = primary(find("mutable-job-image", "u:docs"));
    assert_eq!((l.path.as_str(), l.start.line, l.start.column), (".gitlab/upload.yml", 3, 10), "{l:?}");
    assert_eq!(l.snippet.as_deref(), Some("  image: \"fedora:44\""));
    // `default:` of the included file → image at .gitlab/upload.yml:12.
    let l = primary(find("mutable-job-image", "u:site"));
    assert_eq!((l.path.as_str(), l.start.line), (".gitlab/upload.yml", 12), "{l:?}");
    assert_eq!(l.snippet.as_deref(), Some("  image: \"alpine:3\""));
    // A script line of the template: found (and its column computed) in the included file.
    let curl = out
        .findings
        .iter()
        .filter(|f| f.id == "curl-pipe-shell")
        .map(primary)
        .find(|l| l.route.as_deref().is_some_and(|r| r.contains("u:docs")))
        .unwrap();
    assert_eq!((curl.path.as_str(), curl.start.line, curl.start.column), (".gitlab/upload.yml", 9, 7));
    assert!(curl.snippet.as_deref().unwrap().contains("curl -fsSL https://tools.invalid/install.sh | bash"));
    // Whatever the audit, a location's snippet is the text of its own file at its line.
    let texts = [(".gitlab-ci.yml", GITLAB_MAIN), (".gitlab/upload.yml", GITLAB_UPLOAD)];
    for f in &out.findings {
        for l in f.evidence.iter().filter_map(|e| e.location.as_ref()) {
            let text = texts.iter().find(|(p, _)| *p == l.path).unwrap().1;
            let line = text.lines().nth(l.start.line as usize - 1).unwrap();
            assert!(l.snippet.as_deref().unwrap().starts_with(line), "{}: {l:?}", f.id);
        }
    }
}

#[test]
fn gitlab_findings_point_at_the_wrong_file_in_sarif_and_code_quality() {
    // SARIF and GitLab Code Quality carried the main file's path for included values.
    let dir = repo(&[(".gitlab-ci.yml", GITLAB_MAIN), (".gitlab/upload.yml", GITLAB_UPLOAD)]);
    let out = scan(dir.path());
    let report = stance_scan::report(out, "2026-01-01T00:00:00Z".into(), 0);
    let sarif: serde_json::Value =
        serde_json::from_str(&stance_scan::render::sarif::render(&report)).unwrap();
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == "mutable-job-image" && r["message"]["text"].as_str().unwrap().contains("u:docs")
        })
        .unwrap();
    let pl = &r["locations"][0]["physicalLocation"];
    assert_eq!(pl["artifactLocation"]["uri"], ".gitlab/upload.yml");
    assert_eq!(pl["region"]["startLine"], 3);
    assert_eq!(pl["region"]["snippet"]["text"], "  image: \"fedora:44\"");
    let cq: serde_json::Value = serde_json::from_str(&stance_scan::render::gitlab::render(&report)).unwrap();
    let i = cq
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["check_name"] == "mutable-job-image" && i["description"].as_str().unwrap().contains("u:site")
        })
        .unwrap();
    assert_eq!(i["location"]["path"], ".gitlab/upload.yml");
    assert_eq!(i["location"]["lines"]["begin"], 12);
}

// ---- 3. Inline ignores are not checked ------------------------------------------

const SELF_HOSTED_PR: &str =
    "on: pull_request\njobs:\n  t:\n    runs-on: [self-hosted, linux]\n    steps:\n      - run: make\n";

fn with_comment(comment: &str) -> String {
    SELF_HOSTED_PR.replace("    runs-on:", &format!("    {comment}\n    runs-on:"))
}

#[test]
fn inline_ignore_with_a_misspelled_audit_id_is_not_checked() {
    // `ignore[self-hosted-untrusted-trigge]` was silently accepted and ignored nothing.
    let wf = with_comment("# stance: ignore[self-hosted-untrusted-trigge] lab runner");
    let dir = repo(&[(".github/workflows/t.yml", &wf)]);
    let out = scan(dir.path());
    assert!(out.findings.iter().any(|f| f.id == "self-hosted-untrusted-trigger"), "nothing is ignored");
    assert_eq!(out.info.ignored, 0);
    let d = out.info.diagnostics.iter().find(|d| d.message.contains("unknown audit")).unwrap();
    assert_eq!((d.path.as_str(), d.line, d.column), (".github/workflows/t.yml", Some(4), Some(7)), "{d:?}");
    assert!(d.message.contains("`self-hosted-untrusted-trigge`"), "{}", d.message);
    // One unknown id spoils the whole comment: a known id next to it is not honoured either.
    let wf = with_comment("# stance: ignore[self-hosted-untrusted-trigger, nope] lab runner");
    let out = scan(repo(&[(".github/workflows/t.yml", &wf)]).path());
    assert!(out.findings.iter().any(|f| f.id == "self-hosted-untrusted-trigger"));
    assert_eq!(out.info.diagnostics.len(), 1, "{:?}", out.info.diagnostics);
}

#[test]
fn inline_ignore_without_a_reason_is_not_checked() {
    // An ignore without a reason was honoured, while stance.toml refuses one.
    let wf = with_comment("# stance: ignore[self-hosted-untrusted-trigger]");
    let out = scan(repo(&[(".github/workflows/t.yml", &wf)]).path());
    assert!(out.findings.iter().any(|f| f.id == "self-hosted-untrusted-trigger"), "not honoured");
    let d = out.info.diagnostics.iter().find(|d| d.message.contains("without a reason")).unwrap();
    assert_eq!(d.line, Some(4));
    // With a reason the same comment works and is counted.
    let wf = with_comment("# stance: ignore[self-hosted-untrusted-trigger] lab runner on an isolated VLAN");
    let out = scan(repo(&[(".github/workflows/t.yml", &wf)]).path());
    assert!(!out.findings.iter().any(|f| f.id == "self-hosted-untrusted-trigger"));
    assert!(out.info.ignored >= 1 && out.info.diagnostics.is_empty(), "{:?}", out.info.diagnostics);
}

#[test]
fn inline_ignore_that_is_malformed_is_not_checked() {
    // A comment missing its `]` was skipped without a word.
    let wf = with_comment("# stance: ignore[self-hosted-untrusted-trigger lab runner");
    let out = scan(repo(&[(".github/workflows/t.yml", &wf)]).path());
    assert!(out.findings.iter().any(|f| f.id == "self-hosted-untrusted-trigger"));
    assert!(out.info.diagnostics.iter().any(|d| d.message.contains("malformed") && d.line == Some(4)));
}

// ---- 4. A hard-coded secret is redacted but never reported ------------------------

#[test]
fn hardcoded_secret_in_a_workflow_is_redacted_but_never_reported() {
    // A token literal showed as [REDACTED:…] in a snippet, with no finding about it.
    let token = fake_pat();
    let wf = format!(
        "on: push\npermissions: {{}}\njobs:\n  r:\n    runs-on: ubuntu-latest\n    env:\n      GH_TOKEN: {token}\n    steps:\n      - run: gh release list\n"
    );
    let dir = repo(&[(".github/workflows/r.yml", &wf)]);
    let out = scan(dir.path());
    let f = out.findings.iter().find(|f| f.id == "hardcoded-secret").unwrap();
    assert_eq!(f.severity, Severity::High);
    let l = primary(f);
    let offset = wf.find(&token).unwrap();
    assert_eq!((l.path.as_str(), l.start.line, l.start.column), (".github/workflows/r.yml", 7, 17));
    assert_eq!((l.start.offset, l.end.offset), (offset, offset + token.len()));
    assert_eq!(l.route.as_deref(), Some("jobs.r.env.GH_TOKEN"));
    assert_eq!(l.snippet.as_deref(), Some("      GH_TOKEN: [REDACTED:github-classic-pat]"));
    assert!(f.message.contains("github-classic-pat") && f.message.contains("40 bytes"), "{}", f.message);
    // Never the value, anywhere in the finding.
    let all = serde_json::to_string(&out.findings).unwrap();
    assert!(!all.contains(&token[4..]), "the token leaked: {all}");
}

#[test]
fn hardcoded_secret_severity_follows_the_pattern_confidence() {
    // High-confidence formats are high; medium (URL credentials) medium; low (JWT) low.
    let jwt = format!(
        "{}.{}.{}",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "eyJzdWIiOiJjaS1kZXBsb3kifQ",
        "Tq3ZrV8xK1pWmN4bLs7YdC2fHg9JeA6u"
    );
    let url = format!("https://deploy:{}@registry.corp.invalid/v2/", "Zq8vT2mK9xLpW4");
    let gl = format!("stages: [d]\nd:\n  script:\n    - curl -H 'X-Token: {jwt}' {url}\n");
    let out = scan(repo(&[(".gitlab-ci.yml", &gl)]).path());
    let sev = |kind: &str| {
        out.findings
            .iter()
            .find(|f| f.id == "hardcoded-secret" && f.message.contains(&format!("({kind},")))
            .map(|f| f.severity)
    };
    assert_eq!(sev("jwt"), Some(Severity::Low), "{:#?}", out.findings);
    assert_eq!(sev("url-basic-auth"), Some(Severity::Medium), "{:#?}", out.findings);
    let all = serde_json::to_string(&out.findings).unwrap();
    assert!(!all.contains("Zq8vT2mK9xLpW4") && !all.contains("Tq3ZrV8xK1pWmN4b"), "{all}");
}

#[test]
fn hardcoded_secret_placeholders_and_secret_references_are_not_reported() {
    // Documentation fillers and `${{ secrets.X }}` are not credentials.
    let wf = "on: push\njobs:\n  r:\n    runs-on: ubuntu-latest\n    env:\n      A: ${{ secrets.TOKEN }}\n      B: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n    steps: [{run: make}]\n";
    let out = scan(repo(&[(".github/workflows/r.yml", wf)]).path());
    assert!(!out.findings.iter().any(|f| f.id == "hardcoded-secret"), "{:#?}", out.findings);
}

// ---- 6. Diagnostic repeats the path ---------------------------------------------

#[test]
fn diagnostic_repeats_the_path() {
    // `notci.json: not a recognised CI file (…): notci.json` named the file twice.
    let dir = repo(&[("notci.json", "{\"name\": \"x\"}\n")]);
    let file: PathBuf = dir.path().join("notci.json");
    let out = scan_paths(std::slice::from_ref(&file), &Options::default()).unwrap();
    let d = &out.info.diagnostics[0];
    assert!(d.message.starts_with("not a recognised CI file"), "{}", d.message);
    assert!(!d.message.contains("notci.json"), "{}", d.message);
    assert!(d.path.ends_with("notci.json"));
}
