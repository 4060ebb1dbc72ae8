//! Ephemerality: single use, and what earlier jobs left behind.

use std::time::{Duration, SystemTime};

use stance_core::model::{Evidence, EvidenceKind};
use stance_core::report::Platform;
use stance_core::time::format_rfc3339;

use super::{capped, mtime};
use crate::ctx::{Ctx, Eval};
use crate::facts::platform::{AGENT_PROCESSES, SingleUse};
use crate::facts::proc::cgroup_of;
use crate::host::{Access, Kind};

/// Files changed this long after boot or later are not part of the machine's provisioning.
const PROVISIONING: Duration = Duration::from_secs(120);
/// Files changed this close to the job start may belong to the job's own setup.
const SLACK: Duration = Duration::from_secs(30);

/// The window in which a file was written by something other than the image or this job:
/// after boot (plus provisioning) and before the job started (minus slack).
fn residue_window(ctx: &Ctx<'_>) -> Option<(Option<SystemTime>, SystemTime)> {
    let (start, _) = ctx.job_start()?;
    let after = ctx.procs().boot.map(|b| b + PROVISIONING);
    Some((after, start.checked_sub(SLACK)?))
}

fn in_window(t: SystemTime, w: &(Option<SystemTime>, SystemTime)) -> bool {
    t < w.1 && w.0.is_none_or(|a| t > a)
}

/// Count of job logs in the agent's diagnostic directory (one per job run there).
fn worker_logs(ctx: &Ctx<'_>) -> Option<(String, usize)> {
    let diag = ctx.platform().context.agent.as_ref()?.diag_dir.clone()?;
    let n = ctx
        .host
        .list(&diag)
        .iter()
        .filter(|(n, k)| *k == Kind::File && (n.starts_with("Worker_") || n.starts_with("Agent.Worker")))
        .count();
    Some((diag, n))
}

/// `runner-not-single-use`.
pub fn runner_not_single_use(ctx: &Ctx<'_>) -> Eval {
    let p = ctx.platform();
    let mut against = Vec::new();
    if let SingleUse::No(why) = &p.single_use {
        against.push(Evidence::observation(why.clone()));
    }
    if let Some((diag, n)) = worker_logs(ctx)
        && n > 1
    {
        against.push(Evidence::path(diag).with_detail(format!("{n} job logs: the runner has run {n} jobs")));
    }
    if let Some(work) = p.context.agent.as_ref().and_then(|a| a.work_dir.clone()) {
        let mapped = ctx
            .host
            .list(&format!("{work}/_PipelineMapping"))
            .into_iter()
            .filter(|(_, k)| *k == Kind::Dir)
            .count();
        let repos: usize = ctx
            .host
            .list(&format!("{work}/_PipelineMapping"))
            .iter()
            .map(|(owner, _)| ctx.host.list(&format!("{work}/_PipelineMapping/{owner}")).len())
            .sum();
        if mapped > 0 && repos > 1 {
            against.push(
                Evidence::path(format!("{work}/_PipelineMapping"))
                    .with_detail(format!("{repos} repositories have run jobs here")),
            );
        }
    }
    if !against.is_empty() {
        return Eval::fail("the runner has served other jobs").with_all(against);
    }
    match &p.single_use {
        SingleUse::Yes(why) => {
            Eval::pass("the runner is single-use").with(Evidence::observation(why.clone()))
        }
        _ if p.context.platform == Platform::None && p.context.agent.is_none() => {
            Eval::na("not a CI job and no runner agent found")
        }
        _ => Eval::unknown(
            "no evidence that the runner is single-use (vendor-hosted, ephemeral registration or disposable executor)",
        ),
    }
}

/// Git repositories (directories holding `.git`) under `dir`, to `depth` levels.
fn git_repos(ctx: &Ctx<'_>, dir: &str, depth: usize, out: &mut Vec<String>) {
    if out.len() > 200 {
        return;
    }
    for (name, kind) in ctx.host.list(dir) {
        if kind != Kind::Dir || name.starts_with('_') && depth == 4 {
            continue;
        }
        let path = format!("{}/{name}", dir.trim_end_matches('/'));
        if name == ".git" {
            out.push(dir.to_string());
            return;
        }
        if depth > 0
            && !name.starts_with('.')
            && !matches!(name.as_str(), "_tool" | "_actions" | "_temp" | "node_modules" | "target")
        {
            git_repos(ctx, &path, depth - 1, out);
        }
    }
}

/// `workspace-residue`.
pub fn workspace_residue(ctx: &Ctx<'_>) -> Eval {
    let p = ctx.platform();
    let Some(work) = p.context.agent.as_ref().and_then(|a| a.work_dir.clone()) else {
        return if p.context.platform == Platform::None {
            Eval::na("not a CI job: no runner work directory")
        } else {
            Eval::unknown("the runner's work directory is not known")
        };
    };
    if !ctx.host.exists(&work) {
        return Eval::unknown(format!("the work directory {work} does not exist"));
    }
    let mine = p.workspace.clone().unwrap_or_default();
    let mut repos = Vec::new();
    git_repos(ctx, &work, 4, &mut repos);
    let mut residue: Vec<Evidence> = repos
        .into_iter()
        .filter(|r| {
            mine.is_empty()
                || !(mine == *r || mine.starts_with(&format!("{r}/")) || r.starts_with(&format!("{mine}/")))
        })
        .map(|r| Evidence::path(r).with_detail("checkout of another job"))
        .collect();
    if let Some(repo) = &p.context.repository {
        for (owner, _) in ctx.host.list(&format!("{work}/_PipelineMapping")) {
            for (name, _) in ctx.host.list(&format!("{work}/_PipelineMapping/{owner}")) {
                let full = format!("{owner}/{name}");
                if !full.eq_ignore_ascii_case(repo) {
                    residue.push(
                        Evidence::path(format!("{work}/_PipelineMapping/{full}"))
                            .with_detail(format!("{full} ran jobs on this runner")),
                    );
                }
            }
        }
    }
    if let Some(w) = residue_window(ctx) {
        let actions = format!("{work}/_actions");
        let old: Vec<String> = ctx
            .host
            .list(&actions)
            .into_iter()
            .filter(|(n, _)| mtime(ctx, &format!("{actions}/{n}")).is_some_and(|t| t < w.1))
            .map(|(n, _)| n)
            .collect();
        if !old.is_empty() {
            residue.push(
                Evidence::path(actions)
                    .with_detail(format!("actions cached by earlier jobs: {}", old.join(", "))),
            );
        }
    }
    if residue.is_empty() {
        Eval::pass("the work directory holds only this job's files").with(Evidence::path(work))
    } else {
        Eval::fail("the work directory holds residue of other jobs")
            .with_all(capped(residue, 15, |m| Evidence::observation(format!("… and {m} more"))))
    }
}

const TEMP_SKIP: &[&str] = &[".X11-unix", ".ICE-unix", ".font-unix", ".XIM-unix", ".Test-unix", "lost+found"];

/// Entries of `dir` changed inside the residue window.
fn residue_in(
    ctx: &Ctx<'_>,
    dir: &str,
    w: &(Option<SystemTime>, SystemTime),
    skip: &dyn Fn(&str) -> bool,
) -> Vec<Evidence> {
    ctx.host
        .list(dir)
        .into_iter()
        .filter(|(n, _)| !skip(n))
        .filter_map(|(n, _)| {
            let path = format!("{}/{n}", dir.trim_end_matches('/'));
            let t = mtime(ctx, &path)?;
            in_window(t, w)
                .then(|| Evidence::path(path).with_detail(format!("changed {}", format_rfc3339(t))))
        })
        .collect()
}

/// `temp-residue`.
pub fn temp_residue(ctx: &Ctx<'_>) -> Eval {
    let Some(w) = residue_window(ctx) else {
        return Eval::unknown(
            "the job's start time is not known (no runner worker process; pass --job-start)",
        );
    };
    let mut dirs = vec!["/tmp".to_string(), "/var/tmp".to_string()];
    dirs.extend(ctx.platform().runner_temp.clone());
    let skip = |n: &str| {
        TEMP_SKIP.contains(&n)
            || n.starts_with("systemd-private-")
            || n.starts_with("snap-private-tmp")
            || n.starts_with("tmux-")
    };
    let found: Vec<Evidence> = dirs.iter().flat_map(|d| residue_in(ctx, d, &w, &skip)).collect();
    if found.is_empty() {
        Eval::pass("temporary directories hold nothing from before this job")
    } else {
        Eval::fail(format!("{} item(s) in temporary directories predate this job", found.len()))
            .with_all(capped(found, 15, |m| Evidence::observation(format!("… and {m} more"))))
    }
}

const HOME_SKIP: &[&str] = &[
    ".cache",
    ".npm",
    ".cargo",
    ".rustup",
    ".local",
    ".dotnet",
    ".nuget",
    ".m2",
    ".gradle",
    ".pyenv",
    ".nvm",
    ".bash_history",
    ".lesshst",
    ".viminfo",
    ".wget-hsts",
    ".sudo_as_admin_successful",
];

/// `home-residue`.
pub fn home_residue(ctx: &Ctx<'_>) -> Eval {
    let Some(home) = ctx.home() else { return Eval::unknown("the job user's home directory is not known") };
    let Some(w) = residue_window(ctx) else {
        return Eval::unknown(
            "the job's start time is not known (no runner worker process; pass --job-start)",
        );
    };
    let skip = |n: &str| !n.starts_with('.') || HOME_SKIP.contains(&n);
    let mut found = residue_in(ctx, &home, &w, &skip);
    for sub in [".ssh", ".aws", ".docker", ".kube", ".config/gh", ".gnupg"] {
        found.extend(residue_in(ctx, &format!("{home}/{sub}"), &w, &|_| false));
    }
    if found.is_empty() {
        Eval::pass(format!("nothing in {home} changed between boot and the job's start"))
    } else {
        Eval::fail(format!("{} file(s) in {home} were changed by earlier jobs", found.len()))
            .with_all(capped(found, 15, |m| Evidence::observation(format!("… and {m} more"))))
    }
}

/// Per-user session processes that are not residue of a job.
const SESSION_PROCESSES: &[&str] = &[
    "systemd",
    "(sd-pam)",
    "dbus-daemon",
    "dbus-broker",
    "sshd",
    "login",
    "agetty",
    "tini",
    "dumb-init",
    "docker-init",
    "catatonit",
    "pause",
];

/// Whether a process runs a program from a system directory or the runner agent's
/// installation (read from `/proc/<pid>/exe`; unreadable means not trusted).
fn trusted_program(ctx: &Ctx<'_>, pid: u32) -> bool {
    let Ok(exe) = ctx.host.read_link(&format!("/proc/{pid}/exe")) else { return false };
    let exe = exe.to_string_lossy();
    // A script's program is its interpreter: that says nothing about the script.
    let base = exe.rsplit('/').next().unwrap_or("");
    if matches!(
        base,
        "sh" | "bash" | "dash" | "zsh" | "ash" | "busybox" | "python3" | "python" | "perl" | "node"
    ) {
        return false;
    }
    let agent = ctx.platform().context.agent.as_ref().and_then(|a| a.install_dir.clone());
    ["/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/"].iter().any(|d| exe.starts_with(d))
        || agent.is_some_and(|a| exe.starts_with(&format!("{}/", a.trim_end_matches('/'))))
}

/// `lingering-processes`.
pub fn lingering_processes(ctx: &Ctx<'_>) -> Eval {
    let procs = ctx.procs();
    if procs.procs.is_empty() {
        return Eval::unknown("no process information (offline root or /proc missing)");
    }
    let Some((start, source)) = ctx.job_start() else {
        return Eval::unknown(
            "the job's start time is not known (no runner worker process; pass --job-start)",
        );
    };
    let Some(id) = ctx.host.identity() else { return Eval::unknown("the job user's identity is not known") };
    let Some(self_pid) = procs.self_pid else {
        return Eval::unknown("the probe cannot find itself in /proc");
    };
    if procs.boot.is_none() {
        return Eval::unknown(
            "the boot time (/proc/stat btime) is not readable, so process start times are unknown",
        );
    }
    let my_cgroup = cgroup_of(ctx.host, self_pid).filter(|c| c != "/");
    if id.uid == 0 && my_cgroup.is_none() {
        return Eval::unknown(
            "the job runs as root without its own control group, so its processes cannot be told from system services",
        );
    }
    let ancestors: Vec<u32> = procs.ancestry().iter().map(|p| p.pid).collect();
    let cutoff = start.checked_sub(Duration::from_secs(2)).unwrap_or(start);
    let mut lingering = Vec::new();
    for p in &procs.procs {
        if p.pid == 1
            || p.is_kernel_thread()
            || ancestors.contains(&p.pid)
            || procs.descends_from(p.pid, self_pid)
        {
            continue;
        }
        // A name is the process's own choice; only a process whose program lives where the
        // job cannot write (a system directory, the agent's installation) is exempted by it.
        if (AGENT_PROCESSES.contains(&p.comm.as_str()) || SESSION_PROCESSES.contains(&p.comm.as_str()))
            && trusted_program(ctx, p.pid)
        {
            continue;
        }
        let Some(started) = p.start else { continue };
        if started >= cutoff {
            continue;
        }
        let same_user = id.uid != 0 && p.uid == Some(id.uid);
        let same_group = my_cgroup.is_some() && cgroup_of(ctx.host, p.pid) == my_cgroup;
        if same_user || same_group {
            lingering.push(
                Evidence::new(EvidenceKind::Process, p.label())
                    .with_detail(format!("started {}", format_rfc3339(started))),
            );
        }
    }
    if lingering.is_empty() {
        Eval::pass("no process from before this job is running")
            .with(Evidence::setting("job start", format!("{} ({source})", format_rfc3339(start))))
    } else {
        Eval::fail(format!("{} process(es) from before this job are still running", lingering.len()))
            .with_all(capped(lingering, 15, |m| Evidence::observation(format!("… and {m} more"))))
            .with(Evidence::setting("job start", format!("{} ({source})", format_rfc3339(start))))
    }
}

/// `persistence-mechanisms`.
pub fn persistence_mechanisms(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let mut found = Vec::new();
    let mut blind = Vec::new();
    let user = h.identity().and_then(|id| ctx.user_name(id.uid));
    if let Some(u) = &user {
        for dir in ["/var/spool/cron/crontabs", "/var/spool/cron", "/var/spool/cron/tabs"] {
            let path = format!("{dir}/{u}");
            match h.lstat(&path) {
                Ok(md) if md.is_file() && md.len() > 0 => {
                    found.push(Evidence::path(path).with_detail(format!("crontab of {u}")))
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => blind.push(dir.to_string()),
                Err(_) => {}
            }
        }
    }
    if let Some(home) = ctx.home() {
        for (dir, what) in
            [(".config/systemd/user", "user systemd unit"), (".config/autostart", "autostart entry")]
        {
            for (n, k) in h.list(&format!("{home}/{dir}")) {
                if matches!(k, Kind::File | Kind::Symlink)
                    && (n.ends_with(".service")
                        || n.ends_with(".timer")
                        || n.ends_with(".desktop")
                        || n.ends_with(".path"))
                {
                    found.push(Evidence::path(format!("{home}/{dir}/{n}")).with_detail(what));
                }
            }
        }
        if let Ok(cfg) = h.read_string(&format!("{home}/.gitconfig"))
            && let Some(line) = cfg.lines().find(|l| l.trim().to_ascii_lowercase().starts_with("hookspath"))
        {
            found.push(
                Evidence::path(format!("{home}/.gitconfig"))
                    .with_detail(format!("global git hooks: {}", line.trim())),
            );
        }
        if let Some(w) = residue_window(ctx) {
            for f in [
                ".ssh/authorized_keys",
                ".bashrc",
                ".profile",
                ".bash_profile",
                ".bash_login",
                ".zshrc",
                ".zprofile",
            ] {
                let path = format!("{home}/{f}");
                if let Some(t) = mtime(ctx, &path).filter(|t| in_window(*t, &w)) {
                    found.push(
                        Evidence::path(path)
                            .with_detail(format!("changed {} by an earlier job", format_rfc3339(t))),
                    );
                }
            }
        }
    }
    if let Ok(cfg) = h.read_string("/etc/gitconfig")
        && let Some(line) = cfg.lines().find(|l| l.trim().to_ascii_lowercase().starts_with("hookspath"))
    {
        found
            .push(Evidence::path("/etc/gitconfig").with_detail(format!("system git hooks: {}", line.trim())));
    }
    for var in ["BASH_ENV", "ENV", "PROMPT_COMMAND"] {
        if h.env(var).is_some() {
            found.push(Evidence::env(var).with_detail("runs code in every shell the job starts"));
        }
    }
    if !found.is_empty() {
        return Eval::fail_unless_single_use(
            format!("{} persistence mechanism(s) found", found.len()),
            ctx.single_use_kernel(),
        )
        .with_all(found);
    }
    if user.is_none() && ctx.home().is_none() {
        return Eval::unknown("neither the job user nor its home directory is known");
    }
    if blind.is_empty() {
        return Eval::pass("no crontab, user unit, autostart entry or global git hook for the job user");
    }
    let blind_ev = blind
        .into_iter()
        .map(|d| Evidence::path(d).with_detail("not readable: a crontab there cannot be ruled out"));
    match ctx.single_use_kernel() {
        // Nothing on a single-use machine outlives the job, so an unseen crontab reaches no one.
        Some(why) => {
            Eval::pass(format!("nothing found, and the machine is single-use ({why})")).with_all(blind_ev)
        }
        None => Eval::unknown(
            "the crontab spool is not readable by the job user, so a user crontab cannot be ruled out",
        )
        .with_all(blind_ev),
    }
}

/// `shared-tool-cache-writable`.
pub fn shared_tool_cache_writable(ctx: &Ctx<'_>) -> Eval {
    let candidates: Vec<String> =
        ctx.platform().tool_cache.iter().cloned().chain(["/opt/hostedtoolcache".to_string()]).collect();
    let Some(cache) = candidates.into_iter().find(|c| ctx.host.exists(c)) else {
        return Eval::na("no shared tool cache on this runner");
    };
    // The cache and its first two levels (tool, version): a root-owned top with tool
    // directories the job owns is just as poisonable.
    let mut dirs = vec![cache.clone()];
    for (tool, k) in ctx.host.list(&cache) {
        if k == Kind::Dir {
            let t = format!("{cache}/{tool}");
            dirs.extend(
                ctx.host
                    .list(&t)
                    .into_iter()
                    .filter(|(_, k)| *k == Kind::Dir)
                    .map(|(v, _)| format!("{t}/{v}")),
            );
            dirs.push(t);
        }
        if dirs.len() > 2000 {
            break;
        }
    }
    let mut writable = Vec::new();
    let mut undecided = 0;
    for d in &dirs {
        match ctx.host.can(d, Access::Write) {
            Some(true) => writable.push(Evidence::path(d.clone()).with_detail("writable by the job user")),
            Some(false) => {}
            None => undecided += 1,
        }
    }
    if !writable.is_empty() {
        let n = writable.len();
        return Eval::fail_unless_single_use(
            format!("{n} director(ies) of the tool cache {cache} are writable by the job"),
            ctx.single_use_kernel(),
        )
        .with_all(capped(writable, 10, |m| Evidence::observation(format!("… and {m} more"))));
    }
    if undecided > 0 {
        return Eval::unknown(format!(
            "whether the job can write the tool cache {cache} cannot be determined"
        ));
    }
    Eval::pass(format!("the tool cache {cache} ({} directories) is read-only for the job", dirs.len()))
        .with(Evidence::path(cache))
}
