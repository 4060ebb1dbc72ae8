//! Caches written by untrusted-code jobs and restored by privileged ones.

use stance_core::model::{Confidence, Finding, Severity, Tier};

use super::{Audit, Cx, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::{Job, Step};

audit_meta!(
    CacheAcrossTrust,
    id: "cache-across-trust",
    title: "Cache shared across trust levels",
    severity: Medium,
    dimension: Integrity,
    rationale: "GitHub Actions caches are scoped by branch, and jobs on the default branch share one scope. A pull_request_target or workflow_run job runs in that scope, so code it runs can write cache entries that a release job restores later: the Ultralytics attack poisoned exactly such a cache to ship malicious wheels.",
    remediation: "Do not use caches in jobs that run untrusted code under privileged triggers; do not restore caches in release jobs (build from clean state), or key release caches so no other workflow can write them.",
    refs: { nhi: ["NHI3:2025"], csf: ["PR.PS-01"], cicd: ["CICD-SEC-9", "CICD-SEC-4"], cis: ["2.4.2"], slsa: ["Build-L3"] }
);

/// The cache a step uses, if any.
pub(crate) fn uses_cache(step: &Step) -> Option<String> {
    let with = |k: &str| step.with.iter().find(|x| x.key == k).map(|x| x.value.trim().to_string());
    if step.uses_action("actions/cache") {
        return Some("actions/cache".into());
    }
    for setup in ["actions/setup-node", "actions/setup-python", "actions/setup-java", "actions/setup-dotnet"]
    {
        if step.uses_action(setup) && with("cache").is_some_and(|c| !c.is_empty() && c != "false") {
            return Some(format!("{setup} cache: {}", with("cache").unwrap_or_default()));
        }
    }
    if step.uses_action("actions/setup-go") && with("cache").is_none_or(|c| c != "false") {
        let major = step
            .action()
            .and_then(|(_, r)| r)
            .and_then(|r| r.trim_start_matches('v').split('.').next()?.parse::<u32>().ok());
        if major.is_some_and(|m| m >= 4) {
            return Some("actions/setup-go (caches by default)".into());
        }
    }
    if step.uses_action("astral-sh/setup-uv") && with("enable-cache").is_some_and(|c| c == "true") {
        return Some("astral-sh/setup-uv enable-cache".into());
    }
    if step.uses_action("Swatinem/rust-cache") {
        return Some("Swatinem/rust-cache".into());
    }
    if step.uses_action("ruby/setup-ruby") && with("bundler-cache").is_some_and(|c| c == "true") {
        return Some("ruby/setup-ruby bundler-cache".into());
    }
    if step.uses_action("docker/build-push-action")
        && with("cache-from").is_some_and(|c| c.contains("type=gha"))
    {
        return Some("docker/build-push-action cache-from: type=gha".into());
    }
    None
}

impl Audit for CacheAcrossTrust {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let Some((step, what)) = job.steps.iter().find_map(|s| uses_cache(s).map(|w| (s, w))) else { return };
        let span = step.uses.as_ref().map(|u| u.span).unwrap_or(step.span);
        let route = format!("jobs.{}.steps[{}]", job.id, step.index);
        if let Some(c) = &facts.untrusted_checkout {
            out.push(
                finding(&Self::META)
                    .severity(Severity::Medium)
                    .confidence(Confidence::High)
                    .message(format!(
                        "job `{}` runs untrusted code under {} and uses a cache ({what}); entries it saves land in the default branch's cache scope that trusted jobs restore",
                        job.id, c.event
                    ))
                    .at(cx.repo, span, route)
                    .build(),
            );
            return;
        }
        let releases = facts.tier == Tier::Release || facts.privileges.id_token_write;
        if !releases || facts.runs_untrusted_code() {
            return;
        }
        // Does anything in the scanned repository run untrusted code in the default branch's scope?
        let poisoner = cx.repo.cache_poisoner.and_then(|at| cx.repo.jobs.get(&at));
        let severity = match (poisoner.is_some(), facts.tier == Tier::Release) {
            (true, _) => Severity::High,
            (false, true) => Severity::Medium,
            (false, false) => Severity::Low,
        };
        let mut f = finding(&Self::META)
            .severity(severity)
            .confidence(if poisoner.is_some() { Confidence::High } else { Confidence::Medium })
            .message(format!(
                "{} job `{}` ({}) restores a cache ({what}) that other workflows on the default branch can write",
                if facts.tier == Tier::Release { "release" } else { "privileged" },
                job.id,
                facts.privileges.describe()
            ))
            .at(cx.repo, span, route);
        if let Some(p) = poisoner
            && let Some(pj) = cx.repo.job(p.at)
        {
            f = f.also(
                cx.repo,
                pj.id_span,
                format!("jobs.{}", pj.id),
                format!(
                    "job `{}` handles pull request data under pull_request_target in the same cache scope",
                    pj.id
                ),
            );
        }
        out.push(f.build());
    }
}
