//! A privileged job whose container image is referenced by a mutable tag.

use stance_core::model::{Confidence, Finding, Severity, Tier};

use super::{Audit, Cx, GlFacts, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::Job;
use crate::gitlab::GlJob;

audit_meta!(
    MutableJobImage,
    id: "mutable-job-image",
    title: "Mutable container image in a privileged job",
    severity: Medium,
    dimension: Integrity,
    rationale: "A job or service image referenced by tag (`python:3`, `latest`) is whatever the registry serves at run time; whoever can push that tag, or poison a mirror, runs code inside a job that holds secrets, tokens or signing rights.",
    remediation: "Pin the image by digest (`image@sha256:…`) and update the digest through reviewed pull requests (Dependabot or Renovate can do this).",
    refs: { nhi: ["NHI3:2025"], csf: ["PR.PS-01", "GV.SC-05"], cicd: ["CICD-SEC-3", "CICD-SEC-9"], cis: [], slsa: [] }
);

fn mutable(image: &str) -> bool {
    !image.contains("@sha256:") && !image.contains("${{") && !image.is_empty()
}

fn severity(image: &str, release: bool) -> Severity {
    let last = image.rsplit('/').next().unwrap_or(image);
    let untagged = !last.contains(':') || last.ends_with(":latest");
    if release || untagged { Severity::Medium } else { Severity::Low }
}

impl Audit for MutableJobImage {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        if !matches!(facts.tier, Tier::Privileged | Tier::Release) {
            return;
        }
        let release = facts.tier == Tier::Release;
        for c in job.container.iter().chain(job.services.iter()) {
            let Some(image) = &c.image else { continue };
            if !mutable(&image.text) {
                continue;
            }
            let route = if c.name == "container" {
                format!("jobs.{}.container.image", job.id)
            } else {
                format!("jobs.{}.services.{}.image", job.id, c.name)
            };
            out.push(
                finding(&Self::META)
                    .severity(severity(&image.text, release))
                    .confidence(Confidence::High)
                    .message(format!(
                        "job `{}` ({}) runs image `{}`, which is not pinned by digest",
                        job.id,
                        facts.privileges.describe(),
                        image.text
                    ))
                    .at(cx.repo, image.span, route)
                    .build(),
            );
        }
    }

    fn gitlab_job(&self, cx: &Cx<'_, '_>, job: &GlJob, facts: &GlFacts, out: &mut Vec<Finding>) {
        if !facts.privileges.privileged() {
            return;
        }
        let Some(image) = &job.image else { return };
        if !mutable(&image.text) || image.text.contains('$') {
            return;
        }
        out.push(
            finding(&Self::META)
                .severity(severity(&image.text, facts.privileges.releases()))
                .confidence(Confidence::High)
                .message(format!(
                    "job `{}` ({}) runs image `{}`, which is not pinned by digest",
                    job.name,
                    facts.privileges.describe(),
                    image.text
                ))
                .at(cx.repo, image.span, format!("{}.image", job.name))
                .build(),
        );
    }
}
