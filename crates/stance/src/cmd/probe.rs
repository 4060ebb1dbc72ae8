//! `stance probe`: measure the machine this job runs on and print a posture report.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use stance_core::catalog::Catalog;
use stance_core::model::Level;
use stance_core::render::{self, Format};
use stance_probe::{Host, ProbeOptions};

use crate::exit::{CliError, CmdResult, Exit};
use crate::io::{Channel, Io};

/// Flags of `stance probe`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Measure the security posture of the machine this job runs on: evaluate every control of the \
                  catalog (see `stance controls`) and print a report with the posture level L0-L3.\n\n\
                  The probe only reads: no package-manager calls, no writes except the report, no network \
                  traffic unless an active check is requested with --egress-target, --metadata-target or \
                  --internal-target.\n\n\
                  Exit codes: 0 done, 3 posture below --min-level, 2 usage error (bad flags, unusable --root), \
                  1 runtime error. See docs/controls.md for every control."
)]
pub struct Args {
    /// Output format: text, json, markdown or github (workflow annotations).
    #[arg(long, short = 'f', default_value = "text", value_name = "FORMAT", value_parser = crate::cmd::parse_format)]
    pub format: Format,

    /// Also list passing and not-applicable controls (text and markdown).
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also append a Markdown summary to the file named by $GITHUB_STEP_SUMMARY.
    #[arg(long)]
    pub summary: bool,

    /// Exit with code 3 when the posture level is below LEVEL (L0, L1, L2 or L3).
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub min_level: Option<Level>,

    /// What to probe and how.
    #[command(flatten)]
    pub probe: ProbeFlags,
}

/// The flags that shape a live probe, shared by `probe`, `check`, `gate` and `attest`.
#[derive(Debug, clap::Args)]
pub struct ProbeFlags {
    /// Probe the file tree at DIR (a mounted image or chroot) offline instead of the live machine.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Active check: try to connect to HOST:PORT, which the egress policy should block. Repeatable.
    /// Host names are resolved with the system resolver.
    #[arg(long, value_name = "HOST:PORT")]
    pub egress_target: Vec<String>,

    /// Active check: try the cloud metadata service at ADDR, an IP address with an optional port
    /// (80 unless given); sends one unauthenticated HTTP GET /latest/meta-data/.
    #[arg(long, value_name = "ADDR")]
    pub metadata_target: Option<String>,

    /// Active check: try to connect to the internal service HOST:PORT, which should be unreachable. Repeatable.
    #[arg(long, value_name = "HOST:PORT")]
    pub internal_target: Vec<String>,

    /// Timeout of each active connection attempt, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1500, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub connect_timeout: u64,

    /// Do not scan the workspace, runner logs and temp directories for secrets.
    #[arg(long)]
    pub no_secret_scan: bool,

    /// Time budget of the secret scan, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub scan_budget: u64,

    /// Byte budget of the secret scan, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub scan_max_mib: u64,

    /// The job's workspace (default: the CI platform's, e.g. $GITHUB_WORKSPACE).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<String>,

    /// The runner agent's installation directory (default: found from the process tree and environment).
    #[arg(long, value_name = "DIR")]
    pub runner_dir: Option<String>,

    /// A label of this runner, recorded in the report (for `stance scan --posture` and waivers). Repeatable.
    #[arg(long, value_name = "LABEL")]
    pub runner_label: Vec<String>,

    /// When the job started: RFC 3339, Unix seconds, or `now` (default: the runner worker's start).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub job_start: Option<SystemTime>,

    /// Overall time budget of the probe, in seconds: controls still undecided then are reported unknown.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

impl ProbeFlags {
    /// Whether any flag differs from its default (for commands where a probe flag makes no sense).
    pub fn any_set(&self) -> bool {
        self.root.is_some()
            || !self.egress_target.is_empty()
            || self.metadata_target.is_some()
            || !self.internal_target.is_empty()
            || self.no_secret_scan
            || self.workspace.is_some()
            || self.runner_dir.is_some()
            || !self.runner_label.is_empty()
            || self.job_start.is_some()
    }

    /// Validates the flags and runs the probe.
    pub fn probe(&self) -> Result<stance_core::Report, CliError> {
        self.probe_excluding(&[])
    }

    /// Like [`ProbeFlags::probe`], with the named variables left out of the job environment
    /// the probe examines (stance's own inputs, such as a signing key).
    pub fn probe_excluding(&self, exclude_env: &[String]) -> Result<stance_core::Report, CliError> {
        let host = match &self.root {
            Some(root) => {
                let md = std::fs::metadata(root)
                    .map_err(|e| CliError::usage(format!("cannot use --root {}: {e}", root.display())))?;
                if !md.is_dir() {
                    return Err(CliError::usage(format!(
                        "cannot use --root {}: not a directory",
                        root.display()
                    )));
                }
                std::fs::read_dir(root)
                    .map_err(|e| CliError::usage(format!("cannot read --root {}: {e}", root.display())))?;
                Host::offline(root.clone(), SystemTime::now())
            }
            None => Host::live_excluding(exclude_env),
        };
        for (flag, t) in self
            .egress_target
            .iter()
            .map(|t| ("--egress-target", t))
            .chain(self.internal_target.iter().map(|t| ("--internal-target", t)))
        {
            check_host_port(flag, t)?;
        }
        if let Some(m) = &self.metadata_target {
            check_metadata_target(m)?;
        }
        if let Some(t) = self.job_start
            && t > SystemTime::now() + Duration::from_secs(300)
        {
            return Err(CliError::usage("--job-start is in the future"));
        }
        let opts = ProbeOptions {
            egress_targets: self.egress_target.clone(),
            metadata_target: self.metadata_target.clone(),
            internal_targets: self.internal_target.clone(),
            connect_timeout: Duration::from_millis(self.connect_timeout),
            secret_scan: !self.no_secret_scan,
            scan_budget: Duration::from_secs(self.scan_budget),
            scan_max_bytes: self.scan_max_mib << 20,
            workspace: self.workspace.clone(),
            runner_dir: self.runner_dir.clone(),
            job_start: self.job_start,
            runner_labels: self.runner_label.clone(),
            ..ProbeOptions::default()
        };
        Ok(stance_probe::probe_within(host, opts, Duration::from_secs(self.timeout)))
    }
}

/// `HOST:PORT` with a port from 1 to 65535 (host names allowed: the user named them).
fn check_host_port(flag: &str, t: &str) -> Result<(), CliError> {
    let port = t.rsplit_once(':').map(|(_, p)| p);
    match port.and_then(|p| p.parse::<u16>().ok()) {
        Some(p) if p > 0 && !t.starts_with(':') => Ok(()),
        _ => Err(CliError::usage(format!("{flag} `{t}` is not HOST:PORT with a port from 1 to 65535"))),
    }
}

/// An IP address with an optional port: metadata services live at fixed addresses, and a host
/// name here would send a DNS query for whatever was typed.
fn check_metadata_target(m: &str) -> Result<(), CliError> {
    let ok = m.parse::<std::net::IpAddr>().is_ok()
        || m.trim_start_matches('[').trim_end_matches(']').parse::<std::net::Ipv6Addr>().is_ok()
        || m.parse::<std::net::SocketAddr>().is_ok_and(|a| a.port() > 0);
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!("--metadata-target `{m}` is not an IP address (with an optional port)")))
    }
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.to_ascii_uppercase().parse::<Level>().map_err(|e| e.to_string())
}

fn parse_time(s: &str) -> Result<SystemTime, String> {
    if s == "now" {
        return Ok(SystemTime::now());
    }
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(stance_core::time::from_unix_seconds(secs));
    }
    stance_core::time::parse_rfc3339(s).map_err(|e| e.to_string())
}

/// Runs `stance probe`.
pub fn run(args: Args, io: &mut Io) -> CmdResult {
    let report = args.probe.probe()?;
    let opts_render = render::Options {
        verbose: args.verbose,
        color: args.output.is_none() && io.color_stdout(),
        rules: &Catalog,
    };
    let text = render::render(&report, args.format, &opts_render);
    io.emit(args.output.as_deref(), Channel::Out, &text)?;
    if args.summary {
        let plain = render::Options { verbose: false, color: false, rules: &Catalog };
        io.append_step_summary(&render::render(&report, Format::Markdown, &plain))?;
    }
    if let (Some(min), Some(p)) = (args.min_level, &report.posture)
        && p.level < min
    {
        io.err(&format!("stance: posture level {} is below the required {min}", p.level));
        return Ok(Exit::POSTURE);
    }
    Ok(Exit::OK)
}
