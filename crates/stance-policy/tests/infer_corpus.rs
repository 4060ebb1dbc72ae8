//! `--tier auto` on real workflows from the shared corpus, in simulated GitHub
//! Actions and GitLab CI jobs: environment variables, an event payload and a
//! checkout in a temporary directory. The report context comes from the probe's
//! own platform detection, as in a real run.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use stance_core::model::Tier;
use stance_core::report::Context;
use stance_policy::JobEnv;
use stance_policy::config::Policy;
use stance_policy::infer::{Inference, Method, ScanJobModel, Undecided, infer, resolve};

const SHA: &str = "1f0c3a5e9d7b2c4a6e8f0b1d3c5a7e9f2b4d6c8a";
const MERGE_SHA: &str = "aa11bb22cc33dd44ee55ff6600778899aabbccdd";

/// A corpus file; `None` only when the shared data folder is absent (a missing file in a
/// present corpus is a failure, not a skip).
fn corpus(rel: &str) -> Option<PathBuf> {
    let p = stance_testkit::shared_dir()?.join("corpus").join(rel);
    assert!(p.is_file(), "corpus file {} is missing", p.display());
    Some(p)
}

/// A simulated job: a checkout at `head`, an event payload, variables.
struct Job {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

impl Job {
    fn new(head: &str) -> Job {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(ws.join(".git")).unwrap();
        std::fs::write(ws.join(".git/HEAD"), format!("{head}\n")).unwrap();
        Job { dir, env: BTreeMap::new() }
    }

    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    fn set(mut self, k: &str, v: &str) -> Job {
        self.env.insert(k.into(), v.into());
        self
    }

    fn file(self, corpus_file: &Path, rel: &str) -> Job {
        let dest = self.ws().join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(corpus_file, dest).unwrap();
        self
    }

    /// A GitHub Actions job of `repo` running `workflow` (copied from the corpus) for `event`.
    fn github(
        corpus_file: &Path,
        repo: &str,
        workflow: &str,
        job: &str,
        event: &str,
        payload: serde_json::Value,
    ) -> Job {
        let head = if event == "pull_request" { MERGE_SHA } else { SHA };
        let j = Job::new(head);
        let event_path = j.dir.path().join("event.json");
        std::fs::write(&event_path, payload.to_string()).unwrap();
        let ws = j.ws().display().to_string();
        j.file(corpus_file, &format!(".github/workflows/{workflow}"))
            .set("GITHUB_ACTIONS", "true")
            .set("RUNNER_ENVIRONMENT", "github-hosted")
            .set("GITHUB_REPOSITORY", repo)
            .set("GITHUB_EVENT_NAME", event)
            .set("GITHUB_EVENT_PATH", &event_path.display().to_string())
            .set("GITHUB_WORKSPACE", &ws)
            .set("GITHUB_WORKFLOW_REF", &format!("{repo}/.github/workflows/{workflow}@refs/heads/main"))
            .set("GITHUB_WORKFLOW_SHA", head)
            .set("GITHUB_SHA", head)
            .set("GITHUB_JOB", job)
    }

    /// A GitLab CI job `job` of the configuration `config` (copied from the corpus).
    fn gitlab(corpus_file: &Path, config: &str, job: &str, source: &str) -> Job {
        let j = Job::new(SHA);
        let ws = j.ws().display().to_string();
        j.file(corpus_file, config)
            .set("GITLAB_CI", "true")
            .set("CI_PROJECT_PATH", "group/project")
            .set("CI_PROJECT_ID", "100")
            .set("CI_PROJECT_DIR", &ws)
            .set("CI_CONFIG_PATH", config)
            .set("CI_COMMIT_SHA", SHA)
            .set("CI_JOB_NAME", job)
            .set("CI_PIPELINE_SOURCE", source)
            .set("CI_RUNNER_ID", "7")
    }

    fn context(&self) -> Context {
        use stance_probe::facts::platform::{PlatformOverrides, detect};
        use stance_probe::facts::proc::ProcTable;
        // The files of the simulated job are absolute paths on this machine: a host rooted at `/`.
        let host = stance_probe::Host::rooted("/", self.env.clone(), std::time::SystemTime::now());
        detect(&host, &ProcTable::default(), &PlatformOverrides::default()).context
    }

    fn infer(&self) -> Result<Inference, Undecided> {
        let ctx = self.context();
        infer(Some(&ctx), &JobEnv::from_pairs(self.env.clone()), &Policy::builtin().unwrap(), &ScanJobModel)
    }

    fn tier(&self) -> Tier {
        let i = self.infer().unwrap_or_else(|u| panic!("undecided: {u} {:?}", u.reasons));
        assert_eq!(i.method, Method::Inferred);
        i.tier
    }
}

fn push_payload(repo: &str) -> serde_json::Value {
    serde_json::json!({"ref": "refs/tags/v1.0.0", "repository": {"full_name": repo, "private": false}})
}

fn pr_payload(repo: &str, head_repo: &str, fork: bool) -> serde_json::Value {
    serde_json::json!({
        "number": 42,
        "pull_request": {
            "head": {"sha": SHA, "ref": "feature", "repo": {"full_name": head_repo, "fork": fork}},
            "base": {"ref": "main", "repo": {"full_name": repo}}
        },
        "repository": {"full_name": repo, "private": false}
    })
}

macro_rules! corpus_or_skip {
    ($rel:expr) => {
        match corpus($rel) {
            Some(p) => p,
            None => return stance_testkit::skip_without_data(concat!("shared corpus absent: ", $rel)),
        }
    };
}

#[test]
fn a_tag_push_to_a_release_workflow_infers_release() {
    let f = corpus_or_skip!("github/BurntSushi__ripgrep/.github__workflows__release.yml");
    let job = Job::github(
        &f,
        "BurntSushi/ripgrep",
        "release.yml",
        "build-release",
        "push",
        push_payload("BurntSushi/ripgrep"),
    );
    let i = job.infer().unwrap();
    assert_eq!(i.tier, Tier::Release);
    assert!(
        i.reasons.iter().any(|r| r.contains("job `build-release` of .github/workflows/release.yml")
            && r.contains("publishing")),
        "{:?}",
        i.reasons
    );
}

#[test]
fn a_release_event_publishing_to_pypi_infers_release_and_its_build_job_build() {
    let f = corpus_or_skip!("github/elastic__elasticsearch-py/.github__workflows__pypi-publish.yml");
    let payload = serde_json::json!({"action": "published", "release": {"tag_name": "v9.0.0"}, "repository": {"full_name": "elastic/elasticsearch-py", "private": false}});
    let publish = Job::github(
        &f,
        "elastic/elasticsearch-py",
        "pypi-publish.yml",
        "publish",
        "release",
        payload.clone(),
    )
    .set("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.invalid/");
    assert_eq!(publish.tier(), Tier::Release);
    let build = Job::github(&f, "elastic/elasticsearch-py", "pypi-publish.yml", "build", "release", payload);
    assert_eq!(build.tier(), Tier::Build);
}

#[test]
fn a_fork_pull_request_infers_untrusted() {
    let f = corpus_or_skip!("github/BurntSushi__ripgrep/.github__workflows__ci.yml");
    let job = Job::github(
        &f,
        "BurntSushi/ripgrep",
        "ci.yml",
        "test",
        "pull_request",
        pr_payload("BurntSushi/ripgrep", "someone/ripgrep", true),
    );
    let i = job.infer().unwrap();
    assert_eq!(i.tier, Tier::Untrusted);
    assert!(i.reasons.iter().any(|r| r.contains("from a fork")), "{:?}", i.reasons);
}

#[test]
fn a_fork_pull_request_into_a_workflow_with_release_jobs_is_still_untrusted() {
    // GitHub gives fork pull requests no secrets: the job's declared reach does not materialise.
    let f = corpus_or_skip!("github/EmbarkStudios__cargo-deny/.github__workflows__ci.yaml");
    let job = Job::github(
        &f,
        "EmbarkStudios/cargo-deny",
        "ci.yaml",
        "release",
        "pull_request",
        pr_payload("EmbarkStudios/cargo-deny", "someone/cargo-deny", true),
    );
    assert_eq!(job.tier(), Tier::Untrusted);
}

#[test]
fn a_same_repository_pull_request_is_trusted_and_read_from_the_file() {
    let f = corpus_or_skip!("github/BurntSushi__ripgrep/.github__workflows__ci.yml");
    let job = Job::github(
        &f,
        "BurntSushi/ripgrep",
        "ci.yml",
        "test",
        "pull_request",
        pr_payload("BurntSushi/ripgrep", "BurntSushi/ripgrep", false),
    );
    assert_eq!(job.tier(), Tier::Build);
}

#[test]
fn a_push_with_secrets_infers_privileged() {
    let f = corpus_or_skip!("github/spotbugs__sonar-findbugs/.github__workflows__sonar-update-center.yml");
    let job = Job::github(
        &f,
        "spotbugs/sonar-findbugs",
        "sonar-update-center.yml",
        "integration-test",
        "push",
        push_payload("spotbugs/sonar-findbugs"),
    )
    .set("DISCOURSE_API_KEY", "not-a-real-key-0123456789");
    let i = job.infer().unwrap();
    assert_eq!(i.tier, Tier::Privileged);
    assert!(i.reasons.iter().any(|r| r.contains("DISCOURSE_API_KEY")), "{:?}", i.reasons);
    assert!(!i.reasons.iter().any(|r| r.contains("not-a-real-key")), "no secret value in the reasons");
    // The same workflow's job without secrets is a build job.
    let build = Job::github(
        &f,
        "spotbugs/sonar-findbugs",
        "sonar-update-center.yml",
        "build",
        "push",
        push_payload("spotbugs/sonar-findbugs"),
    );
    assert_eq!(build.tier(), Tier::Build);
}

#[test]
fn pull_request_target_checking_out_fork_code_with_secrets_takes_the_stricter_tier() {
    let f = corpus_or_skip!("github/spotbugs__sonar-findbugs/.github__workflows__sonar-update-center.yml");
    let repo = "spotbugs/sonar-findbugs";
    let payload = pr_payload(repo, "someone/sonar-findbugs", true);
    // Under pull_request_target the workflow runs from the base commit, but this job checked out the head.
    let mut job = Job::github(
        &f,
        repo,
        "sonar-update-center.yml",
        "integration-test",
        "pull_request_target",
        payload.clone(),
    );
    job.env.insert("GITHUB_WORKFLOW_SHA".into(), MERGE_SHA.into());
    job.env.insert("GITHUB_SHA".into(), MERGE_SHA.into());
    let ctx = job.context();
    assert_eq!(ctx.trigger.untrusted_code, Some(true), "the probe sees the PR head checked out");
    // The checkout is not the workflow's commit: the file cannot be trusted. The step's
    // environment shows no secret, so the evidence implies only `untrusted`, and a
    // fallback decides the rest.
    let u = job.infer().unwrap_err();
    assert!(u.why.contains("not the commit the job runs from"), "{u}");
    assert_eq!(u.at_least, Tier::Untrusted);
    let policy = Policy::builtin().unwrap();
    assert_eq!(resolve(Err(u.clone()), Some(Tier::Build), &policy).unwrap().tier, Tier::Untrusted);
    assert_eq!(resolve(Err(u), Some(Tier::Privileged), &policy).unwrap().tier, Tier::Privileged);
    // Read from a checkout of the workflow's own commit, the file shows the head checkout and the secret.
    let same =
        Job::github(&f, repo, "sonar-update-center.yml", "integration-test", "pull_request_target", payload);
    let i = same.infer().unwrap();
    assert_eq!(i.tier, Tier::Privileged, "{:?}", i.reasons);
    assert!(i.reasons.iter().any(|r| r.contains("untrusted code")), "{:?}", i.reasons);
}

#[test]
fn a_checkout_of_another_commit_is_not_trusted_as_the_running_workflow() {
    let f = corpus_or_skip!("github/BurntSushi__ripgrep/.github__workflows__release.yml");
    let mut job = Job::github(
        &f,
        "BurntSushi/ripgrep",
        "release.yml",
        "build-release",
        "push",
        push_payload("BurntSushi/ripgrep"),
    );
    job.env.insert("GITHUB_WORKFLOW_SHA".into(), "0".repeat(40));
    let u = job.infer().unwrap_err();
    assert!(u.why.contains("the workflow file was not read"), "{u}");
    // The user's fallback is used, and it is never weaker than the evidence.
    let policy = Policy::builtin().unwrap();
    let r = resolve(Err(u), Some(Tier::Release), &policy).unwrap();
    assert_eq!((r.tier, r.method), (Tier::Release, Method::Fallback));
}

#[test]
fn a_missing_checkout_is_undecided_not_build() {
    let f = corpus_or_skip!("github/BurntSushi__ripgrep/.github__workflows__ci.yml");
    let job =
        Job::github(&f, "BurntSushi/ripgrep", "ci.yml", "test", "push", push_payload("BurntSushi/ripgrep"));
    std::fs::remove_dir_all(job.ws().join(".git")).unwrap();
    let u = job.infer().unwrap_err();
    assert!(u.why.contains("no git checkout in $GITHUB_WORKSPACE"), "{u}");
    assert_eq!(u.at_least, Tier::Build);
}

#[test]
fn a_job_of_another_workflow_is_not_found() {
    let f = corpus_or_skip!("github/BurntSushi__ripgrep/.github__workflows__ci.yml");
    let job = Job::github(
        &f,
        "BurntSushi/ripgrep",
        "ci.yml",
        "no-such-job",
        "push",
        push_payload("BurntSushi/ripgrep"),
    );
    assert!(job.infer().unwrap_err().why.contains("has no job `no-such-job`"));
}

// ------------------------------------------------------------------ GitLab

#[test]
fn gitlab_unprotected_branch_infers_build_and_protected_branch_privileged() {
    let f = corpus_or_skip!("gitlab/git__git/.gitlab-ci.yml");
    let job = Job::gitlab(&f, ".gitlab-ci.yml", "test:linux", "push").set("CI_COMMIT_REF_PROTECTED", "false");
    assert_eq!(job.tier(), Tier::Build);
    let protected =
        Job::gitlab(&f, ".gitlab-ci.yml", "test:linux", "push").set("CI_COMMIT_REF_PROTECTED", "true");
    assert_eq!(protected.tier(), Tier::Privileged);
}

#[test]
fn gitlab_protected_tag_deploying_to_an_environment_infers_release() {
    let f = corpus_or_skip!("gitlab/gitlabhq__gitlab-runner/.gitlab__ci__release.gitlab-ci.yml");
    let cfg = ".gitlab/ci/release.gitlab-ci.yml";
    let tag = Job::gitlab(&f, cfg, "stable S3", "push")
        .set("CI_COMMIT_REF_PROTECTED", "true")
        .set("CI_COMMIT_TAG", "v17.0.0")
        .set("CI_ENVIRONMENT_NAME", "stable/s3");
    let i = tag.infer().unwrap();
    assert_eq!(i.tier, Tier::Release);
    assert!(
        i.reasons.iter().any(|r| r.contains("job `stable S3` of .gitlab/ci/release.gitlab-ci.yml")),
        "{:?}",
        i.reasons
    );
    // On a protected branch (no tag) the same deployment is privileged.
    let branch = Job::gitlab(&f, cfg, "stable S3", "push")
        .set("CI_COMMIT_REF_PROTECTED", "true")
        .set("CI_ENVIRONMENT_NAME", "stable/s3");
    assert_eq!(branch.tier(), Tier::Privileged);
}

#[test]
fn gitlab_merge_request_from_a_fork_infers_untrusted() {
    let f = corpus_or_skip!("gitlab/git__git/.gitlab-ci.yml");
    let job = Job::gitlab(&f, ".gitlab-ci.yml", "test:linux", "merge_request_event")
        .set("CI_COMMIT_REF_PROTECTED", "false")
        .set("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "555")
        .set("CI_MERGE_REQUEST_PROJECT_ID", "100");
    assert_eq!(job.tier(), Tier::Untrusted);
    // From a branch of the project itself it is a build job.
    let same = Job::gitlab(&f, ".gitlab-ci.yml", "test:linux", "merge_request_event")
        .set("CI_COMMIT_REF_PROTECTED", "false")
        .set("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "100")
        .set("CI_MERGE_REQUEST_PROJECT_ID", "100");
    assert_eq!(same.tier(), Tier::Build);
}

#[test]
fn gitlab_matrix_job_names_find_their_definition() {
    let f = corpus_or_skip!("gitlab/git__git/.gitlab-ci.yml");
    let job = Job::gitlab(&f, ".gitlab-ci.yml", "test:linux: [ubuntu:latest, linux-gcc]", "push")
        .set("CI_COMMIT_REF_PROTECTED", "false");
    let i = job.infer().unwrap();
    assert!(i.reasons.iter().any(|r| r.starts_with("job `test:linux` of .gitlab-ci.yml")), "{:?}", i.reasons);
}

#[test]
fn gitlab_without_the_protection_variable_is_undecided() {
    let f = corpus_or_skip!("gitlab/git__git/.gitlab-ci.yml");
    let job = Job::gitlab(&f, ".gitlab-ci.yml", "test:linux", "push");
    let u = job.infer().unwrap_err();
    assert!(u.why.contains("CI_COMMIT_REF_PROTECTED"), "{u}");
}
