//! A job that asks only for `self-hosted` (plus OS/architecture labels).

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, audit_meta, finding, job_name};
use crate::analysis::JobFacts;
use crate::github::Job;
use crate::runner::GENERIC_SELF_HOSTED;

audit_meta!(
    GenericSelfHostedLabel,
    id: "generic-self-hosted-label",
    title: "Job selects runners by the generic self-hosted labels only",
    severity: Medium,
    dimension: Isolation,
    rationale: "`self-hosted`, the OS and the architecture are labels every self-hosted runner carries, so such a job can land on any runner registered to the repository, organisation or enterprise group: a GPU box, a release signer, a machine in another network zone. Nothing keeps untrusted and privileged work apart.",
    remediation: "Select runners by a dedicated label or runner group that names the pool meant for this job (`runs-on: {group: release-signers}`), and keep pools for untrusted and privileged work apart.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.PS-01"], cicd: ["CICD-SEC-7"], cis: ["2.2.3"], slsa: [] }
);

impl Audit for GenericSelfHostedLabel {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        for (runner, origin) in &facts.runners {
            if !runner.self_hosted() || runner.group.is_some() || runner.labels.is_empty() {
                continue;
            }
            let generic =
                runner.labels.iter().all(|l| GENERIC_SELF_HOSTED.iter().any(|g| g.eq_ignore_ascii_case(l)))
                    && runner.labels.iter().any(|l| l.eq_ignore_ascii_case("self-hosted"));
            if !generic {
                continue;
            }
            let severity = if facts.privileges.privileged() || facts.untrusted_reachable() {
                Severity::Medium
            } else {
                Severity::Info
            };
            out.push(
                finding(&Self::META)
                    .severity(severity)
                    .confidence(Confidence::High)
                    .message(format!(
                        "{} selects {} — labels every self-hosted runner carries, so it can land on any of them",
                        job_name(cx, job, origin),
                        runner.describe()
                    ))
                    .at(cx.repo, origin.span, origin.route.clone())
                    .build(),
            );
        }
    }
}
