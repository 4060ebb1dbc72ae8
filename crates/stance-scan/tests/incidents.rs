//! The real incident configurations in `../shared/incidents/`: every finding each
//! case's README asks for is reported, and the safe versions are not flagged above
//! informational. Each case is rebuilt at its original paths in a temporary
//! directory (several versions of one path are scanned separately). The files are
//! data: nothing in them is ever executed.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use stance_core::model::{Finding, Severity};

const W: &str = ".github/workflows/";

struct Case {
    /// A name for messages.
    name: &'static str,
    /// The incident folder.
    dir: &'static str,
    /// (file in the folder, original path).
    files: &'static [(&'static str, &'static str)],
    /// (original path, audit id, lowest acceptable severity).
    expect: &'static [(&'static str, &'static str, Severity)],
    /// Original paths that must have nothing above informational.
    clean: &'static [&'static str],
    /// Audits that must not fire at all in this case (e.g. self-hosted audits on hosted runners).
    never: &'static [&'static str],
}

use Severity::{High, Info, Medium};

const SELF_HOSTED: &[&str] =
    &["self-hosted-untrusted-trigger", "privileged-job-persistent-runner", "shared-runner-pool"];

const CASES: &[Case] = &[
    Case {
        name: "actions/runner-images",
        dir: "actions-runner-images-selfhosted-2023",
        files: &[
            ("ubuntu2204.yml", ".github/workflows/ubuntu2204.yml"),
            ("ubuntu-win-generation.yml", ".github/workflows/ubuntu-win-generation.yml"),
            ("macos12.yml", ".github/workflows/macos12.yml"),
            ("macos-generation.yml", ".github/workflows/macos-generation.yml"),
            ("create_sbom_report.yml", ".github/workflows/create_sbom_report.yml"),
        ],
        expect: &[
            (".github/workflows/ubuntu-win-generation.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/ubuntu-win-generation.yml", "untrusted-checkout-exec", High),
            (".github/workflows/ubuntu-win-generation.yml", "privileged-job-persistent-runner", High),
            (".github/workflows/macos-generation.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/macos-generation.yml", "untrusted-checkout-exec", High),
            (".github/workflows/macos-generation.yml", "privileged-job-persistent-runner", High),
            (".github/workflows/ubuntu2204.yml", "untrusted-checkout-exec", Medium),
            (".github/workflows/macos12.yml", "untrusted-checkout-exec", Medium),
            (".github/workflows/create_sbom_report.yml", "untrusted-runner-label", Medium),
        ],
        clean: &[],
        never: &[],
    },
    Case {
        name: "DeepSpeed base branch",
        dir: "deepspeed-selfhosted-pr-2023",
        files: &[
            ("nv-torch-latest-v100.yml", ".github/workflows/nv-torch-latest-v100.yml"),
            ("nv-inference.yml", ".github/workflows/nv-inference.yml"),
            ("nv-h100.yml", ".github/workflows/nv-h100.yml"),
        ],
        expect: &[
            (".github/workflows/nv-torch-latest-v100.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/nv-torch-latest-v100.yml", "missing-permissions", Info),
            (".github/workflows/nv-inference.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/nv-inference.yml", "missing-permissions", Info),
        ],
        clean: &[".github/workflows/nv-h100.yml"],
        never: &[],
    },
    Case {
        name: "DeepSpeed PR #4041 (013bca62)",
        dir: "deepspeed-selfhosted-pr-2023",
        files: &[("nv-h100.pr4041-013bca62.yml", ".github/workflows/nv-h100.yml")],
        expect: &[
            (".github/workflows/nv-h100.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/nv-h100.yml", "privileged-container", High),
            (".github/workflows/nv-h100.yml", "sensitive-host-mount", High),
            (".github/workflows/nv-h100.yml", "curl-pipe-shell", Medium),
        ],
        clean: &[],
        never: &[],
    },
    Case {
        name: "DeepSpeed PR #4041 (head ff8f2652)",
        dir: "deepspeed-selfhosted-pr-2023",
        files: &[("nv-h100.pr4041-head-ff8f2652.yml", ".github/workflows/nv-h100.yml")],
        expect: &[
            (".github/workflows/nv-h100.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/nv-h100.yml", "privileged-container", High),
            (".github/workflows/nv-h100.yml", "sensitive-host-mount", High),
            (".github/workflows/nv-h100.yml", "curl-pipe-shell", Medium),
        ],
        clean: &[],
        never: &[],
    },
    Case {
        name: "PyTorch-org fleet (pytorch/test-infra)",
        dir: "pytorch-org-selfhosted-2023",
        files: &[
            ("test-infra__scale-config.yml", ".github/scale-config.yml"),
            ("test-infra__actionlint.yaml", ".github/actionlint.yaml"),
            ("test-infra__linux_job.yml", ".github/workflows/linux_job.yml"),
            ("test-infra__test_linux_job.yml", ".github/workflows/test_linux_job.yml"),
            ("test-infra__clang-tidy-linux.yml", ".github/workflows/clang-tidy-linux.yml"),
        ],
        expect: &[
            (".github/workflows/test_linux_job.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/test_linux_job.yml", "privileged-job-persistent-runner", Medium),
            (".github/workflows/clang-tidy-linux.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/clang-tidy-linux.yml", "privileged-job-persistent-runner", Medium),
        ],
        clean: &[".github/scale-config.yml", ".github/actionlint.yaml"],
        never: &[],
    },
    Case {
        name: "PyTorch linux_job.yml on its own",
        dir: "pytorch-org-selfhosted-2023",
        files: &[("test-infra__linux_job.yml", ".github/workflows/linux_job.yml")],
        expect: &[(".github/workflows/linux_job.yml", "untrusted-runner-label", Info)],
        clean: &[],
        never: &[],
    },
    Case {
        name: "SpotBugs",
        dir: "spotbugs-prt-pat-2024",
        files: &[
            ("sonarqube.yml", ".github/workflows/sonarqube.yml"),
            ("sonar-update-center.yml", ".github/workflows/sonar-update-center.yml"),
        ],
        expect: &[
            (".github/workflows/sonarqube.yml", "untrusted-checkout-exec", High),
            (".github/workflows/sonarqube.yml", "cache-across-trust", Medium),
            (".github/workflows/sonar-update-center.yml", "untrusted-checkout-exec", High),
        ],
        clean: &[],
        never: SELF_HOSTED,
    },
    Case {
        name: "Spotipy (vulnerable)",
        dir: "spotipy-prt-2025",
        files: &[("integration_tests.yml", ".github/workflows/integration_tests.yml")],
        expect: &[
            (".github/workflows/integration_tests.yml", "untrusted-checkout-exec", High),
            (".github/workflows/integration_tests.yml", "missing-permissions", Medium),
            (".github/workflows/integration_tests.yml", "persisted-checkout-credentials", Medium),
        ],
        clean: &[],
        never: SELF_HOSTED,
    },
    Case {
        name: "Spotipy (safe 2022 look-alike)",
        dir: "spotipy-prt-2025",
        files: &[("integration_tests.safe-2022-e9fd81c.yml", ".github/workflows/integration_tests.yml")],
        expect: &[],
        clean: &[".github/workflows/integration_tests.yml"],
        never: SELF_HOSTED,
    },
    Case {
        name: "TensorFlow ARM64",
        dir: "tensorflow-arm-selfhosted-2023",
        files: &[
            ("sh-runner-poc.yml", ".github/workflows/sh-runner-poc.yml"),
            ("arm-cd.yml", ".github/workflows/arm-cd.yml"),
            ("arm-ci.yml", ".github/workflows/arm-ci.yml"),
        ],
        expect: &[
            (".github/workflows/sh-runner-poc.yml", "self-hosted-untrusted-trigger", High),
            (".github/workflows/sh-runner-poc.yml", "curl-pipe-shell", Medium),
            (".github/workflows/arm-cd.yml", "privileged-job-persistent-runner", Medium),
            (".github/workflows/arm-cd.yml", "shared-runner-pool", High),
        ],
        clean: &[".github/workflows/arm-ci.yml"],
        never: &[],
    },
    Case {
        name: "tj-actions/changed-files",
        dir: "tj-actions-changed-files-2025",
        files: &[
            ("test.yml", ".github/workflows/test.yml"),
            ("greetings.yml", ".github/workflows/greetings.yml"),
        ],
        expect: &[
            (".github/workflows/test.yml", "secret-to-unpinned-action", High),
            (".github/workflows/test.yml", "secrets-on-any-branch-push", Medium),
            (".github/workflows/greetings.yml", "secret-to-unpinned-action", Medium),
        ],
        clean: &[],
        never: SELF_HOSTED,
    },
    Case {
        name: "Ultralytics",
        dir: "ultralytics-prt-cache-2024",
        files: &[
            ("ultralytics-actions__action.yml", "action.yml"),
            ("ultralytics-actions__format.prt-5ff96b54.yml", ".github/workflows/format.yml"),
            ("ultralytics-actions__publish.yml", ".github/workflows/publish.yml"),
        ],
        expect: &[
            ("action.yml", "template-injection", High),
            ("action.yml", "untrusted-checkout-exec", Medium),
            (".github/workflows/format.yml", "secret-to-unpinned-action", High),
            (".github/workflows/publish.yml", "cache-across-trust", Medium),
        ],
        clean: &[],
        never: SELF_HOSTED,
    },
];

fn layout(shared: &Path, case: &Case) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in case.files {
        let dest = dir.path().join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(shared.join("incidents").join(case.dir).join(from), dest).unwrap();
    }
    dir
}

fn scan(dir: &Path) -> (Vec<Finding>, Vec<String>) {
    let opts = stance_scan::Options { min_severity: None, ..stance_scan::Options::default() };
    let out = stance_scan::scan_paths(&[PathBuf::from(dir)], &opts).unwrap();
    assert!(out.info.diagnostics.is_empty(), "diagnostics: {:?}", out.info.diagnostics);
    (out.findings, out.info.files)
}

fn path_of(f: &Finding) -> &str {
    f.primary_location().map(|l| l.path.as_str()).unwrap_or("")
}

#[test]
fn incidents_are_reported_and_safe_versions_are_not() {
    let Some(shared) = stance_testkit::shared_dir() else {
        return stance_testkit::skip_without_data("../shared (incident data) is not present");
    };
    let mut problems = Vec::new();
    for case in CASES {
        let dir = layout(&shared, case);
        let (findings, files) = scan(dir.path());
        let _ = W;
        for (path, id, sev) in case.expect {
            if !findings.iter().any(|f| path_of(f) == *path && f.id == *id && f.severity >= *sev) {
                problems.push(format!("{}: expected {id} (>= {sev}) in {path}", case.name));
            }
        }
        for path in case.clean {
            for f in findings.iter().filter(|f| path_of(f) == *path && f.severity > Severity::Info) {
                problems.push(format!(
                    "{}: {path} should be clean but has {} ({}): {}",
                    case.name, f.id, f.severity, f.message
                ));
            }
        }
        for f in findings.iter().filter(|f| case.never.contains(&f.id.as_str())) {
            problems.push(format!("{}: unexpected {} in {}: {}", case.name, f.id, path_of(f), f.message));
        }
        // Every workflow of the case was analysed (label registries are context, not findings).
        for (_, to) in
            case.files.iter().filter(|(_, to)| to.starts_with(".github/workflows/") || *to == "action.yml")
        {
            assert!(files.iter().any(|f| f == to), "{}: {to} was not scanned ({files:?})", case.name);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_template_injection_of_inputs_in_the_ultralytics_action_is_reported() {
    let Some(shared) = stance_testkit::shared_dir() else {
        return stance_testkit::skip_without_data("../shared (incident data) is not present");
    };
    let case = CASES.iter().find(|c| c.name == "Ultralytics").unwrap();
    let dir = layout(&shared, case);
    let (findings, _) = scan(dir.path());
    let injections: Vec<&Finding> =
        findings.iter().filter(|f| f.id == "template-injection" && path_of(f) == "action.yml").collect();
    assert!(injections.iter().any(|f| f.message.contains("github.head_ref") && f.severity >= High));
    assert!(injections.iter().any(|f| f.message.contains("inputs.") && f.severity >= Medium));
}

#[test]
fn posture_evidence_changes_the_self_hosted_findings() {
    let Some(shared) = stance_testkit::shared_dir() else {
        return stance_testkit::skip_without_data("../shared (incident data) is not present");
    };
    let case = CASES.iter().find(|c| c.name == "TensorFlow ARM64").unwrap();
    let dir = layout(&shared, case);
    let (baseline, _) = scan(dir.path());
    let base_sev = |fs: &[Finding], id: &str, path: &str| {
        fs.iter().filter(|f| f.id == id && path_of(f) == path).map(|f| f.severity).max()
    };
    let report = |level_fail: Option<stance_core::model::Level>| {
        use stance_core::catalog::Catalog;
        use stance_core::model::{Confidence, Outcome};
        use stance_core::report::{Context, Platform, Report, ReportKind, RunnerInfo};
        let findings = level_fail
            .map(|l| {
                vec![Finding {
                    id: "runner-not-ephemeral".into(),
                    title: "x".into(),
                    dimension: None,
                    outcome: Outcome::Fail,
                    severity: High,
                    confidence: Confidence::High,
                    level: Some(l),
                    message: String::new(),
                    reason: None,
                    evidence: vec![],
                }]
            })
            .unwrap_or_default();
        let mut r = Report::new(ReportKind::Probe, findings, &Catalog, "2026-01-01T00:00:00Z".into());
        r.context = Some(Context {
            platform: Platform::GithubActions,
            runner: RunnerInfo {
                labels: vec!["self-hosted".into(), "Linux".into(), "ARM64".into()],
                ..RunnerInfo::default()
            },
            ..Context::default()
        });
        serde_json::to_string(&r).unwrap()
    };
    // Measured L3 (nothing failed): the runner is single-use and egress-restricted.
    let mut good = stance_scan::posture::PostureEvidence::default();
    good.add_report("good.json", &report(None));
    let opts =
        stance_scan::Options { min_severity: None, posture: Some(good), ..stance_scan::Options::default() };
    let out = stance_scan::scan_paths(&[dir.path().to_path_buf()], &opts).unwrap();
    let poc = ".github/workflows/sh-runner-poc.yml";
    let cd = ".github/workflows/arm-cd.yml";
    assert!(
        base_sev(&out.findings, "self-hosted-untrusted-trigger", poc)
            < base_sev(&baseline, "self-hosted-untrusted-trigger", poc)
    );
    assert_eq!(
        base_sev(&out.findings, "privileged-job-persistent-runner", cd),
        Some(Info),
        "measured L2+ is reported as info with the reason"
    );
    assert!(
        out.findings
            .iter()
            .any(|f| f.id == "privileged-job-persistent-runner" && f.message.contains("measured L3"))
    );
    // Measured L0 (a basic control fails): confidence goes up.
    let mut bad = stance_scan::posture::PostureEvidence::default();
    bad.add_report("bad.json", &report(Some(stance_core::model::Level::L1)));
    let opts =
        stance_scan::Options { min_severity: None, posture: Some(bad), ..stance_scan::Options::default() };
    let out = stance_scan::scan_paths(&[dir.path().to_path_buf()], &opts).unwrap();
    let f =
        out.findings.iter().find(|f| f.id == "privileged-job-persistent-runner" && path_of(f) == cd).unwrap();
    assert_eq!(f.confidence, stance_core::model::Confidence::High);
    assert!(f.evidence.iter().any(|e| e.subject.contains("measured posture L0")));
}

#[test]
fn pytorch_incident_severity_of_secrets_on_the_persistent_fleet() {
    // The README asks for high on fork PRs reaching the runner and medium for the secrets
    // (`secrets: inherit`, GITHUB_TOKEN login) on it; every job was reported high twice.
    let Some(shared) = stance_testkit::shared_dir() else {
        return stance_testkit::skip_without_data("../shared (incident data) is not present");
    };
    let case = CASES.iter().find(|c| c.dir == "pytorch-org-selfhosted-2023" && c.files.len() > 1).unwrap();
    let dir = layout(&shared, case);
    let (findings, _) = scan(dir.path());
    for path in [".github/workflows/test_linux_job.yml", ".github/workflows/clang-tidy-linux.yml"] {
        let sev = |id: &str| -> Vec<Severity> {
            findings.iter().filter(|f| path_of(f) == path && f.id == id).map(|f| f.severity).collect()
        };
        let reach = sev("self-hosted-untrusted-trigger");
        let persist = sev("privileged-job-persistent-runner");
        assert!(!reach.is_empty() && reach.iter().all(|s| *s == High), "{path}: {reach:?}");
        assert!(!persist.is_empty() && persist.iter().all(|s| *s == Medium), "{path}: {persist:?}");
    }
}
