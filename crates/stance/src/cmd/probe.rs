//! `stance probe`: measure the machine this job runs on and print a posture report.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use stance_core::catalog::Catalog;
use stance_core::model::Level;
use stance_core::render::{self, Format};
use stance_probe::{Host, ProbeOptions};

use crate::exit::{CliError, CmdResult, Exit};
use crate::io::Io;

/// Flags of `stance probe`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Measure the security posture of the machine this job runs on: evaluate every control of the \
                  catalog (see `stance controls`) and print a report with the posture level L0-L3.\n\n\
                  The probe only reads: no package-manager calls, no writes except the report, no network \
                  traffic unless an active check is requested with --egress-target, --metadata-target or \
                  --internal-target."
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

    /// Probe the file tree at DIR (a mounted image or chroot) offline instead of the live machine.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Active check: try to connect to HOST:PORT, which the egress policy should block. Repeatable.
    #[arg(long, value_name = "HOST:PORT")]
    pub egress_target: Vec<String>,

    /// Active check: try the cloud metadata service at ADDR (port 80 unless given).
    #[arg(long, value_name = "ADDR")]
    pub metadata_target: Option<String>,

    /// Active check: try to connect to the internal service HOST:PORT, which should be unreachable. Repeatable.
    #[arg(long, value_name = "HOST:PORT")]
    pub internal_target: Vec<String>,

    /// Timeout of each active connection attempt, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1500, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub connect_timeout: u64,

    /// Do not scan the workspace and runner logs for secrets.
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

    /// A label of this runner, recorded in the report for `stance scan --posture`. Repeatable.
    #[arg(long, value_name = "LABEL")]
    pub runner_label: Vec<String>,

    /// When the job started: RFC 3339, Unix seconds, or `now` (default: the runner worker's start).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub job_start: Option<SystemTime>,
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
    let host = match &args.root {
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
            Host::rooted(root.clone(), Default::default(), SystemTime::now())
        }
        None => Host::live(),
    };
    for t in args.egress_target.iter().chain(&args.internal_target) {
        if !t.contains(':') {
            return Err(CliError::usage(format!("active check target `{t}` needs a port (HOST:PORT)")));
        }
    }
    let opts = ProbeOptions {
        egress_targets: args.egress_target.clone(),
        metadata_target: args.metadata_target.clone(),
        internal_targets: args.internal_target.clone(),
        connect_timeout: Duration::from_millis(args.connect_timeout),
        secret_scan: !args.no_secret_scan,
        scan_budget: Duration::from_secs(args.scan_budget),
        scan_max_bytes: args.scan_max_mib << 20,
        workspace: args.workspace.clone(),
        runner_dir: args.runner_dir.clone(),
        job_start: args.job_start,
        runner_labels: args.runner_label.clone(),
        ..ProbeOptions::default()
    };
    let report = stance_probe::probe(&host, &opts);
    let opts_render = render::Options {
        verbose: args.verbose,
        color: args.output.is_none() && io.color_stdout(),
        rules: &Catalog,
    };
    let text = render::render(&report, args.format, &opts_render);
    let text = scrub_patterns(io, &text);
    match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .map_err(|e| CliError::runtime(format!("cannot write {}: {e}", path.display())))?,
        None => io.out(&text)?,
    }
    if args.summary {
        match std::env::var_os("GITHUB_STEP_SUMMARY") {
            Some(path) => {
                let md = render::render(
                    &report,
                    Format::Markdown,
                    &render::Options { verbose: false, color: false, rules: &Catalog },
                );
                let md = scrub_patterns(io, &md);
                std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&path)
                    .and_then(|mut f| f.write_all(md.as_bytes()))
                    .map_err(|e| CliError::runtime(format!("cannot append to $GITHUB_STEP_SUMMARY: {e}")))?;
            }
            None => io
                .err("stance: note: --summary given but $GITHUB_STEP_SUMMARY is not set; no summary written"),
        }
    }
    if let (Some(min), Some(p)) = (args.min_level, &report.posture)
        && p.level < min
    {
        io.err(&format!("stance: posture level {} is below the required {min}", p.level));
        return Ok(Exit::POSTURE);
    }
    Ok(Exit::OK)
}

/// Scrubs known values, then anything shaped like a secret.
fn scrub_patterns(io: &Io, text: &str) -> String {
    io.scrub(text).into_owned()
}
