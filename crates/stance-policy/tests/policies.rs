//! The example Rego policies in `policies/`, each allowing and denying, and how a
//! broken Rego file is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{check, report_at, report_with};
use stance_core::model::{Level, Outcome, Tier};
use stance_core::report::{Context, RunnerInfo, RunnerKind, Visibility};
use stance_policy::config::Policy;
use stance_policy::{ErrorKind, RegoPolicies, TierChoice};

fn policies_dir() -> PathBuf {
    stance_testkit::workspace_root().join("policies")
}

fn load(name: &str) -> RegoPolicies {
    let mut r = RegoPolicies::new();
    r.add_file(&policies_dir().join(name)).unwrap();
    r
}

fn denials(
    report: &stance_core::report::Report,
    tier: Tier,
    policy: &Policy,
    rego: &mut RegoPolicies,
) -> Vec<String> {
    let e = check(report, TierChoice::Named(tier), policy, Some(rego));
    let r = e.rego.as_ref().unwrap();
    assert_eq!(e.allowed(), e.reasons.is_empty());
    r.deny.iter().map(|m| m.msg.clone()).collect()
}

#[test]
fn release_egress_holds_even_when_waived() {
    let waived = Policy::with_overrides(
        "w.toml",
        "[[waiver]]\ncontrol = \"egress-unrestricted\"\ntier = \"release\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-12-31\n",
    )
    .unwrap();
    let mut rego = load("release-egress.rego");
    let open = report_with(&[("egress-unrestricted", Outcome::Fail)]);
    // Without the Rego policy, the waiver lets the release through.
    assert!(check(&open, TierChoice::Named(Tier::Release), &waived, None).allowed());
    let d = denials(&open, Tier::Release, &waived, &mut rego);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].contains("egress-unrestricted is fail"), "{d:?}");
    // Other tiers are not this rule's business.
    assert!(denials(&open, Tier::Build, &waived, &mut rego).is_empty());
    // A release runner with egress restricted passes.
    assert!(denials(&report_at(Level::L3), Tier::Release, &waived, &mut rego).is_empty());
    // An active egress check that reached a target denies too; a missing result is not a pass.
    let reached = report_with(&[("egress-open", Outcome::Fail)]);
    assert!(denials(&reached, Tier::Release, &waived, &mut rego)[0].contains("active egress check"));
    let mut missing = report_at(Level::L3);
    missing.findings.retain(|f| f.id != "egress-unrestricted");
    assert!(
        denials(&missing, Tier::Release, &waived, &mut rego)[0].contains("egress-unrestricted is missing")
    );
}

fn on_runner(kind: RunnerKind, visibility: Option<Visibility>) -> stance_core::report::Report {
    let mut r = report_at(Level::L3);
    r.context = Some(Context {
        repository: Some("octo/app".into()),
        visibility,
        runner: RunnerInfo { kind, ..RunnerInfo::default() },
        ..Context::default()
    });
    r
}

#[test]
fn public_repositories_get_no_self_hosted_runner_at_any_tier() {
    let policy = Policy::builtin().unwrap();
    let mut rego = load("public-repo-self-hosted.rego");
    for tier in Tier::ALL {
        let d =
            denials(&on_runner(RunnerKind::SelfHosted, Some(Visibility::Public)), *tier, &policy, &mut rego);
        assert_eq!(d.len(), 1, "tier {tier}");
        assert!(d[0].contains("public repository octo/app runs on a self-hosted runner"), "{d:?}");
    }
    assert_eq!(
        denials(&on_runner(RunnerKind::Arc, Some(Visibility::Public)), Tier::Build, &policy, &mut rego).len(),
        1
    );
    assert!(
        denials(
            &on_runner(RunnerKind::SelfHosted, Some(Visibility::Private)),
            Tier::Build,
            &policy,
            &mut rego
        )
        .is_empty()
    );
    assert!(
        denials(
            &on_runner(RunnerKind::VendorHosted, Some(Visibility::Public)),
            Tier::Build,
            &policy,
            &mut rego
        )
        .is_empty()
    );
    assert!(denials(&on_runner(RunnerKind::SelfHosted, None), Tier::Build, &policy, &mut rego).is_empty());
}

#[test]
fn secrets_in_logs_denies_every_tier_and_warns_when_unknown() {
    let policy = Policy::builtin().unwrap();
    let mut rego = load("secrets-in-logs.rego");
    let leaked = report_with(&[("secrets-in-logs", Outcome::Fail)]);
    // A build job (L1) would not be stopped by the L2 control alone.
    assert!(check(&leaked, TierChoice::Named(Tier::Build), &policy, None).allowed());
    let e = check(&leaked, TierChoice::Named(Tier::Build), &policy, Some(&mut rego));
    assert!(!e.allowed());
    let r = e.rego.as_ref().unwrap();
    assert_eq!(r.deny[0].control.as_deref(), Some("secrets-in-logs"));
    assert!(r.deny[0].msg.starts_with("secrets were found in runner logs"));
    let unknown = report_with(&[("secrets-in-logs", Outcome::Unknown)]);
    let e = check(&unknown, TierChoice::Named(Tier::Build), &policy, Some(&mut rego));
    assert!(e.allowed(), "warnings never deny");
    assert_eq!(e.rego.as_ref().unwrap().warn.len(), 1);
    assert!(denials(&report_at(Level::L3), Tier::Release, &policy, &mut rego).is_empty());
}

#[test]
fn unknown_controls_warns_about_waived_undecided_ones() {
    let policy = Policy::with_overrides(
        "w.toml",
        "[[waiver]]\ncontrol = \"runtime-monitoring-absent\"\ntier = \"release\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-12-31\n",
    )
    .unwrap();
    let mut rego = load("unknown-controls.rego");
    let report = report_with(&[("runtime-monitoring-absent", Outcome::Unknown)]);
    let e = check(&report, TierChoice::Named(Tier::Release), &policy, Some(&mut rego));
    assert!(e.allowed());
    let warn = &e.rego.as_ref().unwrap().warn;
    assert_eq!(warn.len(), 1);
    assert!(warn[0].msg.starts_with("runtime-monitoring-absent is undecided and waived for tier release"));
    // For a privileged job (L2) the L3 control is not needed: no warning.
    let e = check(&report, TierChoice::Named(Tier::Privileged), &policy, Some(&mut rego));
    assert!(e.rego.as_ref().unwrap().warn.is_empty());
}

#[test]
fn the_whole_policies_folder_loads_and_passes_a_hardened_runner() {
    let mut rego = RegoPolicies::new();
    let n = rego.add_dir(&policies_dir()).unwrap();
    assert_eq!(n, 4);
    let e = check(
        &on_runner(RunnerKind::VendorHosted, Some(Visibility::Public)),
        TierChoice::Named(Tier::Release),
        &Policy::builtin().unwrap(),
        Some(&mut rego),
    );
    assert!(e.allowed(), "{:?}", e.reasons);
    assert_eq!(e.rego.as_ref().unwrap().files.len(), 4);
}

#[test]
fn a_broken_rego_file_points_at_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.rego");
    std::fs::write(&path, "package stance\n\nimport rego.v1\n\ndeny contains msg if {\n  input.tier == \"release\"\n  msg := sprintf(\"%s\", [input.tier]\n}\n").unwrap();
    let mut rego = RegoPolicies::new();
    let err = rego.add_file(&path).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Rego);
    assert_eq!(err.path, path.display().to_string());
    assert_eq!(err.line, Some(8), "{err}");
    assert!(err.to_string().starts_with(&format!("{}:8:1: ", path.display())), "{err}");
    // A folder with a broken file fails as a whole: no partial policy set is evaluated.
    let mut rego = RegoPolicies::new();
    let e = rego.add_dir(dir.path()).unwrap_err();
    assert_eq!(e.line, Some(8));
}

#[test]
fn a_policy_that_errors_while_evaluating_is_an_error_not_an_allow() {
    let mut rego = RegoPolicies::new();
    rego.add_source("bad.rego", "package stance\n\nimport rego.v1\n\ndeny contains msg if {\n  msg := concat(\", \", [input.schema_version])\n}\n").unwrap();
    let policy = Policy::builtin().unwrap();
    let report = report_at(Level::L3);
    let err = stance_policy::check(stance_policy::CheckRequest {
        report: &report,
        report_source: "x".into(),
        tier: TierChoice::Named(Tier::Build),
        policy: &policy,
        rego: Some(&mut rego),
        env: &stance_policy::JobEnv::default(),
        model: &stance_policy::infer::NoJobModel,
        today: common::today(),
    })
    .unwrap_err();
    assert!(err.to_string().starts_with("bad.rego:6:"), "{err}");
}
