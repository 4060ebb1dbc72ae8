//! Untrusted pull request code checked out (and run) under a privileged trigger.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, audit_meta, finding, lower};
use crate::analysis::JobFacts;
use crate::github::{Action, Job};

audit_meta!(
    UntrustedCheckoutExec,
    id: "untrusted-checkout-exec",
    title: "Untrusted code checked out and run under a privileged trigger",
    severity: Critical,
    dimension: Secrets,
    rationale: "pull_request_target, workflow_run and issue_comment run with the base repository's secrets and a write-capable token. Checking out the pull request's head and then building or testing it runs the contributor's code (build scripts, test hooks, package install scripts) with those secrets: the 'pwn request' behind the SpotBugs, Spotipy and Ultralytics incidents.",
    remediation: "Build and test pull requests under `pull_request` (no secrets); if a privileged follow-up is needed, pass data through artifacts and treat them as untrusted; never run the checked-out code in a job that holds secrets; gate with an environment that requires approval.",
    refs: { nhi: ["NHI2:2025", "NHI5:2025"], csf: ["PR.AA-05", "PR.PS-06"], cicd: ["CICD-SEC-4"], cis: ["2.3.1"], slsa: ["Build-L3"] }
);

impl Audit for UntrustedCheckoutExec {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let Some(c) = &facts.untrusted_checkout else { return };
        let p = &facts.privileges;
        let default_token = p.token_permissions.defaulted;
        let mut severity = match (c.executed_by.is_some(), p.privileged(), default_token) {
            (true, true, _) => Severity::Critical,
            (true, false, true) | (false, true, _) => Severity::High,
            (true, false, false) | (false, false, true) => Severity::Medium,
            (false, false, false) => Severity::Low,
        };
        if let Some(g) = facts.gate {
            severity = lower(severity);
            let _ = g;
        }
        let exec = c
            .executed_by
            .and_then(|i| job.steps.get(i))
            .map(|s| format!(", then runs it in {}", s.label()))
            .unwrap_or_default();
        let what = if p.privileged() {
            p.describe()
        } else if default_token {
            "the job token with the repository's default permissions".into()
        } else {
            "a read-only job token".to_string()
        };
        let message = format!(
            "job `{}` checks out untrusted code ({}) under {}{exec}, while holding {what}",
            job.id, c.what, c.event
        );
        let mut f = finding(&Self::META)
            .severity(severity)
            .confidence(Confidence::High)
            .message(message.clone())
            .at(cx.repo, c.span, format!("jobs.{}.steps[{}]", job.id, c.step));
        if let Some(g) = facts.gate {
            f = f.note(format!("runs need {g}, which lowers the severity by one step"));
        }
        out.push(f.build());
        // Report at each caller too: that is where the trigger and the secrets are chosen.
        let mut seen = Vec::new();
        for e in facts.events.iter().filter(|e| e.event == c.event) {
            let Some(caller) = e.via.first() else { continue };
            if seen.contains(caller) {
                continue;
            }
            seen.push(*caller);
            let Some(cj) = cx.repo.job(*caller) else { continue };
            let (span, route) = match (&cj.secrets_inherit, &cj.uses) {
                (Some(s), _) => (*s, format!("jobs.{}.secrets", cj.id)),
                (None, Some(u)) => (u.span, format!("jobs.{}.uses", cj.id)),
                _ => (cj.id_span, format!("jobs.{}", cj.id)),
            };
            let inherit = if cj.secrets_inherit.is_some() { " with `secrets: inherit`" } else { "" };
            out.push(
                finding(&Self::META)
                    .severity(severity)
                    .confidence(Confidence::High)
                    .message(format!(
                        "job `{}` calls {}{inherit} under {}; the called job `{}` checks out and runs untrusted code",
                        cj.id,
                        cx.source().path,
                        c.event,
                        job.id
                    ))
                    .at(cx.repo, span, route)
                    .also(cx.repo, c.span, format!("jobs.{}.steps[{}]", job.id, c.step), message.clone())
                    .build(),
            );
        }
    }

    fn action(&self, cx: &Cx<'_, '_>, action: &Action, out: &mut Vec<Finding>) {
        for step in action.steps.iter().filter(|s| s.uses_action("actions/checkout")) {
            for kv in step.with.iter().filter(|k| k.key == "ref" || k.key == "repository") {
                let untrusted = crate::expr::occurrences(&kv.value).iter().any(|o| {
                    crate::expr::parse(o.inner)
                        .is_some_and(|e| e.value_paths().iter().any(|p| crate::expr::names_untrusted_code(p)))
                });
                if !untrusted {
                    continue;
                }
                let token = step.with.iter().any(|k| k.key == "token");
                out.push(
                    finding(&Self::META)
                        .severity(Severity::Medium)
                        .confidence(Confidence::Low)
                        .message(format!(
                            "action checks out the pull request's head ({}: {}){}; called from a pull_request_target workflow this runs untrusted code with its secrets",
                            kv.key,
                            kv.value.trim(),
                            if token { " with a caller-supplied token" } else { "" }
                        ))
                        .at(cx.repo, kv.span, format!("runs.steps[{}].with.{}", step.index, kv.key))
                        .build(),
                );
                break;
            }
        }
    }
}
