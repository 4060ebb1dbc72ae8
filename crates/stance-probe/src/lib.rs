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

/// Evaluates every control, but returns by `budget` whatever happens: a check still running
/// then (a read stuck on a network file system, a name lookup that never answers) is reported
/// `unknown`, and its thread is left behind to end with the process.
pub fn probe_within(host: Host, opts: ProbeOptions, budget: Duration) -> Report {
    use std::sync::{Arc, Condvar, Mutex};
    /// What the worker hands back: findings as they come, then the report's other parts.
    struct State {
        slots: Vec<Option<Finding>>,
        rest: Option<(Vec<String>, stance_core::Context, HostInfo)>,
    }
    let started = Instant::now();
    let state = State { slots: vec![None; checks::CHECKS.len()], rest: None };
    let shared = Arc::new((host, opts, Mutex::new(state), Condvar::new()));
    let worker = Arc::clone(&shared);
    let _ = std::thread::Builder::new().name("stance-probe".into()).spawn(move || {
        let (host, opts, state, done) = &*worker;
        let ctx = Ctx::new(host, opts);
        run_checks(&ctx, &|i, f| {
            if let Ok(mut st) = state.lock() {
                st.slots[i] = Some(f);
            }
        });
        let rest = (ctx.notes(), ctx.platform().context.clone(), host_info(&ctx));
        if let Ok(mut st) = state.lock() {
            st.rest = Some(rest);
        }
        done.notify_all();
    });
    let (host, _, state, done) = &*shared;
    let deadline = started + budget;
    let mut report = match state.lock() {
        Ok(mut st) => {
            while st.rest.is_none() {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                match done.wait_timeout(st, deadline - now) {
                    Ok((g, _)) => st = g,
                    Err(_) => return probe_failed(host, budget),
                }
            }
            let findings: Vec<Finding> = st
                .slots
                .iter()
                .zip(checks::CHECKS)
                .map(|(f, c)| {
                    f.clone().unwrap_or_else(|| {
                        let why = format!(
                            "the check did not finish within the probe's {}s time budget",
                            budget.as_secs()
                        );
                        dress(c, Eval::unknown(why))
                    })
                })
                .collect();
            let mut report = Report::new(
                ReportKind::Probe,
                findings,
                &Catalog,
                stance_core::time::format_rfc3339(host.now()),
            );
            match st.rest.take() {
                Some((notes, context, info)) => {
                    report.notes = notes;
                    report.context = Some(context);
                    report.host = Some(info);
                }
                None => {
                    report.notes = vec![format!(
                        "The probe did not finish within its {}s time budget; the controls still running are reported unknown.",
                        budget.as_secs()
                    )];
                    report.host = Some(HostInfo {
                        root: Host::display(host.root()),
                        live: host.is_live(),
                        ..HostInfo::default()
                    });
                }
            }
            report
        }
        Err(_) => return probe_failed(host, budget),
    };
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// A report in which every control is unknown (the probe's own state was lost).
fn probe_failed(host: &Host, budget: Duration) -> Report {
    let findings = checks::CHECKS.iter().map(failed).collect();
    let mut report =
        Report::new(ReportKind::Probe, findings, &Catalog, stance_core::time::format_rfc3339(host.now()));
    report.notes = vec![format!(
        "The probe failed internally within its {}s budget; every control is unknown.",
        budget.as_secs()
    )];
    report
}

/// Runs every check, the slow independent work in the background, and hands each finding
/// to `record` with its index in [`checks::CHECKS`].
fn run_checks(ctx: &Ctx<'_>, record: &(dyn Fn(usize, Finding) + Sync)) {
    let opts = ctx.opts;
    std::thread::scope(|s| {
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
        s.spawn(move || {
            for (i, c) in checks::CHECKS.iter().enumerate().skip(half) {
                record(i, evaluate(ctx, c));
            }
        });
        for (i, c) in checks::CHECKS.iter().enumerate().take(half) {
            record(i, evaluate(ctx, c));
        }
    });
}

/// Evaluates every control on `host` and returns the report (no overall time budget; see
/// [`probe_within`]).
pub fn probe(host: &Host, opts: &ProbeOptions) -> Report {
    let started = Instant::now();
    let ctx = Ctx::new(host, opts);
    let slots = std::sync::Mutex::new(vec![None::<Finding>; checks::CHECKS.len()]);
    run_checks(&ctx, &|i, f| {
        if let Ok(mut s) = slots.lock() {
            s[i] = Some(f);
        }
    });
    let filled = slots.into_inner().unwrap_or_default();
    let findings: Vec<Finding> = checks::CHECKS
        .iter()
        .enumerate()
        .map(|(i, c)| filled.get(i).cloned().flatten().unwrap_or_else(|| failed(c)))
        .collect();
    let mut report =
        Report::new(ReportKind::Probe, findings, &Catalog, stance_core::time::format_rfc3339(host.now()));
    report.host = Some(host_info(&ctx));
    report.context = Some(ctx.platform().context.clone());
    report.notes = ctx.notes();
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// A control whose check could not run to the end.
fn failed(check: &checks::Check) -> Finding {
    dress(check, Eval::unknown("the check failed with an internal error; please report it"))
}

/// Runs one check and dresses its result with the catalog's metadata. A check that panics
/// (a bug, or input nobody foresaw) gives `unknown`, never a missing or passing control.
pub fn evaluate(ctx: &Ctx<'_>, check: &checks::Check) -> Finding {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (check.run)(ctx))) {
        Ok(eval) => dress(check, eval),
        Err(_) => failed(check),
    }
}

fn dress(check: &checks::Check, eval: Eval) -> Finding {
    let rule = control(check.id);
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
