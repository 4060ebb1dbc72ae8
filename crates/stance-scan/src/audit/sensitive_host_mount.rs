//! The container runtime socket or host system paths mounted into a job's containers.

use stance_core::model::{Finding, Severity};

use super::{Audit, Cx, Script, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::Job;
use crate::runner::Runner;
use crate::shell::{container_runs, mounts, sensitive_host_path, volume_host, words};

audit_meta!(
    SensitiveHostMount,
    id: "sensitive-host-mount",
    title: "Container runtime socket or host root mounted into a job",
    severity: High,
    dimension: Isolation,
    rationale: "A container that can talk to the Docker/containerd socket can start a privileged container with the host's root filesystem mounted, which is root on the host; mounting `/` or system directories hands over the host directly. On a self-hosted runner every later job on that host, and the runner's registration credentials, are then exposed.",
    remediation: "Do not mount the runtime socket or host system paths into job containers; build images with rootless BuildKit, Kaniko or a remote builder; run jobs that need the host on single-use VMs.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.PS-01", "PR.IR-01"], cicd: ["CICD-SEC-7"], cis: ["2.2.1"], slsa: ["Build-L3"] }
);

fn severity(
    runners: &[&Runner],
    untrusted: bool,
) -> (Severity, stance_core::model::Confidence, &'static str) {
    super::privileged_container::severity_on(runners, untrusted, crate::shell::Reach::Full)
}

impl Audit for SensitiveHostMount {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let runners: Vec<&Runner> = facts.runners.iter().map(|(r, _)| r).collect();
        let untrusted = facts.untrusted_reachable();
        let containers = job.container.iter().chain(job.services.iter());
        for c in containers {
            let base = if c.name == "container" {
                format!("jobs.{}.container", job.id)
            } else {
                format!("jobs.{}.services.{}", job.id, c.name)
            };
            let mut hits: Vec<(String, crate::yaml::Span, String)> = Vec::new();
            for (i, v) in c.volumes.iter().enumerate() {
                if let Some(host) = volume_host(&v.text) {
                    hits.push((host.to_string(), v.span, format!("{base}.volumes[{i}]")));
                }
            }
            if let Some(opts) = &c.options {
                for host in mounts(&words(&opts.text)) {
                    hits.push((host, opts.span, format!("{base}.options")));
                }
            }
            for (host, span, route) in hits {
                let Some(what) = sensitive_host_path(&host) else { continue };
                let (sev, conf, where_) = severity(&runners, untrusted);
                out.push(
                    finding(&Self::META)
                        .severity(sev)
                        .confidence(conf)
                        .message(format!(
                            "job `{}` mounts `{host}` ({what}) into a container {where_}",
                            job.id
                        ))
                        .at(cx.repo, span, route)
                        .build(),
                );
            }
        }
    }

    fn script(&self, cx: &Cx<'_, '_>, script: &Script<'_>, out: &mut Vec<Finding>) {
        for args in container_runs(script.text) {
            for host in mounts(&args) {
                let Some(what) = sensitive_host_path(&host) else { continue };
                let (sev, conf, where_) = if script.runners.is_empty() {
                    (
                        Severity::Medium,
                        stance_core::model::Confidence::Low,
                        "in an action, on whatever runner its caller uses",
                    )
                } else {
                    severity(&script.runners, script.untrusted_reachable.unwrap_or(false))
                };
                out.push(
                    finding(&Self::META)
                        .severity(sev)
                        .confidence(conf)
                        .message(format!("a script mounts `{host}` ({what}) into a container {where_}"))
                        .at(cx.repo, script.span, script.route.clone())
                        .build(),
                );
            }
        }
    }
}
