//! stance's policy layer: is this runner's measured posture good enough for this job?
//!
//! - [`config`]: the policy file (tiers to minimum levels, extra required controls,
//!   waivers with owner, reason and expiry), read in two phases so that errors
//!   point at the line; the built-in default is `policy/default.toml`.
//! - [`infer`]: `--tier auto`, the job's tier from its context and definition.
//! - [`eval`]: a probe report against a tier's policy: blockers with remediation,
//!   waivers applied and expired, the decision.
//! - [`rego`]: custom policies in Rego over the report JSON (embedded `regorus`).
//! - [`render`]: text, JSON, Markdown and GitHub annotations of an evaluation.
//! - [`exec`]: `stance gate`'s command runner (exit codes and signal forwarding).
//!
//! [`check`] runs the whole evaluation for a report.

pub mod config;
pub mod error;
pub mod eval;
pub mod exec;
pub mod infer;
pub mod rego;
pub mod render;

use stance_core::model::Tier;
use stance_core::report::Report;

pub use crate::config::{Date, Policy, Waiver};
pub use crate::error::{ErrorKind, PolicyError};
pub use crate::eval::{Decision, Evaluation};
pub use crate::infer::{Inference, JobEnv, JobModel, ScanJobModel, Undecided};
pub use crate::rego::RegoPolicies;

/// Which tier to check against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierChoice {
    /// A tier the user named.
    Named(Tier),
    /// Infer it; when that cannot decide, use `fallback` (never silently the weakest tier).
    Auto {
        /// The tier to use when inference cannot decide.
        fallback: Option<Tier>,
    },
}

/// Everything [`check`] needs.
pub struct CheckRequest<'a> {
    /// The probe report.
    pub report: &'a Report,
    /// Where it came from (`live probe` or a path), for the output.
    pub report_source: String,
    /// The tier, or how to infer it.
    pub tier: TierChoice,
    /// The policy.
    pub policy: &'a Policy,
    /// Custom Rego policies, if any.
    pub rego: Option<&'a mut RegoPolicies>,
    /// The job's environment (for `--tier auto`).
    pub env: &'a JobEnv,
    /// How job definitions are read (for `--tier auto`).
    pub model: &'a dyn JobModel,
    /// Today (UTC), for waiver expiry.
    pub today: Date,
}

/// Why [`check`] could not reach a decision.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// `--tier auto` could not decide and no fallback was given.
    #[error(transparent)]
    Undecided(#[from] Undecided),
    /// The report is not a probe report.
    #[error(transparent)]
    Report(#[from] eval::EvalError),
    /// A Rego policy failed to evaluate.
    #[error(transparent)]
    Rego(#[from] PolicyError),
}

/// Chooses the tier, evaluates the report against its policy and applies the Rego policies.
pub fn check(req: CheckRequest<'_>) -> Result<Evaluation, CheckError> {
    let inference = match req.tier {
        TierChoice::Named(t) => Inference::explicit(t),
        TierChoice::Auto { fallback } => infer::resolve(
            infer::infer(req.report.context.as_ref(), req.env, req.policy, req.model),
            fallback,
            req.policy,
        )?,
    };
    let mut evaluation = eval::evaluate(req.report, &req.report_source, inference, req.policy, req.today)?;
    if let Some(rego) = req.rego
        && !rego.is_empty()
    {
        let input = eval::rego_input(req.report, &evaluation);
        let outcome = rego.evaluate(&input)?;
        evaluation.apply_rego(outcome);
    }
    Ok(evaluation)
}
