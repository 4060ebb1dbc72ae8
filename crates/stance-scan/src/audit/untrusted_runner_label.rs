//! `runs-on` computed from event payloads or inputs.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::Job;

audit_meta!(
    UntrustedRunnerLabel,
    id: "untrusted-runner-label",
    title: "Runner label chosen from event data or inputs",
    severity: Medium,
    dimension: Context,
    rationale: "When `runs-on` is computed from an event payload or an input, whoever controls that value chooses the machine: a payload sender can route the job (and its secrets) to any runner the repository can use, including self-hosted ones, and no static review can tell which runner it will be.",
    remediation: "Choose runners from a fixed list: map the input through a literal lookup (`fromJSON('{\"small\":\"ubuntu-latest\"}')[inputs.size]`) or a matrix of known labels, and never from payload fields.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.PS-01"], cicd: ["CICD-SEC-4", "CICD-SEC-7"], cis: [], slsa: [] }
);

/// How much control over `path` an untrusted party has.
fn control(path: &str, job_workflow_dispatch: bool) -> Option<(Severity, &'static str)> {
    if path.starts_with("github.event.client_payload") {
        Some((Severity::Medium, "the repository_dispatch payload (any holder of a token with write access)"))
    } else if crate::expr::is_attacker_controlled(path) && !path.starts_with("github.event.inputs") {
        Some((Severity::High, "event data an outside contributor controls"))
    } else if path.starts_with("github.event.inputs")
        || (path.starts_with("inputs.") && job_workflow_dispatch)
    {
        Some((Severity::Low, "a workflow_dispatch input"))
    } else if path.starts_with("inputs.") {
        Some((Severity::Info, "the calling workflow's input"))
    } else if path.starts_with("needs.") || path.starts_with("steps.") {
        Some((Severity::Low, "an output computed at run time"))
    } else {
        None
    }
}

impl Audit for UntrustedRunnerLabel {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let dispatch =
            cx.repo.workflow(facts.at.file).is_some_and(|w| w.trigger("workflow_dispatch").is_some());
        for e in &facts.runner_exprs {
            let candidates: &[String] = if e.unresolved.is_empty() { &e.inputs } else { &e.unresolved };
            let worst = candidates
                .iter()
                .filter_map(|p| control(p, dispatch).map(|c| (p, c)))
                .max_by_key(|(_, (s, _))| *s);
            let Some((path, (severity, who))) = worst else { continue };
            out.push(
                finding(&Self::META)
                    .severity(severity)
                    .confidence(if severity == Severity::Info { Confidence::High } else { Confidence::Medium })
                    .message(format!(
                        "job `{}` takes its runner from `{path}` ({who}); whether that runner is self-hosted cannot be known from the file",
                        job.id
                    ))
                    .at(cx.repo, e.origin.span, e.origin.route.clone())
                    .build(),
            );
        }
    }
}
