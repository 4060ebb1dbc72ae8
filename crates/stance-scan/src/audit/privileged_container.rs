//! Job, service or `docker run` containers started with options that remove isolation.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, Script, audit_meta, finding};
use crate::analysis::JobFacts;
use crate::github::Job;
use crate::runner::{Runner, RunnerKind};
use crate::shell::{DangerousFlag, Reach, container_runs, dangerous_flags, words};

audit_meta!(
    PrivilegedContainer,
    id: "privileged-container",
    title: "Container started with privileged or host-namespace options",
    severity: High,
    dimension: Isolation,
    rationale: "`--privileged`, broad `--cap-add`, host PID/network/IPC/user namespaces, unconfined seccomp or AppArmor and raw devices let the code in the container act on the host: load kernel modules, read other jobs' processes and memory, reach host-only services. On a self-hosted runner that is the organisation's machine, and on a persistent one it outlives the job.",
    remediation: "Drop the options; grant the one capability or device a job needs; run jobs that need a privileged container on single-use VMs (GitHub-hosted runners, ephemeral VM runners) rather than shared or persistent hosts.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.PS-01", "PR.IR-01"], cicd: ["CICD-SEC-7"], cis: ["2.2.1"], slsa: ["Build-L3"] }
);

/// The severity of a dangerous container on these runners.
pub(crate) fn severity_on(
    runners: &[&Runner],
    untrusted: bool,
    reach: Reach,
) -> (Severity, Confidence, &'static str) {
    if !runners.is_empty() && runners.iter().all(|r| r.kind.hosted()) {
        return (
            Severity::Info,
            Confidence::High,
            "on a hosted single-use VM, where the job already has root",
        );
    }
    if runners.iter().any(|r| r.self_hosted()) {
        let s = match (reach, untrusted) {
            (Reach::Full, true) => Severity::Critical,
            (Reach::Full, false) | (Reach::Partial, true) => Severity::High,
            (Reach::Partial, false) => Severity::Medium,
            (Reach::Minor, _) => Severity::Low,
        };
        let persistent = runners.iter().any(|r| r.persistent());
        return (if persistent { s } else { super::lower(s) }, Confidence::High, "on a self-hosted runner");
    }
    if runners.iter().any(|r| r.kind == RunnerKind::GitlabUntagged) {
        let s = if reach == Reach::Full { Severity::Medium } else { Severity::Low };
        return (s, Confidence::Low, "on any runner that accepts untagged jobs");
    }
    let s = match reach {
        Reach::Full => Severity::Medium,
        Reach::Partial => Severity::Low,
        Reach::Minor => Severity::Info,
    };
    (s, Confidence::Low, "on a runner that cannot be determined")
}

fn reach(flags: &[DangerousFlag]) -> Reach {
    flags.iter().map(|f| f.reach).max().unwrap_or(Reach::Minor)
}

fn describe(flags: &[DangerousFlag]) -> String {
    flags.iter().map(|f| format!("`{}`", f.flag)).collect::<Vec<_>>().join(", ")
}

impl Audit for PrivilegedContainer {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let runners: Vec<&Runner> = facts.runners.iter().map(|(r, _)| r).collect();
        let untrusted = facts.untrusted_reachable();
        for (c, route) in
            job.container.iter().map(|c| (c, format!("jobs.{}.container.options", job.id))).chain(
                job.services.iter().map(|s| (s, format!("jobs.{}.services.{}.options", job.id, s.name))),
            )
        {
            let Some(opts) = &c.options else { continue };
            let flags = dangerous_flags(&words(&opts.text));
            if flags.is_empty() {
                continue;
            }
            let (severity, confidence, where_) = severity_on(&runners, untrusted, reach(&flags));
            out.push(
                finding(&Self::META)
                    .severity(severity)
                    .confidence(confidence)
                    .message(format!(
                        "job `{}` starts {} with {} {where_}",
                        job.id,
                        if c.name == "container" {
                            "its job container".to_string()
                        } else {
                            format!("service `{}`", c.name)
                        },
                        describe(&flags)
                    ))
                    .at(cx.repo, opts.span, route)
                    .build(),
            );
        }
    }

    fn script(&self, cx: &Cx<'_, '_>, script: &Script<'_>, out: &mut Vec<Finding>) {
        for args in container_runs(script.text) {
            let flags = dangerous_flags(&args);
            if flags.is_empty() {
                continue;
            }
            let (severity, confidence, where_) = if script.runners.is_empty() {
                (Severity::Medium, Confidence::Low, "in an action, on whatever runner its caller uses")
            } else {
                severity_on(&script.runners, script.untrusted_reachable.unwrap_or(false), reach(&flags))
            };
            out.push(
                finding(&Self::META)
                    .severity(severity)
                    .confidence(confidence)
                    .message(format!("a script runs a container with {} {where_}", describe(&flags)))
                    .at(cx.repo, script.span, script.route.clone())
                    .build(),
            );
        }
    }
}
