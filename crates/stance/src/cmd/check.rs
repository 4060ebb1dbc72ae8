//! `stance check`: evaluate a posture report (a live probe, or `--report FILE`)
//! against the policy of a job tier. The flags shared with `stance gate` live in
//! [`CheckOptions`]; [`evaluate`] is the decision both commands make.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use stance_core::model::Tier;
use stance_core::render::Format;
use stance_core::report::Report;
use stance_policy::config::{Date, Policy};
use stance_policy::eval::Evaluation;
use stance_policy::{
    CheckError, CheckRequest, ErrorKind, JobEnv, PolicyError, RegoPolicies, ScanJobModel, TierChoice,
};

use crate::exit::{CliError, CmdResult, Exit};
use crate::io::{Channel, Io};

/// Report files larger than this are refused.
const MAX_REPORT_BYTES: u64 = 64 << 20;

/// The tier named on the command line: one of the four, or `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierArg {
    /// A named tier.
    Named(Tier),
    /// Infer it from the job's context.
    Auto,
}

fn parse_tier_arg(s: &str) -> Result<TierArg, String> {
    if s == "auto" {
        return Ok(TierArg::Auto);
    }
    s.parse::<Tier>().map(TierArg::Named).map_err(|_| {
        format!("unknown tier `{s}` (expected one of: untrusted, build, privileged, release, auto)")
    })
}

fn parse_tier(s: &str) -> Result<Tier, String> {
    s.parse::<Tier>()
        .map_err(|_| format!("unknown tier `{s}` (expected one of: untrusted, build, privileged, release)"))
}

/// The flags `stance check` and `stance gate` share: what to evaluate, against what.
#[derive(Debug, clap::Args)]
pub struct CheckOptions {
    /// The job's tier: untrusted, build, privileged, release, or auto (infer it from the CI context).
    #[arg(long, short = 't', value_name = "TIER", value_parser = parse_tier_arg, required_unless_present = "print_policy")]
    pub tier: Option<TierArg>,

    /// With --tier auto: the tier to use when the context does not decide (raised to what the evidence implies).
    #[arg(long, value_name = "TIER", value_parser = parse_tier)]
    pub fallback_tier: Option<Tier>,

    /// Evaluate this report (from `stance probe --format json`; `-` for standard input) instead of probing now.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// A policy file (TOML) layered over the built-in default: each field it sets replaces the default's.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// A Rego policy file (rules `deny`/`warn` in package `stance` or below). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub rego: Vec<PathBuf>,

    /// Every `*.rego` file below DIR (`*_test.rego` skipped). Repeatable.
    #[arg(long, value_name = "DIR")]
    pub rego_dir: Vec<PathBuf>,

    /// Also append a Markdown summary to the file named by $GITHUB_STEP_SUMMARY.
    #[arg(long)]
    pub summary: bool,

    /// Also write the evaluated report (JSON) to FILE, e.g. for `stance attest`.
    #[arg(long, value_name = "FILE")]
    pub report_out: Option<PathBuf>,

    /// Without --report, the live probe, shaped by the flags of `stance probe`.
    #[command(flatten, next_help_heading = "Live probe (without --report)")]
    pub probe: crate::cmd::probe::ProbeFlags,

    /// Print the policy in effect (the default with --policy layered over it) as TOML, and exit.
    #[arg(long)]
    pub print_policy: bool,
}

/// Flags of `stance check`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Check a posture report against the policy of a job tier: does the runner's measured \
                  posture level meet the tier's minimum, do the controls the policy requires hold, are \
                  waivers valid, do the Rego policies allow it? Prints the decision, each control that \
                  stands between the runner and the tier with how to fix it, waivers applied or expired, \
                  and Rego denials.\n\n\
                  Without --report, probes this machine first. With --tier auto, infers the tier from \
                  the CI context (GitHub Actions: event and the running workflow file; GitLab CI: CI_* \
                  variables); when that cannot decide, exits 2 unless --fallback-tier names a tier.\n\n\
                  Exit codes: 0 allowed, 3 denied, 2 usage/policy/Rego error or undecided tier, 1 runtime \
                  error. See docs/policy.md."
)]
pub struct Args {
    /// What to evaluate, against what.
    #[command(flatten)]
    pub check: CheckOptions,

    /// Output format: text, json (the policy result), markdown or github (workflow annotations).
    #[arg(long, short = 'f', default_value = "text", value_name = "FORMAT", value_parser = crate::cmd::parse_format)]
    pub format: Format,

    /// Write the result to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `stance check`.
pub fn run(args: Args, io: &mut Io) -> CmdResult {
    let Some((eval, _report)) = evaluate(&args.check, io)? else { return Ok(Exit::OK) };
    io.emit(
        args.output.as_deref(),
        Channel::Out,
        &stance_policy::render::render(&eval, args.format, "check"),
    )?;
    step_summary(&args.check, &eval, "check", io)?;
    Ok(if eval.allowed() { Exit::OK } else { Exit::POSTURE })
}

/// Loads the policy and Rego files, gets the report (file or live probe), chooses the tier and
/// evaluates. `Ok(None)` when `--print-policy` printed the policy and there is nothing to decide.
pub fn evaluate(opts: &CheckOptions, io: &mut Io) -> Result<Option<(Evaluation, Report)>, CliError> {
    evaluate_excluding(opts, &[], io)
}

/// [`evaluate`], with the named variables left out of the live probe's job environment.
pub fn evaluate_excluding(
    opts: &CheckOptions,
    exclude_env: &[String],
    io: &mut Io,
) -> Result<Option<(Evaluation, Report)>, CliError> {
    let policy = Policy::load(opts.policy.as_deref()).map_err(policy_error)?;
    if opts.print_policy {
        io.out(&policy.to_toml())?;
        return Ok(None);
    }
    let mut rego = RegoPolicies::new();
    for f in &opts.rego {
        rego.add_file(f).map_err(policy_error)?;
    }
    for d in &opts.rego_dir {
        let n = rego.add_dir(d).map_err(policy_error)?;
        if n == 0 {
            return Err(CliError::usage(format!("--rego-dir {}: no .rego files found", d.display())));
        }
    }
    let tier = match opts.tier {
        Some(TierArg::Named(t)) => {
            if opts.fallback_tier.is_some() {
                return Err(CliError::usage("--fallback-tier only applies to --tier auto"));
            }
            TierChoice::Named(t)
        }
        Some(TierArg::Auto) => TierChoice::Auto { fallback: opts.fallback_tier },
        None => {
            return Err(CliError::usage(
                "--tier is required (untrusted, build, privileged, release or auto)",
            ));
        }
    };
    let (report, source) = match &opts.report {
        Some(_) if opts.probe.any_set() => {
            return Err(CliError::usage(
                "the live-probe flags (--root, --egress-target, --job-start, …) do not apply with --report",
            ));
        }
        Some(path) => (read_report(path)?, path.display().to_string()),
        None => (opts.probe.probe_excluding(exclude_env)?, "live probe".to_string()),
    };
    if let Some(path) = &opts.report_out {
        io.emit(Some(path), Channel::Out, &stance_core::render::json(&report))?;
    }
    let env = JobEnv::from_process();
    let eval = stance_policy::check(CheckRequest {
        report: &report,
        report_source: source,
        tier,
        policy: &policy,
        rego: Some(&mut rego),
        env: &env,
        model: &ScanJobModel,
        today: Date::at(SystemTime::now()),
    })
    .map_err(|e| match e {
        CheckError::Undecided(u) => {
            let mut err = CliError::usage(u.to_string());
            err = err.hint(format!(
                "name the tier with --tier, or add --fallback-tier TIER for jobs whose context does not decide \
                 (the evidence so far implies at least `{}`)",
                u.at_least
            ));
            err
        }
        CheckError::Report(r) => CliError::usage(r.to_string()),
        CheckError::Rego(p) => policy_error(p),
    })?;
    Ok(Some((eval, report)))
}

/// Appends the Markdown rendering to $GITHUB_STEP_SUMMARY when `--summary` was given.
pub fn step_summary(opts: &CheckOptions, eval: &Evaluation, command: &str, io: &Io) -> Result<(), CliError> {
    if !opts.summary {
        return Ok(());
    }
    io.append_step_summary(&stance_policy::render::render(eval, Format::Markdown, command))
}

fn policy_error(e: PolicyError) -> CliError {
    let hint = match e.kind {
        ErrorKind::Policy => "see docs/policy.md for the policy file format",
        ErrorKind::Rego => {
            "stance reads Rego v1 (OPA 1.0 syntax: `deny contains msg if { ... }`); see docs/policy.md"
        }
        ErrorKind::Io => "check the path",
    };
    CliError::usage(e.to_string()).hint(hint)
}

fn read_report(path: &Path) -> Result<Report, CliError> {
    let shown = path.display();
    let buf = crate::io::read_input(path, MAX_REPORT_BYTES).map_err(|e| {
        if path.as_os_str() == "-" {
            CliError::usage(format!("cannot read the report from standard input: {e}"))
        } else {
            CliError::usage(format!("cannot read --report {shown}: {e}"))
        }
    })?;
    if buf.len() as u64 > MAX_REPORT_BYTES {
        return Err(CliError::usage(format!(
            "--report {shown} is larger than {} MiB",
            MAX_REPORT_BYTES >> 20
        )));
    }
    let text =
        String::from_utf8(buf).map_err(|_| CliError::usage(format!("--report {shown} is not UTF-8")))?;
    Report::from_json(&text).map_err(|e| CliError::usage(format!("--report {shown}: {e}")))
}
