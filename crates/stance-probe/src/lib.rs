//! `stance probe`: collect evidence about the machine a CI job runs on and evaluate
//! every control of the catalog.
//!
//! Every collector reads through a [`Host`] rooted at `/` (the live machine) or at a
//! directory (a mounted image, a chroot, a test fixture). Facts shared by several
//! controls (processes, mounts, platform context, …) are gathered once, lazily, in
//! [`Ctx`]. Each control is one function in `checks/<dimension>.rs`, listed once in
//! [`checks::CHECKS`].

pub mod active;
pub mod checks;
pub mod ctx;
pub mod facts;
pub mod host;

use std::time::{Duration, Instant, SystemTime};

use stance_core::catalog::{Catalog, control};
use stance_core::model::{Confidence, Finding, Outcome, Severity};
use stance_core::report::{HostInfo, Report, ReportKind};

pub use crate::ctx::{Ctx, Eval};
pub use crate::host::Host;

/// How the probe runs.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// `HOST:PORT` targets that the egress policy should block (active check; opt-in).
    pub egress_targets: Vec<String>,
    /// The cloud metadata service address to try (active check; opt-in).
    pub metadata_target: Option<String>,
    /// `HOST:PORT` internal services that should be unreachable (active check; opt-in).
    pub internal_targets: Vec<String>,
    /// Timeout of each active connection attempt.
    pub connect_timeout: Duration,
    /// Scan the workspace, temp dirs and runner logs for secrets.
    pub secret_scan: bool,
    /// Wall-clock budget of the secret scan.
    pub scan_budget: Duration,
    /// Byte budget of the secret scan.
    pub scan_max_bytes: u64,
    /// The workspace, overriding the platform's.
    pub workspace: Option<String>,
    /// The runner agent's installation directory, overriding detection.
    pub runner_dir: Option<String>,
    /// When the job started, overriding detection.
    pub job_start: Option<SystemTime>,
    /// Runner labels to record in the report (the join key of `stance scan --posture`).
    pub runner_labels: Vec<String>,
    /// Thresholds.
    pub limits: Limits,
}

/// Age thresholds and minimum versions.
#[derive(Clone, Debug)]
pub struct Limits {
    /// A running kernel built longer ago than this is stale.
    pub kernel_max_age: Duration,
    /// Package-manager activity older than this is stale.
    pub packages_max_age: Duration,
    /// A runner image built longer ago than this is old.
    pub image_max_age: Duration,
    /// Minimum GitHub Actions runner version.
    pub github_runner_min: String,
    /// Minimum GitLab Runner version.
    pub gitlab_runner_min: String,
    /// Minimum Azure Pipelines agent version.
    pub azure_agent_min: String,
}

const DAY: u64 = 86_400;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            kernel_max_age: Duration::from_secs(180 * DAY),
            packages_max_age: Duration::from_secs(30 * DAY),
            image_max_age: Duration::from_secs(60 * DAY),
            // Versions current in autumn 2026 minus the platforms' support windows; raise them in
            // stance.toml as new releases come out.
            github_runner_min: "2.328.0".into(),
            gitlab_runner_min: "17.0.0".into(),
            azure_agent_min: "4.248.0".into(),
        }
    }
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            egress_targets: vec![],
            metadata_target: None,
            internal_targets: vec![],
            connect_timeout: Duration::from_millis(1500),
            secret_scan: true,
            scan_budget: Duration::from_secs(5),
            scan_max_bytes: 512 << 20,
            workspace: None,
            runner_dir: None,
            job_start: None,
            runner_labels: vec![],
            limits: Limits::default(),
        }
    }
}

/// Evaluates every control on `host` and returns the report.
pub fn probe(host: &Host, opts: &ProbeOptions) -> Report {
    let started = Instant::now();
    let ctx = Ctx::new(host, opts);
    let findings: Vec<Finding> = std::thread::scope(|s| {
        // Slow, independent work starts first in the background; the checks that need it
        // wait on it (the facts are computed once, whoever asks first).
        if !opts.egress_targets.is_empty()
            || opts.metadata_target.is_some()
            || !opts.internal_targets.is_empty()
        {
            s.spawn(|| {
                ctx.active();
            });
        }
        if opts.secret_scan {
            s.spawn(|| {
                ctx.secret_scans();
            });
        }
        let half = checks::CHECKS.len() / 2;
        let shared = &ctx;
        let second =
            s.spawn(move || checks::CHECKS[half..].iter().map(|c| evaluate(shared, c)).collect::<Vec<_>>());
        let mut first: Vec<Finding> = checks::CHECKS[..half].iter().map(|c| evaluate(&ctx, c)).collect();
        first.extend(second.join().unwrap_or_default());
        first
    });
    let mut report =
        Report::new(ReportKind::Probe, findings, &Catalog, stance_core::time::format_rfc3339(host.now()));
    report.host = Some(host_info(&ctx));
    report.context = Some(ctx.platform().context.clone());
    report.notes = ctx.notes();
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// Runs one check and dresses its result with the catalog's metadata.
pub fn evaluate(ctx: &Ctx<'_>, check: &checks::Check) -> Finding {
    let rule = control(check.id);
    let eval = (check.run)(ctx);
    let base = rule.map(|r| r.severity).unwrap_or(Severity::Medium);
    let severity = eval.severity.unwrap_or(match eval.outcome {
        Outcome::Warn if base >= Severity::Medium => Severity::Low,
        _ => base,
    });
    Finding {
        id: check.id.to_string(),
        title: rule.map(|r| r.title.to_string()).unwrap_or_default(),
        dimension: rule.and_then(|r| r.dimension),
        outcome: eval.outcome,
        severity,
        confidence: eval.confidence.unwrap_or(Confidence::High),
        level: rule.and_then(|r| r.level),
        message: eval.message,
        reason: eval.reason,
        evidence: eval.evidence,
    }
}

fn host_info(ctx: &Ctx<'_>) -> HostInfo {
    let host = ctx.host;
    let user = host.identity().map(|id| match ctx.user_name(id.uid) {
        Some(n) => format!("{n} (uid {})", id.uid),
        None => format!("uid {}", id.uid),
    });
    HostInfo {
        root: Host::display(host.root()),
        live: host.is_live(),
        hostname: host.read_value("/proc/sys/kernel/hostname").or_else(|| host.read_value("/etc/hostname")),
        os: ctx.os().map(|o| o.pretty()),
        os_id: ctx.os().map(|o| format!("{} {}", o.id(), o.get("VERSION_ID").unwrap_or("?"))),
        kernel: host.read_value("/proc/sys/kernel/osrelease"),
        arch: host.is_live().then(|| std::env::consts::ARCH.to_string()),
        user,
    }
}
