//! Which CI platform runs the job, on what kind of runner, triggered by what, and
//! where the runner agent keeps its files — from the environment, the event payload,
//! the agent's files and the process tree.

use std::time::SystemTime;

use stance_core::redact::is_secret_name;
use stance_core::report::{AgentInfo, Context, JobAccess, Platform, RunnerKind, Visibility};

use crate::facts::proc::ProcTable;
use crate::host::Host;

/// Whether the kernel and machine belong to this job alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SingleUse {
    /// Evidence that the runner is single-use (the reason).
    Yes(String),
    /// Evidence that it served other jobs (what was seen).
    No(String),
    /// No evidence either way.
    Unknown,
}

/// Third-party runner services for GitHub Actions, recognised by environment variable
/// prefixes or runner-name prefixes. Best effort: a service not listed is classified by
/// `RUNNER_ENVIRONMENT` (they register as self-hosted) and can be declared in stance.toml.
const THIRD_PARTY: &[(&str, &[&str], &[&str])] = &[
    ("Blacksmith", &["BLACKSMITH_"], &["blacksmith"]),
    ("Namespace", &["NSC_"], &["nsc-runner"]),
    ("Depot", &["DEPOT_RUNNER"], &["depot-"]),
    ("WarpBuild", &["WARPBUILD_"], &["warp-"]),
    ("RunsOn", &["RUNS_ON_"], &["runs-on-"]),
    ("Ubicloud", &["UBICLOUD_"], &["ubicloud-"]),
    ("BuildJet", &["BUILDJET_"], &["buildjet-"]),
    ("Cirrus Runners", &["CIRRUS_RUNNER"], &["cirrus-"]),
];

/// Processes that are CI runner agents (listeners and workers). Never counted as lingering.
pub const AGENT_PROCESSES: &[&str] = &[
    "Runner.Listener",
    "Runner.Worker",
    "Agent.Listener",
    "Agent.Worker",
    "run.sh",
    "run-helper.sh",
    "gitlab-runner",
    "buildkite-agent",
    "circleci-launch",
    "circleci-agent",
    "circleci-runner",
];

/// Worker processes that start one job each: their start time is the job's start.
const JOB_WORKERS: &[&str] = &["Runner.Worker", "Agent.Worker"];

/// Variables that every job of a platform gets; not counted as secrets the job was given.
pub const PLATFORM_JOB_TOKENS: &[&str] = &[
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "CI_JOB_TOKEN",
    "CI_JOB_JWT",
    "CI_JOB_JWT_V1",
    "CI_JOB_JWT_V2",
    "BUILDKITE_AGENT_ACCESS_TOKEN",
    "SYSTEM_ACCESSTOKEN",
    "CIRCLE_OIDC_TOKEN",
    "CIRCLE_OIDC_TOKEN_V2",
];

/// What the probe knows about the platform, beyond the report's `Context`.
#[derive(Clone, Debug)]
pub struct PlatformFacts {
    /// The report context.
    pub context: Context,
    /// The job's workspace (checkout), when known.
    pub workspace: Option<String>,
    /// The runner's temp directory for this job, when known.
    pub runner_temp: Option<String>,
    /// The shared tool cache, when known.
    pub tool_cache: Option<String>,
    /// When the job started, when known.
    pub job_start: Option<SystemTime>,
    /// How `job_start` was found.
    pub job_start_source: Option<String>,
    /// Single-use evidence from the platform and the agent's files.
    pub single_use: SingleUse,
    /// The `.runner` settings file of a GitHub/Azure agent, parsed, when readable.
    pub runner_settings: Option<serde_json::Value>,
}

/// Options that override detection.
#[derive(Clone, Debug, Default)]
pub struct PlatformOverrides {
    /// Runner labels declared on the command line.
    pub labels: Vec<String>,
    /// The runner agent's installation directory.
    pub runner_dir: Option<String>,
    /// The workspace to scan.
    pub workspace: Option<String>,
    /// When the job started.
    pub job_start: Option<SystemTime>,
}

fn flag(host: &Host, name: &str) -> bool {
    host.env(name).is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn parent(path: &str) -> Option<String> {
    let p = std::path::Path::new(path.trim_end_matches('/')).parent()?;
    let s = p.to_str()?;
    (!s.is_empty()).then(|| s.to_string())
}

/// Detects the platform, runner and trigger.
pub fn detect(host: &Host, procs: &ProcTable, o: &PlatformOverrides) -> PlatformFacts {
    let mut c = Context::default();
    let mut workspace = None;
    let mut runner_temp = None;
    let mut tool_cache = None;
    let mut single_use = SingleUse::Unknown;
    let mut install_dir: Option<String> = o.runner_dir.clone();
    let mut work_dir: Option<String> = None;

    if flag(host, "GITHUB_ACTIONS") {
        c.platform = Platform::GithubActions;
        github(host, &mut c);
        workspace = host.env("GITHUB_WORKSPACE").map(str::to_string);
        runner_temp = host.env("RUNNER_TEMP").map(str::to_string);
        tool_cache = host.env("RUNNER_TOOL_CACHE").or(host.env("AGENT_TOOLSDIRECTORY")).map(str::to_string);
        work_dir =
            host.env("RUNNER_WORKSPACE").and_then(parent).or_else(|| runner_temp.as_deref().and_then(parent));
        if c.runner.kind == RunnerKind::VendorHosted {
            single_use = SingleUse::Yes("GitHub-hosted runners are fresh virtual machines per job".into());
        } else if c.runner.kind == RunnerKind::ThirdPartyHosted {
            single_use = SingleUse::Yes(format!(
                "{} runners are single-use machines per job",
                c.runner.service.as_deref().unwrap_or("third-party hosted")
            ));
        }
    } else if flag(host, "GITLAB_CI") {
        c.platform = Platform::GitlabCi;
        gitlab(host, &mut c);
        workspace = host.env("CI_PROJECT_DIR").map(str::to_string);
        work_dir = host.env("CI_BUILDS_DIR").map(str::to_string);
        if flag(host, "CI_SHARED_ENVIRONMENT") {
            single_use = SingleUse::No(
                "CI_SHARED_ENVIRONMENT=true: the executor (shell/ssh) shares the environment between jobs"
                    .into(),
            );
        } else if c.runner.kind == RunnerKind::VendorHosted {
            single_use =
                SingleUse::Yes("GitLab.com hosted runners are fresh virtual machines per job".into());
        } else if flag(host, "CI_DISPOSABLE_ENVIRONMENT") {
            single_use = SingleUse::Yes(
                "CI_DISPOSABLE_ENVIRONMENT=true: the executor creates the environment for this job only"
                    .into(),
            );
        }
    } else if flag(host, "BUILDKITE") {
        c.platform = Platform::Buildkite;
        buildkite(host, &mut c);
        workspace = host.env("BUILDKITE_BUILD_CHECKOUT_PATH").map(str::to_string);
        work_dir = host.env("BUILDKITE_BUILD_PATH").map(str::to_string);
        if c.runner.kind == RunnerKind::VendorHosted {
            single_use = SingleUse::Yes("Buildkite hosted agents are single-use".into());
        }
    } else if host.env("JENKINS_URL").is_some() || host.env("JENKINS_HOME").is_some() {
        c.platform = Platform::Jenkins;
        jenkins(host, &mut c);
        workspace = host.env("WORKSPACE").map(str::to_string);
        work_dir = workspace.as_deref().and_then(parent);
        if matches!(host.env("NODE_NAME"), Some("built-in" | "master")) {
            single_use = SingleUse::No(
                "the job runs on the Jenkins controller (NODE_NAME built-in), which serves every job".into(),
            );
        }
    } else if flag(host, "CIRCLECI") {
        c.platform = Platform::Circleci;
        circleci(host, &mut c);
        workspace = host.env("CIRCLE_WORKING_DIRECTORY").map(str::to_string);
    } else if host.env("TF_BUILD").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        c.platform = Platform::AzurePipelines;
        azure(host, &mut c);
        workspace = host.env("BUILD_SOURCESDIRECTORY").map(str::to_string);
        runner_temp = host.env("AGENT_TEMPDIRECTORY").map(str::to_string);
        tool_cache = host.env("AGENT_TOOLSDIRECTORY").map(str::to_string);
        work_dir = host.env("AGENT_WORKFOLDER").map(str::to_string);
        install_dir = install_dir.or_else(|| host.env("AGENT_HOMEDIRECTORY").map(str::to_string));
        if c.runner.kind == RunnerKind::VendorHosted {
            single_use = SingleUse::Yes("Microsoft-hosted agents are fresh virtual machines per job".into());
        }
    } else if flag(host, "CI") {
        c.platform = Platform::OtherCi;
    }
    if let Some(w) = &o.workspace {
        workspace = Some(w.clone());
    }
    for l in &o.labels {
        if !c.runner.labels.contains(l) {
            c.runner.labels.push(l.clone());
        }
    }

    // The agent: from the process tree first (the live truth), then the environment, then
    // well-known install locations.
    let mut agent = AgentInfo::default();
    let mut job_start = o.job_start;
    let mut job_start_source = o.job_start.map(|_| "--job-start".to_string());
    for p in procs.ancestry() {
        if AGENT_PROCESSES.contains(&p.comm.as_str()) || p.comm.starts_with("Runner.") {
            if agent.pid.is_none() {
                agent.pid = Some(p.pid);
                agent.process = Some(p.comm.clone());
            }
            if job_start.is_none() && JOB_WORKERS.contains(&p.comm.as_str()) {
                job_start = p.start;
                job_start_source = Some(format!("start of the runner worker ({})", p.label()));
            }
            if install_dir.is_none() && host.is_live() {
                install_dir = host
                    .read_link(&format!("/proc/{}/exe", p.pid))
                    .ok()
                    .and_then(|exe| exe.parent()?.parent().map(Host::display));
            }
        }
    }
    if install_dir.is_none() {
        let mut candidates: Vec<String> = Vec::new();
        if let Some(w) = &work_dir {
            candidates.extend(parent(w));
        }
        candidates.extend(
            ["/actions-runner", "/opt/actions-runner", "/home/runner/actions-runner", "/runner"]
                .map(String::from),
        );
        for (name, _) in host.list("/home") {
            candidates.push(format!("/home/{name}/actions-runner"));
        }
        install_dir = candidates
            .into_iter()
            .find(|d| host.exists(&format!("{d}/.runner")) || host.exists(&format!("{d}/.agent")));
    }
    let mut runner_settings = None;
    if let Some(dir) = &install_dir {
        for f in [".runner", ".agent", ".credentials", ".credentials_rsaparams", ".env"] {
            let p = format!("{dir}/{f}");
            if host.lstat(&p).is_ok() {
                agent.registration_files.push(p);
            }
        }
        let diag = format!("{dir}/_diag");
        if host.exists(&diag) {
            agent.diag_dir = Some(diag);
        }
        if work_dir.is_none() && host.exists(&format!("{dir}/_work")) {
            work_dir = Some(format!("{dir}/_work"));
        }
        runner_settings = [".runner", ".agent"].iter().find_map(|f| {
            let text = host.read_string(&format!("{dir}/{f}")).ok()?;
            // The file starts with a byte-order mark on some installs.
            serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}')).ok()
        });
        if let Some(v) = agent_version(host, dir) {
            c.runner.agent_version = Some(v);
        }
    }
    // GitLab Runner, Buildkite and Jenkins keep their tokens elsewhere.
    let home = host.env("HOME").unwrap_or("/root").to_string();
    let extra: Vec<String> = match c.platform {
        Platform::GitlabCi => {
            vec!["/etc/gitlab-runner/config.toml".into(), format!("{home}/.gitlab-runner/config.toml")]
        }
        Platform::Buildkite => vec![
            "/etc/buildkite-agent/buildkite-agent.cfg".into(),
            "/usr/local/etc/buildkite-agent/buildkite-agent.cfg".into(),
            format!("{home}/.buildkite-agent/buildkite-agent.cfg"),
        ],
        Platform::Jenkins => host
            .env("JENKINS_HOME")
            .map(|j| {
                vec![
                    format!("{j}/secrets/master.key"),
                    format!("{j}/credentials.xml"),
                    format!("{j}/secrets/hudson.util.Secret"),
                ]
            })
            .unwrap_or_default(),
        _ => vec![],
    };
    for p in extra {
        if host.lstat(&p).is_ok() {
            agent.registration_files.push(p);
        }
    }
    if let Some(s) = &runner_settings
        && s.get("ephemeral").and_then(|v| v.as_bool()) == Some(true)
        && single_use == SingleUse::Unknown
    {
        single_use = SingleUse::Yes("the runner is registered as ephemeral (.runner: ephemeral true)".into());
    }
    if c.runner.kind == RunnerKind::Arc && single_use == SingleUse::Unknown {
        single_use = SingleUse::Yes("Actions Runner Controller runners are ephemeral pods".into());
    }
    agent.install_dir = install_dir;
    agent.work_dir = work_dir;
    if agent != AgentInfo::default() {
        c.agent = Some(agent);
    }
    if c.runner.ephemeral.is_none() {
        c.runner.ephemeral = match single_use {
            SingleUse::Yes(_) => Some(true),
            SingleUse::No(_) => Some(false),
            SingleUse::Unknown => None,
        };
    }
    c.job_started_at = job_start.map(stance_core::time::format_rfc3339);
    c.access = access(host, &c);
    PlatformFacts {
        context: c,
        workspace,
        runner_temp,
        tool_cache,
        job_start,
        job_start_source,
        single_use,
        runner_settings,
    }
}

fn agent_version(host: &Host, dir: &str) -> Option<String> {
    // The GitHub and Azure agents name their assembly with the version in bin/*.deps.json.
    for f in ["bin/Runner.Listener.deps.json", "bin/Agent.Listener.deps.json"] {
        if let Ok(text) = host.read_string(&format!("{dir}/{f}")) {
            for prefix in ["\"Runner.Listener/", "\"Agent.Listener/"] {
                if let Some(i) = text.find(prefix) {
                    let rest = &text[i + prefix.len()..];
                    let v: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
                    if !v.is_empty() {
                        return Some(v);
                    }
                }
            }
        }
    }
    None
}

fn github(host: &Host, c: &mut Context) {
    c.repository = host.env("GITHUB_REPOSITORY").map(str::to_string);
    c.workflow = host.env("GITHUB_WORKFLOW_REF").or(host.env("GITHUB_WORKFLOW")).map(str::to_string);
    c.job = host.env("GITHUB_JOB").map(str::to_string);
    c.git_ref = host.env("GITHUB_REF").map(str::to_string);
    c.runner.name = host.env("RUNNER_NAME").map(str::to_string);
    if let (Some(os), Some(v)) = (host.env("ImageOS"), host.env("ImageVersion")) {
        c.runner.image = Some(format!("{os} {v}"));
    }
    let env_prefix = |p: &str| host.env_vars().any(|(k, _)| k.starts_with(p));
    let name = c.runner.name.clone().unwrap_or_default().to_ascii_lowercase();
    // Only a service's own environment variables classify a runner as hosted by it (which
    // makes it single-use); a runner name is anyone's to choose, so it is only a hint.
    let third = THIRD_PARTY.iter().find(|(_, envs, _)| envs.iter().any(|e| env_prefix(e)));
    let named = THIRD_PARTY.iter().find(|(_, _, names)| names.iter().any(|n| name.starts_with(n)));
    let arc =
        host.env("ACTIONS_RUNNER_CONTAINER_HOOKS").is_some() || host.env("ACTIONS_RUNNER_POD_NAME").is_some();
    c.runner.kind = match host.env("RUNNER_ENVIRONMENT") {
        Some("github-hosted") => {
            c.runner.service = Some("GitHub-hosted".into());
            RunnerKind::VendorHosted
        }
        _ if third.is_some() => {
            c.runner.service = third.map(|t| t.0.to_string());
            RunnerKind::ThirdPartyHosted
        }
        _ if arc => RunnerKind::Arc,
        Some("self-hosted") if named.is_some() => {
            c.runner.service =
                named.map(|t| format!("{}? (runner name only; not trusted as single-use)", t.0));
            RunnerKind::SelfHosted
        }
        Some("self-hosted") => RunnerKind::SelfHosted,
        // Older runners do not set RUNNER_ENVIRONMENT; hosted images carry ImageOS.
        _ if host.env("ImageOS").is_some() && name.starts_with("github actions") => RunnerKind::VendorHosted,
        _ => RunnerKind::Unknown,
    };
    c.trigger.event = host.env("GITHUB_EVENT_NAME").map(str::to_string);
    let payload = host
        .env("GITHUB_EVENT_PATH")
        .and_then(|p| host.read_limited(p, 8 << 20).ok())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    let event = c.trigger.event.clone().unwrap_or_default();
    c.trigger.privileged_trigger = matches!(
        event.as_str(),
        "pull_request_target"
            | "workflow_run"
            | "issue_comment"
            | "issues"
            | "discussion"
            | "discussion_comment"
    );
    if let Some(p) = &payload {
        let repo = &p["repository"];
        c.visibility = match repo["visibility"].as_str() {
            Some("public") => Some(Visibility::Public),
            Some("internal") => Some(Visibility::Internal),
            Some("private") => Some(Visibility::Private),
            _ => repo["private"]
                .as_bool()
                .map(|private| if private { Visibility::Private } else { Visibility::Public }),
        };
        let base_repo = repo["full_name"].as_str().or(c.repository.as_deref()).map(str::to_string);
        let pr = &p["pull_request"];
        if pr.is_object() {
            let head = pr["head"]["repo"]["full_name"].as_str();
            let fork = pr["head"]["repo"]["fork"].as_bool();
            c.trigger.from_fork = match (head, &base_repo) {
                (Some(h), Some(b)) => Some(h != b),
                // A deleted fork's head repository is null.
                (None, _) if pr["head"]["repo"].is_null() => Some(true),
                _ => fork,
            };
            let head_sha = pr["head"]["sha"].as_str();
            let checked_out = host.env("GITHUB_WORKSPACE").and_then(|w| git_head(host, w));
            c.trigger.untrusted_code = match event.as_str() {
                "pull_request" | "pull_request_review" | "pull_request_review_comment" => c.trigger.from_fork,
                "pull_request_target" => match (head_sha, checked_out) {
                    (Some(h), Some(co)) if c.trigger.from_fork == Some(true) => Some(h == co),
                    _ => None,
                },
                _ => None,
            };
        } else if event == "workflow_run" {
            let run = &p["workflow_run"];
            let head = run["head_repository"]["full_name"].as_str();
            if run["event"].as_str().is_some_and(|e| e.starts_with("pull_request")) {
                c.trigger.from_fork = match (head, &base_repo) {
                    (Some(h), Some(b)) => Some(h != b),
                    _ => None,
                };
            }
        } else if event == "issue_comment" && p["issue"]["pull_request"].is_object() {
            // A comment on a pull request: the commenter's input drives a privileged job.
            c.trigger.from_fork = None;
        }
    }
    if matches!(
        event.as_str(),
        "push" | "schedule" | "workflow_dispatch" | "release" | "merge_group" | "create" | "delete"
    ) {
        c.trigger.untrusted_code = Some(false);
        c.trigger.from_fork = Some(false);
    }
}

/// The commit checked out in a git working tree (`.git/HEAD`, following one symbolic ref).
fn git_head(host: &Host, workspace: &str) -> Option<String> {
    let head = host.read_value(&format!("{workspace}/.git/HEAD"))?;
    if let Some(r) = head.strip_prefix("ref: ") {
        return host.read_value(&format!("{workspace}/.git/{}", r.trim()));
    }
    Some(head)
}

fn gitlab(host: &Host, c: &mut Context) {
    c.repository = host.env("CI_PROJECT_PATH").map(str::to_string);
    c.workflow = host.env("CI_CONFIG_PATH").map(str::to_string);
    c.job = host.env("CI_JOB_NAME").map(str::to_string);
    c.git_ref = host.env("CI_COMMIT_REF_NAME").map(str::to_string);
    c.runner.name = host.env("CI_RUNNER_DESCRIPTION").map(str::to_string);
    c.runner.agent_version = host.env("CI_RUNNER_VERSION").map(str::to_string);
    if let Some(tags) = host.env("CI_RUNNER_TAGS") {
        // A JSON array in current GitLab, a comma-separated list in old versions.
        c.runner.labels = serde_json::from_str::<Vec<String>>(tags).unwrap_or_else(|_| {
            tags.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect()
        });
    }
    let desc = c.runner.name.clone().unwrap_or_default();
    let saas = host.env("CI_SERVER_HOST") == Some("gitlab.com")
        && (desc.contains("runners-manager.gitlab.com")
            || c.runner.labels.iter().any(|t| t.starts_with("saas-")));
    c.runner.kind = if saas {
        c.runner.service = Some("GitLab.com hosted runners".into());
        RunnerKind::VendorHosted
    } else if host.env("CI_RUNNER_ID").is_some() {
        RunnerKind::SelfHosted
    } else {
        RunnerKind::Unknown
    };
    c.runner.executor = if flag(host, "CI_SHARED_ENVIRONMENT") {
        Some("shell or ssh (shared environment)".into())
    } else if host.env("KUBERNETES_SERVICE_HOST").is_some() {
        Some("kubernetes".into())
    } else if flag(host, "CI_DISPOSABLE_ENVIRONMENT") {
        Some("disposable (docker, virtual machine or autoscaler)".into())
    } else {
        None
    };
    c.visibility = match host.env("CI_PROJECT_VISIBILITY") {
        Some("public") => Some(Visibility::Public),
        Some("internal") => Some(Visibility::Internal),
        Some("private") => Some(Visibility::Private),
        _ => None,
    };
    c.trigger.event = host.env("CI_PIPELINE_SOURCE").map(str::to_string);
    c.trigger.protected_ref = host.env("CI_COMMIT_REF_PROTECTED").map(|v| v == "true");
    if c.trigger.event.as_deref() == Some("merge_request_event") {
        let src = host.env("CI_MERGE_REQUEST_SOURCE_PROJECT_ID");
        let dst = host.env("CI_MERGE_REQUEST_PROJECT_ID").or(host.env("CI_PROJECT_ID"));
        c.trigger.from_fork = match (src, dst) {
            (Some(s), Some(d)) => Some(s != d),
            _ => None,
        };
        c.trigger.untrusted_code = c.trigger.from_fork;
    } else if matches!(
        c.trigger.event.as_deref(),
        Some("push" | "schedule" | "web" | "api" | "trigger" | "pipeline" | "parent_pipeline")
    ) {
        c.trigger.from_fork = Some(false);
        c.trigger.untrusted_code = Some(false);
    }
}

fn buildkite(host: &Host, c: &mut Context) {
    c.repository =
        host.env("BUILDKITE_REPO").map(|u| stance_core::redact::strip_url_credentials(u).into_owned());
    c.workflow = host.env("BUILDKITE_PIPELINE_SLUG").map(str::to_string);
    c.job = host.env("BUILDKITE_LABEL").or(host.env("BUILDKITE_STEP_KEY")).map(str::to_string);
    c.git_ref = host.env("BUILDKITE_BRANCH").map(str::to_string);
    c.runner.name = host.env("BUILDKITE_AGENT_NAME").map(str::to_string);
    c.runner.agent_version = host.env("BUILDKITE_AGENT_VERSION").map(str::to_string);
    let mut labels: Vec<String> = host
        .env_vars()
        .filter_map(|(k, v)| {
            k.strip_prefix("BUILDKITE_AGENT_META_DATA_").map(|m| format!("{}={v}", m.to_ascii_lowercase()))
        })
        .collect();
    labels.sort();
    c.runner.labels = labels;
    c.runner.kind = match host.env("BUILDKITE_COMPUTE_TYPE") {
        Some("hosted") => {
            c.runner.service = Some("Buildkite hosted agents".into());
            RunnerKind::VendorHosted
        }
        _ => RunnerKind::SelfHosted,
    };
    if let Some(pr) = host.env("BUILDKITE_PULL_REQUEST") {
        c.trigger.event = Some(if pr == "false" { "push".into() } else { "pull_request".into() });
        if pr != "false" {
            let fork = host.env("BUILDKITE_PULL_REQUEST_REPO").map(|r| Some(r) != host.env("BUILDKITE_REPO"));
            c.trigger.from_fork = fork;
            c.trigger.untrusted_code = fork;
        } else {
            c.trigger.from_fork = Some(false);
            c.trigger.untrusted_code = Some(false);
        }
    }
}

fn jenkins(host: &Host, c: &mut Context) {
    c.job = host.env("JOB_NAME").map(str::to_string);
    c.git_ref = host.env("BRANCH_NAME").or(host.env("GIT_BRANCH")).map(str::to_string);
    c.repository = host.env("GIT_URL").map(|u| stance_core::redact::strip_url_credentials(u).into_owned());
    c.runner.name = host.env("NODE_NAME").map(str::to_string);
    c.runner.labels = host
        .env("NODE_LABELS")
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    c.runner.kind = RunnerKind::SelfHosted;
    if host.env("CHANGE_ID").is_some() {
        c.trigger.event = Some("pull_request".into());
        c.trigger.from_fork = Some(host.env("CHANGE_FORK").is_some());
        c.trigger.untrusted_code = c.trigger.from_fork;
    }
}

fn circleci(host: &Host, c: &mut Context) {
    c.repository = match (host.env("CIRCLE_PROJECT_USERNAME"), host.env("CIRCLE_PROJECT_REPONAME")) {
        (Some(o), Some(r)) => Some(format!("{o}/{r}")),
        _ => None,
    };
    c.job = host.env("CIRCLE_JOB").map(str::to_string);
    c.git_ref = host.env("CIRCLE_BRANCH").or(host.env("CIRCLE_TAG")).map(str::to_string);
    // CircleCI sets CIRCLE_PR_* only for pull requests from forks.
    if host.env("CIRCLE_PR_NUMBER").is_some() || host.env("CIRCLE_PR_REPONAME").is_some() {
        c.trigger.event = Some("pull_request".into());
        c.trigger.from_fork = Some(true);
        c.trigger.untrusted_code = Some(true);
    } else if host.env("CIRCLE_PULL_REQUEST").is_some() {
        c.trigger.event = Some("pull_request".into());
        c.trigger.from_fork = Some(false);
    }
}

fn azure(host: &Host, c: &mut Context) {
    c.repository = host.env("BUILD_REPOSITORY_NAME").map(str::to_string);
    c.workflow = host.env("BUILD_DEFINITIONNAME").map(str::to_string);
    c.job = host.env("SYSTEM_JOBDISPLAYNAME").or(host.env("AGENT_JOBNAME")).map(str::to_string);
    c.git_ref = host.env("BUILD_SOURCEBRANCH").map(str::to_string);
    c.runner.name = host.env("AGENT_NAME").map(str::to_string);
    c.runner.agent_version = host.env("AGENT_VERSION").map(str::to_string);
    let name = c.runner.name.clone().unwrap_or_default();
    let hosted =
        host.env("AGENT_CLOUDID").is_some() || name == "Hosted Agent" || name.starts_with("Azure Pipelines");
    c.runner.kind = if hosted {
        c.runner.service = Some("Microsoft-hosted agents".into());
        RunnerKind::VendorHosted
    } else {
        RunnerKind::SelfHosted
    };
    c.trigger.event = host.env("BUILD_REASON").map(str::to_string);
    if c.trigger.event.as_deref() == Some("PullRequest") {
        c.trigger.from_fork = host.env("SYSTEM_PULLREQUEST_ISFORK").map(|v| v.eq_ignore_ascii_case("true"));
        c.trigger.untrusted_code = c.trigger.from_fork;
    }
    c.access.environment = host.env("ENVIRONMENT_NAME").map(str::to_string);
}

fn access(host: &Host, c: &Context) -> JobAccess {
    let oidc = host.env("ACTIONS_ID_TOKEN_REQUEST_URL").is_some()
        || host.env("SYSTEM_OIDCREQUESTURI").is_some()
        || host.env("CIRCLE_OIDC_TOKEN").is_some()
        || host.env("CIRCLE_OIDC_TOKEN_V2").is_some()
        || (c.platform == Platform::Buildkite && host.env("BUILDKITE_AGENT_ACCESS_TOKEN").is_some());
    let mut secret_variables: Vec<String> = host
        .env_vars()
        .filter(|(k, v)| is_secret_name(k) && !v.is_empty() && !PLATFORM_JOB_TOKENS.contains(k))
        .map(|(k, _)| k.to_string())
        .collect();
    secret_variables.sort();
    let environment =
        c.access.environment.clone().or_else(|| host.env("CI_ENVIRONMENT_NAME").map(str::to_string));
    JobAccess { oidc, secret_variables, environment }
}
