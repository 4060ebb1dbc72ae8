//! Secrets available to pushes on every branch.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::Job;

audit_meta!(
    SecretsOnAnyBranchPush,
    id: "secrets-on-any-branch-push",
    title: "Job with secrets runs on pushes to any branch",
    severity: Medium,
    dimension: Secrets,
    rationale: "With `push: branches: ['**']` every branch, including unprotected feature and bot branches, runs the job with its secrets. Anyone (or any token, or any compromised bot) that can push a branch can change the workflow or the build on that branch and read the secrets, bypassing branch protection and review.",
    remediation: "Limit secret-holding jobs to protected branches and tags (`branches: [main]`, `tags: ['v*']`), and move secrets into deployment environments restricted to those branches.",
    refs: { nhi: ["NHI7:2025"], csf: ["PR.AA-05"], cicd: ["CICD-SEC-1", "CICD-SEC-6"], cis: [], slsa: [] }
);

impl Audit for SecretsOnAnyBranchPush {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        if facts.privileges.secrets.is_empty() || job.environment.is_some() {
            return;
        }
        let Some(wf) = cx.repo.workflow(facts.at.file) else { return };
        let Some(push) = wf.trigger("push") else { return };
        if !facts.events.iter().any(|e| e.event == "push" && e.via.is_empty()) {
            return;
        }
        let Some(branches) = &push.branches else { return };
        if !branches.iter().any(|b| b == "**" || b == "*" || b == "**/*") {
            return;
        }
        out.push(
            finding(&Self::META)
                .severity(Severity::Medium)
                .confidence(Confidence::Medium)
                .message(format!(
                    "job `{}` holds secret{} {} and runs on pushes to every branch ({})",
                    job.id,
                    if facts.privileges.secrets.len() == 1 { "" } else { "s" },
                    facts.privileges.secrets.join(", "),
                    branches.join(", ")
                ))
                .at(cx.repo, push.span, "on.push.branches")
                .build(),
        );
    }
}
