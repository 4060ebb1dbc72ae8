//! Runner classification: which kind of machine a job's labels, group or tags
//! select, what the organisation declares about it, and what was measured.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;
use stance_core::model::{Confidence, Level};

use crate::config::Config;
use crate::posture::PostureEvidence;

#[derive(Debug, Deserialize)]
struct HostedFile {
    version: u32,
    as_of: String,
    github: GithubSection,
    third_party: Vec<ThirdParty>,
}

#[derive(Debug, Deserialize)]
struct GithubSection {
    labels: Vec<String>,
    larger_patterns: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ThirdParty {
    service: String,
    patterns: Vec<String>,
}

/// The hosted-runner data file compiled into the binary.
pub const HOSTED_DATA: &str = include_str!("../data/hosted-runners.toml");

fn hosted() -> &'static HostedFile {
    static DATA: OnceLock<HostedFile> = OnceLock::new();
    DATA.get_or_init(|| {
        // The file is part of this crate and checked by a unit test; an empty table is the
        // defensive fallback, under which every label reads as self-hosted (never as safe).
        toml::from_str(HOSTED_DATA).unwrap_or(HostedFile {
            version: 0,
            as_of: String::new(),
            github: GithubSection { labels: vec![], larger_patterns: vec![] },
            third_party: vec![],
        })
    })
}

/// The version and "as of" date of the hosted-runner data.
pub fn hosted_data_version() -> (u32, &'static str) {
    let h = hosted();
    (h.version, &h.as_of)
}

/// Glob match with `*` only, ASCII case-insensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Who operates the machines a job lands on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunnerKind {
    /// A standard GitHub-hosted runner.
    GithubHosted,
    /// A GitHub-hosted larger runner (recognised by naming convention).
    GithubLarger,
    /// A third-party hosted runner service.
    ThirdParty(String),
    /// GitLab.com hosted runners (`saas-*` tags).
    GitlabHosted,
    /// An untagged GitLab job: any instance, group or project runner that accepts untagged jobs.
    GitlabUntagged,
    /// Machines the organisation runs itself (or that are not known to be hosted).
    SelfHosted,
    /// The runner cannot be known from the file (an expression with unknown value).
    Indeterminate,
}

impl RunnerKind {
    /// Whether machines of this kind are single-use by construction.
    pub fn hosted(&self) -> bool {
        matches!(
            self,
            RunnerKind::GithubHosted
                | RunnerKind::GithubLarger
                | RunnerKind::ThirdParty(_)
                | RunnerKind::GitlabHosted
        )
    }
}

/// What the inventory and posture evidence say about a runner.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Single-use machines, as declared.
    pub ephemeral: Option<bool>,
    /// Egress restricted, as declared.
    pub egress_restricted: Option<bool>,
    /// Dedicated to trusted work, as declared.
    pub trusted_only: Option<bool>,
}

/// A measured posture level joined from probe reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The lowest level among the matching reports.
    pub level: Level,
    /// How many reports matched.
    pub reports: usize,
}

/// One concrete runner choice of a job (a matrix or expression can give several).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runner {
    /// The labels (GitHub) or tags (GitLab), as written or resolved.
    pub labels: Vec<String>,
    /// The runner group, when the object form of `runs-on` names one.
    pub group: Option<String>,
    /// The classification.
    pub kind: RunnerKind,
    /// Why it was classified so.
    pub why: String,
    /// How sure the classification is.
    pub confidence: Confidence,
    /// Declared facts.
    pub facts: Facts,
    /// Measured posture, when `--posture` reports match.
    pub measured: Option<Measured>,
}

impl Runner {
    /// A runner that cannot be determined statically.
    pub fn indeterminate(why: impl Into<String>) -> Runner {
        Runner {
            labels: vec![],
            group: None,
            kind: RunnerKind::Indeterminate,
            why: why.into(),
            confidence: Confidence::Low,
            facts: Facts::default(),
            measured: None,
        }
    }

    /// Whether jobs here may share a machine with earlier or later jobs: self-hosted
    /// runners not declared or measured single-use.
    pub fn persistent(&self) -> bool {
        if self.kind.hosted() {
            return false;
        }
        if self.facts.ephemeral == Some(true) || self.measured.as_ref().is_some_and(|m| m.level >= Level::L2)
        {
            return false;
        }
        self.kind == RunnerKind::SelfHosted
    }

    /// Whether the runner is self-hosted (operated by the organisation).
    pub fn self_hosted(&self) -> bool {
        self.kind == RunnerKind::SelfHosted
    }

    /// Whether egress is known to be restricted.
    pub fn egress_restricted(&self) -> bool {
        self.facts.egress_restricted == Some(true)
            || self.measured.as_ref().is_some_and(|m| m.level >= Level::L2)
    }

    /// The runner as written, for messages: `[self-hosted, gpu]` or `group gpu-pool`.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        if let Some(g) = &self.group {
            s.push_str(&format!("group `{g}`"));
            if !self.labels.is_empty() {
                s.push_str(" with ");
            }
        }
        if !self.labels.is_empty() {
            s.push_str(&format!("[{}]", self.labels.join(", ")));
        }
        if s.is_empty() {
            s.push_str(if self.kind == RunnerKind::Indeterminate {
                "a runner chosen at run time"
            } else {
                "(no labels)"
            });
        }
        s
    }

    /// A key naming the pool of machines: the lowercased label set and group.
    pub fn pool(&self) -> BTreeSet<String> {
        let mut set: BTreeSet<String> = self.labels.iter().map(|l| l.to_ascii_lowercase()).collect();
        if let Some(g) = &self.group {
            set.insert(format!("group:{}", g.to_ascii_lowercase()));
        }
        set
    }

    /// An explanation of the measured posture, for messages.
    pub fn measured_note(&self) -> Option<String> {
        self.measured.as_ref().map(|m| {
            format!(
                "measured posture {} ({} probe report{})",
                m.level,
                m.reports,
                if m.reports == 1 { "" } else { "s" }
            )
        })
    }
}

/// The labels that GitHub attaches to every self-hosted runner (OS and architecture).
pub const GENERIC_SELF_HOSTED: &[&str] =
    &["self-hosted", "linux", "windows", "macos", "x64", "arm", "arm64", "x86", "amd64", "aarch64"];

/// What classification knows beyond the label itself.
#[derive(Debug, Default)]
pub struct Knowledge<'a> {
    /// stance.toml.
    pub config: Option<&'a Config>,
    /// Labels declared self-hosted elsewhere in the repository (`.github/actionlint.yaml`).
    pub declared_self_hosted: BTreeSet<String>,
    /// Probe reports.
    pub posture: Option<&'a PostureEvidence>,
}

impl Knowledge<'_> {
    fn facts(&self, keys: &[String]) -> Facts {
        let mut f = Facts::default();
        let Some(cfg) = self.config else { return f };
        for k in keys {
            if let Some(rf) = cfg
                .facts(k)
                .or_else(|| cfg.runners.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v))
            {
                // One label that is declared single-use makes every machine carrying it single-use.
                let or = |a: Option<bool>, b: Option<bool>| match (a, b) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    _ => None,
                };
                f.ephemeral = or(f.ephemeral, rf.ephemeral);
                f.egress_restricted = or(f.egress_restricted, rf.egress_restricted);
                f.trusted_only = or(f.trusted_only, rf.trusted_only);
            }
        }
        f
    }

    fn declared(&self, label: &str) -> Option<bool> {
        let cfg = self.config?;
        cfg.runners
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(label))
            .and_then(|(_, f)| f.self_hosted)
            .or_else(|| {
                cfg.scan.self_hosted_labels.iter().any(|l| l.eq_ignore_ascii_case(label)).then_some(true)
            })
    }

    /// Classifies a GitHub runner choice.
    pub fn classify_github(&self, labels: Vec<String>, group: Option<String>) -> Runner {
        let data = hosted();
        let mut keys = labels.clone();
        if let Some(g) = &group {
            keys.push(format!("group:{g}"));
        }
        let facts = self.facts(&keys);
        let (kind, why, confidence) = self.kind_of(&labels, group.as_deref(), data);
        let measured = self.posture.and_then(|p| p.measured(&labels));
        Runner { labels, group, kind, why, confidence, facts, measured }
    }

    fn kind_of(
        &self,
        labels: &[String],
        group: Option<&str>,
        data: &HostedFile,
    ) -> (RunnerKind, String, Confidence) {
        for l in labels.iter().map(String::as_str).chain(group) {
            let key = if Some(l) == group { format!("group:{l}") } else { l.to_string() };
            match self.declared(&key) {
                Some(false) => {
                    return (
                        RunnerKind::ThirdParty("declared hosted".into()),
                        format!("`{key}` is declared hosted in stance.toml"),
                        Confidence::High,
                    );
                }
                Some(true) => {
                    return (
                        RunnerKind::SelfHosted,
                        format!("`{key}` is declared self-hosted in stance.toml"),
                        Confidence::High,
                    );
                }
                None => {}
            }
        }
        if labels.iter().any(|l| l.eq_ignore_ascii_case("self-hosted")) {
            return (RunnerKind::SelfHosted, "the `self-hosted` label".into(), Confidence::High);
        }
        if let Some(l) = labels.iter().find(|l| self.declared_self_hosted.iter().any(|d| glob(d, l))) {
            return (
                RunnerKind::SelfHosted,
                format!("`{l}` is declared self-hosted in .github/actionlint.yaml"),
                Confidence::High,
            );
        }
        if labels.is_empty() {
            if let Some(g) = group {
                return (
                    RunnerKind::SelfHosted,
                    format!("runner group `{g}` (groups hold self-hosted runners or GitHub larger runners)"),
                    Confidence::Low,
                );
            }
            return (RunnerKind::Indeterminate, "no labels".into(), Confidence::Low);
        }
        let first = labels[0].as_str();
        if labels.len() == 1 || group.is_some() {
            if data.github.labels.iter().any(|h| h.eq_ignore_ascii_case(first)) && group.is_none() {
                return (
                    RunnerKind::GithubHosted,
                    format!("`{first}` is a GitHub-hosted runner label"),
                    Confidence::High,
                );
            }
            for tp in &data.third_party {
                if tp.patterns.iter().any(|p| glob(p, first)) {
                    return (
                        RunnerKind::ThirdParty(tp.service.clone()),
                        format!("`{first}` is a {} runner label", tp.service),
                        Confidence::High,
                    );
                }
            }
            if data.github.larger_patterns.iter().any(|p| glob(p, first)) {
                return (
                    RunnerKind::GithubLarger,
                    format!("`{first}` follows the naming convention of GitHub larger runners"),
                    Confidence::Medium,
                );
            }
        }
        let what = labels
            .iter()
            .find(|l| !data.github.labels.iter().any(|h| h.eq_ignore_ascii_case(l)))
            .unwrap_or(&labels[0]);
        (
            RunnerKind::SelfHosted,
            format!("`{what}` is not a known GitHub-hosted or third-party hosted label"),
            Confidence::Medium,
        )
    }

    /// Classifies a GitLab job by its tags.
    pub fn classify_gitlab(&self, tags: Vec<String>) -> Runner {
        let facts = self.facts(&tags);
        let measured = self.posture.and_then(|p| p.measured(&tags));
        let (kind, why, confidence) = if tags.is_empty() {
            (
                RunnerKind::GitlabUntagged,
                "no `tags:`, so any runner that accepts untagged jobs can take it".to_string(),
                Confidence::Medium,
            )
        } else if let Some(t) = tags.iter().find(|t| self.declared(t) == Some(true)) {
            (
                RunnerKind::SelfHosted,
                format!("tag `{t}` is declared self-hosted in stance.toml"),
                Confidence::High,
            )
        } else if tags.iter().all(|t| t.starts_with("saas-") || self.declared(t) == Some(false)) {
            (
                RunnerKind::GitlabHosted,
                "GitLab.com hosted runner tags (`saas-*`)".to_string(),
                Confidence::High,
            )
        } else {
            (
                RunnerKind::SelfHosted,
                format!(
                    "tags [{}] select project, group or instance runners the organisation registered",
                    tags.join(", ")
                ),
                Confidence::Medium,
            )
        };
        Runner { labels: tags, group: None, kind, why, confidence, facts, measured }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k() -> Knowledge<'static> {
        Knowledge::default()
    }

    #[test]
    fn data_file_parses_and_is_dated() {
        let (v, as_of) = hosted_data_version();
        assert!(v >= 1);
        assert_eq!(as_of.len(), 10);
    }

    #[test]
    fn classifies_github_labels() {
        let c = |l: &[&str]| k().classify_github(l.iter().map(|s| s.to_string()).collect(), None).kind;
        assert_eq!(c(&["ubuntu-latest"]), RunnerKind::GithubHosted);
        assert_eq!(c(&["ubuntu-24.04-arm"]), RunnerKind::GithubHosted);
        assert_eq!(c(&["macos-14-xlarge"]), RunnerKind::GithubHosted);
        assert_eq!(c(&["ubuntu-22.04-16core"]), RunnerKind::GithubLarger);
        assert_eq!(c(&["blacksmith-4vcpu-ubuntu-2204"]), RunnerKind::ThirdParty("Blacksmith".into()));
        assert_eq!(c(&["runs-on=123/runner=2cpu-linux-x64"]), RunnerKind::ThirdParty("RunsOn".into()));
        assert_eq!(c(&["self-hosted", "linux"]), RunnerKind::SelfHosted);
        assert_eq!(c(&["linux.2xlarge"]), RunnerKind::SelfHosted);
        assert_eq!(c(&[]), RunnerKind::Indeterminate);
    }

    #[test]
    fn inventory_declares_facts() {
        let cfg = Config::parse("[runners.gpu]\nephemeral = true\n[runners.lab]\nself-hosted = false\n", "s")
            .unwrap();
        let k = Knowledge { config: Some(&cfg), ..Knowledge::default() };
        let r = k.classify_github(vec!["self-hosted".into(), "gpu".into()], None);
        assert!(r.self_hosted() && !r.persistent());
        let r = k.classify_github(vec!["lab".into()], None);
        assert!(r.kind.hosted());
    }

    #[test]
    fn glob_matches() {
        assert!(glob("ubuntu-*-cores", "ubuntu-latest-8-cores"));
        assert!(!glob("depot-*", "ubuntu-latest"));
        assert!(glob("a*b*c", "aXXbYc"));
    }

    #[test]
    fn classifies_gitlab_tags() {
        assert_eq!(k().classify_gitlab(vec![]).kind, RunnerKind::GitlabUntagged);
        assert_eq!(k().classify_gitlab(vec!["saas-linux-small-amd64".into()]).kind, RunnerKind::GitlabHosted);
        assert_eq!(k().classify_gitlab(vec!["gpu".into()]).kind, RunnerKind::SelfHosted);
    }
}
