//! `stance gate [check flags] -- CMD ARGS...`: run CMD only when the runner's
//! posture meets the policy of the job's tier.
//!
//! The decision is `stance check`'s ([`check::evaluate`]). Denied: the reasons go
//! to standard error, the exit status is 3 and CMD is never started. Allowed: CMD
//! runs with this process's standard streams and environment, SIGHUP, SIGINT,
//! SIGQUIT and SIGTERM are forwarded to it, and its exit status becomes the gate's
//! (128 + N when signal N ended it; 127 when CMD is not found, 126 when it cannot be
//! executed).

use std::ffi::OsString;
use std::path::PathBuf;

use stance_core::render::Format;
use stance_core::report::Report;
use stance_policy::eval::Evaluation;

use crate::cmd::check::{self, CheckOptions};
use crate::exit::{CliError, CmdResult, Exit};
use crate::io::{Channel, Io};

/// Flags of `stance gate`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Run CMD (a signing or publishing step) only when the runner's posture meets the policy \
                  of the job's tier; usable as a prefix in a workflow step: \
                  `stance gate --tier release -- cosign sign ...`.\n\n\
                  The decision is the one `stance check` makes with the same flags. When it is denied, \
                  the reasons go to standard error, CMD is never started and the exit status is 3. When \
                  it is allowed, CMD runs with the same standard streams and environment; SIGHUP, SIGINT, \
                  SIGQUIT and SIGTERM are forwarded to it; the exit status is CMD's own, 128+N when signal \
                  N ended it, 127 when CMD is not found and 126 when it cannot be executed. Errors before \
                  CMD starts exit 2 (usage, policy, Rego, undecided tier) or 1 (runtime)."
)]
pub struct Args {
    /// What to evaluate, against what (the flags of `stance check`).
    #[command(flatten)]
    pub check: CheckOptions,

    /// Format of the decision, written to standard error: text, json, markdown or github.
    #[arg(long, short = 'f', default_value = "text", value_name = "FORMAT", value_parser = crate::cmd::parse_format)]
    pub format: Format,

    /// Write the decision to FILE instead of standard error.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When the gate allows CMD, first sign the evaluated report, tier and decision as an
    /// attestation and write it to FILE (`.intoto.jsonl`); nothing is written when it denies.
    #[arg(long, value_name = "FILE", requires = "key_source")]
    pub attest_out: Option<PathBuf>,

    /// With --attest-out: the private signing key file (PKCS#8 PEM, mode 0600).
    #[arg(
        long,
        value_name = "FILE",
        group = "key_source",
        conflicts_with = "key_env",
        requires = "attest_out"
    )]
    pub key: Option<PathBuf>,

    /// With --attest-out: an environment variable holding the private key PEM (removed from the
    /// environment of CMD, and not counted as a secret of the job by the probe).
    #[arg(long, value_name = "VAR", group = "key_source", requires = "attest_out")]
    pub key_env: Option<String>,

    /// With --attest-out: an artifact to bind by its digests (repeatable); without, the report is the subject.
    #[arg(long, value_name = "FILE", requires = "attest_out")]
    pub subject: Vec<PathBuf>,

    /// The command to run and its arguments, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// Runs `stance gate`.
pub fn run(args: Args, io: &mut Io) -> CmdResult {
    // The signing key is loaded before anything is decided: a key problem is a usage error,
    // never a half-done gate.
    let key = match &args.attest_out {
        Some(_) => Some(crate::cmd::key::load_signing_key(args.key.as_deref(), args.key_env.as_deref())?),
        None => None,
    };
    // The signing key is stance's own input, not the job's: the probe does not count it as a
    // secret in the job environment, and the gated command does not get it.
    let own: Vec<String> = args.key_env.iter().cloned().collect();
    // A missing CMD is a usage error before anything is probed (only --print-policy needs none).
    if args.command.is_empty() && !args.check.print_policy {
        return Err(CliError::usage(
            "no command to run: put it after `--` (stance gate --tier T -- CMD ARGS...)",
        ));
    }
    let Some((eval, report)) = check::evaluate_excluding(&args.check, &own, io)? else { return Ok(Exit::OK) };
    let Some((program, rest)) = args.command.split_first() else {
        return Err(CliError::usage("no command to run"));
    };
    let shown = program.to_string_lossy().into_owned();
    check::step_summary(&args.check, &eval, "gate", io)?;
    // Signed before the decision is announced: if signing fails, CMD does not run and the
    // output never claims it does.
    if eval.allowed()
        && let (Some(path), Some(key)) = (&args.attest_out, &key)
    {
        attest(path, key, &args.subject, &eval, &report, io)?;
    }
    // Allowed and text: one line; denied, or another format: the whole decision.
    let decision = if eval.allowed() && args.format == Format::Text {
        format!("stance gate: {}; running `{shown}`\n", stance_policy::render::headline(&eval))
    } else {
        stance_policy::render::render(&eval, args.format, "gate")
    };
    io.emit(args.output.as_deref(), Channel::Err, &decision)?;
    if !eval.allowed() {
        io.err(&format!(
            "stance gate: refusing to run `{shown}`: the posture does not meet the policy of tier {}",
            eval.tier
        ));
        return Ok(Exit::POSTURE);
    }
    match stance_policy::exec::run(program, rest, &own) {
        Ok(code) => Ok(Exit(code)),
        Err(e) => Err(CliError::with_exit(Exit(e.exit_code()), e.to_string())),
    }
}

/// Signs the evaluated report after an allowed decision, before CMD starts; an error here
/// keeps CMD from running.
fn attest(
    path: &std::path::Path,
    key: &stance_attest::SigningKey,
    subjects: &[PathBuf],
    eval: &Evaluation,
    report: &Report,
    io: &mut Io,
) -> Result<(), CliError> {
    let value = serde_json::to_value(report)
        .map_err(|e| CliError::runtime(format!("cannot serialise the report: {e}")))?;
    let subjects = crate::cmd::attest::subject_digests(subjects)?;
    let policy = crate::cmd::attest::policy_result(eval);
    let (line, _, _) = crate::cmd::attest::sign(value, Some(eval.tier), Some(policy), subjects, key, io)?;
    std::fs::write(path, line.as_bytes())
        .map_err(|e| CliError::runtime(format!("cannot write {}: {e}", path.display())))?;
    io.err(&format!("stance gate: attestation written to {} (key id {})", path.display(), key.key_id()));
    Ok(())
}
