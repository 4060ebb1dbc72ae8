//! `actions/checkout` leaving its token in `.git/config` where it matters.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::{Job, Step};

audit_meta!(
    PersistedCheckoutCredentials,
    id: "persisted-checkout-credentials",
    title: "Checkout credentials persisted where other code can read them",
    severity: Medium,
    dimension: Secrets,
    rationale: "actions/checkout writes the token it used into the checkout's .git/config unless `persist-credentials: false` is set. Every later step, action and build script can read it; with untrusted code checked out, that code gets the token; on a persistent self-hosted runner a personal access token stays on disk after the job.",
    remediation: "Set `persist-credentials: false` on actions/checkout, and pass a token explicitly to the one step that pushes; never hand a personal access token to checkout on a persistent runner.",
    refs: { nhi: ["NHI2:2025", "NHI7:2025"], csf: ["PR.DS-01", "PR.AA-05"], cicd: ["CICD-SEC-6"], cis: [], slsa: [] }
);

impl Audit for PersistedCheckoutCredentials {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn step(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, step: &Step, out: &mut Vec<Finding>) {
        if !step.uses_action("actions/checkout") {
            return;
        }
        if step.with.iter().any(|k| k.key == "persist-credentials" && k.value.trim() == "false") {
            return;
        }
        let pat = step
            .with
            .iter()
            .find(|k| k.key == "token")
            .filter(|k| k.value.contains("secrets.") && !k.value.contains("secrets.GITHUB_TOKEN"));
        let persistent = facts.runners.iter().any(|(r, _)| r.persistent());
        let untrusted = facts.untrusted_checkout.as_ref().is_some_and(|c| c.step == step.index);
        let (severity, why) = if pat.is_some() && persistent {
            (
                Severity::High,
                "a personal access token stays in .git/config on a persistent self-hosted runner",
            )
        } else if untrusted {
            (Severity::Medium, "the token is left in .git/config of untrusted code that the job checks out")
        } else if pat.is_some() {
            (Severity::Low, "a personal access token stays in .git/config for every later step of the job")
        } else if facts.on_self_hosted() {
            (
                Severity::Info,
                "the job token is left in .git/config on a self-hosted runner until the job ends",
            )
        } else {
            return;
        };
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(Confidence::High)
                .message(format!(
                    "job `{}`: actions/checkout without `persist-credentials: false`; {why}",
                    job.id
                ))
                .at(
                    cx.repo,
                    step.uses.as_ref().map(|u| u.span).unwrap_or(step.span),
                    format!("jobs.{}.steps[{}].uses", job.id, step.index),
                )
                .build(),
        );
    }
}
