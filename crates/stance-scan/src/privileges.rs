//! The job privilege model: what a job can reach (secrets, token permissions,
//! OIDC, environments, publishing and signing), and the job tier that follows.
//!
//! This is a library on purpose: `stance check --tier auto` calls
//! [`analyze_workflow`] and [`infer_tier`] to learn the tier of the job it runs in.

use stance_core::model::Tier;

use crate::expr::{self, Expr};
use crate::github::{Job, Permissions, Step, Workflow};
use crate::gitlab::GlJob;
use crate::yaml::{Limits, Value, Yaml, YamlError};

/// The effective `GITHUB_TOKEN` permissions of a job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenPermissions {
    /// No `permissions:` at job or workflow level: the repository default applies
    /// (read-only for repositories created since 2023, read-write for many older ones).
    pub defaulted: bool,
    /// Scopes granted `write` (`*` for `write-all`).
    pub write: Vec<String>,
}

impl TokenPermissions {
    /// Whether any scope is writable by explicit grant.
    pub fn any_write(&self) -> bool {
        !self.write.is_empty()
    }
}

/// A step that publishes an artefact or creates a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishStep {
    /// What it does, e.g. `twine upload`, `pypa/gh-action-pypi-publish`.
    pub what: String,
    /// The step index (GitHub) or script line index (GitLab).
    pub step: usize,
}

/// What a job can reach.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobPrivileges {
    /// Secrets named explicitly (`secrets.NAME`), without `GITHUB_TOKEN`.
    pub secrets: Vec<String>,
    /// The job reads every secret (`secrets: inherit` from its caller, `toJSON(secrets)`).
    pub inherits_secrets: bool,
    /// `GITHUB_TOKEN` (or `github.token`) is passed to a step explicitly.
    pub github_token: bool,
    /// Token permissions.
    pub token_permissions: TokenPermissions,
    /// `id-token: write` (OIDC), or GitLab `id_tokens:`.
    pub id_token_write: bool,
    /// The deployment environment.
    pub environment: Option<String>,
    /// Publishing steps.
    pub publishes: Vec<PublishStep>,
    /// The job signs something.
    pub signs: bool,
}

impl JobPrivileges {
    /// Whether the job holds anything worth stealing (secrets, OIDC, write token, environment).
    pub fn privileged(&self) -> bool {
        !self.secrets.is_empty()
            || self.inherits_secrets
            || self.id_token_write
            || self.token_permissions.any_write()
            || self.environment.is_some()
            || !self.publishes.is_empty()
            || self.signs
    }

    /// Whether the job publishes or signs.
    pub fn releases(&self) -> bool {
        !self.publishes.is_empty() || self.signs
    }

    /// A short description for messages: `secrets AWS_KEY, NPM_TOKEN; id-token: write`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.inherits_secrets {
            parts.push("all secrets (inherited)".to_string());
        }
        if !self.secrets.is_empty() {
            let mut names: Vec<&str> = self.secrets.iter().map(String::as_str).take(4).collect();
            if self.secrets.len() > 4 {
                names.push("…");
            }
            parts.push(format!(
                "secret{} {}",
                if self.secrets.len() == 1 { "" } else { "s" },
                names.join(", ")
            ));
        }
        if self.id_token_write {
            parts.push("an OIDC token (id-token: write)".into());
        }
        if self.token_permissions.any_write() {
            parts.push(format!("a write token ({})", self.token_permissions.write.join(", ")));
        }
        if let Some(e) = &self.environment {
            parts.push(format!("environment `{e}`"));
        }
        if let Some(p) = self.publishes.first() {
            parts.push(format!("publishing ({})", p.what));
        }
        if self.signs {
            parts.push("signing".into());
        }
        if parts.is_empty() { "no secrets or write access".into() } else { parts.join("; ") }
    }
}

/// Whether the code a job runs comes from someone outside the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerTrust {
    /// Fork pull request code, or untrusted code checked out under a privileged trigger.
    UntrustedCode,
    /// Code from the repository's own branches.
    Trusted,
}

/// The tier of a job: untrusted for fork or untrusted code, release for
/// publishing or signing, privileged for secrets/OIDC/write token/environment, else build.
pub fn infer_tier(p: &JobPrivileges, trust: TriggerTrust) -> Tier {
    if trust == TriggerTrust::UntrustedCode {
        Tier::Untrusted
    } else if p.releases() {
        Tier::Release
    } else if p.privileged() {
        Tier::Privileged
    } else {
        Tier::Build
    }
}

/// Actions that publish, create releases or push images.
const PUBLISH_ACTIONS: &[&str] = &[
    "pypa/gh-action-pypi-publish",
    "softprops/action-gh-release",
    "actions/create-release",
    "actions/upload-release-asset",
    "ncipollo/release-action",
    "goreleaser/goreleaser-action",
    "JS-DevTools/npm-publish",
    "rubygems/release-gem",
    "svenstaro/upload-release-action",
    "changesets/action",
    "cycjimmy/semantic-release-action",
    "docker/build-push-action",
    "actions/deploy-pages",
    "JamesIves/github-pages-deploy-action",
    "peaceiris/actions-gh-pages",
];

/// Actions that sign or attest.
const SIGN_ACTIONS: &[&str] = &[
    "sigstore/cosign-installer",
    "sigstore/gh-action-sigstore-python",
    "actions/attest-build-provenance",
    "actions/attest",
    "crazy-max/ghaction-import-gpg",
    "slsa-framework/slsa-github-generator",
];

/// Commands that publish (matched as words in scripts).
const PUBLISH_COMMANDS: &[&str] = &[
    "twine upload",
    "npm publish",
    "yarn publish",
    "yarn npm publish",
    "pnpm publish",
    "cargo publish",
    "gem push",
    "docker push",
    "podman push",
    "buildah push",
    "mvn deploy",
    "gradle publish",
    "gradlew publish",
    "dotnet nuget push",
    "nuget push",
    "gh release create",
    "gh release upload",
    "goreleaser release",
    "poetry publish",
    "uv publish",
    "flit publish",
    "hatch publish",
    "helm push",
    "vsce publish",
    "ovsx publish",
    "crane push",
    "skopeo copy",
    "aws s3 cp",
    "aws s3 sync",
    "gsutil cp",
    "release-cli create",
];

/// Commands that sign.
const SIGN_COMMANDS: &[&str] = &[
    "cosign sign",
    "cosign attest",
    "gpg --detach-sign",
    "gpg --sign",
    "gpg -b",
    "gpg --clearsign",
    "signtool sign",
    "codesign ",
    "notation sign",
    "minisign -s",
    "jarsigner ",
    "rpmsign",
    "debsign",
];

/// Words that every publishing or signing command contains: a script without any of
/// them is skipped without normalising it.
const PREFILTER: &[&str] =
    &["publish", "upload", "push", "deploy", "release", "sign", "cp", "sync", "copy", "gpg"];

fn prefilter() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        // Built from constant patterns; construction cannot fail for these inputs.
        aho_corasick::AhoCorasick::new(PREFILTER).unwrap_or_else(|_| {
            aho_corasick::AhoCorasick::new(["publish"]).unwrap_or_else(|_| unreachable!("constant pattern"))
        })
    })
}

fn normalised(script: &str) -> Option<String> {
    if !prefilter().is_match(script) {
        return None;
    }
    let mut out = String::with_capacity(script.len());
    for w in script.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    Some(out)
}

/// One automaton over every publishing and signing command (signing ones after the
/// publishing ones), so a script is searched once.
fn commands() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        let pats: Vec<&str> =
            PUBLISH_COMMANDS.iter().chain(SIGN_COMMANDS.iter()).map(|c| c.trim_end()).collect();
        aho_corasick::AhoCorasick::new(pats).unwrap_or_else(|_| unreachable!("constant patterns"))
    })
}

/// Publishing commands and whether it signs, searching the normalised script once.
fn publish_and_sign(script: &str) -> (Vec<&'static str>, bool) {
    let Some(norm) = normalised(script) else { return (vec![], false) };
    let mut publishes: Vec<&'static str> = Vec::new();
    let mut sign = false;
    let bytes = norm.as_bytes();
    for m in commands().find_overlapping_iter(&norm) {
        let i = m.pattern().as_usize();
        let at = m.start();
        let before_ok =
            at == 0 || matches!(bytes[at - 1], b' ' | b';' | b'&' | b'|' | b'(' | b'/' | b'`' | b'\n');
        let (cmd, sign_cmd) = match PUBLISH_COMMANDS.get(i) {
            Some(c) => (*c, false),
            None => (SIGN_COMMANDS[i - PUBLISH_COMMANDS.len()], true),
        };
        let after_ok =
            m.end() >= bytes.len() || !bytes[m.end()].is_ascii_alphanumeric() || cmd.ends_with(' ');
        if !(before_ok && after_ok) {
            continue;
        }
        if sign_cmd {
            sign = true;
        } else if !publishes.contains(&cmd) {
            publishes.push(cmd);
        }
    }
    (publishes, sign)
}

/// The publishing and signing steps of a list of steps.
pub fn publishing(steps: &[Step]) -> (Vec<PublishStep>, bool) {
    let mut publishes = Vec::new();
    let mut sign = false;
    for s in steps {
        // `uses:` split once per step, not once per known action.
        let action = s.action().map(|(a, _)| a);
        let uses = |name: &str| action.is_some_and(|a| crate::github::action_is(a, name));
        if let Some(a) = PUBLISH_ACTIONS.iter().find(|a| uses(a)) {
            // build-push-action only publishes with `push: true`.
            let pushes = !a.ends_with("build-push-action")
                || s.with.iter().any(|k| k.key == "push" && k.value != "false");
            if pushes {
                publishes.push(PublishStep { what: a.to_string(), step: s.index });
            }
        }
        if SIGN_ACTIONS.iter().any(|a| uses(a)) {
            sign = true;
        }
        if let Some(run) = &s.run {
            let (cmds, signed) = publish_and_sign(&run.text);
            for c in cmds {
                publishes.push(PublishStep { what: c.to_string(), step: s.index });
            }
            sign |= signed;
        }
    }
    (publishes, sign)
}

/// Secret names read by every expression below `node` (and whether all secrets are).
pub fn secret_refs(node: Value<'_>) -> (Vec<String>, bool, bool) {
    let mut names: Vec<String> = Vec::new();
    let mut all = false;
    let mut token = false;
    node.for_each_scalar(&mut |_, text| {
        if !expr::has_expression(text) {
            return;
        }
        for occ in expr::occurrences(text) {
            let Some(e) = expr::parse(occ.inner) else {
                // Unparseable: still find `secrets.NAME` textually.
                for part in occ.inner.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
                    if let Some(n) = part.strip_prefix("secrets.") {
                        push_secret(&mut names, &mut token, n);
                    }
                }
                continue;
            };
            for p in e.paths() {
                if p == "secrets" || p == "secrets.*" {
                    all = true;
                } else if let Some(n) = p.strip_prefix("secrets.") {
                    push_secret(&mut names, &mut token, n.split('.').next().unwrap_or(n));
                } else if p == "github.token" {
                    token = true;
                }
            }
        }
    });
    (names, all, token)
}

fn push_secret(names: &mut Vec<String>, token: &mut bool, n: &str) {
    if n.eq_ignore_ascii_case("GITHUB_TOKEN") {
        *token = true;
    } else if !n.is_empty() && !names.iter().any(|x| x == n) {
        names.push(n.to_string());
    }
}

/// The effective token permissions of a job (job level overrides workflow level).
pub fn token_permissions(wf: &Workflow, job: &Job) -> (TokenPermissions, bool) {
    let p: Option<&Permissions> = job.permissions.as_ref().or(wf.permissions.as_ref());
    match p {
        None => (TokenPermissions { defaulted: true, write: vec![] }, false),
        Some(p) => {
            let id_token = p.level("id-token") == "write";
            let write = p.writes().into_iter().filter(|s| s != "id-token").collect();
            (TokenPermissions { defaulted: false, write }, id_token)
        }
    }
}

/// The privileges of one job of a workflow, as the file alone shows them.
///
/// For a reusable workflow's job the caller decides which secrets exist; this
/// counts the secrets the job reads. [`crate::analysis`] refines it with callers.
pub fn job_privileges(yaml: &Yaml, wf: &Workflow, job: &Job, text: &str) -> JobPrivileges {
    // Without aliases a job's subtree is exactly its text: skip the walk when that text
    // names no secret and no token.
    let slice = text.get(job.span.start.byte as usize..job.span.end.byte as usize).unwrap_or(text);
    let may_read = yaml.has_aliases
        || memchr::memmem::find(slice.as_bytes(), b"secrets").is_some()
        || memchr::memmem::find(slice.as_bytes(), b"github.token").is_some();
    let (mut secrets, all, mut token) =
        if may_read { secret_refs(yaml.value(job.node)) } else { (Vec::new(), false, false) };
    // Workflow-level env is visible to every job.
    for kv in &wf.env {
        for occ in expr::occurrences(&kv.value) {
            if let Some(e) = expr::parse(occ.inner) {
                for p in e.paths() {
                    if let Some(n) = p.strip_prefix("secrets.") {
                        push_secret(&mut secrets, &mut token, n);
                    }
                }
            }
        }
    }
    let (token_permissions, id_token_write) = token_permissions(wf, job);
    let (publishes, signs) = publishing(&job.steps);
    JobPrivileges {
        secrets,
        inherits_secrets: all || job.secrets_inherit.is_some(),
        github_token: token,
        token_permissions,
        id_token_write,
        environment: job.environment.as_ref().map(|e| e.text.clone()),
        publishes,
        signs,
    }
}

/// CI/CD variables a GitLab script reads whose names look like credentials.
pub fn gitlab_secret_vars(job: &GlJob) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let texts =
        job.script.iter().map(|l| l.text.as_str()).chain(job.variables.iter().map(|k| k.value.as_str()));
    for t in texts {
        let b = t.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'$' {
                let mut j = i + 1;
                if j < b.len() && b[j] == b'{' {
                    j += 1;
                }
                let start = j;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let name = &t[start..j];
                if looks_secret(name) && !out.iter().any(|x| x == name) {
                    out.push(name.to_string());
                }
                i = j.max(i + 1);
            } else {
                i += 1;
            }
        }
    }
    out
}

/// Whether a variable names a credential or the file holding one (the rule of
/// `stance_core::redact`, shared by every part of stance), and is not one of GitLab's
/// predefined variables.
pub fn looks_secret(name: &str) -> bool {
    !(name.starts_with("CI_") || name.starts_with("GITLAB_")) && stance_core::redact::refers_to_secret(name)
}

/// The privileges of a GitLab job.
pub fn gitlab_privileges(job: &GlJob) -> JobPrivileges {
    let script: String = job.script.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");
    let (commands, signs) = publish_and_sign(&script);
    let mut publishes: Vec<PublishStep> =
        commands.into_iter().map(|c| PublishStep { what: c.into(), step: 0 }).collect();
    if job.release {
        publishes.push(PublishStep { what: "release:".into(), step: 0 });
    }
    let mut secrets = gitlab_secret_vars(job);
    secrets.extend(job.secrets.iter().cloned());
    JobPrivileges {
        secrets,
        inherits_secrets: false,
        github_token: false,
        token_permissions: TokenPermissions::default(),
        id_token_write: !job.id_tokens.is_empty(),
        environment: job.environment.as_ref().map(|e| e.text.clone()),
        publishes,
        signs,
    }
}

/// How a workflow's triggers expose its jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventClass {
    /// The repository's own members cause it (push, schedule, dispatch, release, merge queue).
    Trusted,
    /// Anyone can cause it, and it runs the base repository's code with its
    /// secrets (`pull_request_target`, `issue_comment`, `workflow_run`, `issues`, …).
    Outsider,
    /// It runs code from a fork pull request (no secrets, read-only token).
    ForkCode,
}

/// The class of a GitHub event.
pub fn event_class(event: &str) -> EventClass {
    match event {
        "pull_request" | "pull_request_review" | "pull_request_review_comment" => EventClass::ForkCode,
        "pull_request_target"
        | "issue_comment"
        | "workflow_run"
        | "issues"
        | "discussion"
        | "discussion_comment"
        | "fork"
        | "watch" => EventClass::Outsider,
        _ => EventClass::Trusted,
    }
}

/// Events under which checking out a pull request's head runs untrusted code
/// with the base repository's secrets.
pub fn privileged_event(event: &str) -> bool {
    matches!(event, "pull_request_target" | "workflow_run" | "issue_comment")
}

/// Everything the privilege model says about the jobs of one workflow file.
#[derive(Clone, Debug)]
pub struct WorkflowAnalysis {
    /// The workflow model.
    pub workflow: Workflow,
    /// Per job: id, privileges, trust and tier.
    pub jobs: Vec<JobSummary>,
}

/// The privilege model's view of one job.
#[derive(Clone, Debug)]
pub struct JobSummary {
    /// The job id.
    pub id: String,
    /// What it can reach.
    pub privileges: JobPrivileges,
    /// Whether its code is trusted under the workflow's triggers.
    pub trust: TriggerTrust,
    /// The inferred tier.
    pub tier: Tier,
}

/// Why a workflow could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The YAML could not be read.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// The document is not a workflow.
    #[error(transparent)]
    Model(#[from] crate::github::ModelError),
    /// The file is empty.
    #[error("empty document")]
    Empty,
}

/// Analyses one workflow text on its own (no callers, no inventory): the
/// privileges, trust and tier of each job. `event` narrows the triggers to the
/// event actually running (as a probe knows it); `None` considers them all.
pub fn analyze_workflow(text: &str, event: Option<&str>) -> Result<WorkflowAnalysis, AnalyzeError> {
    let yaml = Yaml::parse(text, &Limits::default())?;
    let root = yaml.root().ok_or(AnalyzeError::Empty)?;
    let workflow = Workflow::read(root)?;
    let events: Vec<&str> = match event {
        Some(e) => vec![e],
        None => workflow.triggers.iter().map(|t| t.event.as_str()).collect(),
    };
    let jobs = workflow
        .jobs
        .iter()
        .map(|job| {
            let privileges = job_privileges(&yaml, &workflow, job, text);
            let fork = events.iter().any(|e| event_class(e) == EventClass::ForkCode);
            let untrusted_checkout = events.iter().any(|e| privileged_event(e))
                && crate::analysis::untrusted_checkout(job, &events).is_some();
            let trust =
                if fork || untrusted_checkout { TriggerTrust::UntrustedCode } else { TriggerTrust::Trusted };
            JobSummary { id: job.id.clone(), tier: infer_tier(&privileges, trust), privileges, trust }
        })
        .collect();
    Ok(WorkflowAnalysis { workflow, jobs })
}

/// Reads `job.if` as an event filter: the events the condition allows, when it
/// is a disjunction of `github.event_name == '…'` tests (possibly and-ed with others).
pub fn event_filter(cond: &str) -> Option<Vec<String>> {
    let inner =
        expr::occurrences(cond).first().map(|o| o.inner.to_string()).unwrap_or_else(|| cond.to_string());
    let e = expr::parse(&inner)?;
    filter_of(&e)
}

fn filter_of(e: &Expr) -> Option<Vec<String>> {
    use expr::BinOp;
    match e {
        Expr::Bin(BinOp::Eq, a, b) => match (&**a, &**b) {
            (Expr::Path(p), Expr::Str(s)) | (Expr::Str(s), Expr::Path(p)) if p == "github.event_name" => {
                Some(vec![s.clone()])
            }
            _ => None,
        },
        Expr::Bin(BinOp::Or, a, b) => {
            let (mut x, y) = (filter_of(a)?, filter_of(b)?);
            x.extend(y);
            Some(x)
        }
        Expr::Bin(BinOp::And, a, b) => match (filter_of(a), filter_of(b)) {
            (Some(x), Some(y)) => Some(x.into_iter().filter(|e| y.contains(e)).collect()),
            (Some(x), None) | (None, Some(x)) => Some(x),
            (None, None) => None,
        },
        Expr::Call(name, args) if name == "contains" && args.len() == 2 => {
            // contains(fromJSON('["push","schedule"]'), github.event_name)
            match (&args[0], &args[1]) {
                (Expr::Call(f, inner), Expr::Path(p)) if f == "fromjson" && p == "github.event_name" => {
                    if let Some(Expr::Str(s)) = inner.first() {
                        serde_json::from_str::<Vec<String>>(s).ok()
                    } else {
                        None
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether a condition keeps fork pull requests out (`head.repo.full_name == github.repository`,
/// `!github.event.pull_request.head.repo.fork`, an actor allow-list).
pub fn excludes_forks(cond: &str) -> bool {
    let inner =
        expr::occurrences(cond).first().map(|o| o.inner.to_string()).unwrap_or_else(|| cond.to_string());
    let Some(e) = expr::parse(&inner) else { return false };
    guard(&e)
}

fn guard(e: &Expr) -> bool {
    use expr::BinOp;
    match e {
        Expr::Bin(BinOp::And, a, b) => guard(a) || guard(b),
        Expr::Bin(BinOp::Or, a, b) => guard(a) && guard(b),
        Expr::Bin(BinOp::Eq, a, b) => {
            let pair = |x: &Expr, y: &Expr| match (x, y) {
                (Expr::Path(p), Expr::Path(q)) => {
                    (p == "github.event.pull_request.head.repo.full_name" && q == "github.repository")
                        || (p == "github.event.pull_request.head.repo.id"
                            && q == "github.event.pull_request.base.repo.id")
                }
                (Expr::Path(p), Expr::Bool(false)) => p == "github.event.pull_request.head.repo.fork",
                (Expr::Path(p), Expr::Str(_)) => p == "github.actor" || p == "github.triggering_actor",
                _ => false,
            };
            pair(a, b) || pair(b, a)
        }
        Expr::Not(inner) => {
            matches!(&**inner, Expr::Path(p) if p == "github.event.pull_request.head.repo.fork")
        }
        _ => false,
    }
}

/// Whether a condition requires a maintainer's action (a label, an author association).
pub fn maintainer_gate(cond: &str) -> Option<&'static str> {
    if cond.contains("labels.*.name") || cond.contains("github.event.label.name") {
        Some("a maintainer-applied label")
    } else if cond.contains("author_association") {
        Some("the author's association")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Review: a second, substring-based list here took `GIT_AUTHOR_NAME`, `MY_PATH` and
    // `TOKEN_URL` for credentials, which made GitLab jobs privileged.
    #[test]
    fn gitlab_secret_variables_use_the_shared_rule() {
        for n in ["DEPLOY_TOKEN", "NPM_TOKEN", "DB_PASSWORD", "MY_PAT", "REGISTRY_AUTH", "GPG_KEY_PATH"] {
            assert!(looks_secret(n), "{n}");
        }
        for n in ["GIT_AUTHOR_NAME", "MY_PATH", "TOKEN_URL", "CI_JOB_TOKEN", "GITLAB_TOKEN_NAME", "BUILD_DIR"]
        {
            assert!(!looks_secret(n), "{n}");
        }
    }

    #[test]
    fn tiers_follow_privileges() {
        let base = JobPrivileges::default();
        assert_eq!(infer_tier(&base, TriggerTrust::Trusted), Tier::Build);
        let secret = JobPrivileges { secrets: vec!["X".into()], ..JobPrivileges::default() };
        assert_eq!(infer_tier(&secret, TriggerTrust::Trusted), Tier::Privileged);
        assert_eq!(infer_tier(&secret, TriggerTrust::UntrustedCode), Tier::Untrusted);
        let publish = JobPrivileges {
            publishes: vec![PublishStep { what: "npm publish".into(), step: 0 }],
            ..JobPrivileges::default()
        };
        assert_eq!(infer_tier(&publish, TriggerTrust::Trusted), Tier::Release);
    }

    #[test]
    fn analyses_a_release_workflow() {
        let a = analyze_workflow(
            "on:\n  push:\n    tags: ['v*']\n  pull_request:\npermissions:\n  contents: read\n  id-token: write\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n  publish:\n    if: github.event_name == 'push'\n    runs-on: ubuntu-latest\n    environment: pypi\n    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n      - run: echo ${{ secrets.WEBHOOK }}\n",
            Some("push"),
        )
        .unwrap();
        let publish = &a.jobs[1];
        assert_eq!(publish.tier, Tier::Release);
        assert!(publish.privileges.id_token_write);
        assert_eq!(publish.privileges.secrets, ["WEBHOOK"]);
        assert_eq!(publish.privileges.environment.as_deref(), Some("pypi"));
        let on_pr = analyze_workflow(
            "on: pull_request\njobs:\n  t:\n    runs-on: x\n    steps: [{run: make}]\n",
            None,
        )
        .unwrap();
        assert_eq!(on_pr.jobs[0].tier, Tier::Untrusted);
    }

    #[test]
    fn finds_publish_and_sign_commands() {
        assert_eq!(publish_and_sign("python3 -m twine upload dist/*").0, ["twine upload"]);
        assert!(publish_and_sign("echo npm-publish-docs").0.is_empty());
        assert!(publish_and_sign("cosign sign --yes $IMAGE").1);
        assert!(!publish_and_sign("echo cosign").1);
    }

    #[test]
    fn reads_event_filters_and_fork_guards() {
        assert_eq!(
            event_filter("github.event_name == 'push' || github.event_name == 'schedule'"),
            Some(vec!["push".into(), "schedule".into()])
        );
        assert_eq!(
            event_filter("${{ github.repository == 'a/b' && github.event_name == 'push' }}"),
            Some(vec!["push".into()])
        );
        assert_eq!(event_filter("github.repository == 'a/b'"), None);
        assert!(excludes_forks("github.event.pull_request.head.repo.full_name == github.repository"));
        assert!(excludes_forks("${{ !github.event.pull_request.head.repo.fork && x }}"));
        assert!(!excludes_forks("github.event.pull_request.draft == false"));
    }
}
