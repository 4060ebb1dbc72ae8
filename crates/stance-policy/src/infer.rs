//! `--tier auto`: inferring the running job's tier from its context.
//!
//! Two questions decide a tier: does the job run code an outside contributor
//! controls (then it is `untrusted`), and what can it reach (nothing: `build`;
//! secrets, OIDC, a write token, an environment: `privileged`; publishing or
//! signing: `release`)? The report's context answers the first (event, fork) and
//! part of the second (OIDC, secret variables present, environment). Only the
//! job's definition shows whether it publishes or signs, or which token
//! permissions it holds: on GitHub Actions that is the running workflow file
//! (`GITHUB_WORKFLOW_REF`, `GITHUB_JOB`, read from the checkout after checking that
//! the checkout is the commit the workflow runs from); on GitLab CI the
//! `CI_*` variables decide (protected ref, environment, tag, merge request from a
//! fork) and the job in the CI configuration can raise the tier.
//!
//! # Integration point
//!
//! Reading a job definition is behind the [`JobModel`] trait. [`ScanJobModel`]
//! implements it with the job privilege model of `stance-scan`
//! (`privileges::analyze_workflow`, `privileges::gitlab_privileges`); tests and
//! context-only use can pass [`NoJobModel`].
//!
//! # Never silently the weakest
//!
//! When the evidence does not decide, inference fails with [`Undecided`], which
//! names what is missing and the least tier the evidence already implies. The
//! caller then uses the tier the user named with `--fallback-tier`, raised to that
//! least tier when it is stricter ([`resolve`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use stance_core::model::Tier;
use stance_core::report::{Context, Platform};

use crate::config::{Policy, read_bounded};

/// Workflow and configuration files larger than this are not read.
const MAX_WORKFLOW_BYTES: u64 = 1 << 20;

/// How the tier was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Named with `--tier`.
    Explicit,
    /// Inferred from the job's context (`--tier auto`).
    Inferred,
    /// `--tier auto` could not decide; the `--fallback-tier` was used.
    Fallback,
}

/// The tier of the job, how it was chosen and the evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Inference {
    /// The tier.
    pub tier: Tier,
    /// How it was chosen.
    pub method: Method,
    /// The evidence, one short sentence each (no secret values: variable names at most).
    pub reasons: Vec<String>,
}

impl Inference {
    /// A tier named by the user.
    pub fn explicit(tier: Tier) -> Inference {
        Inference { tier, method: Method::Explicit, reasons: Vec::new() }
    }
}

/// `--tier auto` could not decide.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot infer the job's tier: {why}")]
pub struct Undecided {
    /// What is missing, in one line.
    pub why: String,
    /// The evidence gathered so far.
    pub reasons: Vec<String>,
    /// The least tier the evidence already implies.
    pub at_least: Tier,
}

/// The variables of the job's environment that inference reads.
const VARS: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITHUB_WORKFLOW_REF",
    "GITHUB_WORKFLOW_SHA",
    "GITHUB_SHA",
    "GITHUB_JOB",
    "GITHUB_REPOSITORY",
    "GITHUB_WORKSPACE",
    "GITHUB_EVENT_NAME",
    "GITLAB_CI",
    "CI_CONFIG_PATH",
    "CI_PROJECT_DIR",
    "CI_COMMIT_SHA",
    "CI_COMMIT_TAG",
    "CI_JOB_NAME",
];

/// The job's environment variables that inference reads (never secret ones).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobEnv {
    vars: BTreeMap<String, String>,
}

impl JobEnv {
    /// The relevant variables of this process's environment.
    pub fn from_process() -> JobEnv {
        JobEnv::from_pairs(VARS.iter().filter_map(|k| Some((k.to_string(), std::env::var(k).ok()?))))
    }

    /// The relevant variables among `pairs` (tests simulate a job with this).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> JobEnv {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, _)| VARS.contains(&k.as_str()))
            .collect();
        JobEnv { vars }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// What a job's definition says it can reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobFacts {
    /// `Build`, `Privileged` or `Release`.
    pub privilege: Tier,
    /// The job checks out untrusted code under a privileged trigger (GitHub).
    pub untrusted_checkout: bool,
    /// What it can reach, for messages (`secrets NPM_TOKEN; publishing (npm publish)`).
    pub what: String,
}

/// Reads job definitions: the integration point with the CI configuration models.
pub trait JobModel {
    /// The job `job` of the GitHub Actions workflow `text`, running for `event`;
    /// `Ok(None)` when the workflow has no such job.
    fn github_job(&self, text: &str, job: &str, event: Option<&str>) -> Result<Option<JobFacts>, String>;

    /// The job `job` of the GitLab CI configuration `text`; `Ok(None)` when absent.
    fn gitlab_job(&self, text: &str, job: &str) -> Result<Option<JobFacts>, String>;
}

/// No job model: inference from the context and variables only.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoJobModel;

impl JobModel for NoJobModel {
    fn github_job(&self, _: &str, _: &str, _: Option<&str>) -> Result<Option<JobFacts>, String> {
        Err("no job model is available".into())
    }

    fn gitlab_job(&self, _: &str, _: &str) -> Result<Option<JobFacts>, String> {
        Err("no job model is available".into())
    }
}

/// The job privilege model of `stance-scan`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanJobModel;

fn facts(p: &stance_scan::privileges::JobPrivileges, untrusted_checkout: bool) -> JobFacts {
    let privilege = if p.releases() {
        Tier::Release
    } else if p.privileged() {
        Tier::Privileged
    } else {
        Tier::Build
    };
    JobFacts { privilege, untrusted_checkout, what: p.describe() }
}

impl JobModel for ScanJobModel {
    fn github_job(&self, text: &str, job: &str, event: Option<&str>) -> Result<Option<JobFacts>, String> {
        use stance_scan::privileges::{TriggerTrust, analyze_workflow, privileged_event};
        let a = analyze_workflow(text, event).map_err(|e| e.to_string())?;
        let untrusted_event = event.is_some_and(privileged_event);
        Ok(a.jobs
            .iter()
            .find(|j| j.id == job)
            .map(|j| facts(&j.privileges, untrusted_event && j.trust == TriggerTrust::UntrustedCode)))
    }

    fn gitlab_job(&self, text: &str, job: &str) -> Result<Option<JobFacts>, String> {
        use stance_scan::gitlab::{Pipeline, main_document};
        use stance_scan::yaml::{Limits, Yaml};
        let yaml = Yaml::parse(text, &Limits::default()).map_err(|e| e.to_string())?;
        let Some(root) = main_document(&yaml) else { return Err("empty document".into()) };
        let pipeline = Pipeline::read(root, &[]);
        Ok(pipeline
            .jobs
            .iter()
            .find(|j| j.name == job)
            .map(|j| facts(&stance_scan::privileges::gitlab_privileges(j), false)))
    }
}

/// Whether the job runs code an outside contributor controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trust {
    Untrusted,
    Trusted,
    Unknown,
}

/// What the job can reach: known, or only a lower bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Known(Tier),
    AtLeast(Tier),
}

struct Evidence {
    trust: Trust,
    reach: Reach,
    reasons: Vec<String>,
    /// What is missing when the evidence does not decide.
    missing: Option<String>,
}

/// Infers the tier of the job described by `context` (from the report) and `env`
/// (the job's variables, for locating its definition), reading the definition with `model`.
pub fn infer(
    context: Option<&Context>,
    env: &JobEnv,
    policy: &Policy,
    model: &dyn JobModel,
) -> Result<Inference, Undecided> {
    let Some(ctx) = context else {
        return Err(Undecided {
            why: "the report has no CI context".into(),
            reasons: Vec::new(),
            at_least: Tier::Build,
        });
    };
    let ev = match ctx.platform {
        Platform::GithubActions => github(ctx, env, model),
        Platform::GitlabCi => gitlab(ctx, env, model),
        Platform::None => {
            return Err(Undecided {
                why: "not running in a CI job (no CI platform detected)".into(),
                reasons: Vec::new(),
                at_least: Tier::Build,
            });
        }
        other => elsewhere(ctx, other),
    };
    decide(ev, policy)
}

/// The result of [`infer`], with `fallback` applied when it could not decide: the
/// fallback tier, or the least tier the evidence implies when that is stricter.
pub fn resolve(
    result: Result<Inference, Undecided>,
    fallback: Option<Tier>,
    policy: &Policy,
) -> Result<Inference, Undecided> {
    match (result, fallback) {
        (Ok(i), _) => Ok(i),
        (Err(u), None) => Err(u),
        (Err(u), Some(f)) => {
            let tier = policy.stricter(f, u.at_least);
            let mut reasons = u.reasons;
            reasons.push(format!("could not decide ({}); using --fallback-tier {f}", u.why));
            if tier != f {
                reasons
                    .push(format!("raised to {tier}: the evidence above already implies at least that tier"));
            }
            Ok(Inference { tier, method: Method::Fallback, reasons })
        }
    }
}

fn decide(ev: Evidence, policy: &Policy) -> Result<Inference, Undecided> {
    let Evidence { trust, reach, mut reasons, missing } = ev;
    let undecided =
        |why: String, reasons: Vec<String>, at_least: Tier| Err(Undecided { why, reasons, at_least });
    let missing = missing.unwrap_or_else(|| "the evidence is incomplete".into());
    match (trust, reach) {
        (Trust::Untrusted, Reach::Known(Tier::Build | Tier::Untrusted)) => {
            Ok(Inference { tier: Tier::Untrusted, method: Method::Inferred, reasons })
        }
        (Trust::Untrusted, Reach::Known(p)) => {
            let tier = policy.stricter(Tier::Untrusted, p);
            reasons.push(format!(
                "the job runs untrusted code and can reach what a {p} job can: the stricter tier, {tier}, applies"
            ));
            Ok(Inference { tier, method: Method::Inferred, reasons })
        }
        (Trust::Untrusted, Reach::AtLeast(p)) => {
            let at_least =
                if p == Tier::Build { Tier::Untrusted } else { policy.stricter(Tier::Untrusted, p) };
            undecided(missing, reasons, at_least)
        }
        (Trust::Trusted, Reach::Known(p)) => Ok(Inference { tier: p, method: Method::Inferred, reasons }),
        (Trust::Trusted, Reach::AtLeast(p)) => undecided(missing, reasons, p),
        (Trust::Unknown, Reach::Known(p) | Reach::AtLeast(p)) => undecided(missing, reasons, p),
    }
}

/// The tier implied by what the job's environment shows at run time.
fn runtime_floor(ctx: &Context, reasons: &mut Vec<String>) -> Tier {
    let a = &ctx.access;
    let mut parts = Vec::new();
    if a.oidc {
        parts.push("an OIDC token".to_string());
    }
    if !a.secret_variables.is_empty() {
        let mut names: Vec<&str> = a.secret_variables.iter().map(String::as_str).take(4).collect();
        if a.secret_variables.len() > 4 {
            names.push("…");
        }
        parts.push(format!("secret variables ({})", names.join(", ")));
    }
    if let Some(e) = &a.environment {
        parts.push(format!("deployment environment `{e}`"));
    }
    if parts.is_empty() {
        Tier::Build
    } else {
        reasons.push(format!("the job's environment holds {}", parts.join(", ")));
        Tier::Privileged
    }
}

fn max_reach(a: Tier, b: Tier) -> Tier {
    // Build < Privileged < Release in the enum order.
    a.max(b)
}

fn github(ctx: &Context, env: &JobEnv, model: &dyn JobModel) -> Evidence {
    use stance_scan::privileges::{EventClass, event_class};
    let mut reasons = Vec::new();
    let floor = runtime_floor(ctx, &mut reasons);
    let event = ctx.trigger.event.as_deref();
    let definition = github_definition(ctx, env, event, model);
    match &definition {
        Ok((path, job, f)) => reasons.push(format!("job `{job}` of {path} can reach {}", f.what)),
        Err(why) => reasons.push(format!("the workflow file was not read: {why}")),
    }
    let reach = match &definition {
        Ok((_, _, f)) => Reach::Known(max_reach(f.privilege, floor)),
        Err(_) => Reach::AtLeast(floor),
    };
    let Some(event) = event else {
        return Evidence {
            trust: Trust::Unknown,
            reach,
            reasons,
            missing: Some("the triggering event is unknown (GITHUB_EVENT_NAME is not set)".into()),
        };
    };
    let missing_file = definition.as_ref().err().map(|w| format!("the workflow file was not read ({w})"));
    match event_class(event) {
        EventClass::ForkCode => match ctx.trigger.from_fork {
            Some(true) => {
                reasons.push(format!(
                    "`{event}` from a fork: the job runs an outside contributor's code, and GitHub gives it \
                     no secrets and a read-only token"
                ));
                Evidence { trust: Trust::Untrusted, reach: Reach::Known(floor), reasons, missing: None }
            }
            Some(false) => {
                reasons.push(format!("`{event}` from a branch of the same repository: the code is trusted"));
                Evidence { trust: Trust::Trusted, reach, reasons, missing: missing_file }
            }
            None => Evidence {
                trust: Trust::Unknown,
                reach,
                reasons,
                missing: Some(format!(
                    "`{event}`: whether the pull request comes from a fork is unknown (event payload unreadable)"
                )),
            },
        },
        EventClass::Outsider => {
            let file_untrusted = definition.as_ref().ok().map(|(_, _, f)| f.untrusted_checkout);
            let trust = if ctx.trigger.untrusted_code == Some(true) {
                reasons.push(format!("`{event}`: the job checked out the pull request's code"));
                Trust::Untrusted
            } else if file_untrusted == Some(true) {
                reasons.push(format!("`{event}`: the workflow checks out code from the pull request"));
                Trust::Untrusted
            } else if ctx.trigger.untrusted_code == Some(false) || ctx.trigger.from_fork == Some(false) {
                reasons.push(format!("`{event}`: the code comes from the repository itself"));
                Trust::Trusted
            } else if file_untrusted == Some(false) {
                reasons
                    .push(format!("`{event}`: the job does not check out code from outside the repository"));
                Trust::Trusted
            } else {
                Trust::Unknown
            };
            let missing = missing_file.or_else(|| {
                (trust == Trust::Unknown)
                    .then(|| format!("`{event}`: whether the job runs untrusted code is unknown"))
            });
            Evidence { trust, reach, reasons, missing }
        }
        EventClass::Trusted => {
            reasons.push(format!("`{event}` is caused by the repository's own members: the code is trusted"));
            Evidence { trust: Trust::Trusted, reach, reasons, missing: missing_file }
        }
    }
}

/// Locates, verifies and reads the running workflow, and the running job in it.
fn github_definition(
    ctx: &Context,
    env: &JobEnv,
    event: Option<&str>,
    model: &dyn JobModel,
) -> Result<(String, String, JobFacts), String> {
    let wref = env.get("GITHUB_WORKFLOW_REF").ok_or("GITHUB_WORKFLOW_REF is not set")?;
    if let Some(w) = &ctx.workflow
        && w != wref
    {
        return Err(format!("the report comes from another workflow ({w})"));
    }
    let job = env.get("GITHUB_JOB").ok_or("GITHUB_JOB is not set")?;
    if let Some(j) = &ctx.job
        && j != job
    {
        return Err(format!("the report comes from another job ({j})"));
    }
    let repo = env.get("GITHUB_REPOSITORY").ok_or("GITHUB_REPOSITORY is not set")?;
    let path = workflow_path(wref, repo)?;
    let ws = env.get("GITHUB_WORKSPACE").ok_or("GITHUB_WORKSPACE is not set")?;
    let sha =
        env.get("GITHUB_WORKFLOW_SHA").or(env.get("GITHUB_SHA")).ok_or("GITHUB_WORKFLOW_SHA is not set")?;
    verify_checkout(Path::new(ws), sha, "$GITHUB_WORKSPACE", "add actions/checkout before this step")?;
    let text = read_inside(Path::new(ws), &path)?;
    match model.github_job(&text, job, event) {
        Ok(Some(f)) => Ok((path, job.to_string(), f)),
        Ok(None) => Err(format!("{path} has no job `{job}` (a job of a reusable workflow?)")),
        Err(e) => Err(format!("{path}: {e}")),
    }
}

/// `owner/repo/.github/workflows/x.yml@refs/heads/main` → `.github/workflows/x.yml`.
fn workflow_path(wref: &str, repo: &str) -> Result<String, String> {
    let (path, _) = wref.rsplit_once('@').unwrap_or((wref, ""));
    let rel = path
        .strip_prefix(repo)
        .and_then(|p| p.strip_prefix('/'))
        .ok_or_else(|| format!("GITHUB_WORKFLOW_REF `{wref}` is not a workflow of {repo}"))?;
    let safe = rel.starts_with(".github/workflows/")
        && !rel.split('/').any(|c| c.is_empty() || c == "." || c == "..")
        && !rel.contains('\\');
    if safe {
        Ok(rel.to_string())
    } else {
        Err(format!("GITHUB_WORKFLOW_REF `{wref}` has an unexpected path"))
    }
}

fn gitlab(ctx: &Context, env: &JobEnv, model: &dyn JobModel) -> Evidence {
    let mut reasons = Vec::new();
    let floor = runtime_floor(ctx, &mut reasons);
    let same_job = match (&ctx.job, env.get("CI_JOB_NAME")) {
        (Some(a), Some(b)) => a == b,
        (None, Some(_)) => true,
        _ => false,
    };
    let trust = match ctx.trigger.untrusted_code {
        Some(true) => {
            reasons.push("merge request from a fork: the job runs an outside contributor's code".into());
            Trust::Untrusted
        }
        Some(false) => {
            reasons.push(format!(
                "pipeline source `{}`: the code comes from the project itself",
                ctx.trigger.event.as_deref().unwrap_or("unknown")
            ));
            Trust::Trusted
        }
        None => Trust::Unknown,
    };
    let tag = if same_job { env.get("CI_COMMIT_TAG") } else { None };
    let mut reach = match ctx.trigger.protected_ref {
        Some(true) => match (&ctx.access.environment, tag) {
            (Some(e), Some(t)) => {
                reasons.push(format!("deployment to environment `{e}` from protected tag `{t}`: a release"));
                Reach::Known(Tier::Release)
            }
            _ => {
                reasons.push("protected ref: protected CI/CD variables are available to the job".into());
                Reach::Known(Tier::Privileged)
            }
        },
        Some(false) => {
            reasons.push("unprotected ref: protected CI/CD variables are withheld".into());
            Reach::Known(floor)
        }
        None => Reach::AtLeast(floor),
    };
    match gitlab_definition(ctx, env, same_job, model) {
        Ok((path, job, f)) => {
            reasons.push(format!("job `{job}` of {path} can reach {}", f.what));
            if trust != Trust::Untrusted {
                reach = match reach {
                    Reach::Known(t) => Reach::Known(max_reach(t, f.privilege)),
                    Reach::AtLeast(t) => Reach::AtLeast(max_reach(t, f.privilege)),
                };
            }
        }
        Err(why) => reasons.push(format!("the job definition was not read ({why}); the variables decide")),
    }
    let missing = match (trust, reach) {
        (Trust::Unknown, _) => Some(format!(
            "pipeline source `{}`: whether the job runs untrusted code is unknown",
            ctx.trigger.event.as_deref().unwrap_or("unknown")
        )),
        (_, Reach::AtLeast(_)) => Some(
            "CI_COMMIT_REF_PROTECTED is not set: whether protected variables are available is unknown".into(),
        ),
        _ => None,
    };
    Evidence { trust, reach, reasons, missing }
}

fn gitlab_definition(
    ctx: &Context,
    env: &JobEnv,
    same_job: bool,
    model: &dyn JobModel,
) -> Result<(String, String, JobFacts), String> {
    if !same_job {
        return Err(match &ctx.job {
            Some(j) => format!("the report comes from another job ({j})"),
            None => "CI_JOB_NAME is not set".into(),
        });
    }
    let job = env.get("CI_JOB_NAME").ok_or("CI_JOB_NAME is not set")?;
    let config = env.get("CI_CONFIG_PATH").unwrap_or(".gitlab-ci.yml");
    // `path@group/project` or a URL: the configuration lives outside the checkout.
    if config.contains('@') || config.contains("://") {
        return Err(format!("the CI configuration comes from elsewhere (CI_CONFIG_PATH={config})"));
    }
    let rel = config.trim_start_matches("./");
    if rel.split('/').any(|c| c.is_empty() || c == "..") {
        return Err(format!("CI_CONFIG_PATH `{config}` has an unexpected path"));
    }
    let dir = env.get("CI_PROJECT_DIR").ok_or("CI_PROJECT_DIR is not set")?;
    let sha = env.get("CI_COMMIT_SHA").ok_or("CI_COMMIT_SHA is not set")?;
    verify_checkout(
        Path::new(dir),
        sha,
        "$CI_PROJECT_DIR",
        "the job needs a git checkout (GIT_STRATEGY fetch or clone)",
    )?;
    let text = read_inside(Path::new(dir), rel)?;
    // Jobs of `parallel: matrix:` run as `name: [a, b]`; of `parallel: N` as `name 1/N`.
    let base = job.split_once(": [").map(|(n, _)| n).unwrap_or(job);
    let base = match base.rsplit_once(' ') {
        Some((n, frac))
            if frac
                .split_once('/')
                .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok()) =>
        {
            n
        }
        _ => base,
    };
    match model.gitlab_job(&text, base) {
        Ok(Some(f)) => Ok((rel.to_string(), base.to_string(), f)),
        Ok(None) => Err(format!("{rel} defines no job `{base}` (defined in an included file?)")),
        Err(e) => Err(format!("{rel}: {e}")),
    }
}

fn elsewhere(ctx: &Context, platform: Platform) -> Evidence {
    let mut reasons = Vec::new();
    let floor = runtime_floor(ctx, &mut reasons);
    let name =
        serde_json::to_value(platform).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    match ctx.trigger.untrusted_code {
        Some(true) => {
            reasons.push("the job runs code from a fork".into());
            Evidence { trust: Trust::Untrusted, reach: Reach::Known(floor), reasons, missing: None }
        }
        other => Evidence {
            trust: if other == Some(false) { Trust::Trusted } else { Trust::Unknown },
            reach: Reach::AtLeast(floor),
            reasons,
            missing: Some(format!("stance cannot read job definitions on {name}")),
        },
    }
}

/// Checks that `dir` is a git checkout of commit `sha`, so that the files read
/// from it are the ones the running job was defined by.
fn verify_checkout(dir: &Path, sha: &str, name: &str, hint: &str) -> Result<(), String> {
    let head = git_head(dir).ok_or_else(|| format!("no git checkout in {name} ({hint})"))?;
    if head.eq_ignore_ascii_case(sha.trim()) {
        Ok(())
    } else {
        let short = |s: &str| s.chars().take(12).collect::<String>();
        Err(format!(
            "the checkout in {name} is at {}, not the commit the job runs from ({}): its files may differ",
            short(&head),
            short(sha)
        ))
    }
}

/// The commit checked out in `dir`: `.git/HEAD` (a `gitdir:` file is followed),
/// one symbolic ref, loose or packed.
fn git_head(dir: &Path) -> Option<String> {
    let dot_git = dir.join(".git");
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        let text = read_bounded(&dot_git, 4096).ok()?;
        let target = text.trim().strip_prefix("gitdir:")?.trim();
        let p = PathBuf::from(target);
        if p.is_absolute() { p } else { dir.join(p) }
    };
    let head = read_bounded(&git_dir.join("HEAD"), 4096).ok()?;
    let head = head.trim();
    let Some(r) = head.strip_prefix("ref:") else { return is_sha(head).then(|| head.to_string()) };
    let r = r.trim();
    if r.split('/').any(|c| c.is_empty() || c == "..") {
        return None;
    }
    // A worktree keeps its refs in the common directory.
    let common = read_bounded(&git_dir.join("commondir"), 4096)
        .ok()
        .map(|c| {
            let p = PathBuf::from(c.trim());
            if p.is_absolute() { p } else { git_dir.join(p) }
        })
        .unwrap_or_else(|| git_dir.clone());
    for base in [&git_dir, &common] {
        if let Ok(v) = read_bounded(&base.join(r), 4096)
            && is_sha(v.trim())
        {
            return Some(v.trim().to_string());
        }
    }
    let packed = read_bounded(&common.join("packed-refs"), 8 << 20).ok()?;
    packed.lines().find_map(|l| {
        let (sha, name) = l.split_once(' ')?;
        (name.trim() == r && is_sha(sha)).then(|| sha.to_string())
    })
}

fn is_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads `rel` below `dir`, refusing anything that resolves outside `dir`.
fn read_inside(dir: &Path, rel: &str) -> Result<String, String> {
    let root = dir.canonicalize().map_err(|e| format!("{}: {e}", dir.display()))?;
    let file = root.join(rel).canonicalize().map_err(|e| format!("{rel}: {e}"))?;
    if !file.starts_with(&root) {
        return Err(format!("{rel} resolves outside the checkout"));
    }
    read_bounded(&file, MAX_WORKFLOW_BYTES).map_err(|e| format!("{rel}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_core::report::{JobAccess, TriggerInfo};

    fn policy() -> Policy {
        Policy::builtin().unwrap()
    }

    fn ctx(platform: Platform, event: &str, from_fork: Option<bool>, untrusted: Option<bool>) -> Context {
        Context {
            platform,
            trigger: TriggerInfo {
                event: Some(event.into()),
                from_fork,
                untrusted_code: untrusted,
                ..TriggerInfo::default()
            },
            ..Context::default()
        }
    }

    struct Fixed(JobFacts);
    impl JobModel for Fixed {
        fn github_job(&self, _: &str, job: &str, _: Option<&str>) -> Result<Option<JobFacts>, String> {
            Ok((job == "publish").then(|| self.0.clone()))
        }
        fn gitlab_job(&self, _: &str, job: &str) -> Result<Option<JobFacts>, String> {
            Ok((job == "publish").then(|| self.0.clone()))
        }
    }

    #[test]
    fn fork_pull_requests_are_untrusted_without_reading_the_workflow() {
        let c = ctx(Platform::GithubActions, "pull_request", Some(true), Some(true));
        let i = infer(Some(&c), &JobEnv::default(), &policy(), &NoJobModel).unwrap();
        assert_eq!(i.tier, Tier::Untrusted);
        assert_eq!(i.method, Method::Inferred);
    }

    #[test]
    fn trusted_github_jobs_need_the_workflow_file() {
        let mut c = ctx(Platform::GithubActions, "push", Some(false), Some(false));
        c.access = JobAccess { oidc: true, ..JobAccess::default() };
        let u = infer(Some(&c), &JobEnv::default(), &policy(), &NoJobModel).unwrap_err();
        assert_eq!(u.at_least, Tier::Privileged);
        assert!(u.why.contains("GITHUB_WORKFLOW_REF is not set"), "{u}");
        // A fallback weaker than the evidence is raised, never lowered.
        let r = resolve(Err(u.clone()), Some(Tier::Build), &policy()).unwrap();
        assert_eq!((r.tier, r.method), (Tier::Privileged, Method::Fallback));
        let r = resolve(Err(u.clone()), Some(Tier::Release), &policy()).unwrap();
        assert_eq!(r.tier, Tier::Release);
        assert!(resolve(Err(u), None, &policy()).is_err());
    }

    #[test]
    fn no_ci_context_is_undecided() {
        let u = infer(Some(&Context::default()), &JobEnv::default(), &policy(), &NoJobModel).unwrap_err();
        assert!(u.why.contains("not running in a CI job"));
        assert!(infer(None, &JobEnv::default(), &policy(), &NoJobModel).is_err());
    }

    #[test]
    fn untrusted_code_with_release_reach_takes_the_stricter_tier() {
        let ev = Evidence {
            trust: Trust::Untrusted,
            reach: Reach::Known(Tier::Release),
            reasons: vec![],
            missing: None,
        };
        assert_eq!(decide(ev, &policy()).unwrap().tier, Tier::Release);
        let ev = Evidence {
            trust: Trust::Untrusted,
            reach: Reach::Known(Tier::Build),
            reasons: vec![],
            missing: None,
        };
        assert_eq!(decide(ev, &policy()).unwrap().tier, Tier::Untrusted);
        let ev = Evidence {
            trust: Trust::Unknown,
            reach: Reach::Known(Tier::Build),
            reasons: vec![],
            missing: None,
        };
        assert!(decide(ev, &policy()).is_err());
    }

    #[test]
    fn gitlab_variables_decide() {
        let mut c = ctx(Platform::GitlabCi, "push", Some(false), Some(false));
        c.job = Some("deploy".into());
        c.trigger.protected_ref = Some(true);
        c.access.environment = Some("production".into());
        let env = JobEnv::from_pairs([("CI_JOB_NAME", "deploy"), ("CI_COMMIT_TAG", "v1.2.0")]);
        assert_eq!(infer(Some(&c), &env, &policy(), &NoJobModel).unwrap().tier, Tier::Release);
        let branch = JobEnv::from_pairs([("CI_JOB_NAME", "deploy")]);
        assert_eq!(infer(Some(&c), &branch, &policy(), &NoJobModel).unwrap().tier, Tier::Privileged);
        c.trigger.protected_ref = Some(false);
        c.access.environment = None;
        assert_eq!(infer(Some(&c), &branch, &policy(), &NoJobModel).unwrap().tier, Tier::Build);
        c.trigger.protected_ref = None;
        assert!(infer(Some(&c), &branch, &policy(), &NoJobModel).is_err());
        let mut fork = ctx(Platform::GitlabCi, "merge_request_event", Some(true), Some(true));
        fork.trigger.protected_ref = Some(false);
        assert_eq!(
            infer(Some(&fork), &JobEnv::default(), &policy(), &NoJobModel).unwrap().tier,
            Tier::Untrusted
        );
    }

    #[test]
    fn other_platforms_decide_only_untrusted_code() {
        let c = ctx(Platform::Buildkite, "pull_request", Some(true), Some(true));
        assert_eq!(
            infer(Some(&c), &JobEnv::default(), &policy(), &NoJobModel).unwrap().tier,
            Tier::Untrusted
        );
        let c = ctx(Platform::Jenkins, "push", Some(false), Some(false));
        let u = infer(Some(&c), &JobEnv::default(), &policy(), &NoJobModel).unwrap_err();
        assert!(u.why.contains("jenkins"), "{u}");
    }

    #[test]
    fn workflow_refs_map_to_paths_inside_the_repository() {
        assert_eq!(
            workflow_path("o/r/.github/workflows/release.yml@refs/tags/v1", "o/r").as_deref(),
            Ok(".github/workflows/release.yml")
        );
        assert!(workflow_path("o/r/.github/workflows/../../etc/passwd@x", "o/r").is_err());
        assert!(workflow_path("x/y/.github/workflows/a.yml@x", "o/r").is_err());
        assert!(workflow_path("o/r/README.md@x", "o/r").is_err());
    }

    #[test]
    fn a_model_that_finds_the_job_decides_trusted_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        std::fs::create_dir_all(ws.join(".git/refs/heads")).unwrap();
        std::fs::create_dir_all(ws.join(".github/workflows")).unwrap();
        std::fs::write(ws.join(".github/workflows/r.yml"), "on: push\n").unwrap();
        let sha = "0123456789abcdef0123456789abcdef01234567";
        std::fs::write(ws.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(ws.join(".git/packed-refs"), format!("# pack-refs\n{sha} refs/heads/main\n")).unwrap();
        let env = JobEnv::from_pairs([
            ("GITHUB_WORKFLOW_REF", "o/r/.github/workflows/r.yml@refs/heads/main"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_JOB", "publish"),
            ("GITHUB_WORKSPACE", ws.to_str().unwrap()),
            ("GITHUB_WORKFLOW_SHA", sha),
        ]);
        let c = ctx(Platform::GithubActions, "push", Some(false), Some(false));
        let model = Fixed(JobFacts {
            privilege: Tier::Release,
            untrusted_checkout: false,
            what: "publishing".into(),
        });
        let i = infer(Some(&c), &env, &policy(), &model).unwrap();
        assert_eq!(i.tier, Tier::Release, "{:?}", i.reasons);
        // Another commit checked out: the file may not be the running workflow.
        let other =
            JobEnv::from_pairs(env.vars.iter().map(|(k, v)| {
                (k.clone(), if k == "GITHUB_WORKFLOW_SHA" { "f".repeat(40) } else { v.clone() })
            }));
        let u = infer(Some(&c), &other, &policy(), &model).unwrap_err();
        assert!(u.why.contains("not the commit the job runs from"), "{u}");
    }
}
