//! A GitLab job using the docker:dind service (needs a privileged executor).

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, GlFacts, audit_meta, finding};
use crate::gitlab::GlJob;
use crate::runner::RunnerKind;

audit_meta!(
    GitlabDockerInDocker,
    id: "gitlab-docker-in-docker",
    title: "Docker-in-Docker service (privileged executor)",
    severity: High,
    dimension: Isolation,
    rationale: "The docker:dind service only works when the runner's Docker executor runs containers with `privileged = true`. Every job on that runner, not only this one, can then start privileged containers and take over the host, other jobs' containers and the runner's token; on a shared or persistent runner that crosses projects and pipelines.",
    remediation: "Build images without a privileged daemon (Kaniko, Buildah, rootless BuildKit), or confine dind jobs to dedicated, single-use runners (autoscaled VMs) tagged for that purpose and declared `ephemeral = true` in stance.toml.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.PS-01", "PR.IR-01"], cicd: ["CICD-SEC-7"], cis: ["2.2.1"], slsa: ["Build-L3"] }
);

impl Audit for GitlabDockerInDocker {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn gitlab_job(&self, cx: &Cx<'_, '_>, job: &GlJob, facts: &GlFacts, out: &mut Vec<Finding>) {
        let Some(svc) = job.services.iter().find(|s| {
            let n = s.name.text.to_ascii_lowercase();
            n.contains("dind") || (n.starts_with("docker:") && n.contains("-dind"))
        }) else {
            return;
        };
        let r = &facts.runner;
        let (severity, where_) = match &r.kind {
            RunnerKind::GitlabHosted => (Severity::Info, "GitLab-hosted runners run each job in a fresh VM"),
            _ if !r.persistent() && r.kind == RunnerKind::SelfHosted => {
                (Severity::Medium, "the runner is declared or measured single-use")
            }
            RunnerKind::SelfHosted => (Severity::High, "the tagged runners are not known to be single-use"),
            _ => (
                Severity::Medium,
                "every runner that accepts untagged jobs must then run privileged containers, unless these are GitLab-hosted",
            ),
        };
        let severity = if facts.merge_requests.is_some() && severity == Severity::High {
            Severity::Critical
        } else {
            severity
        };
        let confidence =
            if r.kind == RunnerKind::GitlabUntagged { Confidence::Low } else { Confidence::High };
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(confidence)
                .message(format!(
                    "job `{}` uses service `{}`, which needs a privileged Docker executor ({where_})",
                    job.name, svc.name.text
                ))
                .at(cx.repo, svc.name.span, format!("{}.services", job.name))
                .build(),
        );
    }
}
