//! Evaluating a probe report against the policy of a job tier: which controls
//! stand between the runner and the tier, which are waived, which waivers have
//! expired, what the Rego policies say, and the decision.

use serde::Serialize;
use stance_core::catalog::{CONTROLS, control};
use stance_core::model::{Finding, Level, Outcome, Severity, Tier};
use stance_core::report::{Posture, Report, ReportKind};

use crate::config::{Date, Policy, PolicySource, Waiver};
use crate::infer::Inference;
use crate::rego::RegoOutcome;

/// The version of the policy-result JSON layout (`stance check --format json`).
pub const RESULT_VERSION: u32 = 1;

/// Allowed or denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// The runner's posture meets the tier's policy.
    Allowed,
    /// It does not; `reasons` says why.
    Denied,
}

/// Why a blocking control is required for the tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequiredBy {
    /// The catalog requires it at or below the tier's minimum level.
    Level,
    /// The tier's `require` list names it.
    Require,
}

/// A control that stands between the runner and the tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// The control id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `fail` or `unknown`.
    pub outcome: Outcome,
    /// Its severity.
    pub severity: Severity,
    /// The lowest level that requires it (none for informational controls named in `require`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Why the tier needs it.
    pub required_by: RequiredBy,
    /// What the probe found.
    pub message: String,
    /// Why the outcome is unknown, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How to fix it (from the catalog).
    pub remediation: String,
}

/// A blocking control that a valid waiver lets through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WaivedControl {
    /// The control that would block.
    pub blocker: Blocker,
    /// The waiver.
    pub waiver: Waiver,
}

/// Where the evaluated report came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportRef {
    /// `live probe` or the report file.
    pub source: String,
    /// When the report was produced.
    pub generated_at: String,
    /// The stance version that produced it.
    pub tool_version: String,
    /// The host name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The runner name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    /// The level the report itself states.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_level: Option<Level>,
}

/// The policy applied to the tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppliedPolicy {
    /// Built-in, or a file over it.
    pub source: PolicySource,
    /// The tier's minimum level.
    pub min_level: Level,
    /// The tier's extra required controls.
    pub require: Vec<String>,
}

/// The result of `stance check`: a stable JSON shape (`schema_version` [`RESULT_VERSION`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// [`RESULT_VERSION`].
    pub schema_version: u32,
    /// Allowed or denied.
    pub decision: Decision,
    /// One line per reason for a denial (empty when allowed).
    pub reasons: Vec<String>,
    /// The job tier evaluated.
    pub tier: Tier,
    /// How the tier was chosen.
    pub tier_inference: Inference,
    /// The tier's minimum level.
    pub required_level: Level,
    /// The runner's level from the report's findings, without waivers.
    pub measured_level: Level,
    /// The level with the applicable, unexpired waivers taken into account.
    pub effective_level: Level,
    /// The policy applied.
    pub policy: AppliedPolicy,
    /// Controls that block the tier (after waivers).
    pub blockers: Vec<Blocker>,
    /// Controls that would block but are waived.
    pub waived: Vec<WaivedControl>,
    /// Waivers that apply to this job but have expired: each one denies.
    pub expired_waivers: Vec<Waiver>,
    /// The Rego policies' verdicts, when any were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rego: Option<RegoOutcome>,
    /// Remarks that do not change the decision.
    pub notes: Vec<String>,
    /// The report evaluated.
    pub report: ReportRef,
}

/// Why a report cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A scan report (CI configuration), not a probe of a runner.
    #[error(
        "the report was produced by `stance scan`; `stance check` needs a probe report (`stance probe --format json`)"
    )]
    NotAProbe,
}

/// The names a waiver's `runner` may match: runner name, labels, host name.
pub fn runner_names(report: &Report) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(c) = &report.context {
        names.extend(c.runner.name.clone());
        names.extend(c.runner.labels.iter().cloned());
    }
    if let Some(h) = report.host.as_ref().and_then(|h| h.hostname.clone()) {
        names.push(h);
    }
    names
}

/// Every catalog control's finding, with the catalog's level: a control missing
/// from the report is `unknown` (an absent result is never assumed to hold).
fn normalized(report: &Report) -> Vec<Finding> {
    CONTROLS
        .iter()
        .map(|c| match report.findings.iter().find(|f| f.id == c.id) {
            Some(f) => Finding { level: c.level, ..f.clone() },
            None => Finding {
                id: c.id.to_string(),
                title: c.title.to_string(),
                dimension: c.dimension,
                outcome: Outcome::Unknown,
                severity: c.severity,
                confidence: stance_core::model::Confidence::Low,
                level: c.level,
                message: "the report has no result for this control".into(),
                reason: Some(
                    "not in the report (made by another stance version, or with the control skipped)".into(),
                ),
                evidence: Vec::new(),
            },
        })
        .collect()
}

fn blocker(f: &Finding, required_by: RequiredBy) -> Blocker {
    let remediation = control(&f.id).map(|c| c.remediation).unwrap_or("");
    Blocker {
        id: f.id.clone(),
        title: f.title.clone(),
        outcome: f.outcome,
        severity: f.severity,
        level: f.level,
        required_by,
        message: f.message.clone(),
        reason: f.reason.clone(),
        remediation: remediation.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Evaluates `report` (from `source`) for the tier of `inference` under `policy`, on `today`.
/// Rego policies are applied afterwards with [`Evaluation::apply_rego`].
pub fn evaluate(
    report: &Report,
    source: &str,
    inference: Inference,
    policy: &Policy,
    today: Date,
) -> Result<Evaluation, EvalError> {
    if report.kind != ReportKind::Probe {
        return Err(EvalError::NotAProbe);
    }
    let tier = inference.tier;
    let tp = policy.tier(tier);
    let findings = normalized(report);
    let measured = Posture::compute(&findings);
    let names = runner_names(report);
    let applicable: Vec<&Waiver> = policy.waivers.iter().filter(|w| w.applies(tier, &names)).collect();
    let expired: Vec<Waiver> = applicable.iter().filter(|w| w.expired(today)).map(|w| (*w).clone()).collect();
    let valid: Vec<&Waiver> = applicable.iter().copied().filter(|w| !w.expired(today)).collect();

    let mut blockers = Vec::new();
    let mut waived = Vec::new();
    let mut waived_ids = Vec::new();
    for f in findings.iter().filter(|f| f.outcome.blocks_level()) {
        let by_level = f.level.is_some_and(|l| l <= tp.min_level);
        let by_require = tp.require.contains(&f.id);
        if !by_level && !by_require {
            continue;
        }
        let b = blocker(f, if by_level { RequiredBy::Level } else { RequiredBy::Require });
        match valid.iter().find(|w| w.control == f.id) {
            Some(w) => {
                waived_ids.push(f.id.clone());
                waived.push(WaivedControl { blocker: b, waiver: (*w).clone() });
            }
            None => blockers.push(b),
        }
    }
    // Waived controls no longer block the effective level.
    let unwaived: Vec<Finding> = findings.iter().filter(|f| !waived_ids.contains(&f.id)).cloned().collect();
    let effective = Posture::compute(&unwaived);

    let mut notes = Vec::new();
    if let Some(p) = &report.posture
        && p.level != measured.level
    {
        notes.push(format!(
            "the report states level {} but its findings give {} under this stance's catalog; {} is used",
            p.level, measured.level, measured.level
        ));
    }
    let missing = CONTROLS.iter().filter(|c| !report.findings.iter().any(|f| f.id == c.id)).count();
    if missing > 0 {
        notes.push(format!(
            "{missing} catalog control{} missing from the report count{} as unknown",
            plural(missing),
            if missing == 1 { "s" } else { "" }
        ));
    }
    for w in &valid {
        if !waived_ids.contains(&w.control) {
            notes.push(format!(
                "the waiver for `{}` ({}, {}) is not needed here: the control does not block; remove it when it is fixed for good",
                w.control,
                w.scope(),
                w.origin
            ));
        }
    }

    let context = report.context.as_ref();
    let mut eval = Evaluation {
        schema_version: RESULT_VERSION,
        decision: Decision::Allowed,
        reasons: Vec::new(),
        tier,
        tier_inference: inference,
        required_level: tp.min_level,
        measured_level: measured.level,
        effective_level: effective.level,
        policy: AppliedPolicy {
            source: policy.source.clone(),
            min_level: tp.min_level,
            require: tp.require.clone(),
        },
        blockers,
        waived,
        expired_waivers: expired,
        rego: None,
        notes,
        report: ReportRef {
            source: source.to_string(),
            generated_at: report.generated_at.clone(),
            tool_version: report.tool.version.clone(),
            hostname: report.host.as_ref().and_then(|h| h.hostname.clone()),
            runner: context.and_then(|c| c.runner.name.clone()),
            stated_level: report.posture.as_ref().map(|p| p.level),
        },
    };
    eval.decide();
    Ok(eval)
}

impl Evaluation {
    /// Adds the Rego verdicts and decides again.
    pub fn apply_rego(&mut self, outcome: RegoOutcome) {
        self.rego = Some(outcome);
        self.decide();
    }

    /// Whether the job may go ahead.
    pub fn allowed(&self) -> bool {
        self.decision == Decision::Allowed
    }

    /// The controls that block because of the level (not the `require` list).
    pub fn level_blockers(&self) -> impl Iterator<Item = &Blocker> {
        self.blockers.iter().filter(|b| b.required_by == RequiredBy::Level)
    }

    fn decide(&mut self) {
        let mut reasons = Vec::new();
        let by_level = self.level_blockers().count();
        if by_level > 0 {
            reasons.push(format!(
                "posture {} is below {} required for tier {}: {by_level} control{} block{}",
                self.effective_level,
                self.required_level,
                self.tier,
                plural(by_level),
                if by_level == 1 { "s" } else { "" }
            ));
        }
        let by_require = self.blockers.len() - by_level;
        if by_require > 0 {
            let ids: Vec<&str> = self
                .blockers
                .iter()
                .filter(|b| b.required_by == RequiredBy::Require)
                .map(|b| b.id.as_str())
                .collect();
            reasons.push(format!(
                "the policy requires {} for tier {}, which do{} not hold",
                ids.join(", "),
                self.tier,
                if ids.len() == 1 { "es" } else { "" }
            ));
        }
        for w in &self.expired_waivers {
            reasons.push(format!(
                "the waiver for `{}` ({}, owner {}) expired on {} ({}): renew it with a new date or remove it",
                w.control,
                w.scope(),
                w.owner,
                w.expires,
                w.origin
            ));
        }
        if let Some(r) = &self.rego {
            for m in &r.deny {
                reasons.push(format!("Rego policy {}: {}", m.package, m.msg));
            }
        }
        self.decision = if reasons.is_empty() { Decision::Allowed } else { Decision::Denied };
        self.reasons = reasons;
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The Rego input: the report JSON plus `tier`, `policy` (the tier's `min_level`
/// and `require`) and `waived` (the waivers applied, with owner and expiry).
pub fn rego_input(report: &Report, eval: &Evaluation) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("tier".into(), serde_json::Value::String(eval.tier.to_string()));
        obj.insert(
            "policy".into(),
            serde_json::json!({
                "min_level": eval.required_level,
                "require": eval.policy.require,
                "measured_level": eval.measured_level,
                "effective_level": eval.effective_level,
            }),
        );
        obj.insert(
            "waived".into(),
            serde_json::Value::Array(
                eval.waived
                    .iter()
                    .map(|w| {
                        serde_json::json!({
                            "control": w.waiver.control,
                            "reason": w.waiver.reason,
                            "owner": w.waiver.owner,
                            "expires": w.waiver.expires.to_string(),
                        })
                    })
                    .collect(),
            ),
        );
    }
    v
}
