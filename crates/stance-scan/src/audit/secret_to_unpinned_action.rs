//! Long-lived secrets handed to actions referenced by a mutable tag or branch.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::{Job, Step};

audit_meta!(
    SecretToUnpinnedAction,
    id: "secret-to-unpinned-action",
    title: "Secret passed to an action pinned by a mutable tag or branch",
    severity: High,
    dimension: Secrets,
    rationale: "A tag or branch (`@v25`, `@main`) is whatever its owner, or whoever compromises the owner, points it at next. Handing such an action a personal access token or another long-lived secret gives that future code the secret: in March 2025 the retargeted tags of reviewdog/action-setup and tj-actions/changed-files dumped runner memory and leaked exactly such tokens.",
    remediation: "Pin third-party actions to a full commit SHA (with the version in a comment) and update pins through reviewed pull requests; give actions the short-lived GITHUB_TOKEN with minimal permissions instead of personal access tokens.",
    refs: { nhi: ["NHI3:2025", "NHI7:2025"], csf: ["GV.SC-05", "PR.AA-05"], cicd: ["CICD-SEC-3", "CICD-SEC-8"], cis: [], slsa: [] }
);

fn pinned(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Secret names a step hands over in `with:` or `env:` (without GITHUB_TOKEN).
fn passed_secrets(step: &Step) -> Vec<String> {
    let mut names = Vec::new();
    for kv in step.with.iter().chain(step.env.iter()) {
        for occ in crate::expr::occurrences(&kv.value) {
            let Some(e) = crate::expr::parse(occ.inner) else { continue };
            for p in e.paths() {
                if let Some(n) = p.strip_prefix("secrets.")
                    && !n.eq_ignore_ascii_case("GITHUB_TOKEN")
                    && !names.iter().any(|x| x == n)
                {
                    names.push(n.to_string());
                }
            }
        }
    }
    names
}

impl Audit for SecretToUnpinnedAction {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn step(&self, cx: &Cx<'_, '_>, job: &Job, _facts: &JobFacts, step: &Step, out: &mut Vec<Finding>) {
        let Some((action, r)) = step.action() else { return };
        let r = r.unwrap_or("");
        if pinned(r) {
            return;
        }
        let secrets = passed_secrets(step);
        if secrets.is_empty() {
            return;
        }
        let owner = action.split('/').next().unwrap_or("");
        let first_party = owner.eq_ignore_ascii_case("actions") || owner.eq_ignore_ascii_case("github");
        let severity = if first_party { Severity::Medium } else { Severity::High };
        let Some(uses) = &step.uses else { return };
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(Confidence::High)
                .message(format!(
                    "job `{}` passes secret{} {} to `{}`, referenced by the mutable {} `{r}`",
                    job.id,
                    if secrets.len() == 1 { "" } else { "s" },
                    secrets.join(", "),
                    action,
                    if r.starts_with('v') || r.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                        "tag"
                    } else {
                        "ref"
                    },
                ))
                .at(cx.repo, uses.span, format!("jobs.{}.steps[{}].uses", job.id, step.index))
                .build(),
        );
    }
}
