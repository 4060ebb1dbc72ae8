//! Secrets: credentials in the environment, in files, in logs, in other processes.

use std::path::PathBuf;
use std::time::Instant;

use stance_core::model::{Confidence, Evidence, EvidenceKind};
use stance_core::report::Platform;
use stance_secrets::{PatternSet, ScanOptions, ScanReport, scan_paths};

use super::capped;
use crate::ctx::{Ctx, Eval, SecretScans};
use crate::facts::platform::{AGENT_PROCESSES, PLATFORM_JOB_TOKENS};
use crate::host::Access;

/// Secret kinds that are short-lived by design: not findings of `long-lived-secrets-in-env`.
const SHORT_LIVED: &[&str] = &["github-installation-token", "gitlab-ci-job-token", "jwt"];

/// `long-lived-secrets-in-env`.
pub fn long_lived_secrets_in_env(ctx: &Ctx<'_>) -> Eval {
    if !ctx.host.env_known() {
        return Eval::na("an offline tree has no job environment");
    }
    let set = PatternSet::builtin();
    let mut found = Vec::new();
    let mut named = 0usize;
    for (name, value) in ctx.host.env_vars() {
        if PLATFORM_JOB_TOKENS.contains(&name) || value.is_empty() {
            continue;
        }
        let matches = set.scan_bytes(value.as_bytes());
        let long: Vec<_> = matches
            .iter()
            .filter(|m| !SHORT_LIVED.contains(&m.pattern))
            // AWS keys starting with ASIA are temporary (STS) credentials.
            .filter(|m| {
                !(m.pattern == "aws-access-key-id"
                    && value.as_bytes().get(m.offset..m.offset + 4) == Some(b"ASIA"))
            })
            .collect();
        if let Some(m) = long.first() {
            let fp = if m.fingerprint.is_empty() { String::new() } else { format!(", {}", m.fingerprint) };
            found.push(Evidence::env(name).with_detail(format!("{}, {} bytes{fp}", m.pattern, m.length)));
        } else if stance_core::redact::is_secret_name(name) {
            named += 1;
        }
    }
    if found.is_empty() {
        let e = Eval::pass(format!(
            "no long-lived credential format in the environment ({named} other secret-named variable(s) of unknown kind)"
        ));
        if named > 0 { e.confidence(Confidence::Medium) } else { e }
    } else {
        Eval::fail(format!("{} long-lived credential(s) in the job environment", found.len())).with_all(found)
    }
}

/// Credential files: path under a base directory, kind, and what content makes it a credential.
const CREDENTIAL_FILES: &[(&str, &str, &[&str])] = &[
    (".git-credentials", "git credential store", &["://"]),
    (".netrc", "netrc", &["password"]),
    (".docker/config.json", "Docker registry auth", &["\"auth\"", "identitytoken"]),
    (".npmrc", "npm token", &["_authToken", "_auth", "_password"]),
    (".pypirc", "PyPI credentials", &["password"]),
    (".aws/credentials", "AWS credentials", &["aws_secret_access_key"]),
    (".config/gcloud/application_default_credentials.json", "Google Cloud credentials", &[]),
    (".config/gcloud/credentials.db", "Google Cloud credentials", &[]),
    (".azure/msal_token_cache.json", "Azure CLI tokens", &[]),
    (".azure/accessTokens.json", "Azure CLI tokens", &[]),
    (".kube/config", "kubeconfig", &["token:", "client-key-data", "password"]),
    (".ssh/id_rsa", "SSH private key", &[]),
    (".ssh/id_ecdsa", "SSH private key", &[]),
    (".ssh/id_ed25519", "SSH private key", &[]),
    (".ssh/id_dsa", "SSH private key", &[]),
    (".config/gh/hosts.yml", "GitHub CLI token", &["oauth_token"]),
    (".cargo/credentials.toml", "crates.io token", &["token"]),
    (".cargo/credentials", "crates.io token", &["token"]),
    (".gem/credentials", "RubyGems key", &[":"]),
    (".m2/settings.xml", "Maven server password", &["<password>"]),
    (".gradle/gradle.properties", "Gradle credentials", &["password", "token", "Password", "Token"]),
    (".vault-token", "Vault token", &[]),
    (".terraform.d/credentials.tfrc.json", "Terraform Cloud token", &["token"]),
];

/// `credential-files-present`.
pub fn credential_files_present(ctx: &Ctx<'_>) -> Eval {
    let mut bases = Vec::new();
    bases.extend(ctx.home());
    bases.extend(ctx.platform().workspace.clone());
    if bases.is_empty() {
        return Eval::unknown("neither the home directory nor the workspace is known");
    }
    let h = ctx.host;
    let mut found = Vec::new();
    for base in &bases {
        for (rel, kind, markers) in CREDENTIAL_FILES {
            let path = format!("{}/{rel}", base.trim_end_matches('/'));
            // Followed inside the root: a credential file is often a link to a mounted secret.
            let Ok(md) = h.stat(&path) else { continue };
            if !md.is_file() || md.len() == 0 {
                continue;
            }
            let holds = markers.is_empty()
                || h.read_limited(&path, 256 * 1024).is_ok_and(|b| {
                    let t = String::from_utf8_lossy(&b);
                    markers.iter().any(|m| t.contains(m))
                });
            if holds {
                found.push(Evidence::path(path).with_detail(*kind));
            }
        }
    }
    if let Some(p) = h.env("GOOGLE_APPLICATION_CREDENTIALS")
        && h.exists(p)
    {
        found.push(
            Evidence::env("GOOGLE_APPLICATION_CREDENTIALS")
                .with_detail(format!("points at credential file {p}")),
        );
    }
    if found.is_empty() {
        Eval::pass(format!("no credential file in {}", bases.join(", ")))
    } else {
        Eval::fail(format!("{} credential file(s) on disk", found.len())).with_all(found)
    }
}

/// Registration files that hold secrets (the `.runner`/`.agent` settings do not).
fn is_secret_registration_file(p: &str) -> bool {
    !(p.ends_with("/.runner") || p.ends_with("/.agent"))
}

/// `runner-credentials-readable`.
pub fn runner_credentials_readable(ctx: &Ctx<'_>) -> Eval {
    let p = ctx.platform();
    let files: Vec<String> = p
        .context
        .agent
        .as_ref()
        .map(|a| a.registration_files.iter().filter(|f| is_secret_registration_file(f)).cloned().collect())
        .unwrap_or_default();
    if files.is_empty() {
        let dir = p.context.agent.as_ref().and_then(|a| a.install_dir.clone());
        return match (p.context.platform, dir) {
            (Platform::None, None) => Eval::na("not a CI job and no runner agent found"),
            (_, Some(d)) if ctx.host.stat(&d).is_ok_and(|m| m.is_dir()) => {
                Eval::pass(format!("no registration credential file in {d}")).confidence(Confidence::Medium)
            }
            (_, Some(d)) => Eval::unknown(format!("the runner directory {d} does not exist")),
            (_, None) => Eval::unknown("the runner agent's files were not found (pass --runner-dir)"),
        };
    }
    let mut readable = Vec::new();
    let mut closed = Vec::new();
    let mut undecided = Vec::new();
    for f in files {
        match ctx.host.can(&f, Access::Read) {
            Some(true) => readable.push(Evidence::path(f).with_detail("readable by the job user")),
            Some(false) => closed.push(Evidence::path(f).with_detail("not readable by the job user")),
            None => undecided.push(Evidence::path(f).with_detail("access cannot be determined")),
        }
    }
    if !readable.is_empty() {
        Eval::fail_unless_single_use(
            "the job can read the runner's registration credentials",
            ctx.single_use_kernel(),
        )
        .with_all(readable)
    } else if !undecided.is_empty() {
        Eval::unknown("whether the job user can read the registration credentials cannot be determined (no job identity)")
            .with_all(undecided)
    } else {
        Eval::pass("the runner's registration credentials are not readable by the job").with_all(closed)
    }
}

/// Runs the workspace and log scans within the options' budgets.
pub(crate) fn run_scans(ctx: &Ctx<'_>) -> SecretScans {
    let mut out = SecretScans::default();
    if !ctx.opts.secret_scan {
        return out;
    }
    let set = PatternSet::builtin();
    let deadline = Instant::now() + ctx.opts.scan_budget;
    let opts = ScanOptions {
        deadline: Some(deadline),
        max_total_bytes: ctx.opts.scan_max_bytes,
        ..ScanOptions::default()
    };
    let real = |p: &str| ctx.host.resolve(p, true).ok();
    // One byte budget for the three scans: each later one gets what the earlier ones left.
    let mut left = ctx.opts.scan_max_bytes;
    let mut scan = |roots: &[PathBuf], o: &ScanOptions| {
        let r = scan_paths(set, roots, &ScanOptions { max_total_bytes: left, ..o.clone() });
        left = left.saturating_sub(r.stats.bytes_read);
        r
    };
    if let Some(ws) = ctx.platform().workspace.clone()
        && let Some(r) = real(&ws)
    {
        out.workspace = Some((ws, scan(&[r], &opts)));
    }
    // Runner diagnostic logs in full; temp directories shallowly (what matters there is
    // what earlier jobs left, and logs).
    let mut logs: Vec<String> = Vec::new();
    logs.extend(ctx.platform().context.agent.as_ref().and_then(|a| a.diag_dir.clone()));
    let mut temps: Vec<String> = vec!["/tmp".into(), "/var/tmp".into()];
    temps.extend(ctx.platform().runner_temp.clone());
    temps.retain(|t| ctx.host.exists(t));
    let mut roots: Vec<PathBuf> = logs.iter().filter_map(|l| real(l)).collect();
    let mut report = if roots.is_empty() { None } else { Some(scan(&roots, &opts)) };
    if !temps.is_empty() {
        let shallow = ScanOptions { max_depth: 3, ..opts.clone() };
        roots = temps.iter().filter_map(|t| real(t)).collect();
        let r = scan(&roots, &shallow);
        report = Some(match report {
            None => r,
            Some(mut a) => {
                a.merge(r);
                a
            }
        });
        logs.extend(temps);
    }
    if let Some(r) = report {
        out.logs = Some((logs, r));
    }
    out
}

/// Evidence for the hits of a scan, with paths shown inside the probed root.
fn hit_evidence(ctx: &Ctx<'_>, r: &ScanReport, keep: impl Fn(&str) -> bool) -> Vec<Evidence> {
    let root = ctx.host.root().to_string_lossy().trim_end_matches('/').to_string();
    let mut ev = Vec::new();
    for hit in &r.hits {
        let p = hit.path.to_string_lossy();
        let shown =
            if root.is_empty() { p.to_string() } else { p.strip_prefix(&root).unwrap_or(&p).to_string() };
        if !keep(&shown) {
            continue;
        }
        for m in &hit.matches {
            let fp = if m.fingerprint.is_empty() { String::new() } else { format!(", {}", m.fingerprint) };
            ev.push(
                Evidence::new(EvidenceKind::Secret, format!("{shown}:{}:{}", m.line, m.column))
                    .with_detail(format!("{}, {} bytes{fp}", m.pattern, m.length)),
            );
        }
    }
    ev
}

fn scan_eval(
    ctx: &Ctx<'_>,
    what: &str,
    scan: Option<(String, &ScanReport)>,
    keep: impl Fn(&str) -> bool,
    none: Eval,
) -> Eval {
    if !ctx.opts.secret_scan {
        return Eval::unknown("the secret scan was turned off (--no-secret-scan)");
    }
    let Some((roots, r)) = scan else { return none };
    let ev = hit_evidence(ctx, r, keep);
    if !ev.is_empty() {
        let n = ev.len();
        return Eval::fail(format!("{n} secret(s) found in {what}"))
            .with_all(capped(ev, 25, |m| Evidence::observation(format!("… and {m} more"))));
    }
    if let Some(t) = &r.truncated {
        return Eval::unknown(format!(
            "the scan of {roots} stopped early ({t}) and found nothing before that"
        ));
    }
    if let Some(e) = r.root_errors.first() {
        return Eval::unknown(format!("{} could not be scanned: {}", e.path.display(), e.error));
    }
    Eval::pass(format!(
        "no secret in {roots} ({} files, {} bytes scanned)",
        r.stats.files_scanned, r.stats.bytes_scanned
    ))
}

/// `secrets-in-workspace`.
pub fn secrets_in_workspace(ctx: &Ctx<'_>) -> Eval {
    let scans = ctx.secret_scans();
    let none = if ctx.platform().context.platform == Platform::None {
        Eval::na("not a CI job: no workspace (pass --workspace to scan one)")
    } else {
        Eval::unknown("the job's workspace is not known (pass --workspace)")
    };
    // Tokens in .git/config are persisted-git-credentials' business.
    scan_eval(
        ctx,
        "the workspace",
        scans.workspace.as_ref().map(|(w, r)| (w.clone(), r)),
        |p| !p.ends_with("/.git/config"),
        none,
    )
}

/// `secrets-in-logs`.
pub fn secrets_in_logs(ctx: &Ctx<'_>) -> Eval {
    let scans = ctx.secret_scans();
    let none = Eval::na("no runner log or temp directory found");
    let diag = ctx.platform().context.agent.as_ref().and_then(|a| a.diag_dir.clone());
    let job_start = ctx.job_start().map(|(t, _)| t);
    let own_commands = ctx.platform().runner_temp.clone().map(|t| format!("{t}/_runner_file_commands/"));
    // Everything in the runner's diagnostic logs counts; in temp directories, log files and
    // files from before this job do (the job's own files are its business).
    let keep = |p: &str| {
        if diag.as_deref().is_some_and(|d| p.starts_with(&format!("{d}/"))) {
            return true;
        }
        if own_commands.as_deref().is_some_and(|c| p.starts_with(c)) {
            return false;
        }
        let name = p.rsplit('/').next().unwrap_or(p);
        let is_log = [".log", ".txt", ".out", ".err"].iter().any(|e| name.ends_with(e));
        let earlier = job_start
            .is_some_and(|s| ctx.host.lstat(p).ok().and_then(|m| m.modified().ok()).is_some_and(|m| m < s));
        is_log || earlier
    };
    scan_eval(
        ctx,
        "runner logs and temp files",
        scans.logs.as_ref().map(|(l, r)| (l.join(", "), r)),
        keep,
        none,
    )
}

/// Whether a remote URL carries credentials: any userinfo in an http(s) URL (a token as the
/// user name is common), a `user:password@` in other schemes (`ssh://git@host` is not one).
fn url_has_credentials(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else { return false };
    let Some(authority) = rest.split(['/', '?', '#']).next() else { return false };
    let Some((userinfo, _)) = authority.rsplit_once('@') else { return false };
    let scheme = scheme.trim().to_ascii_lowercase();
    matches!(scheme.as_str(), "http" | "https") || userinfo.contains(':')
}

/// Looks for tokens in a git config file and the files it includes (`[include] path`,
/// `[includeIf ...] path`; actions/checkout v6 keeps the token in an included file under
/// RUNNER_TEMP). Bounded to a few levels of includes.
fn git_config_credentials(ctx: &Ctx<'_>, path: &str, depth: usize, found: &mut Vec<Evidence>) {
    let Ok(text) = ctx.host.read_string(path) else { return };
    let dir = path.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
    let mut in_include = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            let section = t.to_ascii_lowercase();
            in_include = section.starts_with("[include]") || section.starts_with("[includeif");
            continue;
        }
        let Some((key, value)) = t.split_once('=') else { continue };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().trim_matches('"');
        if key.contains("extraheader") && value.to_ascii_lowercase().contains("authorization") {
            found.push(
                Evidence::path(path.to_string())
                    .with_detail(format!("line {}: http extraheader with an Authorization token", i + 1)),
            );
        } else if (key == "url" || key == "pushurl") && url_has_credentials(value) {
            found.push(
                Evidence::path(path.to_string())
                    .with_detail(format!("line {}: remote URL with embedded credentials", i + 1)),
            );
        } else if in_include && key == "path" && depth < 3 {
            let target = if let Some(rest) = value.strip_prefix("~/") {
                match ctx.home() {
                    Some(h) => format!("{h}/{rest}"),
                    None => continue,
                }
            } else if value.starts_with('/') {
                value.to_string()
            } else {
                format!("{dir}/{value}")
            };
            git_config_credentials(ctx, &target, depth + 1, found);
        }
    }
}

/// `persisted-git-credentials`.
pub fn persisted_git_credentials(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let mut found = Vec::new();
    let ws = ctx.platform().workspace.clone();
    if let Some(w) = &ws {
        git_config_credentials(ctx, &format!("{w}/.git/config"), 0, &mut found);
    }
    let home = ctx.home();
    if let Some(home) = &home {
        let store = format!("{home}/.git-credentials");
        if h.lstat(&store).is_ok_and(|m| m.len() > 0) {
            found.push(Evidence::path(store).with_detail("git credential store file"));
        }
        if let Ok(cfg) = h.read_string(&format!("{home}/.gitconfig"))
            && cfg.lines().any(|l| l.trim().starts_with("helper") && l.contains("store"))
        {
            found.push(
                Evidence::path(format!("{home}/.gitconfig"))
                    .with_detail("credential.helper store writes tokens to disk"),
            );
        }
    }
    if ws.is_none() && home.is_none() {
        return Eval::unknown("neither the workspace nor the home directory is known");
    }
    if found.is_empty() {
        Eval::pass("no git token is persisted on disk")
    } else {
        Eval::fail("a git token is persisted on disk").with_all(found)
    }
}

/// `other-process-memory-readable`.
pub fn other_process_memory_readable(ctx: &Ctx<'_>) -> Eval {
    let procs = ctx.procs();
    if procs.procs.is_empty() {
        return Eval::unknown("no process information (offline root or /proc missing)");
    }
    let Some(id) = ctx.host.identity() else { return Eval::unknown("the job user's identity is not known") };
    let Some(self_pid) = procs.self_pid else {
        return Eval::unknown("the probe cannot find itself in /proc");
    };
    let scope = ctx.sysctl_num("kernel.yama.ptrace_scope");
    let cap_ptrace = id.has_cap(19);
    // Yama only restricts attaching (memory); reading another same-user process's environment
    // is allowed whatever the scope.
    let attach_same_uid = matches!(scope, None | Some(0));
    let attach_any = cap_ptrace && scope != Some(3);
    let mut memory = Vec::new();
    let mut environ = Vec::new();
    for p in &procs.procs {
        if p.pid == self_pid || p.is_kernel_thread() || p.pid == 1 || procs.descends_from(p.pid, self_pid) {
            continue;
        }
        let same = p.uid == Some(id.uid);
        let agent = AGENT_PROCESSES.contains(&p.comm.as_str());
        if attach_any || (same && attach_same_uid) {
            if agent || same {
                memory.push((
                    agent,
                    Evidence::new(EvidenceKind::Process, p.label()).with_detail(if agent {
                        "runner agent: memory readable"
                    } else {
                        "memory readable"
                    }),
                ));
            }
        } else if same && agent {
            environ.push(
                Evidence::new(EvidenceKind::Process, p.label())
                    .with_detail("runner agent: environment readable"),
            );
        }
    }
    let how = if attach_any {
        "the job holds CAP_SYS_PTRACE".to_string()
    } else {
        match scope {
            None => "Yama is not loaded, so ptrace between same-user processes is unrestricted".to_string(),
            Some(s) => format!("kernel.yama.ptrace_scope is {s}"),
        }
    };
    memory.sort_by_key(|(agent, _)| !*agent);
    if memory.iter().any(|(agent, _)| *agent) || (!memory.is_empty() && attach_any) {
        let n = memory.len();
        return Eval::fail(format!("the job can read the memory of {n} other process(es), including the runner agent's or other users'"))
            .with(Evidence::setting("ptrace", how))
            .with_all(capped(memory.into_iter().map(|(_, e)| e).collect(), 10, |m| Evidence::observation(format!("… and {m} more"))));
    }
    if !memory.is_empty() {
        let n = memory.len();
        return Eval::fail_unless_single_use(
            format!("the job can read the memory of {n} other process(es) of its user"),
            ctx.single_use_kernel(),
        )
        .with(Evidence::setting("ptrace", how))
        .with_all(capped(memory.into_iter().map(|(_, e)| e).collect(), 10, |m| {
            Evidence::observation(format!("… and {m} more"))
        }));
    }
    if !environ.is_empty() {
        return Eval::warn("the job can read the runner agent's environment (same user)").with_all(environ);
    }
    if id.cap_eff.is_none() && scope != Some(3) {
        return Eval::unknown(
            "the job's capabilities are not readable, so CAP_SYS_PTRACE cannot be ruled out",
        );
    }
    Eval::pass("the job cannot read other processes' memory").with(Evidence::setting("ptrace", how))
}

/// `ssh-agent-forwarded`.
pub fn ssh_agent_forwarded(ctx: &Ctx<'_>) -> Eval {
    if !ctx.host.env_known() {
        return Eval::na("an offline tree has no job environment");
    }
    let Some(sock) = ctx.host.env("SSH_AUTH_SOCK") else {
        return Eval::pass("no SSH agent socket in the environment");
    };
    use std::os::unix::fs::FileTypeExt;
    match ctx.host.lstat(sock) {
        Ok(md) if md.file_type().is_socket() => Eval::fail("an SSH agent socket is reachable from the job")
            .with(Evidence::env("SSH_AUTH_SOCK").with_detail(format!("{sock} is a live socket")))
            .confidence(Confidence::Medium),
        _ => Eval::pass("SSH_AUTH_SOCK points at no live socket")
            .with(Evidence::env("SSH_AUTH_SOCK").with_detail("stale")),
    }
}
