//! One self-hosted runner pool serving both untrusted and privileged jobs.

use std::collections::HashSet;

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, audit_meta, finding};
use crate::analysis::Repo;

audit_meta!(
    SharedRunnerPool,
    id: "shared-runner-pool",
    title: "One runner pool shared by untrusted and privileged jobs",
    severity: High,
    dimension: Isolation,
    rationale: "When a pull-request job and a release job can land on the same persistent machines, the pull request's code can leave something behind (a process, a modified toolchain, a poisoned cache) that runs inside the privileged job later. This is how the PyTorch and TensorFlow self-hosted runner compromises reached release credentials.",
    remediation: "Give privileged jobs their own runner labels or groups that untrusted jobs cannot select, make those runners single-use, and declare them `trusted-only = true` in stance.toml so stance checks that nothing untrusted reaches them.",
    refs: { nhi: ["NHI8:2025"], csf: ["PR.IR-01", "PR.PS-01"], cicd: ["CICD-SEC-7", "CICD-SEC-4"], cis: ["2.2.3"], slsa: ["Build-L3"] }
);

impl Audit for SharedRunnerPool {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn repository(&self, repo: &Repo<'_>, out: &mut Vec<Finding>) {
        let untrusted: Vec<_> = repo
            .order
            .iter()
            .filter_map(|at| repo.jobs.get(at))
            .filter(|f| f.runs_untrusted_code())
            .flat_map(|f| {
                f.runners.iter().filter(|(r, _)| r.self_hosted()).map(move |(r, o)| (f, r, o, r.pool()))
            })
            .collect();
        if untrusted.is_empty() {
            return;
        }
        let mut seen = HashSet::new();
        for at in &repo.order {
            let Some(pf) = repo.jobs.get(at) else { continue };
            if !pf.privileges.privileged() || pf.runs_untrusted_code() {
                continue;
            }
            for (pr, po) in pf.runners.iter().filter(|(r, _)| r.self_hosted() && r.persistent()) {
                let ppool = pr.pool();
                let Some((uf, ur, uo, _)) = untrusted.iter().find(|(uf, _, _, upool)| {
                    uf.at != pf.at && (upool.is_subset(&ppool) || ppool.is_subset(upool))
                }) else {
                    continue;
                };
                if !seen.insert((po.file, po.span.start.byte)) {
                    continue;
                }
                let Some(pjob) = repo.job(pf.at) else { continue };
                let ujob = repo.job(uf.at).map(|j| j.id.clone()).unwrap_or_default();
                let usrc = &repo.files[uo.file].source;
                let severity = if pf.privileges.releases() { Severity::Critical } else { Severity::High };
                let confidence = if pr.confidence == Confidence::High && ur.confidence == Confidence::High {
                    Confidence::High
                } else {
                    Confidence::Medium
                };
                let mut f = finding(&Self::META)
                    .severity(severity)
                    .confidence(confidence)
                    .message(format!(
                        "privileged job `{}` ({}) runs on self-hosted pool {} that also serves job `{}` in {}, which runs untrusted code",
                        pjob.id,
                        pf.privileges.describe(),
                        pr.describe(),
                        ujob,
                        usrc.path
                    ))
                    .at(repo, po.span, po.route.clone())
                    .also(repo, uo.span, uo.route.clone(), format!("untrusted job `{ujob}` selects {}", ur.describe()));
                if pr.facts.trusted_only == Some(true) {
                    f = f.note(
                        "stance.toml declares this pool trusted-only, but an untrusted job can select it",
                    );
                }
                out.push(f.build());
            }
        }
    }
}
