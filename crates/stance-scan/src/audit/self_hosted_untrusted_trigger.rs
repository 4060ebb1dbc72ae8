//! A self-hosted runner that fork pull requests or outsider-triggered events can reach.

use stance_core::model::{Confidence, Finding, Level, Severity};

use super::{Audit, Cx, audit_meta, events_text, finding, job_name, lower, surer};
use crate::analysis::JobFacts;
use crate::github::Job;

audit_meta!(
    SelfHostedUntrustedTrigger,
    id: "self-hosted-untrusted-trigger",
    title: "Self-hosted runner reachable from untrusted triggers",
    severity: High,
    dimension: Isolation,
    rationale: "A fork pull request runs the contributor's code (and, from a fork, a workflow file the contributor may edit) on whatever runner the job names. On a self-hosted runner that code gets a foothold on the organisation's machines and network, and on a persistent runner it can wait for the next privileged job. pull_request_target, issue_comment and workflow_run let anyone start runs there too.",
    remediation: "Run jobs reachable from pull requests on GitHub-hosted or single-use runners; keep self-hosted runners for trusted events (push to protected branches, schedule, dispatch), in runner groups limited to private repositories; require approval for all outside contributors.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.IR-01", "PR.PS-01"], cicd: ["CICD-SEC-4", "CICD-SEC-7"], cis: ["2.2.1"], slsa: ["Build-L3"] }
);

impl Audit for SelfHostedUntrustedTrigger {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let fork = facts.fork_events();
        let outsider: Vec<_> = facts.outsider_events();
        if fork.is_empty() && outsider.is_empty() {
            return;
        }
        let strong_outsider = outsider.iter().any(|e| crate::privileges::privileged_event(&e.event));
        for (runner, origin) in facts.runners.iter().filter(|(r, _)| r.self_hosted()) {
            let (mut severity, events) = if !fork.is_empty() {
                (Severity::High, events_text(&fork, cx.repo))
            } else if facts.untrusted_checkout.is_some() {
                (Severity::High, events_text(&outsider, cx.repo))
            } else if strong_outsider {
                (Severity::Medium, events_text(&outsider, cx.repo))
            } else {
                (Severity::Low, events_text(&outsider, cx.repo))
            };
            let mut confidence = runner.confidence;
            let mut notes = vec![format!("runner classified self-hosted: {}", runner.why)];
            if !runner.persistent() {
                severity = lower(severity);
                notes.push("the runner is declared or measured single-use, which limits persistence but not access to its network".into());
            }
            if let Some(m) = &runner.measured {
                if m.level >= Level::L2 {
                    severity = lower(severity);
                } else {
                    confidence = surer(confidence);
                }
                notes.extend(runner.measured_note());
            }
            if runner.facts.trusted_only == Some(true) {
                notes.push(
                    "stance.toml declares this runner for trusted work only, yet untrusted events reach it"
                        .into(),
                );
                confidence = surer(confidence);
            }
            if let Some(v) = cx.repo.kb.config.and_then(|c| c.visibility())
                && v != "public"
                && !fork.is_empty()
            {
                severity = lower(severity);
                confidence = Confidence::Low;
                notes.push(format!(
                    "the repository is declared {v}: fork pull requests need forking to be allowed"
                ));
            }
            if let Some(g) = facts.gate {
                notes.push(format!("runs are gated by {g}, which a maintainer must apply"));
            }
            if let Some(c) = &facts.untrusted_checkout {
                notes.push(format!("the job checks out untrusted code ({}) under {}", c.what, c.event));
            }
            let mut f = finding(&Self::META)
                .severity(severity)
                .confidence(confidence)
                .message(format!(
                    "{} runs on self-hosted runner {} and is reachable from {}",
                    job_name(cx, job, origin),
                    runner.describe(),
                    events
                ))
                .at(cx.repo, origin.span, origin.route.clone());
            for n in notes {
                f = f.note(n);
            }
            out.push(f.build());
        }
    }
}
