//! The audits: one file each, one registry list ([`REGISTRY`]), visitor hooks
//! per level (repository → workflow job → step/script; action; GitLab job), and
//! a finding builder that refuses to build without a location.

use stance_core::catalog::Rule;
use stance_core::model::{Confidence, Evidence, EvidenceKind, Finding, Outcome, Severity};

use crate::analysis::{File, JobFacts, Repo};
use crate::github::{Action, Job, Step};
use crate::gitlab::GlJob;
use crate::privileges::JobPrivileges;
use crate::runner::Runner;
use crate::source::Source;
use crate::yaml::Span;

mod cache_across_trust;
mod curl_pipe_shell;
mod generic_self_hosted_label;
mod gitlab_docker_in_docker;
mod gitlab_fork_mr_specific_runner;
mod gitlab_untagged_privileged_job;
mod hardcoded_secret;
mod missing_permissions;
mod mutable_job_image;
mod no_egress_control;
mod persisted_checkout_credentials;
mod privileged_container;
mod privileged_job_persistent_runner;
mod secret_to_unpinned_action;
mod secrets_on_any_branch_push;
mod self_hosted_untrusted_trigger;
mod sensitive_host_mount;
mod shared_runner_pool;
mod template_injection;
mod untrusted_checkout_exec;
mod untrusted_runner_label;

/// Declares an audit: a unit struct and its [`Rule`] metadata.
macro_rules! audit_meta {
    (
        $ty:ident, id: $id:literal, title: $title:literal, severity: $sev:ident, dimension: $dim:ident,
        rationale: $why:literal, remediation: $fix:literal,
        refs: { nhi: [$($nhi:literal),*], csf: [$($csf:literal),*], cicd: [$($cicd:literal),*], cis: [$($cis:literal),*], slsa: [$($slsa:literal),*] }
    ) => {
        #[doc = concat!("The `", $id, "` audit.")]
        #[derive(Debug)]
        pub struct $ty;

        impl $ty {
            /// The audit's metadata.
            pub const META: stance_core::catalog::Rule = stance_core::catalog::Rule {
                id: $id,
                dimension: Some(stance_core::model::Dimension::$dim),
                title: $title,
                severity: stance_core::model::Severity::$sev,
                level: None,
                rationale: $why,
                remediation: $fix,
                refs: stance_core::catalog::Refs {
                    nhi: &[$($nhi),*],
                    csf: &[$($csf),*],
                    zt: &[],
                    slsa: &[$($slsa),*],
                    cis: &[$($cis),*],
                    cicd: &[$($cicd),*],
                },
                docs: "docs/audits.md",
            };
        }
    };
}
pub(crate) use audit_meta;

/// Every audit, in documentation order. Adding an audit adds one line here.
pub static REGISTRY: &[&dyn Audit] = &[
    &self_hosted_untrusted_trigger::SelfHostedUntrustedTrigger,
    &privileged_job_persistent_runner::PrivilegedJobPersistentRunner,
    &shared_runner_pool::SharedRunnerPool,
    &generic_self_hosted_label::GenericSelfHostedLabel,
    &untrusted_runner_label::UntrustedRunnerLabel,
    &privileged_container::PrivilegedContainer,
    &sensitive_host_mount::SensitiveHostMount,
    &untrusted_checkout_exec::UntrustedCheckoutExec,
    &persisted_checkout_credentials::PersistedCheckoutCredentials,
    &no_egress_control::NoEgressControl,
    &mutable_job_image::MutableJobImage,
    &cache_across_trust::CacheAcrossTrust,
    &secret_to_unpinned_action::SecretToUnpinnedAction,
    &template_injection::TemplateInjection,
    &secrets_on_any_branch_push::SecretsOnAnyBranchPush,
    &missing_permissions::MissingPermissions,
    &curl_pipe_shell::CurlPipeShell,
    &hardcoded_secret::HardcodedSecret,
    &gitlab_untagged_privileged_job::GitlabUntaggedPrivilegedJob,
    &gitlab_docker_in_docker::GitlabDockerInDocker,
    &gitlab_fork_mr_specific_runner::GitlabForkMrSpecificRunner,
];

/// The audit registry as a rule source (for summaries, SARIF rules, text remediation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Audits;

impl stance_core::catalog::RuleSource for Audits {
    fn rule(&self, id: &str) -> Option<&Rule> {
        REGISTRY.iter().map(|a| a.meta()).find(|m| m.id == id)
    }
}

/// The rule metadata of an audit id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    REGISTRY.iter().map(|a| a.meta()).find(|m| m.id == id)
}

/// Where a script comes from, for the script hook.
#[derive(Debug)]
pub struct Script<'a> {
    /// The script text.
    pub text: &'a str,
    /// Its span.
    pub span: Span,
    /// The route (`jobs.build.steps[2].run`).
    pub route: String,
    /// The runners of the job (empty for actions, whose runner is the caller's).
    pub runners: Vec<&'a Runner>,
    /// What the job can reach, when known.
    pub privileges: Option<&'a JobPrivileges>,
    /// Whether untrusted parties can start the job, when known.
    pub untrusted_reachable: Option<bool>,
}

impl Script<'_> {
    /// Whether the job runs on a self-hosted runner.
    pub fn self_hosted(&self) -> bool {
        self.runners.iter().any(|r| r.self_hosted())
    }
}

/// What a GitLab job's analysis says.
#[derive(Debug)]
pub struct GlFacts {
    /// The runner its tags select.
    pub runner: Runner,
    /// What it can reach.
    pub privileges: JobPrivileges,
    /// It runs in merge request pipelines.
    pub merge_requests: Option<crate::github::Str>,
}

/// The context of one file's audit pass.
#[derive(Debug)]
pub struct Cx<'r, 'a> {
    /// The repository analysis.
    pub repo: &'r Repo<'a>,
    /// The file index.
    pub file: usize,
}

impl Cx<'_, '_> {
    /// The file.
    pub fn file(&self) -> &File {
        &self.repo.files[self.file]
    }

    /// The file's source.
    pub fn source(&self) -> &Source {
        &self.repo.files[self.file].source
    }

    /// The span of the first occurrence of `needle` inside `span`, searched in the
    /// file `span` belongs to (a GitLab script line may come from an included file).
    pub fn find_in(&self, span: Span, needle: &str) -> Option<Span> {
        self.repo.source_of(span).find_in(span, needle)
    }
}

/// One audit. Each hook has a default that does nothing; an audit overrides the
/// narrowest hook it needs.
pub trait Audit: Sync + Send {
    /// The metadata.
    fn meta(&self) -> &'static Rule;

    /// Called once per workflow job, with its analysis.
    fn job(&self, _cx: &Cx<'_, '_>, _job: &Job, _facts: &JobFacts, _out: &mut Vec<Finding>) {}

    /// Called once per step of a workflow job.
    fn step(&self, _cx: &Cx<'_, '_>, _job: &Job, _facts: &JobFacts, _step: &Step, _out: &mut Vec<Finding>) {}

    /// Called once per action file.
    fn action(&self, _cx: &Cx<'_, '_>, _action: &Action, _out: &mut Vec<Finding>) {}

    /// Called once per script: `run:` of workflow and composite-action steps, GitLab script lines.
    fn script(&self, _cx: &Cx<'_, '_>, _script: &Script<'_>, _out: &mut Vec<Finding>) {}

    /// Called once per GitLab job.
    fn gitlab_job(&self, _cx: &Cx<'_, '_>, _job: &GlJob, _facts: &GlFacts, _out: &mut Vec<Finding>) {}

    /// Called once per scanned file, with its text (secrets written in it, …).
    fn file(&self, _cx: &Cx<'_, '_>, _out: &mut Vec<Finding>) {}

    /// Called once per scan, after every file (cross-file audits).
    fn repository(&self, _repo: &Repo<'_>, _out: &mut Vec<Finding>) {}
}

/// Starts a finding for an audit.
pub fn finding(meta: &'static Rule) -> FindingBuilder {
    FindingBuilder {
        meta,
        severity: meta.severity,
        confidence: Confidence::Medium,
        message: String::new(),
        evidence: Vec::new(),
    }
}

/// A finding without a location yet; [`FindingBuilder::at`] adds the primary one.
#[derive(Debug)]
#[must_use]
pub struct FindingBuilder {
    meta: &'static Rule,
    severity: Severity,
    confidence: Confidence,
    message: String,
    evidence: Vec<Evidence>,
}

impl FindingBuilder {
    /// Sets the severity.
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    /// Sets the confidence.
    pub fn confidence(mut self, c: Confidence) -> Self {
        self.confidence = c;
        self
    }

    /// Sets the one-sentence message.
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = m.into();
        self
    }

    /// Adds an observation (no location).
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.evidence.push(Evidence::observation(text));
        self
    }

    /// Sets the primary location; the finding can then be built. The path and
    /// snippet come from the file the span names, never from the audited file.
    pub fn at(self, repo: &Repo<'_>, span: Span, route: impl Into<String>) -> LocatedFinding {
        let route = route.into();
        let loc = repo.source_of(span).location(span, route.clone());
        let primary = Evidence::new(EvidenceKind::Config, route).with_location(loc);
        let mut evidence = vec![primary];
        evidence.extend(self.evidence);
        LocatedFinding { b: FindingBuilder { evidence, ..self } }
    }
}

/// A finding with its primary location, ready to build.
#[derive(Debug)]
#[must_use]
pub struct LocatedFinding {
    b: FindingBuilder,
}

impl LocatedFinding {
    /// Adds a further location (another file or place involved).
    pub fn also(
        mut self,
        repo: &Repo<'_>,
        span: Span,
        route: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        let route = route.into();
        let loc = repo.source_of(span).location(span, route.clone());
        self.b
            .evidence
            .push(Evidence::new(EvidenceKind::Config, route).with_detail(detail).with_location(loc));
        self
    }

    /// Adds an observation.
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.b.evidence.push(Evidence::observation(text));
        self
    }

    /// Adjusts the severity after the location is known.
    pub fn severity(mut self, s: Severity) -> Self {
        self.b.severity = s;
        self
    }

    /// Builds the finding: `fail`, or `warn` for informational observations.
    pub fn build(self) -> Finding {
        let b = self.b;
        Finding {
            id: b.meta.id.to_string(),
            title: b.meta.title.to_string(),
            dimension: b.meta.dimension,
            outcome: if b.severity == Severity::Info { Outcome::Warn } else { Outcome::Fail },
            severity: b.severity,
            confidence: b.confidence,
            level: None,
            message: b.message,
            reason: None,
            evidence: b.evidence,
        }
    }
}

/// One step down in severity (not below info).
pub fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

/// One step up in confidence.
pub fn surer(c: Confidence) -> Confidence {
    match c {
        Confidence::Low => Confidence::Medium,
        _ => Confidence::High,
    }
}

/// Names a job for messages; when the runner was chosen by a caller in another
/// file, names the caller too: ``job `test-cpu` (calling `job` of linux_job.yml)``.
pub fn job_name(cx: &Cx<'_, '_>, job: &Job, origin: &crate::analysis::Origin) -> String {
    if origin.file == cx.file {
        return format!("job `{}`", job.id);
    }
    let caller = origin.route.split('.').nth(1).unwrap_or("?");
    format!("job `{caller}` (calling job `{}` of {})", job.id, cx.source().path)
}

/// Names the event list for messages: `pull_request, pull_request_target`.
pub fn events_text(events: &[&crate::analysis::EventRef], repo: &Repo<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in events {
        let s = match e.via.last() {
            Some(c) => format!("{} (via {})", e.event, repo.files[c.file].source.path),
            None => e.event.clone(),
        };
        if !parts.contains(&s) {
            parts.push(s);
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use stance_core::catalog::{Framework, is_kebab_case};

    #[test]
    fn ids_are_unique_kebab_case_and_explained() {
        let mut seen = HashSet::new();
        for a in REGISTRY {
            let m = a.meta();
            assert!(is_kebab_case(m.id), "{}", m.id);
            assert!(seen.insert(m.id), "{} twice", m.id);
            assert!(m.rationale.len() >= 40 && m.remediation.len() >= 20, "{} needs text", m.id);
            for (f, r) in m.refs.iter() {
                assert!(f.is_well_formed(r), "{}: bad {} ref {r}", m.id, f.key());
            }
            assert!(!m.refs.get(Framework::Cicd).is_empty(), "{} has no CICD-SEC ref", m.id);
        }
        assert!(REGISTRY.len() >= 17);
    }

    #[test]
    fn every_audit_has_a_module_with_its_id() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/audit");
        for a in REGISTRY {
            let file = dir.join(format!("{}.rs", a.meta().id.replace('-', "_")));
            assert!(file.exists(), "no module file for {}", a.meta().id);
        }
    }
}
