//! A job holding secrets, OIDC, a write token or publishing rights on a runner not known to be single-use.

use stance_core::model::{Confidence, Finding, Level, Severity, Tier};

use super::{Audit, Cx, audit_meta, finding, job_name, surer};
use crate::analysis::JobFacts;
use crate::github::Job;

audit_meta!(
    PrivilegedJobPersistentRunner,
    id: "privileged-job-persistent-runner",
    title: "Privileged job on a runner not known to be single-use",
    severity: Medium,
    dimension: Ephemerality,
    rationale: "A persistent self-hosted runner keeps files, processes and credentials between jobs. Whatever ran there before (a compromised dependency, a pull request, another repository's job) can leave a process or a poisoned tool behind that reads this job's secrets, OIDC token or signing keys, and credentials this job writes to disk (docker login, git config) stay for the next job.",
    remediation: "Run privileged jobs on single-use runners (GitHub-hosted, ephemeral self-hosted runners started with --ephemeral or by ARC/scale sets, or a hosted runner service), and declare them `ephemeral = true` in stance.toml; keep persistent runners for jobs without secrets.",
    refs: { nhi: ["NHI8:2025", "NHI7:2025"], csf: ["PR.PS-01", "PR.AA-05"], cicd: ["CICD-SEC-7", "CICD-SEC-6"], cis: ["2.2.1"], slsa: ["Build-L3"] }
);

impl Audit for PrivilegedJobPersistentRunner {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn job(&self, cx: &Cx<'_, '_>, job: &Job, facts: &JobFacts, out: &mut Vec<Finding>) {
        let p = &facts.privileges;
        if !p.privileged() {
            return;
        }
        let docker_login = job.steps.iter().any(|s| {
            s.run.as_ref().is_some_and(|r| r.text.contains("docker login"))
                || s.uses_action("docker/login-action")
        });
        for (runner, origin) in facts.runners.iter().filter(|(r, _)| r.self_hosted()) {
            if !runner.persistent() {
                // Declared or measured single-use: say why nothing is reported above info.
                if let Some(m) = runner.measured.as_ref().filter(|m| m.level >= Level::L2) {
                    out.push(
                        finding(&Self::META)
                            .severity(Severity::Info)
                            .confidence(Confidence::High)
                            .message(format!(
                                "{} holds {} on self-hosted runner {}, measured {} (single-use, egress-restricted)",
                                job_name(cx, job, origin),
                                p.describe(),
                                runner.describe(),
                                m.level
                            ))
                            .at(cx.repo, origin.span, origin.route.clone())
                            .build(),
                    );
                }
                continue;
            }
            // High when the job publishes or signs, or when outsiders start it *with* its
            // secrets (pull_request_target, comments, workflow_run). Fork pull requests run
            // without secrets: reaching the runner is self-hosted-untrusted-trigger's (high)
            // finding, and what remains here is the persistence risk (medium).
            let outsiders = !facts.outsider_events().is_empty();
            let severity =
                if facts.tier == Tier::Release || outsiders { Severity::High } else { Severity::Medium };
            let mut confidence = runner.confidence;
            let mut f = finding(&Self::META)
                .severity(severity)
                .message(format!(
                    "{} holds {} on self-hosted runner {}, which is not known to be single-use",
                    job_name(cx, job, origin),
                    p.describe(),
                    runner.describe()
                ))
                .note(format!("runner classified self-hosted: {}", runner.why));
            if let Some(m) = &runner.measured {
                confidence = surer(confidence);
                f = f.note(format!("measured posture {} keeps it below single-use (L2)", m.level));
            }
            if runner.facts.ephemeral == Some(false) {
                confidence = Confidence::High;
                f = f.note("stance.toml declares this runner persistent (ephemeral = false)");
            }
            if docker_login {
                f = f.note("`docker login` writes registry credentials to ~/.docker/config.json, which outlives the job on a persistent runner");
            }
            if outsiders {
                f = f.note("outsiders can start this job with its credentials (pull_request_target, comments or workflow_run)");
            } else if facts.untrusted_reachable() {
                f = f.note("fork pull requests also reach this job (without its secrets), so the machine that holds these credentials in other runs also runs outsiders' work");
            }
            out.push(f.confidence(confidence).at(cx.repo, origin.span, origin.route.clone()).build());
        }
    }
}
