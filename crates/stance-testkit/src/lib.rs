//! Helpers shared by stance's test suites.
//!
//! Tests that need something the machine may not have (root, a Python venv, a
//! tool such as `nft`) call [`skip`] with the reason. Outside CI the test then
//! returns early and says so on stderr; when `CI=true` or `STANCE_REQUIRE_ALL=1`
//! is set, a skip is a failure instead, so CI can never pass a test silently.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// True when skipped tests must fail instead (CI, or `STANCE_REQUIRE_ALL=1`).
pub fn skips_forbidden() -> bool {
    let on =
        |name: &str| std::env::var(name).map(|v| v == "1" || v.eq_ignore_ascii_case("true")).unwrap_or(false);
    on("CI") || on("STANCE_REQUIRE_ALL")
}

/// Reports a test as skipped with `reason`, or panics when skips are forbidden.
///
/// Call it as `if let Some(..) = .. else { return skip("..") };` and return.
pub fn skip(reason: &str) {
    if skips_forbidden() {
        panic!("test needs something this machine lacks and skips are forbidden here (CI): {reason}");
    }
    eprintln!("SKIPPED: {reason}");
    record_skip(reason);
}

/// Appends `test: reason` to the file named by `STANCE_SKIP_LOG`, so that the test command
/// can list every skipped test at the end (the test runner hides a passing test's output).
fn record_skip(reason: &str) {
    let Some(path) = std::env::var_os("STANCE_SKIP_LOG") else { return };
    let test = std::thread::current().name().unwrap_or("unknown test").to_string();
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        use std::io::Write as _;
        let _ = writeln!(f, "{test}: {reason}");
    }
}

/// Reports a test as skipped because the shared data folder (`../shared`: the CI corpus and
/// incident cases, which are not part of the repository) is absent. Unlike [`skip`] this
/// never fails under CI: the data is an input of the checkout, not of the machine.
pub fn skip_without_data(reason: &str) {
    eprintln!("SKIPPED (shared data absent): {reason}");
    record_skip(&format!("shared data absent: {reason}"));
}

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|p| p.join("Cargo.lock").exists() || p.join(".ci").exists())
        .unwrap_or(here)
        .to_path_buf()
}

/// True when the tests run as root (needed for namespaces, nftables, mounts).
pub fn is_root() -> bool {
    // The effective uid of this process, read without libc: /proc/self/status.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|v| v == "0"))
        })
        .unwrap_or(false)
}

/// The Python interpreter of the test venv (`STANCE_PYTHON`, else `.venv/bin/python`
/// at the workspace root), if it exists. The README's test command creates it.
pub fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STANCE_PYTHON") {
        let p = PathBuf::from(p);
        return p.exists().then_some(p);
    }
    let p = workspace_root().join(".venv/bin/python");
    p.exists().then_some(p)
}

/// Path of an executable on `PATH`, if present.
pub fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(tool)).find(|p| p.is_file())
}

/// The shared read-only data folder (`../shared` beside the workspace), if present.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STANCE_SHARED_DIR") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = workspace_root().join("../shared");
    p.is_dir().then_some(p)
}

/// A `Command` for a built binary with CI-related variables removed, so the
/// product's platform detection sees only what the test sets.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let Some(k) = key.to_str() else { continue };
        if is_ci_variable(k) {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Whether an environment variable name belongs to a CI system and must not leak
/// into a test of platform detection.
pub fn is_ci_variable(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "GITHUB_",
        "RUNNER_",
        "ACTIONS_",
        "CI_",
        "GITLAB_",
        "BUILDKITE",
        "JENKINS_",
        "CIRCLE",
        "SYSTEM_",
        "AGENT_",
        "BUILD_",
        "TF_BUILD",
        "STANCE_",
        "IMAGE",
        "NSC_",
        "DEPOT_",
        "BLACKSMITH",
        "WARPBUILD",
        "RUNS_ON",
        "KUBERNETES_",
        "Image",
        "HOSTED_",
        "CIRRUS",
        "TRAVIS",
        "TEAMCITY",
        "BITBUCKET_",
        "DRONE",
        "WOODPECKER",
        "SEMAPHORE",
    ];
    name == "CI" || PREFIXES.iter().any(|p| name.starts_with(p))
}
