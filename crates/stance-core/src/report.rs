//! The report envelope that every command produces, the posture level and the summaries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{Framework, RuleSource};
use crate::model::{Dimension, Finding, Level, Outcome, Severity};

/// The version of the report JSON layout. Bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// What produced a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// `stance probe`: the live runner.
    Probe,
    /// `stance scan`: CI configuration.
    Scan,
}

/// The tool that produced the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `stance`.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

impl ToolInfo {
    /// This build of stance.
    pub fn current() -> Self {
        ToolInfo { name: "stance".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

/// The machine a probe ran on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInfo {
    /// The directory that was probed as `/` (`/` for the live host).
    pub root: String,
    /// Whether the live host was probed (processes, network, kernel), not only a file tree.
    pub live: bool,
    /// Host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// `PRETTY_NAME` of os-release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// os-release `ID` and `VERSION_ID`, e.g. `debian 12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_id: Option<String>,
    /// Kernel release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Machine architecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The user the job runs as (uid and name when known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// The CI platform a job runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// GitHub Actions.
    GithubActions,
    /// GitLab CI.
    GitlabCi,
    /// Buildkite.
    Buildkite,
    /// Jenkins.
    Jenkins,
    /// CircleCI.
    Circleci,
    /// Azure Pipelines.
    AzurePipelines,
    /// Another CI system that sets `CI=true`.
    OtherCi,
    /// Not a CI job.
    #[default]
    None,
}

/// Who operates the machine that runs the job.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunnerKind {
    /// The CI vendor's own hosted, single-use machines (GitHub-hosted, GitLab.com SaaS, …).
    VendorHosted,
    /// A third-party runner host service (Blacksmith, Namespace, Depot, …).
    ThirdPartyHosted,
    /// GitHub Actions Runner Controller on Kubernetes.
    Arc,
    /// Machines the organisation runs itself.
    SelfHosted,
    /// Not known.
    #[default]
    Unknown,
}

/// Repository visibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    /// Anyone can read it (and open pull requests).
    Public,
    /// Organisation-internal.
    Internal,
    /// Private.
    Private,
}

/// The runner that executes the job.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerInfo {
    /// Who operates it.
    pub kind: RunnerKind,
    /// The runner's name as the platform reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The hosting service, for vendor- or third-party-hosted runners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The executor (GitLab: shell, docker, kubernetes, …) where visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<String>,
    /// Labels or tags, where the platform exposes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Whether the platform declares the runner single-use, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// The runner image name and version, when exposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Runner agent version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
}

/// Where the runner agent keeps its files and which process it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// The agent process (listener/worker) that started this job, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// The process name of the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// Installation directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_dir: Option<String>,
    /// The work directory that holds job workspaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_dir: Option<String>,
    /// Diagnostic log directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diag_dir: Option<String>,
    /// Registration/credential files found (paths only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registration_files: Vec<String>,
}

/// What triggered the job, and whether the code it runs is trusted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerInfo {
    /// Platform event name (`pull_request`, `push`, `merge_request_event`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The change comes from a fork, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_fork: Option<bool>,
    /// A privileged trigger that may run untrusted code (pull_request_target, workflow_run, comments).
    #[serde(default)]
    pub privileged_trigger: bool,
    /// The job runs code an outside contributor controls, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untrusted_code: Option<bool>,
    /// The ref is protected (GitLab `CI_COMMIT_REF_PROTECTED`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected_ref: Option<bool>,
}

/// What the job can reach: the inputs to its tier.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobAccess {
    /// An OIDC token can be requested.
    #[serde(default)]
    pub oidc: bool,
    /// Names (never values) of secret-looking variables in the job environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_variables: Vec<String>,
    /// A deployment environment the job targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// The CI context of a probe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The CI platform.
    pub platform: Platform,
    /// The runner.
    pub runner: RunnerInfo,
    /// `owner/name` or project path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Repository visibility, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Trigger and trust of the code.
    #[serde(default)]
    pub trigger: TriggerInfo,
    /// The workflow or pipeline definition (GitHub `GITHUB_WORKFLOW_REF`, GitLab pipeline source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// The job name or id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// The git ref being built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// What the job can reach.
    #[serde(default)]
    pub access: JobAccess,
    /// The runner agent, when located.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentInfo>,
    /// When the job started (RFC 3339), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_started_at: Option<String>,
}

/// A control that keeps the runner from a posture level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    /// The control id.
    pub id: String,
    /// The lowest level that requires it.
    pub level: Level,
    /// Its outcome (`fail` or `unknown`).
    pub outcome: Outcome,
}

/// The computed posture level and what stands above it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posture {
    /// The highest level whose required controls all hold.
    pub level: Level,
    /// Every required control that fails or is unknown, with the level that requires it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<Blocker>,
}

impl Posture {
    /// Computes the level from findings: the highest level L such that no finding
    /// required at or below L blocks (fails or is unknown).
    pub fn compute(findings: &[Finding]) -> Posture {
        let mut blockers: Vec<Blocker> = findings
            .iter()
            .filter(|f| f.outcome.blocks_level())
            .filter_map(|f| f.level.map(|level| Blocker { id: f.id.clone(), level, outcome: f.outcome }))
            .collect();
        blockers.sort_by(|a, b| a.level.cmp(&b.level).then_with(|| a.id.cmp(&b.id)));
        let lowest_blocked = blockers.iter().map(|b| b.level).min();
        let level = match lowest_blocked {
            None => Level::L3,
            Some(Level::L1) | Some(Level::L0) => Level::L0,
            Some(Level::L2) => Level::L1,
            Some(Level::L3) => Level::L2,
        };
        Posture { level, blockers }
    }

    /// The blockers between the current level and `target`.
    pub fn blockers_for(&self, target: Level) -> impl Iterator<Item = &Blocker> {
        self.blockers.iter().filter(move |b| b.level <= target)
    }
}

/// Counts of outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Passing.
    pub pass: u32,
    /// Failing.
    pub fail: u32,
    /// Warnings.
    pub warn: u32,
    /// Not applicable.
    #[serde(rename = "not-applicable")]
    pub not_applicable: u32,
    /// Undecided.
    pub unknown: u32,
}

impl Counts {
    /// Adds one outcome.
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::Warn => self.warn += 1,
            Outcome::NotApplicable => self.not_applicable += 1,
            Outcome::Unknown => self.unknown += 1,
        }
    }

    /// The total.
    pub fn total(&self) -> u32 {
        self.pass + self.fail + self.warn + self.not_applicable + self.unknown
    }
}

/// Per-dimension roll-up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionSummary {
    /// Outcome counts.
    pub counts: Counts,
    /// The highest severity among failing controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_failure: Option<Severity>,
}

/// Roll-ups by outcome, dimension and framework reference.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// All findings.
    pub counts: Counts,
    /// By posture dimension.
    #[serde(default)]
    pub dimensions: BTreeMap<Dimension, DimensionSummary>,
    /// By framework key (`nhi`, `csf`, …), then reference id (`NHI8:2025`).
    #[serde(default)]
    pub frameworks: BTreeMap<String, BTreeMap<String, Counts>>,
}

impl Summary {
    /// Builds the summary of `findings`, resolving framework references through `rules`.
    pub fn build(findings: &[Finding], rules: &dyn RuleSource) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            s.counts.add(f.outcome);
            if let Some(d) = f.dimension {
                let entry = s.dimensions.entry(d).or_default();
                entry.counts.add(f.outcome);
                if f.outcome == Outcome::Fail {
                    entry.worst_failure = entry.worst_failure.max(Some(f.severity));
                }
            }
            if let Some(rule) = rules.rule(&f.id) {
                for (framework, id) in rule.refs.iter() {
                    s.frameworks
                        .entry(framework.key().to_string())
                        .or_default()
                        .entry(id.to_string())
                        .or_default()
                        .add(f.outcome);
                }
            }
        }
        s
    }

    /// The framework names for keys used in `frameworks`.
    pub fn framework_name(key: &str) -> &'static str {
        Framework::ALL.iter().find(|f| f.key() == key).map(|f| f.name()).unwrap_or("unknown framework")
    }
}

/// A problem with one input of a scan (unreadable, invalid YAML, …). The scan goes on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The input file.
    pub path: String,
    /// What went wrong, in one line.
    pub message: String,
    /// Where, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// What a scan looked at.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanInfo {
    /// Files analysed.
    pub files: Vec<String>,
    /// Problems with inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    /// Findings suppressed by inline or config ignores.
    #[serde(default)]
    pub ignored: u32,
}

/// The report envelope shared by every command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What produced the report.
    pub kind: ReportKind,
    /// The tool.
    pub tool: ToolInfo,
    /// When the report was produced (RFC 3339, UTC).
    pub generated_at: String,
    /// How long producing it took.
    pub duration_ms: u64,
    /// The probed machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostInfo>,
    /// The CI context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// The computed posture level (probe reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posture: Option<Posture>,
    /// Roll-ups.
    pub summary: Summary,
    /// Every finding, in catalog or file order.
    pub findings: Vec<Finding>,
    /// What a scan looked at (scan reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanInfo>,
    /// Remarks about the run itself (budgets hit, checks not requested).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Report {
    /// A report of `kind` over `findings`, with summary (and posture for probes) computed.
    pub fn new(
        kind: ReportKind,
        findings: Vec<Finding>,
        rules: &dyn RuleSource,
        generated_at: String,
    ) -> Report {
        let summary = Summary::build(&findings, rules);
        let posture = (kind == ReportKind::Probe).then(|| Posture::compute(&findings));
        Report {
            schema_version: SCHEMA_VERSION,
            kind,
            tool: ToolInfo::current(),
            generated_at,
            duration_ms: 0,
            host: None,
            context: None,
            posture,
            summary,
            findings,
            scan: None,
            notes: Vec::new(),
        }
    }

    /// Parses a report from JSON, checking the schema version.
    pub fn from_json(text: &str) -> Result<Report, ReportError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ReportError::Json(e.to_string()))?;
        match value.get("schema_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => return Err(ReportError::Version(v)),
            None => return Err(ReportError::NotAReport),
        }
        serde_json::from_value(value).map_err(|e| ReportError::Json(e.to_string()))
    }
}

/// Why a report file could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReportError {
    /// Not JSON, or not the report layout.
    #[error("not a valid stance report: {0}")]
    Json(String),
    /// A JSON document without `schema_version`.
    #[error("not a stance report (no schema_version field)")]
    NotAReport,
    /// A report from an incompatible version.
    #[error("report schema_version {0} is not supported (this stance reads version 1)")]
    Version(u64),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::model::Confidence;

    fn finding(id: &str, level: Option<Level>, outcome: Outcome) -> Finding {
        Finding {
            id: id.into(),
            title: id.into(),
            dimension: Some(Dimension::Isolation),
            outcome,
            severity: Severity::High,
            confidence: Confidence::High,
            level,
            message: String::new(),
            reason: None,
            evidence: vec![],
        }
    }

    #[test]
    fn level_is_highest_with_no_blockers_at_or_below() {
        let all_pass =
            [finding("a", Some(Level::L1), Outcome::Pass), finding("b", Some(Level::L3), Outcome::Pass)];
        assert_eq!(Posture::compute(&all_pass).level, Level::L3);
        let l3_fails =
            [finding("a", Some(Level::L1), Outcome::Pass), finding("b", Some(Level::L3), Outcome::Fail)];
        assert_eq!(Posture::compute(&l3_fails).level, Level::L2);
        let l2_unknown =
            [finding("a", Some(Level::L2), Outcome::Unknown), finding("b", Some(Level::L3), Outcome::Pass)];
        assert_eq!(Posture::compute(&l2_unknown).level, Level::L1);
        let l1_fails =
            [finding("a", Some(Level::L1), Outcome::Fail), finding("b", Some(Level::L2), Outcome::Fail)];
        let p = Posture::compute(&l1_fails);
        assert_eq!(p.level, Level::L0);
        assert_eq!(p.blockers.len(), 2);
        assert_eq!(p.blockers_for(Level::L1).count(), 1);
    }

    #[test]
    fn warnings_and_informational_controls_do_not_block() {
        let f = [
            finding("a", Some(Level::L1), Outcome::Warn),
            finding("b", Some(Level::L2), Outcome::NotApplicable),
            finding("c", None, Outcome::Fail),
        ];
        assert_eq!(Posture::compute(&f).level, Level::L3);
    }

    #[test]
    fn summary_counts_by_dimension_and_framework() {
        let f = vec![
            finding("job-runs-as-root", Some(Level::L2), Outcome::Fail),
            finding("x", None, Outcome::Pass),
        ];
        let s = Summary::build(&f, &Catalog);
        assert_eq!(s.counts.fail, 1);
        assert_eq!(s.counts.pass, 1);
        let iso = &s.dimensions[&Dimension::Isolation];
        assert_eq!(iso.worst_failure, Some(Severity::High));
        assert!(s.frameworks.get("nhi").is_some_and(|m| m.values().any(|c| c.fail == 1)));
    }

    #[test]
    fn report_round_trips_and_rejects_other_versions() {
        let r = Report::new(
            ReportKind::Probe,
            vec![finding("a", Some(Level::L1), Outcome::Pass)],
            &Catalog,
            "2026-01-01T00:00:00Z".into(),
        );
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(Report::from_json(&text).unwrap(), r);
        let bumped = text.replace("\"schema_version\":1", "\"schema_version\":9");
        assert!(matches!(Report::from_json(&bumped), Err(ReportError::Version(9))));
        assert!(matches!(Report::from_json("{}"), Err(ReportError::NotAReport)));
        assert!(matches!(Report::from_json("nope"), Err(ReportError::Json(_))));
    }
}
