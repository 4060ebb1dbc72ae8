//! `stance verify`: check a posture attestation; every rejection names its reason.

use std::path::{Path, PathBuf};

use stance_attest::{ArtifactDigest, MAX_ENVELOPE_BYTES, PublicKey, Tier, VerifyOptions, time, verify};

use crate::cmd::attest::parse_tier;
use crate::cmd::key::key_error;
use crate::exit::{CliError, CmdResult, Exit};
use crate::io::Io;

/// Flags of `stance verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 verified, 5 rejected (the message ends with the rejection code), 2 usage \
                     error (bad flags, unreadable file or key), 1 runtime error. See docs/attestation.md."
)]
pub struct Args {
    /// The attestation: a DSSE envelope, `.intoto.jsonl` lines or a Sigstore bundle; `-` reads stdin.
    #[arg(value_name = "ENVELOPE")]
    pub envelope: PathBuf,
    /// A trusted public key (PEM or JWK), repeatable.
    #[arg(long, value_name = "PUB", required = true)]
    pub key: Vec<PathBuf>,
    /// How many distinct trusted keys must have signed.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threshold: usize,
    /// Reject attestations (and reports) older than this: 3600, 90s, 15m, 24h, 7d.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_age: Option<u64>,
    /// Allowed clock skew for timestamps in the future.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "120s")]
    pub max_skew: u64,
    /// An artifact that must match a subject's digests (repeatable).
    #[arg(long, value_name = "FILE")]
    pub subject: Vec<PathBuf>,
    /// Require the attested posture to meet the policy for this job tier (the default policy:
    /// untrusted L2, build L1, privileged L2, release L3, unless --policy).
    #[arg(long, value_name = "TIER", value_parser = parse_tier)]
    pub tier: Option<Tier>,
    /// With --tier: a policy file (TOML) layered over the default; the attested report is
    /// evaluated against it (levels, required controls, waivers) and must be allowed.
    #[arg(long, value_name = "FILE", requires = "tier")]
    pub policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = VerifyFormat::Text)]
    pub format: VerifyFormat,
}

/// Output format of `stance verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// Lines for people.
    Text,
    /// One JSON object with `verified`, and either the checks or the rejection code.
    Json,
}

fn parse_duration(s: &str) -> Result<u64, String> {
    time::parse_duration(s)
}

/// Runs `stance verify`.
pub fn run(args: Args, io: &mut Io) -> CmdResult {
    // Loaded before the envelope is read, so a policy error is a usage error (exit 2).
    let policy = match &args.policy {
        Some(p) => Some(stance_policy::Policy::load(Some(p)).map_err(|e| CliError::usage(e.to_string()))?),
        None => None,
    };
    if args.threshold == 0 {
        return Err(CliError::usage("--threshold must be at least 1"));
    }
    if args.threshold > args.key.len() {
        return Err(CliError::usage(format!(
            "--threshold {} needs at least {} --key (got {})",
            args.threshold,
            args.threshold,
            args.key.len()
        )));
    }
    let mut keys = Vec::with_capacity(args.key.len());
    for path in &args.key {
        keys.push(PublicKey::read_file(path).map_err(|e| {
            let mut c = key_error(e);
            c.message = format!("--key {}", c.message);
            c
        })?);
    }
    let mut subjects = Vec::with_capacity(args.subject.len());
    for path in &args.subject {
        subjects.push(
            ArtifactDigest::of_file(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?,
        );
    }
    let input = read_input(&args.envelope)?;

    let mut opts = VerifyOptions::new(keys);
    opts.threshold = args.threshold;
    opts.max_age = args.max_age;
    opts.max_skew = args.max_skew;
    opts.subjects = subjects;
    // With a policy file the tier is checked below, against the whole policy.
    opts.tier = if policy.is_some() { None } else { args.tier };

    let name = args.envelope.display().to_string();
    let verified = verify(&input, &opts).and_then(|mut v| {
        if let (Some(policy), Some(tier)) = (&policy, args.tier) {
            policy_check(&mut v, policy, tier)?;
        }
        Ok(v)
    });
    match verified {
        Ok(v) => {
            match args.format {
                VerifyFormat::Json => io.out(&format!("{:#}\n", v.to_json()))?,
                VerifyFormat::Text => {
                    let line = v.line.map(|n| format!(" (line {n})")).unwrap_or_default();
                    let mut text = format!("verified: {name}{line}\n");
                    for c in &v.checks {
                        text.push_str(&format!("  ok  {c}\n"));
                    }
                    for c in &v.not_checked {
                        text.push_str(&format!("  --  {c}\n"));
                    }
                    io.out(&text)?;
                }
            }
            Ok(Exit::OK)
        }
        Err(r) => {
            if args.format == VerifyFormat::Json {
                let mut j = r.to_json();
                j["verified"] = serde_json::Value::Bool(false);
                io.out(&format!("{j:#}\n"))?;
            }
            Err(CliError::with_exit(Exit::REJECTED, format!("rejected {name}: {r} [{}]", r.code())))
        }
    }
}

/// Evaluates the attested report against `policy` for `tier`; a denial is a rejection.
fn policy_check(
    v: &mut stance_attest::Verified,
    policy: &stance_policy::Policy,
    tier: Tier,
) -> Result<(), stance_attest::Rejection> {
    let reject = |reasons: String| stance_attest::Rejection::PolicyDenies { tier, reasons };
    let report: stance_core::Report =
        serde_json::from_value(serde_json::Value::Object(v.predicate.report.clone()))
            .map_err(|e| reject(format!("the attested report is not a stance probe report: {e}")))?;
    let env = stance_policy::JobEnv::from_pairs(std::iter::empty::<(String, String)>());
    let eval = stance_policy::check(stance_policy::CheckRequest {
        report: &report,
        report_source: "attested report".into(),
        tier: stance_policy::TierChoice::Named(tier),
        policy,
        rego: None,
        env: &env,
        model: &stance_policy::infer::NoJobModel,
        today: stance_policy::Date::at(std::time::SystemTime::now()),
    })
    .map_err(|e| reject(e.to_string()))?;
    if !eval.allowed() {
        return Err(reject(eval.reasons.join("; ")));
    }
    v.checks.push(format!("policy: {}", stance_policy::render::headline(&eval)));
    v.not_checked.retain(|c| !c.starts_with("tier:"));
    Ok(())
}

fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    // One byte over the limit is enough for the verifier to name the rejection.
    crate::io::read_input(path, MAX_ENVELOPE_BYTES as u64)
        .map_err(|e| CliError::usage(format!("cannot read envelope {}: {e}", path.display())))
}
