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

/// The job's own LSM confinement (`/proc/self/attr/...`), when readable.
fn own_confinement(ctx: &Ctx<'_>) -> Option<String> {
    ["/proc/self/attr/apparmor/current", "/proc/self/attr/current"]
        .iter()
        .find_map(|p| ctx.host.read_value(p))
        .map(|v| v.trim_end_matches('\0').to_string())
        .filter(|v| !v.is_empty())
}

/// `lsm-enforcing`.
pub fn lsm_enforcing(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let confinement = own_confinement(ctx);
    let unconfined = confinement
        .as_deref()
        .is_some_and(|c| c == "unconfined" || c.ends_with("unconfined_t:s0") || c.contains(":unconfined_t:"));
    let with_job = |e: Eval| match &confinement {
        Some(c) if unconfined => Eval::warn(format!("{} but this job itself runs unconfined", e.message))
            .with_all(e.evidence)
            .with(Evidence::setting("/proc/self/attr/current", c.clone())),
        Some(c) => e.with(Evidence::setting("/proc/self/attr/current", c.clone())),
        None => e,
    };
    if h.read_value("/sys/fs/selinux/enforce").as_deref() == Some("1") {
        return with_job(
            Eval::pass("SELinux is enforcing").with(Evidence::setting("/sys/fs/selinux/enforce", "1")),
        );
    }
    let lsm = h.read_value("/sys/kernel/security/lsm");
    let apparmor_on = h.read_value("/sys/module/apparmor/parameters/enabled").as_deref() == Some("Y");
    if apparmor_on && lsm.as_deref().is_none_or(|l| l.split(',').any(|m| m == "apparmor")) {
        let mut e = Eval::pass("AppArmor is active")
            .with(Evidence::setting("/sys/module/apparmor/parameters/enabled", "Y"));
        match &lsm {
            Some(l) => e = e.with(Evidence::setting("/sys/kernel/security/lsm", l.clone())),
            // The module is enabled but securityfs is not readable: active, most likely.
            None => e = e.confidence(Confidence::Medium),
        }
        return with_job(e);
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

/// Who the sudoers rules are evaluated for.
struct SudoUser<'a> {
    name: &'a str,
    uid: u32,
    groups: &'a [String],
    gids: &'a [u32],
}

/// What one sudoers file says about the user: NOPASSWD grants (as lines for evidence), and the
/// files and directories it includes.
#[derive(Default)]
struct SudoersFile {
    grants: Vec<String>,
    include_files: Vec<String>,
    include_dirs: Vec<String>,
}

/// Parses sudoers text: continuation lines, `#uid` user specs (not comments), user lists,
/// `User_Alias`, `%group` and `%#gid`, negations, `Defaults[:users] !authenticate`, and
/// `#include`/`@include`/`#includedir`/`@includedir`.
fn parse_sudoers(text: &str, who: &SudoUser<'_>) -> SudoersFile {
    let mut out = SudoersFile::default();
    let mut aliases: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    let joined = text.replace("\\\n", " ");
    let matches_item = |item: &str, aliases: &std::collections::HashMap<String, Vec<String>>| -> bool {
        let item = item.trim();
        if item.starts_with('!') {
            return false;
        }
        if item == "ALL" || item == who.name || item == format!("#{}", who.uid) {
            return true;
        }
        if let Some(g) = item.strip_prefix("%#") {
            return g.parse::<u32>().is_ok_and(|gid| who.gids.contains(&gid));
        }
        if let Some(g) = item.strip_prefix('%') {
            return who.groups.iter().any(|x| x == g);
        }
        aliases.get(item).is_some_and(|members| {
            members.iter().any(|m| {
                m == who.name
                    || m == "ALL"
                    || m.strip_prefix('%').is_some_and(|g| who.groups.iter().any(|x| x == g))
            })
        })
    };
    for raw in joined.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        for (prefix, dir) in
            [("#includedir ", true), ("@includedir ", true), ("#include ", false), ("@include ", false)]
        {
            if let Some(rest) = line.strip_prefix(prefix) {
                let target = rest.trim().to_string();
                if dir { out.include_dirs.push(target) } else { out.include_files.push(target) }
            }
        }
        // `#1001 ALL=...` is a rule for uid 1001; any other `#` line is a comment.
        if line.starts_with('#') && !line[1..].starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        if line.starts_with('@') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("User_Alias") {
            for def in rest.split(':') {
                if let Some((name, members)) = def.split_once('=') {
                    aliases.insert(
                        name.trim().to_string(),
                        members.split(',').map(|m| m.trim().to_string()).collect(),
                    );
                }
            }
            continue;
        }
        if line.starts_with("Host_Alias") || line.starts_with("Runas_Alias") || line.starts_with("Cmnd_Alias")
        {
            continue;
        }
        if let Some(rest) = line.strip_prefix("Defaults") {
            let applies = match rest.strip_prefix(':') {
                Some(spec) => spec
                    .split_whitespace()
                    .next()
                    .is_some_and(|users| users.split(',').any(|u| matches_item(u, &aliases))),
                None => rest.starts_with(|c: char| c.is_whitespace()),
            };
            if applies && rest.contains("!authenticate") {
                out.grants.push(line.chars().take(120).collect());
            }
            continue;
        }
        let Some((left, right)) = line.split_once('=') else { continue };
        if !right.contains("NOPASSWD") {
            continue;
        }
        // `USERS HOSTS = ...`: the host list is the last word before `=`.
        let left = left.trim();
        let users = left.rsplit_once(char::is_whitespace).map(|(u, _)| u).unwrap_or("");
        if users.split(',').any(|u| matches_item(u, &aliases)) {
            out.grants.push(line.chars().take(120).collect());
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
    let mut gids = id.groups.clone();
    gids.push(id.gid);
    let who = SudoUser { name: &user, uid: id.uid, groups: &groups, gids: &gids };
    let mut pending = vec!["/etc/sudoers".to_string()];
    let mut seen = std::collections::HashSet::new();
    let mut unreadable = Vec::new();
    let mut rules = Vec::new();
    let mut dropin_names = Vec::new();
    while let Some(f) = pending.pop() {
        if !seen.insert(f.clone()) || seen.len() > 256 {
            continue;
        }
        match h.read_string(&f) {
            Ok(text) => {
                let parsed = parse_sudoers(&text, &who);
                rules.extend(parsed.grants.into_iter().map(|r| Evidence::path(f.clone()).with_detail(r)));
                pending.extend(parsed.include_files);
                for dir in parsed.include_dirs {
                    match h.read_dir(&dir) {
                        Ok(entries) => {
                            for e in entries {
                                let Ok(n) = e.name.into_string() else { continue };
                                // sudo skips names with a dot or ending in `~`.
                                if matches!(e.kind, Kind::File | Kind::Symlink)
                                    && !n.contains('.')
                                    && !n.ends_with('~')
                                {
                                    dropin_names.push(n.clone());
                                    pending.push(format!("{dir}/{n}"));
                                }
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(_) => unreadable.push(dir),
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && f != "/etc/sudoers" => {}
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
    if let Some(n) = dropin_names.iter().find(|n| **n == user).or_else(|| {
        h.list("/etc/sudoers.d").into_iter().map(|(n, _)| n).find(|n| *n == user).as_ref().map(|_| &user)
    }) {
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
    // The owner of `/` (root on a real system; whoever built the tree for an offline one).
    let system_owner = h.stat("/").map(|m| m.uid()).unwrap_or(0);
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
            // The allow-list holds for distribution directories and root-owned files only: a
            // setuid `sudo` in /usr/local or /opt, or one owned by a user, is never expected.
            let distro_dir = !dir.starts_with("/usr/local") && !dir.starts_with("/opt");
            let expected = distro_dir && m.uid() == system_owner && KNOWN_SETUID.contains(&name.as_str());
            if (suid || sgid) && !expected {
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
    use super::{SudoUser, parse_sudoers};

    fn grants(text: &str) -> usize {
        let groups = vec!["docker".to_string()];
        let who = SudoUser { name: "runner", uid: 1001, groups: &groups, gids: &[1001, 998] };
        parse_sudoers(text, &who).grants.len()
    }

    #[test]
    fn sudoers_rules_match_user_group_and_all() {
        let text = "# comment NOPASSWD\nrunner ALL=(ALL) NOPASSWD:ALL\n%docker ALL=(ALL) NOPASSWD: /usr/bin/docker\nbob ALL=(ALL) NOPASSWD:ALL\nALL ALL=(ALL) NOPASSWD: /bin/true\n%admin ALL=(ALL) ALL\n";
        assert_eq!(grants(text), 3);
        assert_eq!(grants("%admin ALL=(ALL) ALL\n"), 0);
    }

    // Review finding: `#uid`, user lists, aliases, %#gid, continuations and Defaults were missed.
    #[test]
    fn sudoers_forms_that_were_missed() {
        assert_eq!(grants("#1001 ALL=(ALL) NOPASSWD: ALL\n"), 1);
        assert_eq!(grants("#1002 ALL=(ALL) NOPASSWD: ALL\n"), 0);
        assert_eq!(grants("bob, runner ALL=(ALL) NOPASSWD: ALL\n"), 1);
        assert_eq!(grants("User_Alias BUILDERS = bob, runner\nBUILDERS ALL=(ALL) NOPASSWD: ALL\n"), 1);
        assert_eq!(grants("%#998 ALL=(ALL) NOPASSWD: ALL\n"), 1);
        assert_eq!(grants("runner ALL=(ALL) \\\n    NOPASSWD: ALL\n"), 1);
        assert_eq!(grants("Defaults:runner !authenticate\n"), 1);
        assert_eq!(grants("Defaults !authenticate\n"), 1);
        assert_eq!(grants("Defaults:bob !authenticate\n"), 0);
        assert_eq!(grants("!runner, ALL ALL=(ALL) NOPASSWD: ALL\n"), 1);
        let who = SudoUser { name: "runner", uid: 1001, groups: &[], gids: &[] };
        let f = parse_sudoers("@includedir /etc/sudoers.d\n#include /etc/sudoers.local\n", &who);
        assert_eq!(f.include_dirs, ["/etc/sudoers.d"]);
        assert_eq!(f.include_files, ["/etc/sudoers.local"]);
    }
}
