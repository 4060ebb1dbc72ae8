//! A privileged job whose runner has no declared or measured egress restriction.

use stance_core::model::{Confidence, Finding, Severity, Tier};

use super::{Audit, Cx, audit_meta, finding, job_name};
use crate::analysis::JobFacts;
use crate::github::Job;

audit_meta!(
    NoEgressControl,
    id: "no-egress-control",
    title: "Privileged job without egress control",
    severity: Medium,
    dimension: Network,
    rationale: "Most CI credential theft ends with an outbound request: a compromised action or dependency posts the secrets, the OIDC token or the signing key to an attacker's server (tj-actions, Ultralytics, Codecov). A job that publishes or holds secrets on a runner with unrestricted egress has no second line once code inside it turns hostile.",
    remediation: "Run release and secret-holding jobs on runners with an egress allow-list (a firewall or proxy on self-hosted runners, declared `egress-restricted = true` in stance.toml) or add an egress-blocking step such as step-security/harden-runner with `egress-policy: block`.",
    refs: { nhi: ["NHI2:2025"], csf: ["PR.IR-01"], cicd: ["CICD-SEC-7"], cis: ["2.2.4"], slsa: [] }
);

impl Audit for NoEgressControl {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let release = facts.tier == Tier::Release;
        let self_hosted_privileged = facts.privileges.privileged() && facts.on_self_hosted();
        if !release && !self_hosted_privileged {
            return;
        }
        let blocks = job.steps.iter().any(|s| {
            s.uses_action("step-security/harden-runner")
                && s.with.iter().any(|k| k.key == "egress-policy" && k.value.trim() == "block")
        });
        if blocks || (!facts.runners.is_empty() && facts.runners.iter().all(|(r, _)| r.egress_restricted())) {
            return;
        }
        let severity = if self_hosted_privileged { Severity::Medium } else { Severity::Low };
        let Some((runner, origin)) = facts.runners.first() else { return };
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(Confidence::Low)
                .message(format!(
                    "{} holds {} on {} with no declared or measured egress restriction",
                    job_name(cx, job, origin),
                    facts.privileges.describe(),
                    runner.describe()
                ))
                .at(cx.repo, origin.span, origin.route.clone())
                .build(),
        );
    }
}
