//! A privileged GitLab job without `tags:`.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, GlFacts, audit_meta, finding};
use crate::gitlab::GlJob;
use crate::runner::RunnerKind;

audit_meta!(
    GitlabUntaggedPrivilegedJob,
    id: "gitlab-untagged-privileged-job",
    title: "Privileged GitLab job without runner tags",
    severity: Medium,
    dimension: Isolation,
    rationale: "A job without `tags:` runs on any runner that accepts untagged jobs: instance-wide shared runners, group runners other projects use, a developer's registered laptop. A job that deploys, publishes or reads protected variables then lands on machines nobody chose for that trust level.",
    remediation: "Tag privileged jobs so they can only run on runners dedicated to protected work (and protect those runners: 'run only for protected branches'); leave untagged runners for unprivileged jobs.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.PS-01"], cicd: ["CICD-SEC-7"], cis: ["2.2.3"], slsa: [] }
);

impl Audit for GitlabUntaggedPrivilegedJob {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn gitlab_job(&self, cx: &Cx<'_, '_>, job: &GlJob, facts: &GlFacts, out: &mut Vec<Finding>) {
        if job.trigger || facts.runner.kind != RunnerKind::GitlabUntagged || !facts.privileges.privileged() {
            return;
        }
        let severity = if facts.privileges.releases() || facts.privileges.environment.is_some() {
            Severity::Medium
        } else {
            Severity::Low
        };
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(Confidence::Medium)
                .message(format!(
                    "job `{}` holds {} but has no `tags:`, so any runner that accepts untagged jobs can run it",
                    job.name,
                    facts.privileges.describe()
                ))
                .at(cx.repo, job.name_span, job.name.clone())
                .build(),
        );
    }
}
