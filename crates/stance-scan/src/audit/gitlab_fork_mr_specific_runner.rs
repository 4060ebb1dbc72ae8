//! Merge request pipelines (which forks can open) on the project's own runners.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, GlFacts, audit_meta, finding, lower};
use crate::gitlab::GlJob;

audit_meta!(
    GitlabForkMrSpecificRunner,
    id: "gitlab-fork-mr-specific-runner",
    title: "Merge request pipelines from forks on specific runners",
    severity: Medium,
    dimension: Isolation,
    rationale: "A merge request from a fork runs the fork's .gitlab-ci.yml and code. When a maintainer runs it in the parent project (or the project allows it), it runs on the parent's project and group runners: a fork author then executes code on the organisation's self-managed runners, which may later run protected jobs.",
    remediation: "Run merge request pipelines on hosted or single-use runners; keep tagged self-managed runners 'protected' (protected branches only); review fork changes before running their pipelines in the parent project.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.IR-01"], cicd: ["CICD-SEC-4", "CICD-SEC-7"], cis: ["2.2.1"], slsa: [] }
);

impl Audit for GitlabForkMrSpecificRunner {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn gitlab_job(&self, cx: &Cx<'_, '_>, job: &GlJob, facts: &GlFacts, out: &mut Vec<Finding>) {
        let Some(mr) = &facts.merge_requests else { return };
        if !facts.runner.self_hosted() {
            return;
        }
        let mut severity = if facts.runner.persistent() { Severity::Medium } else { Severity::Low };
        if facts.runner.facts.trusted_only == Some(true) {
            severity = Severity::High;
        }
        if facts.runner.measured.as_ref().is_some_and(|m| m.level >= stance_core::model::Level::L2) {
            severity = lower(severity);
        }
        let tags: Vec<&str> = job.tags.iter().map(|t| t.text.as_str()).collect();
        let span = job.tags.first().map(|t| t.span).unwrap_or(job.name_span);
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(if tags.iter().any(|t| t.contains('$')) {
                    Confidence::Low
                } else {
                    Confidence::Medium
                })
                .message(format!(
                    "job `{}` runs in merge request pipelines (`{}`) on runners tagged [{}]",
                    job.name,
                    mr.text.chars().take(80).collect::<String>(),
                    tags.join(", ")
                ))
                .at(cx.repo, span, format!("{}.tags", job.name))
                .also(cx.repo, mr.span, format!("{}.rules", job.name), "merge request condition")
                .build(),
        );
    }
}
