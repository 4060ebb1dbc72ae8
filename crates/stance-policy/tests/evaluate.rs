//! The default policy's every path (each tier against reports of each level),
//! `require`, waivers valid and expired, and the JSON shape of the result.
#![allow(clippy::unwrap_used)]

mod common;

use common::{check, control_at, report_at, report_with, today};
use stance_core::model::{Level, Outcome, Tier};
use stance_core::report::{Context, ReportKind, RunnerInfo};
use stance_policy::TierChoice;
use stance_policy::config::Policy;
use stance_policy::eval::{Decision, RequiredBy};

fn named(t: Tier) -> TierChoice {
    TierChoice::Named(t)
}

#[test]
fn every_tier_against_every_level_under_the_default_policy() {
    let policy = Policy::builtin().unwrap();
    let needs = [
        (Tier::Untrusted, Level::L2),
        (Tier::Build, Level::L1),
        (Tier::Privileged, Level::L2),
        (Tier::Release, Level::L3),
    ];
    for (tier, min) in needs {
        for level in Level::ALL {
            let report = report_at(*level);
            let e = check(&report, named(tier), &policy, None);
            assert_eq!(e.required_level, min);
            assert_eq!(e.measured_level, *level);
            let expect_allowed = *level >= min;
            assert_eq!(e.allowed(), expect_allowed, "tier {tier} on a {level} runner");
            if expect_allowed {
                assert!(
                    e.blockers.is_empty() && e.reasons.is_empty(),
                    "tier {tier} on {level}: {:?}",
                    e.reasons
                );
            } else {
                // The one failing control sits at level+1 <= min: it is the only blocker.
                let blocker = control_at(level.next().unwrap());
                assert_eq!(e.blockers.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(), [blocker]);
                assert_eq!(e.blockers[0].required_by, RequiredBy::Level);
                assert!(!e.blockers[0].remediation.is_empty(), "a blocker says how to fix it");
                assert!(
                    e.reasons[0]
                        .starts_with(&format!("posture {level} is below {min} required for tier {tier}"))
                );
            }
        }
    }
}

#[test]
fn unknown_blocks_like_fail_and_warn_or_not_applicable_do_not() {
    let policy = Policy::builtin().unwrap();
    let unknown = report_with(&[("egress-unrestricted", Outcome::Unknown)]);
    let e = check(&unknown, named(Tier::Privileged), &policy, None);
    assert_eq!(e.decision, Decision::Denied);
    assert_eq!(e.blockers[0].outcome, Outcome::Unknown);
    assert_eq!(e.blockers[0].reason.as_deref(), Some("the fixture says so"));
    let soft = report_with(&[
        ("egress-unrestricted", Outcome::Warn),
        ("log-forwarding-absent", Outcome::NotApplicable),
    ]);
    assert!(check(&soft, named(Tier::Release), &policy, None).allowed());
}

#[test]
fn a_control_missing_from_the_report_counts_as_unknown() {
    let policy = Policy::builtin().unwrap();
    let mut report = report_at(Level::L3);
    report.findings.retain(|f| f.id != "runner-not-single-use");
    let e = check(&report, named(Tier::Privileged), &policy, None);
    assert!(!e.allowed());
    assert_eq!(e.blockers[0].id, "runner-not-single-use");
    assert_eq!(e.blockers[0].outcome, Outcome::Unknown);
    assert!(e.notes.iter().any(|n| n.contains("1 catalog control missing")), "{:?}", e.notes);
    // The stated level is not trusted over the findings.
    assert_eq!(report.posture.as_ref().unwrap().level, Level::L3);
    assert_eq!(e.measured_level, Level::L1);
}

#[test]
fn require_adds_controls_above_the_level() {
    let policy =
        Policy::with_overrides("p.toml", "[tier.build]\nrequire = [\"log-forwarding-absent\"]\n").unwrap();
    let report = report_at(Level::L2); // log-forwarding-absent (L3) fails
    let e = check(&report, named(Tier::Build), &policy, None);
    assert!(!e.allowed());
    assert_eq!(e.blockers.len(), 1);
    assert_eq!(e.blockers[0].required_by, RequiredBy::Require);
    assert!(
        e.reasons[0].contains("the policy requires log-forwarding-absent for tier build"),
        "{:?}",
        e.reasons
    );
    // The level itself is fine: only the require list denies.
    assert_eq!(e.level_blockers().count(), 0);
    assert!(check(&report_at(Level::L3), named(Tier::Build), &policy, None).allowed());
}

#[test]
fn a_raised_min_level_in_a_policy_file_applies() {
    let policy = Policy::with_overrides("p.toml", "[tier.build]\nmin_level = \"L3\"\n").unwrap();
    assert!(!check(&report_at(Level::L2), named(Tier::Build), &policy, None).allowed());
}

fn waiver(scope: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\ncontrol = \"log-forwarding-absent\"\n{scope}\nreason = \"central logging arrives in Q3\"\nowner = \"@platform-team\"\nexpires = {expires}\n"
    )
}

#[test]
fn a_valid_waiver_lets_its_control_through_and_is_listed() {
    let policy = Policy::with_overrides("w.toml", &waiver("tier = \"release\"", "2026-12-31")).unwrap();
    let report = report_at(Level::L2);
    let e = check(&report, named(Tier::Release), &policy, None);
    assert!(e.allowed(), "{:?}", e.reasons);
    assert_eq!(e.measured_level, Level::L2);
    assert_eq!(e.effective_level, Level::L3);
    assert_eq!(e.waived.len(), 1);
    assert_eq!(e.waived[0].waiver.owner, "@platform-team");
    assert_eq!(e.waived[0].waiver.origin.to_string(), "w.toml:1");
    // Scoped to release: a privileged job on an L1 runner gets nothing from it.
    let other = check(&report_at(Level::L1), named(Tier::Privileged), &policy, None);
    assert!(!other.allowed());
    assert!(other.waived.is_empty());
}

#[test]
fn the_last_day_of_a_waiver_is_still_valid() {
    let policy =
        Policy::with_overrides("w.toml", &waiver("tier = \"release\"", &today().to_string())).unwrap();
    assert!(check(&report_at(Level::L2), named(Tier::Release), &policy, None).allowed());
}

#[test]
fn an_expired_waiver_fails_the_check_and_names_itself() {
    let policy = Policy::with_overrides("w.toml", &waiver("tier = \"release\"", "2026-06-14")).unwrap();
    let e = check(&report_at(Level::L2), named(Tier::Release), &policy, None);
    assert!(!e.allowed());
    assert_eq!(e.expired_waivers.len(), 1);
    assert!(e.waived.is_empty());
    let msg = e.reasons.iter().find(|r| r.contains("expired")).unwrap();
    assert!(
        msg.contains("log-forwarding-absent")
            && msg.contains("2026-06-14")
            && msg.contains("w.toml:1")
            && msg.contains("@platform-team"),
        "{msg}"
    );
    // Even when the control now holds, the expired waiver still fails the check until it is removed.
    let fixed = check(&report_at(Level::L3), named(Tier::Release), &policy, None);
    assert!(!fixed.allowed());
    assert_eq!(fixed.reasons.len(), 1);
}

#[test]
fn runner_waivers_match_name_labels_or_host_name() {
    let policy = Policy::with_overrides("w.toml", &waiver("runner = \"gpu-pool\"", "2026-12-31")).unwrap();
    let mut report = report_at(Level::L2);
    let e = check(&report, named(Tier::Release), &policy, None);
    assert!(!e.allowed(), "no runner named gpu-pool yet");
    report.context = Some(Context {
        runner: RunnerInfo { labels: vec!["self-hosted".into(), "GPU-Pool".into()], ..RunnerInfo::default() },
        ..Context::default()
    });
    assert!(check(&report, named(Tier::Release), &policy, None).allowed());
}

#[test]
fn a_waiver_that_is_not_needed_is_noted() {
    let policy = Policy::with_overrides("w.toml", &waiver("tier = \"release\"", "2026-12-31")).unwrap();
    let e = check(&report_at(Level::L3), named(Tier::Release), &policy, None);
    assert!(e.allowed());
    assert!(e.notes.iter().any(|n| n.contains("is not needed here")), "{:?}", e.notes);
}

#[test]
fn scan_reports_are_refused() {
    let mut report = report_at(Level::L3);
    report.kind = ReportKind::Scan;
    let policy = Policy::builtin().unwrap();
    let err = stance_policy::check(stance_policy::CheckRequest {
        report: &report,
        report_source: "x".into(),
        tier: named(Tier::Build),
        policy: &policy,
        rego: None,
        env: &stance_policy::JobEnv::default(),
        model: &stance_policy::infer::NoJobModel,
        today: today(),
    })
    .unwrap_err();
    assert!(err.to_string().contains("`stance check` needs a probe report"), "{err}");
}

#[test]
fn auto_without_context_falls_back_only_when_asked() {
    let policy = Policy::builtin().unwrap();
    let report = report_at(Level::L2);
    let e = check(&report, TierChoice::Auto { fallback: Some(Tier::Privileged) }, &policy, None);
    assert_eq!(e.tier, Tier::Privileged);
    assert_eq!(e.tier_inference.method, stance_policy::infer::Method::Fallback);
    assert!(e.allowed());
}

#[test]
fn the_json_result_has_a_stable_shape() {
    let policy = Policy::with_overrides("w.toml", &waiver("tier = \"release\"", "2026-12-31")).unwrap();
    let report =
        report_with(&[("egress-unrestricted", Outcome::Fail), ("log-forwarding-absent", Outcome::Fail)]);
    let e = check(&report, named(Tier::Release), &policy, None);
    let v: serde_json::Value = serde_json::from_str(&stance_policy::render::json(&e)).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "blockers",
            "decision",
            "effective_level",
            "expired_waivers",
            "measured_level",
            "notes",
            "policy",
            "reasons",
            "report",
            "required_level",
            "schema_version",
            "tier",
            "tier_inference",
            "waived"
        ]
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["decision"], "denied");
    assert_eq!(v["tier_inference"]["method"], "explicit");
    assert_eq!(v["blockers"][0]["id"], "egress-unrestricted");
    assert_eq!(v["blockers"][0]["required_by"], "level");
    assert_eq!(v["blockers"][0]["level"], "L2");
    assert_eq!(v["waived"][0]["waiver"]["expires"], "2026-12-31");
    assert_eq!(v["waived"][0]["blocker"]["id"], "log-forwarding-absent");
    assert_eq!(v["policy"]["source"]["kind"], "file");
    assert_eq!(v["report"]["source"], "fixture");
}
