//! The evaluation context: the host, the options, and facts gathered once on demand.

use std::sync::OnceLock;
use std::time::SystemTime;

use stance_core::model::{Confidence, Evidence, Outcome, Severity};

use crate::ProbeOptions;
use crate::active::{self, Attempt};
use crate::facts::isolation::{self, Isolation};
use crate::facts::mounts::{self, Mount};
use crate::facts::net::{self, BaseChain, Listener, NftError};
use crate::facts::os::OsRelease;
use crate::facts::platform::{self, PlatformFacts, PlatformOverrides, SingleUse};
use crate::facts::proc::ProcTable;
use crate::host::Host;

/// The result of one check, before catalog metadata is attached.
#[derive(Clone, Debug)]
pub struct Eval {
    /// The outcome.
    pub outcome: Outcome,
    /// One sentence on what was found.
    pub message: String,
    /// Why the outcome is unknown or not applicable.
    pub reason: Option<String>,
    /// What was observed.
    pub evidence: Vec<Evidence>,
    /// Confidence; high when not set.
    pub confidence: Option<Confidence>,
    /// Severity override; the catalog's when not set.
    pub severity: Option<Severity>,
}

impl Eval {
    fn new(outcome: Outcome, message: impl Into<String>) -> Eval {
        Eval {
            outcome,
            message: message.into(),
            reason: None,
            evidence: vec![],
            confidence: None,
            severity: None,
        }
    }

    /// The requirement holds.
    pub fn pass(message: impl Into<String>) -> Eval {
        Eval::new(Outcome::Pass, message)
    }

    /// The requirement does not hold.
    pub fn fail(message: impl Into<String>) -> Eval {
        Eval::new(Outcome::Fail, message)
    }

    /// A weakness that does not break the requirement.
    pub fn warn(message: impl Into<String>) -> Eval {
        Eval::new(Outcome::Warn, message)
    }

    /// The control does not apply; `reason` says why.
    pub fn na(reason: impl Into<String>) -> Eval {
        let mut e = Eval::new(Outcome::NotApplicable, "Does not apply here");
        e.reason = Some(reason.into());
        e
    }

    /// The probe cannot decide; `reason` says why.
    pub fn unknown(reason: impl Into<String>) -> Eval {
        let mut e = Eval::new(Outcome::Unknown, "Could not be decided");
        e.reason = Some(reason.into());
        e
    }

    /// Adds evidence.
    pub fn with(mut self, e: Evidence) -> Eval {
        self.evidence.push(e);
        self
    }

    /// Adds several pieces of evidence.
    pub fn with_all(mut self, e: impl IntoIterator<Item = Evidence>) -> Eval {
        self.evidence.extend(e);
        self
    }

    /// Sets the confidence.
    pub fn confidence(mut self, c: Confidence) -> Eval {
        self.confidence = Some(c);
        self
    }

    /// Overrides the severity.
    pub fn severity(mut self, s: Severity) -> Eval {
        self.severity = Some(s);
        self
    }

    /// A failure on a reused machine, a warning on a single-use one (`single_use` is the
    /// reason the kernel belongs to this job alone, when it does).
    pub fn fail_unless_single_use(message: impl Into<String>, single_use: Option<String>) -> Eval {
        match single_use {
            Some(why) => Eval::warn(format!("{} (contained: {why})", message.into())),
            None => Eval::fail(message),
        }
    }
}

/// Results of the secret scans.
#[derive(Debug, Default)]
pub struct SecretScans {
    /// The workspace scan, when a workspace is known.
    pub workspace: Option<(String, stance_secrets::ScanReport)>,
    /// The log scan (runner diagnostic logs and temp dirs), when any log location is known.
    pub logs: Option<(Vec<String>, stance_secrets::ScanReport)>,
}

/// Results of the active network checks.
#[derive(Debug, Default)]
pub struct ActiveResults {
    /// Egress canaries.
    pub egress: Vec<Attempt>,
    /// The metadata service, when asked.
    pub metadata: Option<Attempt>,
    /// Internal targets.
    pub internal: Vec<Attempt>,
}

/// The evaluation context.
pub struct Ctx<'a> {
    /// The machine.
    pub host: &'a Host,
    /// The options.
    pub opts: &'a ProbeOptions,
    procs: OnceLock<ProcTable>,
    mounts: OnceLock<Vec<Mount>>,
    os: OnceLock<Option<OsRelease>>,
    platform: OnceLock<PlatformFacts>,
    isolation: OnceLock<Isolation>,
    listeners: OnceLock<Option<Vec<Listener>>>,
    nft: OnceLock<Result<Vec<BaseChain>, NftError>>,
    active: OnceLock<ActiveResults>,
    scans: OnceLock<SecretScans>,
    passwd: OnceLock<Vec<(String, u32, u32, String)>>,
    groups: OnceLock<Vec<(String, u32)>>,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("root", &self.host.root()).finish_non_exhaustive()
    }
}

impl<'a> Ctx<'a> {
    /// A context over `host`.
    pub fn new(host: &'a Host, opts: &'a ProbeOptions) -> Ctx<'a> {
        Ctx {
            host,
            opts,
            procs: OnceLock::new(),
            mounts: OnceLock::new(),
            os: OnceLock::new(),
            platform: OnceLock::new(),
            isolation: OnceLock::new(),
            listeners: OnceLock::new(),
            nft: OnceLock::new(),
            active: OnceLock::new(),
            scans: OnceLock::new(),
            passwd: OnceLock::new(),
            groups: OnceLock::new(),
        }
    }

    /// The process table.
    pub fn procs(&self) -> &ProcTable {
        self.procs.get_or_init(|| ProcTable::load(self.host))
    }

    /// Whether process information exists (a live host or a fixture with `/proc`).
    pub fn has_procs(&self) -> bool {
        !self.procs().procs.is_empty()
    }

    /// The mount table.
    pub fn mounts(&self) -> &[Mount] {
        self.mounts.get_or_init(|| mounts::load(self.host))
    }

    /// The OS release.
    pub fn os(&self) -> Option<&OsRelease> {
        self.os.get_or_init(|| OsRelease::load(self.host)).as_ref()
    }

    /// Platform, runner, trigger, agent.
    pub fn platform(&self) -> &PlatformFacts {
        self.platform.get_or_init(|| {
            let o = PlatformOverrides {
                labels: self.opts.runner_labels.clone(),
                runner_dir: self.opts.runner_dir.clone(),
                workspace: self.opts.workspace.clone(),
                job_start: self.opts.job_start,
            };
            platform::detect(self.host, self.procs(), &o)
        })
    }

    /// Container, VM, sandbox.
    pub fn isolation(&self) -> &Isolation {
        self.isolation.get_or_init(|| isolation::detect(self.host, self.mounts()))
    }

    /// Listening sockets.
    pub fn listeners(&self) -> Option<&[Listener]> {
        self.listeners.get_or_init(|| net::listeners(self.host)).as_deref()
    }

    /// nftables base chains.
    pub fn nft(&self) -> &Result<Vec<BaseChain>, NftError> {
        self.nft.get_or_init(|| net::nft_base_chains(self.host))
    }

    /// Active check results (runs them on first use; empty when no targets were given).
    pub fn active(&self) -> &ActiveResults {
        self.active.get_or_init(|| {
            let t = self.opts.connect_timeout;
            std::thread::scope(|s| {
                let egress: Vec<_> =
                    self.opts.egress_targets.iter().map(|x| s.spawn(move || active::connect(x, t))).collect();
                let internal: Vec<_> = self
                    .opts
                    .internal_targets
                    .iter()
                    .map(|x| s.spawn(move || active::connect(x, t)))
                    .collect();
                let metadata =
                    self.opts.metadata_target.as_ref().map(|m| s.spawn(move || active::metadata(m, t)));
                // A failed attempt is reported as not tried, never dropped.
                let join = |h: std::thread::ScopedJoinHandle<'_, active::Attempt>, target: &str| {
                    h.join().unwrap_or_else(|_| active::Attempt {
                        target: target.to_string(),
                        reach: active::Reach::Invalid("internal error".into()),
                        http_status: None,
                    })
                };
                ActiveResults {
                    egress: egress
                        .into_iter()
                        .zip(&self.opts.egress_targets)
                        .map(|(h, t)| join(h, t))
                        .collect(),
                    metadata: metadata.zip(self.opts.metadata_target.as_ref()).map(|(h, t)| join(h, t)),
                    internal: internal
                        .into_iter()
                        .zip(&self.opts.internal_targets)
                        .map(|(h, t)| join(h, t))
                        .collect(),
                }
            })
        })
    }

    /// Secret scan results (runs the scans on first use).
    pub fn secret_scans(&self) -> &SecretScans {
        self.scans.get_or_init(|| crate::checks::secrets::run_scans(self))
    }

    /// A sysctl value (`kernel.kptr_restrict`).
    pub fn sysctl(&self, name: &str) -> Option<String> {
        self.host.read_value(&format!("/proc/sys/{}", name.replace('.', "/")))
    }

    /// A numeric sysctl value.
    pub fn sysctl_num(&self, name: &str) -> Option<i64> {
        self.sysctl(name)?.split_whitespace().next()?.parse().ok()
    }

    /// Why the kernel belongs to this job alone, when it does: the runner is single-use and
    /// the job is not in a container sharing the kernel with others.
    pub fn single_use_kernel(&self) -> Option<String> {
        match &self.platform().single_use {
            SingleUse::Yes(why) if self.isolation().container.is_none() => Some(why.clone()),
            _ => None,
        }
    }

    /// The job user's home directory (`$HOME`, else from /etc/passwd).
    pub fn home(&self) -> Option<String> {
        if let Some(h) = self.host.env("HOME") {
            return Some(h.to_string());
        }
        let uid = self.host.identity()?.uid;
        self.passwd().iter().find(|(_, u, _, _)| *u == uid).map(|(_, _, _, h)| h.clone())
    }

    /// `/etc/passwd` entries: name, uid, gid, home.
    pub fn passwd(&self) -> &[(String, u32, u32, String)] {
        self.passwd.get_or_init(|| {
            let text = self.host.read_string("/etc/passwd").unwrap_or_default();
            text.lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    Some((
                        f.first()?.to_string(),
                        f.get(2)?.parse().ok()?,
                        f.get(3)?.parse().ok()?,
                        f.get(5)?.to_string(),
                    ))
                })
                .collect()
        })
    }

    /// `/etc/group` entries: name, gid.
    pub fn groups(&self) -> &[(String, u32)] {
        self.groups.get_or_init(|| {
            let text = self.host.read_string("/etc/group").unwrap_or_default();
            text.lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
                })
                .collect()
        })
    }

    /// A user's name by uid.
    pub fn user_name(&self, uid: u32) -> Option<String> {
        self.passwd().iter().find(|(_, u, _, _)| *u == uid).map(|(n, _, _, _)| n.clone())
    }

    /// Names of the groups the job user belongs to.
    pub fn group_names(&self) -> Vec<String> {
        let Some(id) = self.host.identity() else { return vec![] };
        self.groups().iter().filter(|(_, g)| id.in_group(*g)).map(|(n, _)| n.clone()).collect()
    }

    /// The job start time and how it was found.
    pub fn job_start(&self) -> Option<(SystemTime, &str)> {
        let p = self.platform();
        Some((p.job_start?, p.job_start_source.as_deref().unwrap_or("unknown")))
    }

    /// Remarks about this run for the report.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.opts.egress_targets.is_empty()
            && self.opts.metadata_target.is_none()
            && self.opts.internal_targets.is_empty()
        {
            notes.push(
                "Active network checks were not requested (--egress-target, --metadata-target, --internal-target); nothing was sent."
                    .into(),
            );
        }
        if !self.host.is_live() {
            notes.push(format!(
                "Probed the tree at {} offline: process, kernel and network controls read only what the tree holds.",
                Host::display(self.host.root())
            ));
        }
        if !self.opts.secret_scan {
            notes.push("The secret scan was turned off (--no-secret-scan).".into());
        } else if let Some(scans) = self.scans.get() {
            for (what, r) in [
                ("workspace", scans.workspace.as_ref().map(|x| &x.1)),
                ("log", scans.logs.as_ref().map(|x| &x.1)),
            ] {
                if let Some(t) = r.and_then(|r| r.truncated.as_ref()) {
                    notes.push(format!("The {what} secret scan stopped early: {t}."));
                }
            }
        }
        notes
    }
}
