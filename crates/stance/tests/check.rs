//! `stance check` through the real binary: each tier against report files of each
//! level, exit codes, every output format, waivers, Rego, policy and Rego errors,
//! and `--tier auto` in a simulated GitHub Actions job on a corpus workflow.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use stance_core::catalog::{CONTROLS, Catalog};
use stance_core::model::{Confidence, Finding, Level, Outcome};
use stance_core::report::{Report, ReportKind};

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("stance-check-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A probe report where every control passes except `outcomes`.
fn report_json(outcomes: &[(&str, Outcome)]) -> String {
    let findings = CONTROLS
        .iter()
        .map(|c| {
            let outcome =
                outcomes.iter().find(|(id, _)| *id == c.id).map(|(_, o)| *o).unwrap_or(Outcome::Pass);
            Finding {
                id: c.id.into(),
                title: c.title.into(),
                dimension: c.dimension,
                outcome,
                severity: c.severity,
                confidence: Confidence::High,
                level: c.level,
                message: format!("{} is {outcome}", c.id),
                reason: None,
                evidence: vec![],
            }
        })
        .collect();
    serde_json::to_string(&Report::new(ReportKind::Probe, findings, &Catalog, "2026-01-01T00:00:00Z".into()))
        .unwrap()
}

/// A report of exactly `level`: one control required just above it fails.
fn report_at(level: Level) -> String {
    match level {
        Level::L0 => report_json(&[("kernel-sysctl-hardening", Outcome::Fail)]),
        Level::L1 => report_json(&[("egress-unrestricted", Outcome::Fail)]),
        Level::L2 => report_json(&[("log-forwarding-absent", Outcome::Fail)]),
        Level::L3 => report_json(&[]),
    }
}

fn stance(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance"));
    // Cargo's own variables (CARGO_PKG_VERSION_PATCH looks secret-named to the probe) stay out.
    for (k, _) in std::env::vars_os() {
        if k.to_str().is_some_and(|k| k.starts_with("CARGO_")) {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(dir).args(["--color", "never"]).args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn each_tier_against_each_level_exits_0_or_3() {
    let s = Scratch::new("levels");
    let levels = [Level::L0, Level::L1, Level::L2, Level::L3];
    let reports: Vec<String> = levels.iter().map(|l| s.write(&format!("{l}.json"), &report_at(*l))).collect();
    for (tier, min) in [("untrusted", 2), ("build", 1), ("privileged", 2), ("release", 3)] {
        for (i, r) in reports.iter().enumerate() {
            let o = stance(s.path(), &["check", "--tier", tier, "--report", r], &[]);
            let expect = if i >= min { 0 } else { 3 };
            assert_eq!(o.status.code(), Some(expect), "tier {tier} on L{i}: {}{}", out(&o), err(&o));
        }
    }
}

#[test]
fn text_output_names_each_blocking_control_and_its_fix() {
    let s = Scratch::new("text");
    let r = s.write(
        "r.json",
        &report_json(&[("egress-unrestricted", Outcome::Fail), ("log-forwarding-absent", Outcome::Unknown)]),
    );
    let o = stance(s.path(), &["check", "--tier", "release", "--report", &r], &[]);
    assert_eq!(o.status.code(), Some(3));
    let t = out(&o);
    assert!(t.starts_with("stance check: denied: tier release needs L3, the runner measures L1"), "{t}");
    assert!(t.contains("2 controls stand between this runner and tier release"), "{t}");
    assert!(t.contains("x egress-unrestricted [L2, fail"), "{t}");
    assert!(t.contains("? log-forwarding-absent [L3, unknown"), "{t}");
    assert!(t.contains("fix: "), "{t}");
}

#[test]
fn every_output_format_renders_the_decision() {
    let s = Scratch::new("formats");
    let r = s.write("r.json", &report_at(Level::L1));
    let json = stance(s.path(), &["check", "--tier", "privileged", "--report", &r, "--format", "json"], &[]);
    assert_eq!(json.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_str(&out(&json)).unwrap();
    assert_eq!(v["decision"], "denied");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["blockers"][0]["id"], "egress-unrestricted");
    assert_eq!(v["report"]["source"], r.as_str());
    let md =
        stance(s.path(), &["check", "--tier", "privileged", "--report", &r, "--format", "markdown"], &[]);
    assert!(out(&md).contains("| `egress-unrestricted` | L2 | fail |"), "{}", out(&md));
    let gh = stance(s.path(), &["check", "--tier", "privileged", "--report", &r, "--format", "github"], &[]);
    assert!(
        out(&gh).lines().any(|l| l.starts_with("::error title=egress-unrestricted blocks tier privileged::")),
        "{}",
        out(&gh)
    );
    let ok = stance(s.path(), &["check", "--tier", "build", "--report", &r, "--format", "github"], &[]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(
        out(&ok).starts_with("::notice title=stance check::allowed: tier build needs L1"),
        "{}",
        out(&ok)
    );
    // -o writes the file instead of standard output.
    let file = s.path().join("result.json");
    let o = stance(
        s.path(),
        &["check", "--tier", "build", "--report", &r, "-f", "json", "-o", file.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).is_empty());
    assert!(std::fs::read_to_string(file).unwrap().contains("\"decision\": \"allowed\""));
}

#[test]
fn the_report_can_come_from_standard_input() {
    let s = Scratch::new("stdin");
    let mut cmd = stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance"));
    cmd.current_dir(s.path())
        .args(["check", "--tier", "release", "--report", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(report_at(Level::L3).as_bytes()).unwrap();
    }
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
}

#[test]
fn waivers_valid_and_expired_through_the_cli() {
    let s = Scratch::new("waivers");
    let r = s.write("r.json", &report_at(Level::L2));
    let valid = s.write(
        "valid.toml",
        "[[waiver]]\ncontrol = \"log-forwarding-absent\"\ntier = \"release\"\nreason = \"SIEM rollout\"\nowner = \"@sec\"\nexpires = 2099-12-31\n",
    );
    let o = stance(s.path(), &["check", "--tier", "release", "--report", &r, "--policy", &valid], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("Waived (1):") && out(&o).contains("by @sec until 2099-12-31: SIEM rollout"),
        "{}",
        out(&o)
    );
    let expired = s.write(
        "expired.toml",
        "# comment\n[[waiver]]\ncontrol = \"log-forwarding-absent\"\ntier = \"release\"\nreason = \"SIEM rollout\"\nowner = \"@sec\"\nexpires = 2020-01-31\n",
    );
    let o = stance(s.path(), &["check", "--tier", "release", "--report", &r, "--policy", &expired], &[]);
    assert_eq!(o.status.code(), Some(3));
    let flat = out(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!(
            "the waiver for `log-forwarding-absent` (tier release, owner @sec) expired on 2020-01-31 ({expired}:2)"
        )),
        "{flat}"
    );
}

#[test]
fn policy_file_errors_point_at_the_line_and_exit_2() {
    let s = Scratch::new("policy-errors");
    let r = s.write("r.json", &report_at(Level::L3));
    let bad = s.write("bad.toml", "[tier.release]\nmin_level = \"L3\"\n\n[[waiver]]\ncontrol = \"no-such-control\"\ntier = \"release\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-01-01\n");
    let o = stance(s.path(), &["check", "--tier", "release", "--report", &r, "--policy", &bad], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).starts_with(&format!("stance: error: {bad}:5:11: unknown control `no-such-control`")),
        "{}",
        err(&o)
    );
    let waive = s.write("waive.toml", "[tier.build]\nwaive = [\"egress-open\"]\n");
    let o = stance(s.path(), &["check", "--tier", "build", "--report", &r, "--policy", &waive], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains(":2:9: tiers have no `waive` list"), "{}", err(&o));
}

#[test]
fn rego_allows_denies_and_broken_files_exit_2_with_file_line_col() {
    let s = Scratch::new("rego");
    let r = s.write("r.json", &report_json(&[("secrets-in-logs", Outcome::Fail)]));
    let policies = stance_testkit::workspace_root().join("policies");
    let policies = policies.to_str().unwrap();
    // The L2 control alone does not stop a build job; the example policy does.
    assert_eq!(stance(s.path(), &["check", "--tier", "build", "--report", &r], &[]).status.code(), Some(0));
    let o = stance(s.path(), &["check", "--tier", "build", "--report", &r, "--rego-dir", policies], &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(out(&o).contains("deny  stance: secrets were found in runner logs"), "{}", out(&o));
    let clean = s.write("clean.json", &report_at(Level::L3));
    let o =
        stance(s.path(), &["check", "--tier", "release", "--report", &clean, "--rego-dir", policies], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("Rego (4 files):"), "{}", out(&o));
    let broken = s.write("broken.rego", "package stance\n\ndeny contains msg if {\n  input.tier == \n}\n");
    let o = stance(s.path(), &["check", "--tier", "build", "--report", &clean, "--rego", &broken], &[]);
    assert_eq!(o.status.code(), Some(2));
    // The comparison lacks its right side: the error is where the `}` stands, line 5, column 1.
    assert!(err(&o).starts_with(&format!("stance: error: {broken}:5:1: ")), "{}", err(&o));
    assert!(err(&o).contains("hint: stance reads Rego v1"), "{}", err(&o));
}

#[test]
fn usage_errors_exit_2() {
    let s = Scratch::new("usage");
    let r = s.write("r.json", &report_at(Level::L3));
    for args in [
        vec!["check", "--report", r.as_str()],
        vec!["check", "--tier", "deploy", "--report", r.as_str()],
        vec!["check", "--tier", "build", "--report", "missing.json"],
        vec!["check", "--tier", "build", "--fallback-tier", "release", "--report", r.as_str()],
    ] {
        let o = stance(s.path(), &args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).starts_with("stance: error: "), "{}", err(&o));
    }
    let scan = s.write("scan.json", &report_json(&[]).replace("\"kind\":\"probe\"", "\"kind\":\"scan\""));
    let o = stance(s.path(), &["check", "--tier", "build", "--report", &scan], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("needs a probe report"), "{}", err(&o));
}

#[test]
fn auto_outside_ci_needs_a_fallback_and_never_picks_the_weakest_silently() {
    let s = Scratch::new("auto");
    let r = s.write("r.json", &report_at(Level::L2));
    let o = stance(s.path(), &["check", "--tier", "auto", "--report", &r], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("cannot infer the job's tier"), "{}", err(&o));
    assert!(err(&o).contains("--fallback-tier"), "{}", err(&o));
    let o = stance(
        s.path(),
        &["check", "--tier", "auto", "--fallback-tier", "release", "--report", &r, "-f", "json"],
        &[],
    );
    assert_eq!(o.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["tier"], "release");
    assert_eq!(v["tier_inference"]["method"], "fallback");
}

#[test]
fn print_policy_shows_the_layered_policy() {
    let s = Scratch::new("print");
    let p = s.write("p.toml", "[tier.build]\nmin_level = \"L2\"\n");
    let o = stance(s.path(), &["check", "--print-policy", "--policy", &p], &[]);
    assert_eq!(o.status.code(), Some(0));
    let t = out(&o);
    assert!(t.contains("[tier.build]") && t.contains(&format!("min_level from {p}:2")), "{t}");
    assert!(t.contains("[tier.release]  # min_level from <built-in default policy>"), "{t}");
}

#[test]
fn summary_appends_markdown_to_the_step_summary() {
    let s = Scratch::new("summary");
    let r = s.write("r.json", &report_at(Level::L3));
    let summary = s.write("summary.md", "previous\n");
    let o = stance(
        s.path(),
        &["check", "--tier", "release", "--report", &r, "--summary"],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(o.status.code(), Some(0));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("previous\n### ✅ stance check: allowed"), "{md}");
}

/// A simulated GitHub Actions job: a checkout of the corpus workflow, an event payload.
fn github_job(
    s: &Scratch,
    corpus_file: &Path,
    workflow: &str,
    job: &str,
    event: &str,
    payload: &str,
) -> Vec<(String, String)> {
    let sha = "5e2d1c0b9a8f7e6d5c4b3a2918273645f0e1d2c3";
    let ws = s.path().join("ws");
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::write(ws.join(".git/HEAD"), format!("{sha}\n")).unwrap();
    std::fs::create_dir_all(ws.join(".github/workflows")).unwrap();
    std::fs::copy(corpus_file, ws.join(".github/workflows").join(workflow)).unwrap();
    let event_path = s.write("event.json", payload);
    [
        ("GITHUB_ACTIONS", "true".to_string()),
        ("RUNNER_ENVIRONMENT", "github-hosted".into()),
        ("GITHUB_REPOSITORY", "octo/app".into()),
        ("GITHUB_EVENT_NAME", event.into()),
        ("GITHUB_EVENT_PATH", event_path),
        ("GITHUB_WORKSPACE", ws.display().to_string()),
        ("GITHUB_WORKFLOW_REF", format!("octo/app/.github/workflows/{workflow}@refs/tags/v1.0.0")),
        ("GITHUB_WORKFLOW_SHA", sha.into()),
        ("GITHUB_SHA", sha.into()),
        ("GITHUB_JOB", job.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A corpus file; `None` only when the shared data folder is absent (a missing file in a
/// present corpus is a failure, not a skip).
fn corpus(rel: &str) -> Option<PathBuf> {
    let p = stance_testkit::shared_dir()?.join("corpus").join(rel);
    assert!(p.is_file(), "corpus file {} is missing", p.display());
    Some(p)
}

#[test]
fn auto_infers_release_for_a_release_workflow_in_a_simulated_github_job() {
    let Some(f) = corpus("github/BurntSushi__ripgrep/.github__workflows__release.yml") else {
        return stance_testkit::skip_without_data("shared corpus missing");
    };
    let s = Scratch::new("auto-gh");
    let env = github_job(
        &s,
        &f,
        "release.yml",
        "build-release",
        "push",
        r#"{"ref":"refs/tags/v1.0.0","repository":{"full_name":"octo/app","private":false}}"#,
    );
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // A secret in the step's environment: its name may appear, its value never.
    let secret = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    env.push(("GH_TOKEN", secret));
    // Live probe of this machine, in the simulated job's environment.
    let o = stance(s.path(), &["check", "--tier", "auto", "--no-secret-scan", "-f", "json"], &env);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["tier"], "release", "{}", out(&o));
    assert_eq!(v["tier_inference"]["method"], "inferred");
    assert_eq!(v["report"]["source"], "live probe");
    let reasons = v["tier_inference"]["reasons"].to_string();
    assert!(reasons.contains("job `build-release` of .github/workflows/release.yml"), "{reasons}");
    assert!(reasons.contains("GH_TOKEN"), "{reasons}");
    assert!(!out(&o).contains(secret) && !err(&o).contains(secret), "a secret value leaked");
    // The same job on a fork pull request is untrusted.
    let fork = github_job(
        &s,
        &f,
        "release.yml",
        "build-release",
        "pull_request",
        r#"{"pull_request":{"head":{"sha":"x","repo":{"full_name":"someone/app","fork":true}},"base":{"repo":{"full_name":"octo/app"}}},"repository":{"full_name":"octo/app"}}"#,
    );
    let fork: Vec<(&str, &str)> = fork.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let o = stance(s.path(), &["check", "--tier", "auto", "--no-secret-scan", "-f", "json"], &fork);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["tier"], "untrusted", "{}", out(&o));
}
