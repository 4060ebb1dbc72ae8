//! Integrity: immutable image, image identity, agent and PATH integrity, preloads.

use std::os::unix::fs::MetadataExt;

use stance_core::model::{Confidence, Evidence};
use stance_core::report::Platform;

use crate::ctx::{Ctx, Eval};
use crate::host::Access;

/// `root-fs-writable`.
pub fn root_fs_writable(ctx: &Ctx<'_>) -> Eval {
    let Some(root) = ctx.mounts().iter().rev().find(|m| m.mount_point == "/") else {
        return Eval::unknown("the mount table is not available (offline root)");
    };
    let ev = Evidence::path("/").with_detail(format!(
        "{} {} ({})",
        root.fstype,
        root.source,
        root.options.join(",")
    ));
    if root.read_only() {
        Eval::pass("the root filesystem is mounted read-only").with(ev)
    } else {
        Eval::fail("the root filesystem is mounted read-write").with(ev)
    }
}

/// `image-identity-unknown`.
pub fn image_identity_unknown(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    if let (Some(os), Some(v)) = (h.env("ImageOS"), h.env("ImageVersion")) {
        return Eval::pass(format!("hosted image {os} {v}"))
            .with(Evidence::env("ImageVersion").with_detail(v.to_string()));
    }
    if let Some(os) = ctx.os()
        && let Some(id) = os.get("IMAGE_ID")
    {
        let v = os.get("IMAGE_VERSION").unwrap_or("unversioned");
        return Eval::pass(format!("image {id} {v}"))
            .with(Evidence::setting("/etc/os-release IMAGE_ID", format!("{id} {v}")));
    }
    for f in ["/imagegeneration/imagedata.json", "/etc/image-id", "/etc/stance-image"] {
        if h.exists(f) {
            return Eval::pass("the image records its identity").with(Evidence::path(f));
        }
    }
    Eval::fail("the runner image does not record its name and version")
}

/// `runner-agent-writable`.
pub fn runner_agent_writable(ctx: &Ctx<'_>) -> Eval {
    let p = ctx.platform();
    let mut targets: Vec<String> = Vec::new();
    if let Some(dir) = p.context.agent.as_ref().and_then(|a| a.install_dir.clone()) {
        for f in [
            "",
            "/bin",
            "/bin/Runner.Worker",
            "/bin/Runner.Listener",
            "/bin/Agent.Worker",
            "/run.sh",
            "/run-helper.sh",
            "/config.sh",
            "/externals",
        ] {
            targets.push(format!("{dir}{f}"));
        }
    }
    for b in [
        "/usr/bin/gitlab-runner",
        "/usr/local/bin/gitlab-runner",
        "/usr/bin/buildkite-agent",
        "/usr/local/bin/buildkite-agent",
    ] {
        targets.push(b.to_string());
    }
    let existing: Vec<&String> = targets.iter().filter(|t| ctx.host.exists(t)).collect();
    if existing.is_empty() {
        return if p.context.platform == Platform::None {
            Eval::na("not a CI job and no runner agent found")
        } else {
            Eval::unknown("the runner agent's installation was not found (pass --runner-dir)")
        };
    }
    let mut writable = Vec::new();
    let mut undecided = Vec::new();
    for t in &existing {
        match ctx.host.can(t, Access::Write) {
            Some(true) => writable.push(Evidence::path((*t).clone()).with_detail("writable by the job user")),
            Some(false) => {}
            None => undecided.push(Evidence::path((*t).clone()).with_detail("access cannot be determined")),
        }
    }
    if !writable.is_empty() {
        Eval::fail_unless_single_use(
            "the runner agent's installation is writable by the job",
            ctx.single_use_kernel(),
        )
        .with_all(writable)
    } else if !undecided.is_empty() {
        Eval::unknown(
            "whether the job user can modify the runner agent cannot be determined (no job identity)",
        )
        .with_all(undecided)
    } else {
        Eval::pass(format!("{} agent file(s) checked; none is writable by the job", existing.len()))
    }
}

/// `path-hijack`.
pub fn path_hijack(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let Some(path) = h.env("PATH") else { return Eval::unknown("PATH is not set") };
    let known = h.identity().is_some();
    let root = h.identity().is_some_and(|i| i.uid == 0);
    let entries: Vec<&str> = path.split(':').collect();
    let system = entries
        .iter()
        .position(|e| matches!(*e, "/usr/bin" | "/bin" | "/usr/sbin" | "/sbin"))
        .unwrap_or(entries.len());
    let mut hard = Vec::new();
    let mut soft = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if e.is_empty() || !e.starts_with('/') {
            hard.push(Evidence::env("PATH").with_detail(format!(
                "entry {} is {}: resolves against the current directory",
                i + 1,
                if e.is_empty() { "empty" } else { e }
            )));
            continue;
        }
        // A missing entry is as good as writable when its parent is: anyone who can create it
        // decides what it holds.
        let (dir, missing) = match h.stat(e) {
            Ok(md) if md.is_dir() => (e.to_string(), false),
            Ok(_) => continue,
            Err(_) => match std::path::Path::new(e).parent().and_then(|p| p.to_str()) {
                Some(p) if !p.is_empty() => (p.to_string(), true),
                _ => continue,
            },
        };
        let Ok(md) = h.stat(&dir) else { continue };
        let what =
            if missing { format!("missing, and its parent {dir} is") } else { "directory".to_string() };
        // The sticky bit does not stop anyone from adding a new program to a directory.
        if md.mode() & 0o002 != 0 {
            hard.push(Evidence::path(e.to_string()).with_detail(format!("{what} world-writable, in PATH")));
        } else if root && (md.uid() != 0 || (md.mode() & 0o020 != 0 && md.gid() != 0)) {
            // For a root job, the danger is the other users who can write where root looks.
            hard.push(Evidence::path(e.to_string()).with_detail(format!(
                "{what} writable by a user other than root (owner uid {}, group {}, mode {:o}), in root's PATH",
                md.uid(),
                md.gid(),
                md.mode() & 0o7777
            )));
        } else if !root && i < system && h.can(&dir, Access::Write) == Some(true) {
            soft.push(Evidence::path(e.to_string()).with_detail(format!(
                "{what} writable by the job user, ahead of the system directories (entry {})",
                i + 1
            )));
        }
    }
    if !hard.is_empty() {
        return Eval::fail("PATH has relative, empty or writable-by-others entries")
            .with_all(hard)
            .with_all(soft);
    }
    if !soft.is_empty() {
        return Eval::fail_unless_single_use(
            "user-writable directories come before the system directories in PATH",
            ctx.single_use_kernel(),
        )
        .with_all(soft);
    }
    if !known {
        return Eval::unknown(
            "no relative or world-writable PATH entry, but without the job user's identity the rest cannot be checked",
        );
    }
    Eval::pass(format!("{} PATH entries checked", entries.len()))
}

/// `preload-injection`.
pub fn preload_injection(ctx: &Ctx<'_>) -> Eval {
    let mut found = Vec::new();
    if let Some(v) = ctx.host.env("LD_PRELOAD") {
        found.push(Evidence::env("LD_PRELOAD").with_detail(v.to_string()));
    }
    let mut unreadable = None;
    match ctx.host.read_string("/etc/ld.so.preload") {
        Ok(text) => {
            let libs: Vec<&str> =
                text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
            if !libs.is_empty() {
                found.push(Evidence::path("/etc/ld.so.preload").with_detail(libs.join(" ")));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => unreadable = Some(e.to_string()),
    }
    if !found.is_empty() {
        return Eval::fail("a library is preloaded into every process").with_all(found);
    }
    if let Some(e) = unreadable {
        return Eval::unknown(format!("/etc/ld.so.preload exists but cannot be read ({e})"));
    }
    if ctx.host.env_known() {
        Eval::pass("no library is preloaded")
    } else {
        Eval::pass(
            "no /etc/ld.so.preload entry (an offline tree has no job environment to check for LD_PRELOAD)",
        )
        .confidence(Confidence::Medium)
    }
}

/// `kernel-modules-loadable`.
pub fn kernel_modules_loadable(ctx: &Ctx<'_>) -> Eval {
    if ctx.sysctl_num("kernel.modules_disabled") == Some(1) {
        return Eval::pass("module loading is disabled")
            .with(Evidence::setting("kernel.modules_disabled", "1"));
    }
    let Some(id) = ctx.host.identity() else { return Eval::unknown("the job's capabilities are not known") };
    let Some(cap_eff) = id.cap_eff else {
        return Eval::unknown(
            "the job's effective capabilities are not readable (/proc/self/status has no CapEff)",
        );
    };
    if id.has_cap(16) {
        Eval::fail_unless_single_use(
            "the job holds CAP_SYS_MODULE and module loading is enabled",
            ctx.single_use_kernel(),
        )
        .with(Evidence::setting("CapEff", format!("{cap_eff:016x}")))
    } else {
        Eval::pass("the job lacks CAP_SYS_MODULE")
    }
}

/// `measured-boot-unavailable`.
pub fn measured_boot_unavailable(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    if !h.exists("/sys/firmware") && !h.exists("/sys/class") {
        return Eval::unknown("/sys is not available (offline root), so firmware and TPM are not visible");
    }
    let sb_path = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
    let secure_boot = h.read_limited(sb_path, 16).ok().and_then(|b| b.get(4).copied()).map(|v| v == 1);
    let tpm = ["/sys/class/tpm/tpm0", "/dev/tpm0", "/dev/tpmrm0"].iter().find(|p| h.lstat(p).is_ok());
    let mut ev = Vec::new();
    ev.push(Evidence::setting(
        "Secure Boot",
        match secure_boot {
            Some(true) => "enabled",
            Some(false) => "disabled",
            None if h.exists("/sys/firmware/efi") => "unknown (EFI without a readable SecureBoot variable)",
            None => "no EFI firmware",
        },
    ));
    ev.push(Evidence::setting(
        "TPM",
        tpm.map(|p| format!("present ({p})")).unwrap_or_else(|| "absent".into()),
    ));
    match (secure_boot == Some(true), tpm.is_some()) {
        (true, true) => Eval::pass("Secure Boot is on and a TPM is present").with_all(ev),
        (true, false) | (false, true) => Eval::warn("measured boot is only partly available").with_all(ev),
        (false, false) => Eval::warn("Secure Boot is off and no TPM is present").with_all(ev),
    }
}

const SYSTEM_WRITE: &[&str] = &[
    "/etc/passwd",
    "/etc/group",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/hosts",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf",
    "/etc/profile",
    "/etc/profile.d",
    "/etc/environment",
    "/etc/crontab",
    "/etc/cron.d",
    "/etc/systemd/system",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/lib",
    "/bin",
    "/sbin",
];

/// `system-files-exposed`.
pub fn system_files_exposed(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let root = h.identity().map(|i| i.uid == 0);
    let mut bad = Vec::new();
    let mut checked = 0;
    for p in SYSTEM_WRITE {
        let Ok(md) = h.stat(p) else { continue };
        checked += 1;
        let world = md.mode() & 0o002 != 0 && md.mode() & 0o1000 == 0;
        let job = root == Some(false) && h.can(p, Access::Write) == Some(true);
        if world || job {
            bad.push(Evidence::path(*p).with_detail(format!(
                "writable by {} (mode {:o}, owner uid {})",
                if world { "everyone" } else { "the job user" },
                md.mode() & 0o7777,
                md.uid()
            )));
        }
    }
    if let Ok(md) = h.stat("/etc/shadow") {
        checked += 1;
        let world = md.mode() & 0o004 != 0;
        let job = root == Some(false) && h.can("/etc/shadow", Access::Read) == Some(true);
        if world || job {
            bad.push(Evidence::path("/etc/shadow").with_detail(format!(
                "readable by {} (mode {:o})",
                if world { "everyone" } else { "the job user" },
                md.mode() & 0o7777
            )));
        }
    }
    if checked == 0 {
        return Eval::unknown("no system file could be examined");
    }
    let e = if bad.is_empty() {
        Eval::pass(format!("{checked} system files and directories have safe permissions"))
    } else {
        Eval::fail(format!("{} system file(s) have unsafe permissions", bad.len())).with_all(bad)
    };
    if root.is_none() { e.confidence(Confidence::Medium) } else { e }
}
