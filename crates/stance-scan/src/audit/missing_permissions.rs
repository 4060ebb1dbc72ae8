//! No `permissions:` block: the repository's default token permissions apply.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::Job;

audit_meta!(
    MissingPermissions,
    id: "missing-permissions",
    title: "Default GITHUB_TOKEN permissions",
    severity: Medium,
    dimension: Secrets,
    rationale: "Without a `permissions:` block the job token gets the repository's default, which is read-write on many older repositories and organisations. Any code in the job (an action, a dependency, checked-out pull request code) can then push commits, create releases or approve pull requests with it.",
    remediation: "Add `permissions: {}` (or `contents: read`) at the workflow level and grant each job only the scopes it needs.",
    refs: { nhi: ["NHI5:2025"], csf: ["PR.AA-05"], cicd: ["CICD-SEC-5"], cis: [], slsa: [] }
);

impl Audit for MissingPermissions {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let Some(wf) = cx.repo.workflow(facts.at.file) else { return };
        // A called workflow's token is capped by its caller; report at the caller.
        if wf.permissions.is_some()
            || wf.triggers.iter().all(|t| t.event == "workflow_call")
            || job.uses.is_some()
        {
            return;
        }
        let lacking: Vec<&Job> =
            wf.jobs.iter().filter(|j| j.permissions.is_none() && j.uses.is_none()).collect();
        if lacking.first().map(|j| j.id.as_str()) != Some(job.id.as_str()) {
            return;
        }
        // Escalate when any job lacking permissions runs untrusted code with the token.
        let risky = wf.jobs.iter().enumerate().find_map(|(i, j)| {
            let f = cx.repo.jobs.get(&crate::analysis::JobRef { file: facts.at.file, job: i })?;
            (j.permissions.is_none() && j.uses.is_none() && f.untrusted_checkout.is_some()).then_some(j)
        });
        let (severity, msg) = match risky {
            Some(j) => (
                Severity::Medium,
                format!(
                    "no `permissions:` block: job `{}` runs untrusted code with a token that may be read-write",
                    j.id
                ),
            ),
            None => (
                Severity::Info,
                format!(
                    "no `permissions:` block; job{} {} get{} the repository's default token permissions",
                    if lacking.len() == 1 { "" } else { "s" },
                    lacking.iter().map(|j| format!("`{}`", j.id)).collect::<Vec<_>>().join(", "),
                    if lacking.len() == 1 { "s" } else { "" }
                ),
            ),
        };
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(Confidence::High)
                .message(msg)
                .at(cx.repo, wf.on_span, "on")
                .build(),
        );
    }
}
