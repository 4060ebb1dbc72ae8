//! Attacker-controlled expressions interpolated into shell scripts.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, Script, audit_meta, finding};

audit_meta!(
    TemplateInjection,
    id: "template-injection",
    title: "Untrusted expression interpolated into a script",
    severity: High,
    dimension: Context,
    rationale: "`${{ }}` is expanded into the script text before the shell runs it, so a branch name, pull request title or comment body containing `$(…)` or a quote becomes code. In a job with secrets, or under pull_request_target, that is code execution with those secrets: the Ultralytics compromise used a branch name interpolated into `git pull`.",
    remediation: "Pass the value through an environment variable (`env: HEAD_REF: ${{ github.head_ref }}` and `\"$HEAD_REF\"` in the script) and quote it; validate inputs of composite actions the same way.",
    refs: { nhi: ["NHI2:2025"], csf: ["PR.PS-06"], cicd: ["CICD-SEC-4"], cis: [], slsa: [] }
);

fn level(path: &str, in_action: bool) -> Option<Severity> {
    if path.starts_with("github.event.client_payload") {
        Some(Severity::Medium)
    } else if path.starts_with("github.event.inputs") {
        None
    } else if crate::expr::is_attacker_controlled(path) {
        Some(Severity::High)
    } else if in_action && path.starts_with("inputs.") {
        Some(Severity::Medium)
    } else {
        None
    }
}

impl Audit for TemplateInjection {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn script(&self, cx: &Cx<'_, '_>, script: &Script<'_>, out: &mut Vec<Finding>) {
        if !crate::expr::has_expression(script.text) || script.route.starts_with("gitlab:") {
            return;
        }
        let in_action = script.untrusted_reachable.is_none();
        let mut worst: Option<(Severity, String, &str)> = None;
        for occ in crate::expr::occurrences(script.text) {
            let Some(e) = crate::expr::parse(occ.inner) else { continue };
            for p in e.value_paths() {
                if let Some(s) = level(p, in_action)
                    && worst.as_ref().is_none_or(|(w, _, _)| s > *w)
                {
                    worst = Some((s, p.to_string(), &script.text[occ.start..occ.end]));
                }
            }
        }
        let Some((mut severity, path, written)) = worst else { return };
        let mut confidence = Confidence::High;
        if script.untrusted_reachable == Some(false) && severity == Severity::High {
            // The workflow's events never carry outsider-controlled values here.
            severity = Severity::Low;
            confidence = Confidence::Medium;
        }
        if in_action && severity == Severity::High {
            confidence = Confidence::Medium;
        }
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(confidence)
                .message(format!(
                    "`${{{{ {path} }}}}` is expanded into a shell script; a crafted value runs as code"
                ))
                .at(cx.repo, cx.find_in(script.span, written).unwrap_or(script.span), script.route.clone())
                .build(),
        );
    }
}
