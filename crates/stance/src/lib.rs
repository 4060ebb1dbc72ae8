//! The `stance` command line: argument parsing, wiring and exit codes. No posture
//! logic lives here; every command calls into the library crates.

pub mod cmd;
pub mod docs;
pub mod exit;
pub mod io;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::exit::{CliError, Exit};
use crate::io::{ColorChoice, Io};

/// Measure, prove and enforce the security posture of CI/CD runners.
#[derive(Debug, Parser)]
#[command(
    name = "stance",
    version,
    propagate_version = true,
    disable_help_subcommand = true,
    after_help = "Exit codes: 0 success, 1 runtime error, 2 usage error, 3 posture/policy not met, \
                  4 scan findings, 5 attestation rejected. See docs/cli.md."
)]
pub struct Cli {
    /// When to colour text output: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of stance. (`about` is given per variant so that each command's own
/// `long_about` still shows in its `--help`.)
#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(about = "Measure the posture of the machine this job runs on and print a report")]
    Probe(cmd::probe::Args),
    #[command(about = "List the control catalog")]
    Controls(cmd::controls::Args),
    #[command(about = "Audit CI configuration for runner-posture mistakes")]
    Scan(cmd::scan::Args),
    #[command(about = "Check a posture report against the policy for a job tier")]
    Check(cmd::check::Args),
    #[command(about = "Run a command only when the runner's posture meets the policy for a tier")]
    Gate(cmd::gate::Args),
    #[command(about = "Generate and inspect signing keys for attestations")]
    Key(cmd::key::Args),
    #[command(about = "Sign a posture report as an in-toto attestation in a DSSE envelope")]
    Attest(cmd::attest::Args),
    #[command(about = "Verify a posture attestation")]
    Verify(cmd::verify::Args),
}

/// Parses the command line, runs the command and maps the result to an exit code.
pub fn run() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_error(e),
    };
    let mut io = Io::from_env(cli.color);
    let result = match cli.command {
        Command::Probe(a) => cmd::probe::run(a, &mut io),
        Command::Controls(a) => cmd::controls::run(a, &mut io),
        Command::Scan(a) => cmd::scan::run(a, &mut io),
        Command::Check(a) => cmd::check::run(a, &mut io),
        Command::Gate(a) => cmd::gate::run(a, &mut io),
        Command::Key(a) => cmd::key::run(a, &mut io),
        Command::Attest(a) => cmd::attest::run(a, &mut io),
        Command::Verify(a) => cmd::verify::run(a, &mut io),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            io.err(&format!("stance: error: {}", e.message));
            if let Some(hint) = &e.hint {
                io.err(&format!("hint: {hint}"));
            }
            e.exit.into()
        }
    }
}

/// Prints a clap error as one line (help and version go to stdout as usual): clap's message,
/// the missing arguments it lists, the accepted values and its suggestion, then where to look.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            Exit::USAGE.into()
        }
        _ => {
            let message = one_line(&e.render().to_string());
            let err = CliError::usage(format!("{message} (see `{} --help`)", command_path()));
            // Scrub even usage errors: an argument may carry a secret value.
            let io = Io::from_env(ColorChoice::Never);
            io.err(&format!("stance: error: {}", err.message));
            err.exit.into()
        }
    }
}

/// Folds clap's multi-line error into one line.
fn one_line(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut in_list = false;
    for line in rendered.lines() {
        let t = line.trim();
        if t.starts_with("Usage:") || t.starts_with("For more information") {
            break;
        }
        if let Some(msg) = t.strip_prefix("error:") {
            parts.push(msg.trim().trim_end_matches(':').to_string());
            in_list = msg.trim_end().ends_with(':');
            continue;
        }
        if t.is_empty() {
            in_list = false;
            continue;
        }
        if let Some(tip) = t.strip_prefix("tip:") {
            parts.push(tip.trim().to_string());
        } else if t.starts_with("[possible values:") {
            parts.push(t.trim_matches(['[', ']']).to_string());
        } else if in_list && let Some(last) = parts.last_mut() {
            let sep = if last.ends_with("provided") { ": " } else { ", " };
            last.push_str(sep);
            last.push_str(t);
        }
    }
    if parts.is_empty() {
        return rendered.lines().next().unwrap_or("invalid arguments").to_string();
    }
    parts.join("; ")
}

/// `stance` and the subcommands named on the command line (`stance key generate`).
fn command_path() -> String {
    let mut cmd = Cli::command();
    let mut path = String::from("stance");
    for arg in std::env::args().skip(1) {
        if arg == "--" {
            break;
        }
        let Some(sub) = cmd.find_subcommand(&arg).cloned() else { continue };
        path.push(' ');
        path.push_str(sub.get_name());
        cmd = sub;
    }
    path
}
