//! Report fixtures for the policy tests, built from the catalog: every control
//! passes except the ones a fixture makes fail, so each fixture's level is known.
#![allow(clippy::unwrap_used, dead_code)]

use stance_core::catalog::{CONTROLS, Catalog};
use stance_core::model::{Confidence, Finding, Level, Outcome};
use stance_core::report::{Context, Report, ReportKind};
use stance_policy::config::{Date, Policy};
use stance_policy::infer::NoJobModel;
use stance_policy::{CheckRequest, Evaluation, JobEnv, RegoPolicies, TierChoice};

/// A control required from each level, failed to bring a report below it.
pub fn control_at(level: Level) -> &'static str {
    match level {
        Level::L1 => "kernel-sysctl-hardening",
        Level::L2 => "egress-unrestricted",
        Level::L3 => "log-forwarding-absent",
        Level::L0 => unreachable!("no control is required at L0"),
    }
}

/// A probe report where every control passes, then `outcomes` override.
pub fn report_with(outcomes: &[(&str, Outcome)]) -> Report {
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
                reason: (outcome == Outcome::Unknown).then(|| "the fixture says so".into()),
                evidence: vec![],
            }
        })
        .collect();
    let mut r = Report::new(ReportKind::Probe, findings, &Catalog, "2026-01-01T00:00:00Z".into());
    r.context = Some(Context::default());
    r
}

/// A probe report whose posture level is exactly `level`.
pub fn report_at(level: Level) -> Report {
    let r = match level.next() {
        Some(above) => report_with(&[(control_at(above), Outcome::Fail)]),
        None => report_with(&[]),
    };
    assert_eq!(r.posture.as_ref().unwrap().level, level, "fixture level");
    r
}

/// 2026-06-15, the fixed "today" of these tests.
pub fn today() -> Date {
    Date::new(2026, 6, 15).unwrap()
}

/// Checks `report` for `tier` under `policy` (and optional Rego).
pub fn check(
    report: &Report,
    tier: TierChoice,
    policy: &Policy,
    rego: Option<&mut RegoPolicies>,
) -> Evaluation {
    stance_policy::check(CheckRequest {
        report,
        report_source: "fixture".into(),
        tier,
        policy,
        rego,
        env: &JobEnv::default(),
        model: &NoJobModel,
        today: today(),
    })
    .unwrap()
}
