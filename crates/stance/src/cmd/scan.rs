//! `stance scan`: audit CI configuration for runner-posture mistakes.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use stance_core::model::{Confidence, Severity};
use stance_core::render::{self, Format};
use stance_scan::audit::Audits;
use stance_scan::config::Config;
use stance_scan::posture::PostureEvidence;

use crate::exit::{CliError, CmdResult, Exit};
use crate::io::{Channel, Io};

/// Output formats of `stance scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// Human text with source snippets.
    Text,
    /// The report JSON (same envelope as `stance probe`, `kind: scan`).
    Json,
    /// Markdown (step summaries, merge-request notes).
    Markdown,
    /// GitHub Actions workflow commands (annotations on the files).
    Github,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitLab Code Quality JSON.
    Gitlab,
}

/// Flags of `stance scan`.
#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "What it checks: privileged jobs on weak or shared runners, self-hosted runners \
                  reachable from untrusted triggers, privileged containers, runtime sockets mounted into jobs, \
                  untrusted code run with secrets, persisted credentials, caches shared across trust levels \
                  (see docs/audits.md for every audit).\n\n\
                  Inputs: PATH may be a repository (searched for .github/workflows/*.yml, action.yml files, \
                  .gitlab-ci.yml with its local includes, and .github/actionlint.yaml for self-hosted labels) \
                  or single files. A file that cannot be analysed (invalid YAML, unreadable, not a CI file) and a \
                  directory that cannot be searched give a diagnostic and the scan goes on; a directory without any CI \
                  configuration gives a note on stderr.\n\n\
                  Configuration: stance.toml at the root of the first scanned directory, or --config FILE:\n  \
                  [repository] visibility = \"public\" | \"internal\" | \"private\"\n  \
                  [runners.\"LABEL\"] (a label, \"group:NAME\" or a GitLab tag) with ephemeral, egress-restricted, \
                  trusted-only, self-hosted = true/false\n  \
                  [scan] ignore = [{ audit = \"ID\", path = \"FILE or DIR/\", reason = \"...\" }], \
                  self-hosted-labels = [\"LABEL\", ...]\n\n\
                  Inline ignores: a comment `# stance: ignore[audit-id] reason` on the line of a finding or the \
                  line above it (several ids separated by commas). The reason is required and the ids must name \
                  audits; a comment that breaks either rule is a diagnostic and ignores nothing.\n\n\
                  Exit codes: 0 no shown finding at or above --fail-severity; 4 at least one (after \
                  --min-severity, --min-confidence and ignores); 2 usage errors (bad flags, a PATH that does not \
                  exist or cannot be read, invalid stance.toml, unreadable --posture directory); 1 runtime errors. \
                  Diagnostics (invalid or unreadable files and directories inside a scanned directory, bad inline \
                  ignores) are reported and do not change the exit code.\n\n\
                  Examples:\n  stance scan\n  stance scan --format sarif -o stance.sarif .\n  \
                  stance scan --posture reports/ --min-severity medium\n  stance scan .github/workflows/release.yml"
)]
pub struct Args {
    /// Repositories or files to scan (default: the current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ScanFormat::Text, value_name = "FORMAT")]
    pub format: ScanFormat,

    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Read the runner inventory and ignores from FILE instead of ./stance.toml of the scanned repository.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Do not read any stance.toml.
    #[arg(long)]
    pub no_config: bool,

    /// Read `stance probe --format json` reports from DIR and use the measured posture of the runners
    /// behind each label (joined on runner labels and name).
    #[arg(long, value_name = "DIR")]
    pub posture: Option<PathBuf>,

    /// Show only findings of at least this severity: info, low, medium, high, critical.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub min_severity: Severity,

    /// Show only findings of at least this confidence: low, medium, high.
    #[arg(long, value_name = "CONFIDENCE", default_value = "low", value_parser = parse_confidence)]
    pub min_confidence: Confidence,

    /// Exit with code 4 when a shown finding has at least this severity (`none` never fails).
    #[arg(long, value_name = "SEVERITY", default_value = "medium", value_parser = parse_fail)]
    pub fail_severity: FailAt,

    /// Also list informational findings in text output (same as --min-severity info).
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.to_ascii_lowercase().parse::<Severity>().map_err(|e| e.to_string())
}

fn parse_confidence(s: &str) -> Result<Confidence, String> {
    s.to_ascii_lowercase().parse::<Confidence>().map_err(|e| e.to_string())
}

/// The `--fail-severity` threshold (`none`: never fail).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailAt(pub Option<Severity>);

fn parse_fail(s: &str) -> Result<FailAt, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(FailAt(None));
    }
    s.to_ascii_lowercase().parse::<Severity>().map(|v| FailAt(Some(v))).map_err(|_| {
        // Name every accepted value, `none` included (the severity parser does not know it).
        let accepted: Vec<&str> =
            std::iter::once("none").chain(Severity::ALL.iter().map(|s| s.as_str())).collect();
        format!(
            "unknown severity `{}` (expected one of: {})",
            s.chars().take(64).collect::<String>(),
            accepted.join(", ")
        )
    })
}

/// The usage error for a PATH that cannot be scanned.
fn path_error(e: stance_scan::discover::DiscoverError) -> CliError {
    use stance_scan::discover::DiscoverError;
    let hint = match &e {
        DiscoverError::Unreadable { .. } => "run as a user who can read it, or pass other paths",
        _ => "pass a repository directory or CI files",
    };
    CliError::usage(e.to_string()).hint(hint)
}

/// Runs `stance scan`.
pub fn run(args: Args, io: &mut Io) -> CmdResult {
    let started = Instant::now();
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    // A PATH that does not exist or cannot be read at all is a usage error, before anything else
    // (discovery checks each path once; what it finds is scanned below).
    let found = stance_scan::discover::discover(&paths).map_err(path_error)?;
    // stance.toml is looked for in the directories named on the command line (discovery knows
    // which they are; files named directly need no lookup).
    let dirs: Vec<PathBuf> = found.dirs.iter().map(PathBuf::from).collect();
    let config_path =
        if args.no_config { None } else { args.config.clone().or_else(|| stance_scan::find_config(&dirs)) };
    let config =
        match &config_path {
            None => None,
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| CliError::usage(format!("cannot read config {}: {e}", p.display())))?;
                Some(Config::parse(&text, &p.display().to_string()).map_err(|e| {
                    CliError::usage(e.to_string()).hint("see `stance scan --help` for the keys")
                })?)
            }
        };
    let posture = match &args.posture {
        None => None,
        Some(dir) => Some(PostureEvidence::read_dir(dir).map_err(|e| {
            CliError::usage(e.to_string())
                .hint("--posture takes a directory of `stance probe --format json` reports")
        })?),
    };
    let min_severity = if args.verbose { Severity::Info } else { args.min_severity };
    let opts = stance_scan::Options {
        config,
        posture,
        min_severity: Some(min_severity),
        min_confidence: Some(args.min_confidence),
        threads: args.threads,
        ..stance_scan::Options::default()
    };
    let mut outcome = stance_scan::scan_discovered(found, &opts);
    if let Some(note) = &outcome.nothing_found {
        io.err(&format!("note: {note}"));
        // Text on the terminal would show it twice; the JSON/SARIF report and -o files keep it.
        if args.format == ScanFormat::Text && args.output.is_none() {
            outcome.notes.retain(|n| n != note);
        }
    }
    let fails = args.fail_severity.0.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t));
    let generated_at = stance_core::time::format_rfc3339(SystemTime::now());
    let mut report = stance_scan::report(outcome, generated_at, started.elapsed().as_millis() as u64);
    if let Some(p) = &config_path {
        report.notes.insert(0, format!("configuration: {}", p.display()));
    }
    let color = args.output.is_none() && io.color_stdout() && args.format == ScanFormat::Text;
    let ropts = render::Options { verbose: args.verbose, color, rules: &Audits };
    let text = match args.format {
        ScanFormat::Text => render::render(&report, Format::Text, &ropts),
        ScanFormat::Json => render::render(&report, Format::Json, &ropts),
        ScanFormat::Markdown => render::render(&report, Format::Markdown, &ropts),
        ScanFormat::Github => render::render(&report, Format::Github, &ropts),
        ScanFormat::Sarif => stance_scan::render::sarif::render(&report),
        ScanFormat::Gitlab => stance_scan::render::gitlab::render(&report),
    };
    io.emit(args.output.as_deref(), Channel::Out, &text)?;
    Ok(if fails { Exit::FINDINGS } else { Exit::OK })
}
