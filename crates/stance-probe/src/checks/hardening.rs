//! Hardening: kernel settings, security modules, sudo, sshd, setuid programs, mounts.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;

use stance_core::model::{Confidence, Evidence};

use super::capped;
use crate::ctx::{Ctx, Eval};
use crate::facts::mounts;
use crate::host::Kind;

/// One kernel setting: key, whether the value is acceptable, what is wanted.
struct Setting {
    key: &'static str,
    ok: fn(i64) -> bool,
    want: &'static str,
    /// Weak values of minor settings only warn.
    minor: bool,
}

const SETTINGS: &[Setting] = &[
    Setting { key: "kernel.kptr_restrict", ok: |v| v >= 1, want: "1 or 2", minor: true },
    Setting { key: "kernel.dmesg_restrict", ok: |v| v == 1, want: "1", minor: true },
    Setting { key: "kernel.unprivileged_bpf_disabled", ok: |v| v >= 1, want: "1 or 2", minor: false },
    Setting { key: "kernel.yama.ptrace_scope", ok: |v| v >= 1, want: "1 or higher", minor: false },
    Setting { key: "fs.protected_symlinks", ok: |v| v == 1, want: "1", minor: false },
    Setting { key: "fs.protected_hardlinks", ok: |v| v == 1, want: "1", minor: false },
    Setting { key: "kernel.randomize_va_space", ok: |v| v == 2, want: "2", minor: false },
];

/// `kernel-sysctl-hardening`.
pub fn kernel_sysctl_hardening(ctx: &Ctx<'_>) -> Eval {
    let mut weak = Vec::new();
    let mut major = false;
    let mut read = 0;
    for s in SETTINGS {
        match ctx.sysctl_num(s.key) {
            Some(v) => {
                read += 1;
                if !(s.ok)(v) {
                    major |= !s.minor;
                    weak.push(Evidence::setting(s.key, format!("{v} (want {})", s.want)));
                }
            }
            // No Yama means ptrace between same-user processes is unrestricted.
            None if s.key == "kernel.yama.ptrace_scope" && ctx.host.exists("/proc/sys/kernel") => {
                major = true;
                weak.push(Evidence::setting(
                    s.key,
                    "absent: the Yama LSM is not loaded, ptrace is unrestricted",
                ));
            }
            None => {}
        }
    }
    if read == 0 {
        return Eval::unknown("kernel settings under /proc/sys are not readable");
    }
    match (weak.is_empty(), major) {
        (true, _) => Eval::pass(format!("{read} kernel hardening settings checked, none weak")),
        (false, true) => {
            Eval::fail(format!("{} kernel hardening setting(s) weak", weak.len())).with_all(weak)
        }
        (false, false) => {
            Eval::warn(format!("{} minor kernel setting(s) leak kernel addresses or logs", weak.len()))
                .with_all(weak)
        }
    }
}

/// `lsm-enforcing`.
pub fn lsm_enforcing(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    if h.read_value("/sys/fs/selinux/enforce").as_deref() == Some("1") {
        return Eval::pass("SELinux is enforcing").with(Evidence::setting("/sys/fs/selinux/enforce", "1"));
    }
    let lsm = h.read_value("/sys/kernel/security/lsm");
    let apparmor_on = h.read_value("/sys/module/apparmor/parameters/enabled").as_deref() == Some("Y");
    if apparmor_on && lsm.as_deref().is_none_or(|l| l.split(',').any(|m| m == "apparmor")) {
        let mut e = Eval::pass("AppArmor is active")
            .with(Evidence::setting("/sys/module/apparmor/parameters/enabled", "Y"));
        if let Some(l) = &lsm {
            e = e.with(Evidence::setting("/sys/kernel/security/lsm", l.clone()));
        }
        return e;
    }
    if h.read_value("/sys/fs/selinux/enforce").as_deref() == Some("0") {
        return Eval::fail("SELinux is loaded but permissive")
            .with(Evidence::setting("/sys/fs/selinux/enforce", "0"));
    }
    match lsm {
        Some(l) => Eval::fail("neither AppArmor nor SELinux is active")
            .with(Evidence::setting("/sys/kernel/security/lsm", l)),
        None if h.exists("/sys/module") => Eval::fail("neither AppArmor nor SELinux is loaded")
            .with(Evidence::observation(
                "no /sys/module/apparmor, no /sys/fs/selinux, securityfs not mounted",
            ))
            .confidence(Confidence::Medium),
        None => Eval::unknown("/sys is not available to tell which security modules are loaded"),
    }
}

/// `kernel-lockdown`.
pub fn kernel_lockdown(ctx: &Ctx<'_>) -> Eval {
    match ctx.host.read_value("/sys/kernel/security/lockdown") {
        Some(v) => {
            let active = v
                .split_whitespace()
                .find(|w| w.starts_with('['))
                .map(|w| w.trim_matches(['[', ']']).to_string());
            match active.as_deref() {
                Some("none") | None => Eval::fail("kernel lockdown is off")
                    .with(Evidence::setting("/sys/kernel/security/lockdown", v)),
                Some(mode) => Eval::pass(format!("kernel lockdown is in {mode} mode"))
                    .with(Evidence::setting("/sys/kernel/security/lockdown", v.clone())),
            }
        }
        None if ctx.host.exists("/sys/kernel/security/lsm") => {
            Eval::fail("the kernel has no lockdown support")
                .with(Evidence::observation("securityfs is mounted but has no lockdown file"))
                .confidence(Confidence::Medium)
        }
        None => Eval::unknown(
            "securityfs (/sys/kernel/security) is not mounted, so the lockdown state is not visible",
        ),
    }
}

/// Sudoers rules granting NOPASSWD to the user (by name, a group, or ALL).
fn nopasswd_rules(text: &str, user: &str, groups: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty()
            || (line.starts_with('#') && !line.starts_with("#include"))
            || !line.contains("NOPASSWD")
        {
            continue;
        }
        let Some(who) = line.split_whitespace().next() else { continue };
        let applies = who == user
            || who == "ALL"
            || who.strip_prefix('%').is_some_and(|g| groups.iter().any(|x| x == g));
        if applies {
            out.push(line.chars().take(120).collect());
        }
    }
    out
}

/// `passwordless-sudo`.
pub fn passwordless_sudo(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let Some(id) = h.identity() else { return Eval::unknown("the job user's identity is not known") };
    if id.uid == 0 {
        return Eval::na("the job already runs as root (see job-runs-as-root)");
    }
    if !["/usr/bin/sudo", "/bin/sudo", "/usr/local/bin/sudo"].iter().any(|p| h.exists(p)) {
        return Eval::pass("sudo is not installed")
            .with(Evidence::path("/usr/bin/sudo").with_detail("absent"));
    }
    let user = ctx.user_name(id.uid).unwrap_or_else(|| id.uid.to_string());
    let groups = ctx.group_names();
    let mut files = vec!["/etc/sudoers".to_string()];
    let dropins = h.list("/etc/sudoers.d");
    files
        .extend(dropins.iter().filter(|(_, k)| *k == Kind::File).map(|(n, _)| format!("/etc/sudoers.d/{n}")));
    let mut unreadable = Vec::new();
    let mut rules = Vec::new();
    for f in &files {
        match h.read_string(f) {
            Ok(text) => rules.extend(
                nopasswd_rules(&text, &user, &groups)
                    .into_iter()
                    .map(|r| Evidence::path(f.clone()).with_detail(r)),
            ),
            Err(_) => unreadable.push(f.clone()),
        }
    }
    if !rules.is_empty() {
        return Eval::fail_unless_single_use(
            format!("{user} may run commands as root without a password"),
            ctx.single_use_kernel(),
        )
        .with_all(rules);
    }
    if unreadable.is_empty() {
        return Eval::pass(format!("no NOPASSWD rule applies to {user}"));
    }
    // The rules are not readable; a drop-in named after the user is strong circumstantial evidence.
    if let Some((n, _)) = dropins.iter().find(|(n, _)| *n == user) {
        return Eval::fail_unless_single_use(
            format!("a sudoers rule file named after {user} exists (its content is not readable)"),
            ctx.single_use_kernel(),
        )
        .with(Evidence::path(format!("/etc/sudoers.d/{n}")))
        .confidence(Confidence::Low);
    }
    let admin: Vec<&String> =
        groups.iter().filter(|g| ["sudo", "wheel", "admin"].contains(&g.as_str())).collect();
    let why = if admin.is_empty() {
        format!("the sudoers files are not readable by {user}, so a NOPASSWD rule cannot be ruled out")
    } else {
        format!("{user} is in group {} and the sudoers files are not readable", admin[0])
    };
    Eval::unknown(why).with_all(unreadable.into_iter().map(|f| Evidence::path(f).with_detail("not readable")))
}

/// `sshd-exposed`.
pub fn sshd_exposed(ctx: &Ctx<'_>) -> Eval {
    let Some(ls) = ctx.listeners() else { return Eval::unknown("/proc/net is not available") };
    let ssh: Vec<Evidence> = ls
        .iter()
        .filter(|l| l.port == 22 && l.proto.starts_with("tcp") && !l.is_loopback())
        .map(|l| {
            Evidence::new(
                stance_core::model::EvidenceKind::Network,
                format!("{} {}:{}", l.proto, l.addr, l.port),
            )
            .with_detail("listening")
        })
        .collect();
    if !ssh.is_empty() {
        return Eval::fail("an SSH server listens on port 22 beyond loopback").with_all(ssh);
    }
    let sshd_running = ctx.procs().procs.iter().any(|p| p.comm == "sshd");
    if sshd_running && ls.iter().any(|l| l.proto.starts_with("tcp") && !l.is_loopback()) {
        return Eval::warn("sshd is running and something listens beyond loopback on a port other than 22")
            .with(Evidence::new(stance_core::model::EvidenceKind::Process, "sshd"))
            .confidence(Confidence::Low);
    }
    Eval::pass("no SSH server listens beyond loopback")
}

/// Setuid/setgid programs that distributions ship.
const KNOWN_SETUID: &[&str] = &[
    "su",
    "sudo",
    "sudoedit",
    "passwd",
    "chsh",
    "chfn",
    "newgrp",
    "gpasswd",
    "mount",
    "umount",
    "ping",
    "ping6",
    "fusermount",
    "fusermount3",
    "pkexec",
    "ssh-keysign",
    "dbus-daemon-launch-helper",
    "Xorg.wrap",
    "unix_chkpwd",
    "pam_extrausers_chkpwd",
    "expiry",
    "chage",
    "crontab",
    "ssh-agent",
    "wall",
    "write",
    "bsd-write",
    "at",
    "newuidmap",
    "newgidmap",
    "polkit-agent-helper-1",
    "ntfs-3g",
    "mount.nfs",
    "mount.cifs",
    "traceroute6.iputils",
    "snap-confine",
    "doas",
    "pppd",
    "exim4",
    "sendmail",
    "postdrop",
    "postqueue",
    "dotlockfile",
    "plocate",
    "mlocate",
    "locate",
    "utempter",
    "screen",
    "mail-lock",
    "mail-unlock",
    "mail-touchlock",
    "chrome-sandbox",
    "chromium-sandbox",
    "vmware-user-suid-wrapper",
    "staprun",
    "ksu",
    "lockdev",
    "userhelper",
    "usernetctl",
    "mount.ecryptfs_private",
    "ubuntu-core-launcher",
    "Xorg",
    "dmcrypt-get-device",
    "fping",
    "netreport",
    "pam_timestamp_check",
    "unix2_chkpwd",
    "grub2-set-bootflag",
    "sg",
    "suexec",
    "cockpit-session",
];

const SETUID_DIRS: &[&str] = &[
    "/usr/bin",
    "/usr/sbin",
    "/bin",
    "/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/lib/openssh",
    "/usr/libexec",
    "/usr/lib/dbus-1.0",
    "/usr/lib/polkit-1",
    "/usr/lib/eject",
    "/usr/lib/snapd",
    "/usr/lib/x86_64-linux-gnu/utempter",
    "/usr/lib/aarch64-linux-gnu/utempter",
    "/opt",
];

/// `unexpected-setuid`.
pub fn unexpected_setuid(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let mut seen = HashSet::new();
    let mut scanned = 0usize;
    let mut found = Vec::new();
    let mut dirs: Vec<String> = SETUID_DIRS.iter().map(|d| d.to_string()).collect();
    // One level of /opt/<tool>/bin.
    for (n, k) in h.list("/opt") {
        if k == Kind::Dir {
            dirs.push(format!("/opt/{n}/bin"));
        }
    }
    for dir in dirs.iter().filter(|d| d.as_str() != "/opt") {
        let Ok(md) = h.stat(dir) else { continue };
        if !seen.insert((md.dev(), md.ino())) {
            continue; // /bin -> /usr/bin
        }
        for (name, kind) in h.list(dir) {
            if kind != Kind::File {
                continue;
            }
            scanned += 1;
            let path = format!("{dir}/{name}");
            let Ok(m) = h.lstat(&path) else { continue };
            let mode = m.mode();
            let suid = mode & 0o4000 != 0;
            let sgid = mode & 0o2000 != 0;
            if (suid || sgid) && !KNOWN_SETUID.contains(&name.as_str()) {
                let bits = match (suid, sgid) {
                    (true, true) => "setuid+setgid",
                    (true, false) => "setuid",
                    _ => "setgid",
                };
                found.push(Evidence::path(path).with_detail(format!(
                    "{bits}, owner uid {}, mode {:o}",
                    m.uid(),
                    mode & 0o7777
                )));
            }
        }
    }
    if scanned == 0 {
        return Eval::unknown("no binary directory could be listed");
    }
    if found.is_empty() {
        Eval::pass(format!(
            "{scanned} programs in system binary directories checked; every setuid/setgid one is expected"
        ))
    } else {
        let n = found.len();
        Eval::fail(format!("{n} setuid/setgid program(s) outside the expected set")).with_all(capped(
            found,
            20,
            |more| Evidence::observation(format!("… and {more} more")),
        ))
    }
}

/// `tmp-mount-options`.
pub fn tmp_mount_options(ctx: &Ctx<'_>) -> Eval {
    let m = ctx.mounts();
    if m.is_empty() {
        return Eval::unknown("the mount table (/proc/self/mountinfo) is not available");
    }
    let mut weak = Vec::new();
    let mut ok = Vec::new();
    for dir in ["/tmp", "/dev/shm"] {
        let Some(mount) = mounts::containing(m, dir) else { continue };
        let missing: Vec<&str> = ["nosuid", "nodev"].into_iter().filter(|o| !mount.has(o)).collect();
        let exec = if mount.has("noexec") { "noexec" } else { "exec allowed" };
        let detail = format!("mounted at {} ({}), {}", mount.mount_point, mount.fstype, exec);
        if missing.is_empty() {
            ok.push(Evidence::path(dir).with_detail(detail));
        } else {
            weak.push(Evidence::path(dir).with_detail(format!("{detail}; missing {}", missing.join(","))));
        }
    }
    if weak.is_empty() {
        Eval::pass("/tmp and /dev/shm are mounted nosuid,nodev").with_all(ok)
    } else {
        Eval::fail("shared temporary directories lack nosuid/nodev").with_all(weak).with_all(ok)
    }
}

/// `core-dumps-exposed`.
pub fn core_dumps_exposed(ctx: &Ctx<'_>) -> Eval {
    let dumpable = ctx.sysctl_num("fs.suid_dumpable");
    let pattern = ctx.sysctl("kernel.core_pattern");
    if dumpable.is_none() && pattern.is_none() {
        return Eval::unknown("fs.suid_dumpable and kernel.core_pattern are not readable");
    }
    let mut bad = Vec::new();
    if dumpable == Some(1) {
        bad.push(Evidence::setting("fs.suid_dumpable", "1 (setuid programs dump core as the user)"));
    }
    if let Some(p) = &pattern
        && p.starts_with('/')
        && let Some(dir) = std::path::Path::new(p).parent().and_then(|d| d.to_str())
        && let Ok(md) = ctx.host.stat(dir)
        && md.mode() & 0o002 != 0
    {
        bad.push(Evidence::setting("kernel.core_pattern", format!("{p} (in world-writable {dir})")));
    }
    if bad.is_empty() {
        let mut e = Eval::pass("core dumps of privileged processes stay private");
        if let Some(d) = dumpable {
            e = e.with(Evidence::setting("fs.suid_dumpable", d.to_string()));
        }
        e
    } else {
        Eval::fail("core dumps can expose other processes' memory").with_all(bad)
    }
}

/// `unprivileged-userns`.
pub fn unprivileged_userns(ctx: &Ctx<'_>) -> Eval {
    let max = ctx.sysctl_num("user.max_user_namespaces");
    let clone = ctx.sysctl_num("kernel.unprivileged_userns_clone");
    let aa = ctx.sysctl_num("kernel.apparmor_restrict_unprivileged_userns");
    if max.is_none() && clone.is_none() && aa.is_none() {
        return Eval::unknown("user namespace settings are not readable");
    }
    if max == Some(0) {
        return Eval::pass("user namespaces are disabled")
            .with(Evidence::setting("user.max_user_namespaces", "0"));
    }
    if clone == Some(0) {
        return Eval::pass("unprivileged user namespaces are disabled")
            .with(Evidence::setting("kernel.unprivileged_userns_clone", "0"));
    }
    if aa == Some(1) {
        return Eval::pass("AppArmor restricts unprivileged user namespaces")
            .with(Evidence::setting("kernel.apparmor_restrict_unprivileged_userns", "1"));
    }
    let mut e = Eval::warn("unprivileged user namespaces are enabled");
    if let Some(m) = max {
        e = e.with(Evidence::setting("user.max_user_namespaces", m.to_string()));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::nopasswd_rules;

    #[test]
    fn sudoers_rules_match_user_group_and_all() {
        let text = "# comment NOPASSWD\nrunner ALL=(ALL) NOPASSWD:ALL\n%docker ALL=(ALL) NOPASSWD: /usr/bin/docker\nbob ALL=(ALL) NOPASSWD:ALL\nALL ALL=(ALL) NOPASSWD: /bin/true\n%admin ALL=(ALL) ALL\n";
        let r = nopasswd_rules(text, "runner", &["docker".into()]);
        assert_eq!(r.len(), 3);
        assert!(nopasswd_rules("%admin ALL=(ALL) ALL\n", "runner", &["admin".into()]).is_empty());
    }
}
