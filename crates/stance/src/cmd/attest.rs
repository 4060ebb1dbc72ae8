//! `stance attest`: sign a posture report as an in-toto Statement v1 in a DSSE envelope.

use std::path::{Path, PathBuf};

use stance_attest::{ArtifactDigest, AttestError, AttestRequest, Decision, PolicyResult, Tier, bundle};
use stance_policy::eval::Evaluation;

use crate::cmd::key::load_signing_key;
use crate::exit::{CliError, CmdResult, Exit};
use crate::io::Io;

/// Largest report read (a larger one could not fit the 16 MiB envelope anyway).
const MAX_REPORT_BYTES: u64 = 16 * 1024 * 1024;

/// Flags of `stance attest`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 attestation written, 2 usage error (bad key or key file readable by others, \
                     unreadable or edited report), 1 runtime error. See docs/attestation.md."
)]
pub struct Args {
    /// The posture report to attest (`stance probe --format json` output); `-` reads stdin.
    /// Without it, stance probes this machine now (secret scan included) and attests that.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The private signing key file (PKCS#8 PEM, mode 0600).
    #[arg(long, value_name = "FILE", conflicts_with = "key_env")]
    pub key: Option<PathBuf>,
    /// An environment variable holding the private key PEM (for CI secrets).
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
    /// The job tier; records it and the policy's decision for it (the default policy unless --policy).
    #[arg(long, value_name = "TIER", value_parser = parse_tier)]
    pub tier: Option<Tier>,
    /// A policy file (TOML) layered over the default, for the decision recorded with --tier.
    #[arg(long, value_name = "FILE", requires = "tier")]
    pub policy: Option<PathBuf>,
    /// An artifact to bind by its sha256 and sha512 digests (repeatable). Without any, the report itself is the subject.
    #[arg(long, value_name = "FILE")]
    pub subject: Vec<PathBuf>,
    /// Write the envelope as one `.intoto.jsonl` line to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a Sigstore bundle (v0.3, public-key hint = key id) to FILE.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,

    /// Without --report: what to probe and how (the flags of `stance probe`).
    #[command(flatten)]
    pub probe: crate::cmd::probe::ProbeFlags,
}

/// Parses a tier name.
pub fn parse_tier(s: &str) -> Result<Tier, String> {
    s.parse().map_err(|e: stance_core::model::UnknownValue| e.to_string())
}

/// Runs `stance attest`.
pub fn run(args: Args, io: &mut Io) -> CmdResult {
    let key = load_signing_key(args.key.as_deref(), args.key_env.as_deref())?;
    let report = match &args.report {
        Some(_) if args.probe.any_set() => {
            return Err(CliError::usage(
                "probe flags apply only without --report (stance attests the live probe)",
            ));
        }
        Some(path) => read_report(path)?,
        None => {
            // The signing key is stance's own input, not a secret of the job.
            let own: Vec<String> = args.key_env.iter().cloned().collect();
            let report = args.probe.probe_excluding(&own)?;
            serde_json::to_value(&report)
                .map_err(|e| CliError::runtime(format!("cannot serialise the report: {e}")))?
        }
    };

    let policy = match args.tier {
        Some(tier) => Some(evaluate_tier(&report, tier, args.policy.as_deref())?),
        None => None,
    };
    let subjects = subject_digests(&args.subject)?;
    let (line, envelope, policy) = sign(report, args.tier, policy, subjects, &key, io)?;
    match &args.output {
        Some(path) => write_file(path, &line)?,
        // Signed bytes are written as they are: scrubbing could only break the signature, and
        // `sign` refused a report with anything secret-shaped in it.
        None => io.out_raw(&line)?,
    }
    let req_policy = policy;
    if let Some(path) = &args.bundle {
        write_file(path, &format!("{}\n", bundle::to_bundle(&envelope, key.key_id())))?;
    }
    if let Some(p) = &req_policy
        && p.decision == Decision::Deny
    {
        io.err(&format!(
            "stance: note: attested a posture that the policy denies for tier {}: {}",
            p.tier,
            p.reasons.join("; ")
        ));
    }
    if let Some(path) = &args.output {
        io.err(&format!("stance: attestation written to {} (key id {})", path.display(), key.key_id()));
    }
    Ok(Exit::OK)
}

/// Digests of the artifacts to bind.
pub fn subject_digests(paths: &[PathBuf]) -> Result<Vec<ArtifactDigest>, CliError> {
    paths
        .iter()
        .map(|p| ArtifactDigest::of_file(p).map_err(|e| CliError::usage(format!("{}: {e}", p.display()))))
        .collect()
}

/// The attestation's record of a policy evaluation.
pub fn policy_result(eval: &Evaluation) -> PolicyResult {
    PolicyResult {
        decision: if eval.allowed() { Decision::Allow } else { Decision::Deny },
        tier: eval.tier,
        required_level: eval.required_level,
        reasons: if eval.reasons.is_empty() {
            vec![stance_policy::render::headline(eval)]
        } else {
            eval.reasons.clone()
        },
    }
}

/// Evaluates `report` for a named tier with the default policy, or `policy` layered over it.
fn evaluate_tier(
    report: &serde_json::Value,
    tier: Tier,
    policy: Option<&Path>,
) -> Result<PolicyResult, CliError> {
    let typed: stance_core::Report = serde_json::from_value(report.clone())
        .map_err(|e| CliError::usage(format!("--tier needs a stance probe report: {e}")))?;
    let policy = stance_policy::Policy::load(policy).map_err(|e| CliError::usage(e.to_string()))?;
    let env = stance_policy::JobEnv::from_process();
    let eval = stance_policy::check(stance_policy::CheckRequest {
        report: &typed,
        report_source: "attested report".into(),
        tier: stance_policy::TierChoice::Named(tier),
        policy: &policy,
        rego: None,
        env: &env,
        model: &stance_policy::infer::NoJobModel,
        today: stance_policy::Date::at(std::time::SystemTime::now()),
    })
    .map_err(|e| CliError::usage(e.to_string()))?;
    Ok(policy_result(&eval))
}

/// Signs `report` (with tier, policy result and subjects) and returns the `.intoto.jsonl` line.
pub fn sign(
    report: serde_json::Value,
    tier: Option<Tier>,
    policy: Option<PolicyResult>,
    subjects: Vec<ArtifactDigest>,
    key: &stance_attest::SigningKey,
    io: &Io,
) -> Result<(String, stance_attest::Envelope, Option<PolicyResult>), CliError> {
    check_level_matches_findings(&report)?;
    // Every other output is scrubbed as it is written; an envelope cannot be (its payload is
    // base64 and its signature covers it), so what would be scrubbed is refused before signing.
    if let std::borrow::Cow::Owned(_) = io.scrub(&report.to_string()) {
        return Err(CliError::usage(
            "the report holds a secret value or text shaped like a token; it is not signed",
        )
        .hint("attest a report exactly as `stance probe --format json` wrote it"));
    }
    let mut req = AttestRequest::new(report);
    req.tier = tier;
    req.policy = policy;
    req.subjects = subjects;
    let envelope = req.sign(&[key]).map_err(attest_error)?;
    Ok((format!("{}\n", envelope.to_json()), envelope, req.policy))
}

/// Refuses a stance probe report whose stated level is not the one its findings give: the
/// attestation would otherwise prove a level the evidence does not support.
fn check_level_matches_findings(report: &serde_json::Value) -> Result<(), CliError> {
    let Ok(typed) = serde_json::from_value::<stance_core::Report>(report.clone()) else { return Ok(()) };
    let Some(stated) = typed.posture.as_ref().map(|p| p.level) else { return Ok(()) };
    let computed = stance_core::report::Posture::compute(&typed.findings).level;
    if stated != computed {
        return Err(CliError::usage(format!(
            "the report states posture level {stated} but its findings give {computed}; it was edited or is corrupt"
        ))
        .hint("attest a report exactly as `stance probe --format json` wrote it"));
    }
    Ok(())
}

fn attest_error(e: AttestError) -> CliError {
    match e {
        AttestError::NoLevel | AttestError::ReportNotObject | AttestError::BadReportLevel(_) => {
            CliError::usage(e.to_string()).hint("pass the JSON report of `stance probe --format json`")
        }
        _ => CliError::usage(e.to_string()),
    }
}

fn read_report(path: &Path) -> Result<serde_json::Value, CliError> {
    let what = path.display().to_string();
    let buf =
        crate::io::read_input(path, MAX_REPORT_BYTES).map_err(|e| CliError::usage(format!("{what}: {e}")))?;
    if buf.len() as u64 > MAX_REPORT_BYTES {
        return Err(CliError::usage(format!("{what}: larger than {MAX_REPORT_BYTES} bytes")));
    }
    let value: serde_json::Value = stance_attest::strict_json::parse(&buf)
        .map_err(|e| CliError::usage(format!("{what}: not a JSON report: {e}")))?;
    if !value.is_object() {
        return Err(CliError::usage(format!("{what}: the report is not a JSON object")));
    }
    Ok(value)
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|e| CliError::runtime(format!("{}: {e}", path.display())))
}
