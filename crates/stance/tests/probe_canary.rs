//! Canary test: secrets planted in environment variables (secret-named and not), files of
//! the workspace, `.git/config`, the home directory, the runner's `_diag` logs, proxy and
//! Docker URLs, the event payload and command-line values must never appear — whole or in
//! part — in any output format, written file, summary or error message of `stance probe`,
//! while the probe still reports that it found them.
//!
//! Canary values are random per run. No network traffic: no active check resolves a name
//! (targets with an invalid port fail to parse before any lookup).

#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use support::*;

/// A planted secret: a label for messages, the full value, and the random part that must
/// never show up (the fixed prefix of a token format may legitimately appear).
#[derive(Clone, Debug)]
struct Canary {
    label: &'static str,
    value: String,
    core: String,
}

fn canary(label: &'static str, prefix: &str, core: String) -> Canary {
    Canary { label, value: format!("{prefix}{core}"), core }
}

/// Every canary of one run.
struct Canaries {
    /// `DEPLOY_TOKEN` (secret name), GitHub PAT format.
    env_secret_pat: Canary,
    /// `BUILD_NOTE` (not a secret name), GitHub PAT format.
    env_plain_pat: Canary,
    /// `AWS_ACCESS_KEY_ID`.
    aws_id: Canary,
    /// `AWS_SECRET_ACCESS_KEY`.
    aws_secret: Canary,
    /// `DB_PASSWORD` (secret name, no known format).
    db_password: Canary,
    /// Password inside `https_proxy`.
    proxy_password: Canary,
    /// Password inside `DOCKER_HOST`.
    docker_password: Canary,
    /// GitHub PAT in the workspace's `.env`.
    file_pat: Canary,
    /// AWS key pair in a workspace config file.
    file_aws_id: Canary,
    file_aws_secret: Canary,
    /// Password in the remote URL of `.git/config`.
    git_url_password: Canary,
    /// Base64 Basic credentials in `.git/config`'s http.extraheader.
    git_header: Canary,
    /// GitHub PAT in the runner's diagnostic log.
    log_pat: Canary,
    /// Password in `~/.git-credentials`.
    home_git_password: Canary,
    /// npm token in `~/.npmrc`.
    home_npm: Canary,
    /// GitHub PAT in the event payload (a comment body).
    event_pat: Canary,
    /// GitHub PAT given only on the command line.
    cli_pat: Canary,
}

impl Canaries {
    fn new() -> Canaries {
        let pat = || random_alnum(36);
        let aws_id = || random_from(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        let aws_secret =
            || random_from(40, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+");
        let basic = {
            // base64("x-access-token:" + 24 random chars), encoded here (no base64 crate needed).
            let raw = format!("x-access-token:{}", random_alnum(24));
            base64(raw.as_bytes())
        };
        Canaries {
            env_secret_pat: canary("DEPLOY_TOKEN env", "ghp_", pat()),
            env_plain_pat: canary("BUILD_NOTE env", "ghp_", pat()),
            aws_id: canary("AWS_ACCESS_KEY_ID env", "AKIA", aws_id()),
            aws_secret: canary("AWS_SECRET_ACCESS_KEY env", "", aws_secret()),
            db_password: canary("DB_PASSWORD env", "", random_alnum(24)),
            proxy_password: canary("https_proxy password", "", random_alnum(20)),
            docker_password: canary("DOCKER_HOST password", "", random_alnum(20)),
            file_pat: canary("workspace .env", "ghp_", pat()),
            file_aws_id: canary("workspace AWS key id", "AKIA", aws_id()),
            file_aws_secret: canary("workspace AWS secret", "", aws_secret()),
            git_url_password: canary(".git/config URL password", "", random_alnum(22)),
            git_header: canary(".git/config extraheader", "", basic),
            log_pat: canary("_diag log", "ghp_", pat()),
            home_git_password: canary("~/.git-credentials", "", random_alnum(22)),
            home_npm: canary("~/.npmrc", "npm_", pat()),
            event_pat: canary("event payload", "ghp_", pat()),
            cli_pat: canary("command line only", "ghp_", pat()),
        }
    }

    fn all(&self) -> Vec<&Canary> {
        vec![
            &self.env_secret_pat,
            &self.env_plain_pat,
            &self.aws_id,
            &self.aws_secret,
            &self.db_password,
            &self.proxy_password,
            &self.docker_password,
            &self.file_pat,
            &self.file_aws_id,
            &self.file_aws_secret,
            &self.git_url_password,
            &self.git_header,
            &self.log_pat,
            &self.home_git_password,
            &self.home_npm,
            &self.event_pat,
            &self.cli_pat,
        ]
    }
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Labels of the canaries whose random part, or any 12-character piece of it, is in `text`.
fn leaks(text: &str, canaries: &[&Canary]) -> Vec<String> {
    let mut found = Vec::new();
    for c in canaries {
        let core = c.core.as_bytes();
        let leaked = core.len() >= 12
            && (0..=core.len() - 12).any(|i| text.contains(std::str::from_utf8(&core[i..i + 12]).unwrap()));
        if leaked || text.contains(&c.core) {
            found.push(c.label.to_string());
        }
    }
    found
}

#[track_caller]
fn assert_no_leak(what: &str, text: &str, canaries: &[&Canary]) {
    let l = leaks(text, canaries);
    assert!(l.is_empty(), "{what} leaks {l:?}:\n{text}");
}

/// The planted job: a GitHub self-hosted runner layout with secrets in every place.
struct Job {
    tree: TempTree,
    c: Canaries,
}

impl Job {
    fn new() -> Job {
        let tree = TempTree::new("canary");
        let c = Canaries::new();
        tree.write(
            "ws/.env",
            &format!("API_URL=https://api.example.invalid\nAPI_TOKEN={}\n", c.file_pat.value),
            0o644,
        );
        tree.write(
            "ws/deploy/aws.ini",
            &format!(
                "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                c.file_aws_id.value, c.file_aws_secret.value
            ),
            0o644,
        );
        tree.write("ws/README.md", "# app\nNothing secret here.\n", 0o644);
        tree.write("ws/.git/HEAD", "ref: refs/heads/main\n", 0o644);
        tree.write(
            "ws/.git/config",
            &format!(
                "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = https://ci:{}@github.com/acme/app.git\n\
                 [http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic {}\n",
                c.git_url_password.value, c.git_header.value
            ),
            0o644,
        );
        tree.write("runner/.runner", r#"{"agentName": "canary-runner", "ephemeral": false}"#, 0o644);
        tree.write("runner/.credentials", r#"{"scheme": "OAuth"}"#, 0o600);
        tree.write(
            "runner/_diag/Worker_20260101-000000-utc.log",
            &format!("[2026-01-01 00:00:00Z INFO Worker] git fetch with token {}\n", c.log_pat.value),
            0o644,
        );
        tree.write(
            "home/.git-credentials",
            &format!("https://ci:{}@github.com\n", c.home_git_password.value),
            0o600,
        );
        tree.write("home/.npmrc", &format!("//registry.npmjs.org/:_authToken={}\n", c.home_npm.value), 0o600);
        tree.write(
            "event.json",
            &format!(
                r#"{{"action": "created", "comment": {{"body": "please use {} for the deploy"}}, "issue": {{"number": 1}}, "repository": {{"full_name": "acme/app", "private": false}}}}"#,
                c.event_pat.value
            ),
            0o644,
        );
        Job { tree, c }
    }

    fn path(&self, rel: &str) -> String {
        self.tree.join(rel).to_str().unwrap().to_string()
    }

    /// `stance probe` with the job's environment and `args`.
    fn probe(&self, args: &[&str]) -> Command {
        let c = &self.c;
        let mut cmd = clean(stance());
        cmd.arg("probe").args(["--runner-dir", &self.path("runner")]).args(args);
        if !args.contains(&"--color") {
            cmd.args(["--color", "never"]);
        }
        cmd.env("GITHUB_ACTIONS", "true")
            .env("RUNNER_ENVIRONMENT", "self-hosted")
            .env("GITHUB_REPOSITORY", "acme/app")
            .env("GITHUB_EVENT_NAME", "issue_comment")
            .env("GITHUB_EVENT_PATH", self.path("event.json"))
            .env("GITHUB_WORKSPACE", self.path("ws"))
            .env("RUNNER_WORKSPACE", self.path("work/app"))
            .env("HOME", self.path("home"))
            .env("DEPLOY_TOKEN", &c.env_secret_pat.value)
            .env("BUILD_NOTE", &c.env_plain_pat.value)
            .env("AWS_ACCESS_KEY_ID", &c.aws_id.value)
            .env("AWS_SECRET_ACCESS_KEY", &c.aws_secret.value)
            .env("DB_PASSWORD", &c.db_password.value)
            .env("https_proxy", format!("http://builder:{}@proxy.invalid:3128", c.proxy_password.value))
            .env("DOCKER_HOST", format!("tcp://ci:{}@docker.invalid:2376", c.docker_password.value));
        cmd
    }
}

fn run(cmd: &mut Command) -> Run {
    run_with_timeout(cmd, Duration::from_secs(60))
}

/// Every output format, verbose or not, to stdout, to `-o FILE` and as the step summary:
/// no canary anywhere; and the report still shows that the secrets were found.
#[test]
fn no_canary_in_any_output_format() {
    let job = Job::new();
    let all = job.c.all();

    // The JSON report: the probe saw every planted secret (so this test can fail).
    let r = run(&mut job.probe(&["--format", "json"]));
    assert_no_leak("json stdout", &r.stdout, &all);
    assert_no_leak("json stderr", &r.stderr, &all);
    let report = r.json();
    assert_outcome(&report, "long-lived-secrets-in-env", "fail");
    for var in ["DEPLOY_TOKEN", "BUILD_NOTE", "AWS_ACCESS_KEY_ID"] {
        assert_evidence(&report, "long-lived-secrets-in-env", var);
    }
    assert_evidence(&report, "long-lived-secrets-in-env", "github-classic-pat, 40 bytes, sha256:");
    let names = report["context"]["access"]["secret_variables"].to_string();
    for var in ["DEPLOY_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY"] {
        assert!(names.contains(var), "secret_variables lacks {var}: {names}");
    }
    assert_outcome(&report, "secrets-in-workspace", "fail");
    assert_evidence(&report, "secrets-in-workspace", "/ws/.env:2:11");
    assert_evidence(&report, "secrets-in-workspace", "/ws/deploy/aws.ini");
    // .git/config is persisted-git-credentials' business, not the workspace scan's.
    assert_no_evidence(&report, "secrets-in-workspace", ".git/config");
    assert_outcome(&report, "secrets-in-logs", "fail");
    assert_evidence(&report, "secrets-in-logs", "Worker_20260101-000000-utc.log:1:");
    assert_outcome(&report, "persisted-git-credentials", "fail");
    assert_evidence(
        &report,
        "persisted-git-credentials",
        ".git/config: line 4: remote URL with embedded credentials",
    );
    assert_evidence(&report, "persisted-git-credentials", "http extraheader with an Authorization token");
    assert_evidence(&report, "persisted-git-credentials", "home/.git-credentials");
    assert_outcome(&report, "credential-files-present", "fail");
    assert_evidence(&report, "credential-files-present", "home/.npmrc: npm token");
    assert_outcome(&report, "proxy-credentials-exposed", "fail");
    assert_evidence(&report, "proxy-credentials-exposed", "https_proxy");
    if outcome(&report, "container-socket-accessible") == "warn" {
        assert_evidence(&report, "container-socket-accessible", "tcp://[REDACTED]@docker.invalid:2376");
    }
    assert_eq!(report["context"]["trigger"]["event"], "issue_comment");

    // Every other rendering.
    for args in [
        &["--format", "text"][..],
        &["--format", "text", "--verbose"],
        &["--format", "markdown"],
        &["--format", "markdown", "--verbose"],
        &["--format", "github"],
        &["--format", "text", "--color", "always", "--verbose"],
        &["--format", "json", "--min-level", "L3"],
    ] {
        let r = run(&mut job.probe(args));
        assert!(r.code() == Some(0) || r.code() == Some(3), "{args:?}: {r:?}");
        assert!(!r.stdout.is_empty(), "{args:?}: empty output");
        assert_no_leak(&format!("{args:?} stdout"), &r.stdout, &all);
        assert_no_leak(&format!("{args:?} stderr"), &r.stderr, &all);
    }

    // -o FILE and --summary (GITHUB_STEP_SUMMARY, appended to).
    for format in ["json", "text", "markdown", "github"] {
        let out = job.tree.join(&format!("report.{format}"));
        let summary = job.tree.join(&format!("summary-{format}.md"));
        std::fs::write(&summary, "# earlier step\n").unwrap();
        let mut cmd = job.probe(&["--format", format, "--verbose", "--summary", "-o", out.to_str().unwrap()]);
        cmd.env("GITHUB_STEP_SUMMARY", &summary);
        let r = run(&mut cmd);
        assert!(r.ok(), "{r:?}");
        assert_no_leak("-o stdout", &r.stdout, &all);
        assert_no_leak("-o stderr", &r.stderr, &all);
        let written = std::fs::read_to_string(&out).unwrap();
        assert!(written.len() > 100, "{format}: report file is nearly empty");
        assert_no_leak(&format!("-o {format} file"), &written, &all);
        let md = std::fs::read_to_string(&summary).unwrap();
        assert!(md.starts_with("# earlier step\n") && md.len() > 100, "summary not appended: {md}");
        assert_no_leak("step summary", &md, &all);
    }
}

/// Secrets on the command line and in error paths: usage errors, bad targets, bad paths.
#[test]
fn no_canary_in_error_messages() {
    let job = Job::new();
    let all = job.c.all();
    let c = &job.c;
    let usage_error = |args: &[String], why: &str| -> Run {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&mut job.probe(&a));
        assert_eq!(r.code(), Some(2), "{why}: expected a usage error: {r:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{why}: one line: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{why}: no report on a usage error");
        r
    };

    // A known secret value (secret-named variable) used as a bad flag value: scrubbed.
    let r = usage_error(&["--egress-target".into(), c.env_secret_pat.value.clone()], "target without port");
    assert_no_leak("bad --egress-target (env secret)", &r.stderr, &all);
    assert!(r.stderr.contains("[REDACTED]"), "{}", r.stderr);
    let r = usage_error(&["--connect-timeout".into(), c.env_secret_pat.value.clone()], "clap value error");
    assert_no_leak("bad --connect-timeout (env secret)", &r.stderr, &all);
    let r = usage_error(&["--egress-target".into(), c.env_plain_pat.value.clone()], "target without port");
    assert_no_leak("bad --egress-target (env, token format)", &r.stderr, &all);
    let file = job.tree.write(&format!("not-a-dir-{}", c.env_secret_pat.value), "x", 0o644);
    let r = usage_error(&["--root".into(), file.to_str().unwrap().into()], "--root on a file");
    assert_no_leak("--root on a file", &r.stderr, &all);

    // Active-check targets carrying a token are refused before anything is sent (no name
    // lookup either), and the refusal does not echo the token.
    for flag in ["--egress-target", "--internal-target", "--metadata-target"] {
        let t = format!("{}:notaport", c.cli_pat.value);
        let r = run(&mut job.probe(&["--format", "json", "--no-secret-scan", flag, &t]));
        assert_eq!(r.code(), Some(2), "{flag}: {r:?}");
        assert_no_leak(&format!("{flag} stdout"), &r.stdout, &all);
        assert_no_leak(&format!("{flag} stderr"), &r.stderr, &all);
    }

    // GITHUB_STEP_SUMMARY in a missing directory named after a secret.
    let mut cmd = job.probe(&["--format", "json", "--no-secret-scan", "--summary"]);
    cmd.env("GITHUB_STEP_SUMMARY", format!("/nonexistent/{}/summary.md", c.env_secret_pat.value));
    let r = run(&mut cmd);
    assert_eq!(r.code(), Some(1), "{r:?}");
    assert_no_leak("summary error", &r.stderr, &all);

    // A token that is in the environment under a name that does not say "secret", used
    // as a value that clap rejects.
    let r = usage_error(&["--connect-timeout".into(), c.env_plain_pat.value.clone()], "clap value error");
    assert_no_leak("clap error (env token, plain name)", &r.stderr, &all);

    // A token that is only on the command line, in error messages.
    let cli = &c.cli_pat.value;
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--egress-target".into(), cli.clone()], "--egress-target without a port"),
        (vec!["--internal-target".into(), cli.clone()], "--internal-target without a port"),
        (vec!["--root".into(), format!("/nonexistent/{cli}")], "--root on a missing path"),
        (vec!["--min-level".into(), cli.clone()], "bad --min-level (clap)"),
    ];
    for (args, why) in cases {
        let r = usage_error(&args, why);
        assert_no_leak(why, &r.stderr, &all);
    }
    let out: PathBuf = ["/nonexistent", cli.as_str(), "report.json"].iter().collect();
    let r = run(&mut job.probe(&["--format", "json", "--no-secret-scan", "-o", out.to_str().unwrap()]));
    assert_eq!(r.code(), Some(1), "{r:?}");
    assert_no_leak("-o error", &r.stderr, &all);
}

/// The leak detector itself: a canary is caught whole, in part, and not by its prefix.
#[test]
fn leak_detector_catches_partial_canaries() {
    let c = canary("t", "ghp_", "abcdefghijklmnopqrstuvwxyz0123456789".into());
    let all = [&c];
    assert!(leaks("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 end", &all).len() == 1);
    assert!(leaks("truncated ghp_abcdefghijkl… end", &all).len() == 1);
    assert!(leaks("ends ...wxyz0123456789", &all).len() == 1);
    assert!(leaks("ghp_[REDACTED] abcdefghijk", &all).is_empty());
    assert_eq!(base64(b"x-access-token:abc"), "eC1hY2Nlc3MtdG9rZW46YWJj");
    assert_eq!(base64(b"ab"), "YWI=");
}
