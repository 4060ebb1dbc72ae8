//! Every control, evaluated on small fixture trees built here: at least one case where it
//! passes and one where it fails (warns, for informational controls). The trees are
//! built in temp directories through the same `Host` the live probe uses.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use stance_core::catalog::CONTROLS;
use stance_core::model::{Finding, Outcome};
use stance_probe::checks::CHECKS;
use stance_probe::{Ctx, Host, ProbeOptions, evaluate};

const DAY: Duration = Duration::from_secs(86_400);
const SELF_PID: u32 = 4242;

/// A fixture tree and the probe's view of it.
struct Fx {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
    now: SystemTime,
    boot: SystemTime,
    opts: ProbeOptions,
    status: BTreeMap<&'static str, String>,
    _listeners: Vec<std::net::TcpListener>,
    _unix: Vec<std::os::unix::net::UnixListener>,
}

impl Fx {
    /// A tree for uid 1001 (`runner`), no capabilities, seccomp and no_new_privs on,
    /// booted ten days ago, job started a minute ago.
    fn new() -> Fx {
        let now = SystemTime::now();
        let boot = now - 10 * DAY;
        let mut fx = Fx {
            dir: tempfile::tempdir().unwrap(),
            env: BTreeMap::new(),
            now,
            boot,
            opts: ProbeOptions { job_start: Some(now - Duration::from_secs(60)), ..ProbeOptions::default() },
            status: BTreeMap::new(),
            _listeners: vec![],
            _unix: vec![],
        };
        for (k, v) in [
            ("Uid:", "1001\t1001\t1001\t1001"),
            ("Gid:", "1001\t1001\t1001\t1001"),
            ("Groups:", "1001"),
            ("NoNewPrivs:", "1"),
            ("Seccomp:", "2"),
            ("CapEff:", "0000000000000000"),
            ("CapBnd:", "000001ffffffffff"),
        ] {
            fx.status.insert(k, v.to_string());
        }
        let btime = boot.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        fx.file("/proc/stat", &format!("cpu  1 2 3\nbtime {btime}\n"));
        fx.file("/etc/passwd", "root:x:0:0::/root:/bin/sh\nrunner:x:1001:1001::/home/runner:/bin/bash\n");
        fx.file("/etc/group", "root:x:0:\nrunner:x:1001:\n");
        fx.dir("/home/runner");
        fx.proc(4000, 1, "bash", 1001, now - Duration::from_secs(120));
        fx.proc(SELF_PID, 4000, "stance", 1001, now - Duration::from_secs(1));
        symlink(SELF_PID.to_string(), fx.path("/proc/self")).unwrap();
        fx
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p.trim_start_matches('/'))
    }

    fn file(&mut self, p: &str, content: &str) -> &mut Self {
        self.bytes(p, content.as_bytes())
    }

    fn bytes(&mut self, p: &str, content: &[u8]) -> &mut Self {
        let path = self.path(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
        self
    }

    fn dir(&mut self, p: &str) -> &mut Self {
        fs::create_dir_all(self.path(p)).unwrap();
        self
    }

    fn mode(&mut self, p: &str, mode: u32) -> &mut Self {
        fs::set_permissions(self.path(p), fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    fn mtime(&mut self, p: &str, t: SystemTime) -> &mut Self {
        let f = fs::File::options()
            .write(true)
            .open(self.path(p))
            .or_else(|_| fs::File::open(self.path(p)))
            .unwrap();
        f.set_modified(t).unwrap();
        self
    }

    fn env(&mut self, k: &str, v: &str) -> &mut Self {
        self.env.insert(k.into(), v.into());
        self
    }

    fn status(&mut self, k: &'static str, v: &str) -> &mut Self {
        self.status.insert(k, v.into());
        self
    }

    fn sysctl(&mut self, key: &str, v: &str) -> &mut Self {
        self.file(&format!("/proc/sys/{}", key.replace('.', "/")), &format!("{v}\n"))
    }

    /// A process with its stat and status files.
    fn proc(&mut self, pid: u32, ppid: u32, comm: &str, uid: u32, start: SystemTime) -> &mut Self {
        let ticks = start.duration_since(self.boot).unwrap_or_default().as_millis() / 10;
        let stat = format!(
            "{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 {ticks} 1000 100\n"
        );
        self.file(&format!("/proc/{pid}/stat"), &stat);
        self.file(
            &format!("/proc/{pid}/status"),
            &format!("Name:\t{comm}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"),
        );
        self.file(&format!("/proc/{pid}/comm"), &format!("{comm}\n"))
    }

    /// A container: two independent signals.
    fn container(&mut self) -> &mut Self {
        self.file("/.dockerenv", "").file("/proc/1/cgroup", "0::/docker/0123456789abcdef\n")
    }

    /// A loopback TCP listener; returns `127.0.0.1:port`.
    fn listener(&mut self) -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap().to_string();
        self._listeners.push(l);
        a
    }

    /// A loopback address whose accept queue is full: connections time out (blocked).
    fn blackhole(&mut self) -> String {
        use rustix::net::{AddressFamily, SocketType, ipproto};
        let fd = rustix::net::socket(AddressFamily::INET, SocketType::STREAM, Some(ipproto::TCP)).unwrap();
        rustix::net::bind(&fd, &std::net::SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        rustix::net::listen(&fd, 0).unwrap();
        let l = std::net::TcpListener::from(fd);
        let addr = l.local_addr().unwrap();
        // Fill the queue so that further SYNs are dropped.
        let mut keep = vec![];
        for _ in 0..4 {
            if let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                keep.push(s);
            }
        }
        std::mem::forget(keep);
        self._listeners.push(l);
        self.opts.connect_timeout = Duration::from_millis(300);
        addr.to_string()
    }

    /// A loopback HTTP server that answers every request with `status`.
    fn http(&mut self, status: u16) -> String {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let mut s = s;
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = s.write_all(format!("HTTP/1.0 {status} X\r\n\r\n").as_bytes());
            }
        });
        a
    }

    /// A Unix socket at `p` with `mode`.
    fn socket(&mut self, p: &str, mode: u32) -> &mut Self {
        let path = self.path(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let l = std::os::unix::net::UnixListener::bind(&path).unwrap();
        self._unix.push(l);
        self.mode(p, mode)
    }

    fn github(&mut self, hosted: bool) -> &mut Self {
        self.env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("RUNNER_ENVIRONMENT", if hosted { "github-hosted" } else { "self-hosted" })
            .env("GITHUB_REPOSITORY", "acme/app")
            .env("GITHUB_EVENT_NAME", "push")
    }

    fn eval(&mut self, id: &str) -> Finding {
        let status: String = std::iter::once("Name:\tstance\n".to_string())
            .chain(self.status.iter().map(|(k, v)| format!("{k}\t{v}\n")))
            .collect();
        self.file(&format!("/proc/{SELF_PID}/status"), &status);
        let host = Host::rooted(self.dir.path(), self.env.clone(), self.now);
        let ctx = Ctx::new(&host, &self.opts);
        let check = CHECKS.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}"));
        evaluate(&ctx, check)
    }
}

fn fake_aws_key() -> String {
    format!("AKIA{}", "Q3VZ7XK2M5P6TR4W")
}

fn date(t: SystemTime) -> String {
    stance_core::time::format_date(t)
}

/// One fixture case.
struct Case {
    id: &'static str,
    name: &'static str,
    expect: Outcome,
    build: fn(&mut Fx),
}

use Outcome::{Fail, Pass, Warn};

macro_rules! case {
    ($id:literal, $name:literal, $expect:expr, $build:expr) => {
        Case { id: $id, name: $name, expect: $expect, build: $build }
    };
}

const GOOD_SYSCTLS: &[(&str, &str)] = &[
    ("kernel.kptr_restrict", "1"),
    ("kernel.dmesg_restrict", "1"),
    ("kernel.unprivileged_bpf_disabled", "2"),
    ("kernel.yama.ptrace_scope", "1"),
    ("fs.protected_symlinks", "1"),
    ("fs.protected_hardlinks", "1"),
    ("kernel.randomize_va_space", "2"),
];

fn good_sysctls(f: &mut Fx) {
    for (k, v) in GOOD_SYSCTLS {
        f.sysctl(k, v);
    }
}

fn mountinfo(f: &mut Fx, lines: &[&str]) {
    let text: String =
        lines.iter().enumerate().map(|(i, l)| format!("{} 1 0:{} {l}\n", 20 + i, 20 + i)).collect();
    f.file("/proc/self/mountinfo", &text);
}

fn self_hosted_runner(f: &mut Fx) {
    f.github(false)
        .env("RUNNER_WORKSPACE", "/runner/_work/app")
        .env("GITHUB_WORKSPACE", "/runner/_work/app/app")
        .env("RUNNER_TEMP", "/runner/_work/_temp")
        .dir("/runner/_work/app/app/.git")
        .dir("/runner/_work/_temp")
        .file("/runner/.runner", "{\"agentName\":\"r1\"}")
        .file("/runner/bin/Runner.Worker", "binary")
        .mode("/runner/bin", 0o755);
    f.opts.runner_dir = Some("/runner".into());
}

fn cases() -> Vec<Case> {
    vec![
        // hardening
        case!("kernel-sysctl-hardening", "all settings hardened", Pass, good_sysctls),
        case!("kernel-sysctl-hardening", "ASLR and symlink protection off", Fail, |f| {
            good_sysctls(f);
            f.sysctl("kernel.randomize_va_space", "0").sysctl("fs.protected_symlinks", "0");
        }),
        case!("lsm-enforcing", "SELinux enforcing", Pass, |f| {
            f.file("/sys/fs/selinux/enforce", "1\n");
        }),
        case!("lsm-enforcing", "no LSM in the active list", Fail, |f| {
            f.file("/sys/kernel/security/lsm", "capability,yama\n");
        }),
        case!("kernel-lockdown", "integrity mode", Pass, |f| {
            f.file("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
        }),
        case!("kernel-lockdown", "lockdown none", Fail, |f| {
            f.file("/sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
        }),
        case!("passwordless-sudo", "sudo needs a password", Pass, |f| {
            f.file("/usr/bin/sudo", "").file("/etc/sudoers", "root ALL=(ALL) ALL\n%admin ALL=(ALL) ALL\n");
        }),
        case!("passwordless-sudo", "NOPASSWD drop-in for the user", Fail, |f| {
            f.file("/usr/bin/sudo", "")
                .file("/etc/sudoers", "root ALL=(ALL) ALL\n@includedir /etc/sudoers.d\n")
                .file("/etc/sudoers.d/runner", "runner ALL=(ALL) NOPASSWD:ALL\n");
        }),
        case!("sshd-exposed", "sshd on loopback only", Pass, |f| {
            f.file("/proc/net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n");
        }),
        case!("sshd-exposed", "sshd on all addresses", Fail, |f| {
            f.file("/proc/net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n");
        }),
        case!("unexpected-setuid", "only passwd is setuid", Pass, |f| {
            f.file("/usr/bin/passwd", "").mode("/usr/bin/passwd", 0o4755).file("/usr/bin/ls", "");
        }),
        case!("unexpected-setuid", "a setuid shell in /usr/local/bin", Fail, |f| {
            f.file("/usr/bin/ls", "")
                .file("/usr/local/bin/rootshell", "")
                .mode("/usr/local/bin/rootshell", 0o4755);
        }),
        case!("tmp-mount-options", "tmpfs with nosuid,nodev", Pass, |f| {
            mountinfo(
                f,
                &[
                    "/ / rw,relatime - ext4 /dev/vda rw",
                    "/ /tmp rw,nosuid,nodev - tmpfs tmpfs rw",
                    "/ /dev/shm rw,nosuid,nodev,noexec - tmpfs tmpfs rw",
                ],
            );
        }),
        case!("tmp-mount-options", "/tmp on the root filesystem", Fail, |f| {
            mountinfo(f, &["/ / rw,relatime - ext4 /dev/vda rw"]);
        }),
        case!("core-dumps-exposed", "cores piped to a collector", Pass, |f| {
            f.sysctl("fs.suid_dumpable", "0")
                .sysctl("kernel.core_pattern", "|/usr/lib/systemd/systemd-coredump %P");
        }),
        case!("core-dumps-exposed", "suid_dumpable=1", Fail, |f| {
            f.sysctl("fs.suid_dumpable", "1").sysctl("kernel.core_pattern", "core");
        }),
        case!("unprivileged-userns", "user namespaces off", Pass, |f| {
            f.sysctl("user.max_user_namespaces", "0");
        }),
        case!("unprivileged-userns", "user namespaces on", Warn, |f| {
            f.sysctl("user.max_user_namespaces", "63000");
        }),
        // patching
        case!("os-end-of-life", "RHEL 10", Pass, |f| {
            f.file(
                "/etc/os-release",
                "ID=rhel\nVERSION_ID=\"10.0\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 10.0\"\n",
            );
        }),
        case!("os-end-of-life", "Ubuntu 18.04", Fail, |f| {
            f.file(
                "/etc/os-release",
                "ID=ubuntu\nVERSION_ID=\"18.04\"\nPRETTY_NAME=\"Ubuntu 18.04.6 LTS\"\n",
            );
        }),
        case!("kernel-stale", "recent kernel, no reboot pending", Pass, |f| {
            let built = date(f.now - 10 * DAY);
            f.sysctl("kernel.osrelease", "6.8.0-40-generic")
                .sysctl("kernel.version", &format!("#1 SMP PREEMPT_DYNAMIC Debian 6.8.0-40 ({built})"))
                .dir("/lib/modules/6.8.0-40-generic");
        }),
        case!("kernel-stale", "newer kernel installed, reboot required", Fail, |f| {
            let built = date(f.now - 10 * DAY);
            f.sysctl("kernel.osrelease", "6.8.0-40-generic")
                .sysctl("kernel.version", &format!("#1 SMP PREEMPT_DYNAMIC Debian 6.8.0-40 ({built})"))
                .dir("/lib/modules/6.8.0-40-generic")
                .dir("/lib/modules/6.8.0-45-generic")
                .file("/run/reboot-required", "");
        }),
        case!("packages-stale", "dpkg changed today", Pass, |f| {
            f.file("/var/lib/dpkg/status", "Package: x\n");
        }),
        case!("packages-stale", "dpkg unchanged for 90 days", Fail, |f| {
            let t = f.now - 90 * DAY;
            f.file("/var/lib/dpkg/status", "Package: x\n").mtime("/var/lib/dpkg/status", t);
        }),
        case!("runner-agent-outdated", "current GitLab Runner", Pass, |f| {
            f.env("GITLAB_CI", "true").env("CI_RUNNER_ID", "7").env("CI_RUNNER_VERSION", "v99.1.0");
        }),
        case!("runner-agent-outdated", "old GitLab Runner", Fail, |f| {
            f.env("GITLAB_CI", "true").env("CI_RUNNER_ID", "7").env("CI_RUNNER_VERSION", "15.11.0");
        }),
        case!("image-age", "image built five days ago", Pass, |f| {
            let v = date(f.now - 5 * DAY).replace('-', "") + ".1.0";
            f.env("ImageVersion", &v);
        }),
        case!("image-age", "image from 2020", Fail, |f| {
            f.env("ImageVersion", "20200101.1.0");
        }),
        // isolation
        case!("isolation-boundary", "virtual machine", Pass, |f| {
            f.file("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme hypervisor\n");
        }),
        case!("isolation-boundary", "plain container, no hypervisor", Fail, |f| {
            f.container();
        }),
        case!("job-runs-as-root", "unprivileged user", Pass, |_| {}),
        case!("job-runs-as-root", "root outside a user namespace", Fail, |f| {
            f.status("Uid:", "0\t0\t0\t0").file("/proc/self/uid_map", "         0          0 4294967295\n");
        }),
        case!("privileged-container", "default container capabilities", Pass, |f| {
            f.container().sysctl("kernel.cap_last_cap", "40").status("CapEff:", "00000000a80425fb");
        }),
        case!("privileged-container", "every capability", Fail, |f| {
            f.container().sysctl("kernel.cap_last_cap", "40").status("CapEff:", "000001ffffffffff");
        }),
        case!("dangerous-capabilities", "no capabilities", Pass, |_| {}),
        case!("dangerous-capabilities", "CAP_SYS_ADMIN", Fail, |f| {
            f.status("CapEff:", "0000000000200000");
        }),
        case!("no-new-privs-unset", "no_new_privs set", Pass, |_| {}),
        case!("no-new-privs-unset", "no_new_privs unset", Fail, |f| {
            f.status("NoNewPrivs:", "0");
        }),
        case!("seccomp-disabled", "seccomp filter", Pass, |_| {}),
        case!("seccomp-disabled", "no seccomp", Fail, |f| {
            f.status("Seccomp:", "0");
        }),
        case!("container-socket-accessible", "docker socket not writable", Pass, |f| {
            f.socket("/var/run/docker.sock", 0o600);
        }),
        case!("container-socket-accessible", "docker socket world-writable", Fail, |f| {
            f.socket("/var/run/docker.sock", 0o666);
        }),
        case!("host-namespaces-shared", "own namespaces", Pass, |f| {
            f.container().dir("/sys/class/net/lo").dir("/sys/class/net/eth0");
        }),
        case!("host-namespaces-shared", "a hardware-backed interface is visible", Fail, |f| {
            f.container().dir("/sys/class/net/lo").dir("/sys/class/net/ens5/device");
        }),
        case!("host-namespaces-shared", "kernel threads visible", Fail, |f| {
            let t = f.boot;
            f.container().proc(2, 0, "kthreadd", 0, t);
        }),
        case!("sensitive-host-mounts", "only the overlay root", Pass, |f| {
            f.container();
            mountinfo(f, &["/ / rw - overlay overlay rw", "/ /proc rw - proc proc rw"]);
        }),
        case!("sensitive-host-mounts", "host root mounted read-write", Fail, |f| {
            f.container();
            mountinfo(f, &["/ / rw - overlay overlay rw", "/ /host rw,relatime - ext4 /dev/vda rw"]);
        }),
        case!("kubernetes-token-mounted", "no token", Pass, |_| {}),
        case!("kubernetes-token-mounted", "readable token", Fail, |f| {
            f.file("/var/run/secrets/kubernetes.io/serviceaccount/token", "eyJ")
                .mode("/var/run/secrets/kubernetes.io/serviceaccount/token", 0o644);
        }),
        case!("concurrent-jobs-visible", "alone", Pass, |_| {}),
        case!("concurrent-jobs-visible", "another runner worker", Fail, |f| {
            let t = f.now - DAY;
            f.proc(900, 1, "Runner.Worker", 1002, t);
        }),
        case!("resource-limits-absent", "memory and pids limited", Pass, |f| {
            f.file("/proc/self/cgroup", "0::/job\n")
                .file("/sys/fs/cgroup/cgroup.controllers", "memory pids\n")
                .file("/sys/fs/cgroup/job/memory.max", "1073741824\n")
                .file("/sys/fs/cgroup/job/pids.max", "512\n");
        }),
        case!("resource-limits-absent", "no limits", Fail, |f| {
            f.file("/proc/self/cgroup", "0::/job\n")
                .file("/sys/fs/cgroup/cgroup.controllers", "memory pids\n")
                .file("/sys/fs/cgroup/job/memory.max", "max\n")
                .file("/sys/fs/cgroup/job/pids.max", "max\n");
        }),
        // ephemerality
        case!("runner-not-single-use", "GitHub-hosted", Pass, |f| {
            f.github(true);
        }),
        case!("runner-not-single-use", "GitLab shell executor", Fail, |f| {
            f.env("GITLAB_CI", "true").env("CI_RUNNER_ID", "3").env("CI_SHARED_ENVIRONMENT", "true");
        }),
        case!("workspace-residue", "only this repository", Pass, self_hosted_runner),
        case!("workspace-residue", "another repository's checkout", Fail, |f| {
            self_hosted_runner(f);
            f.dir("/runner/_work/secret-repo/secret-repo/.git");
        }),
        case!("temp-residue", "nothing older than the job", Pass, |f| {
            f.file("/tmp/fresh", "x");
        }),
        case!("temp-residue", "a file from yesterday", Fail, |f| {
            let t = f.now - DAY;
            f.file("/tmp/dropper", "x").mtime("/tmp/dropper", t);
        }),
        case!("home-residue", "dotfiles from the image", Pass, |f| {
            let t = f.now - 30 * DAY;
            f.env("HOME", "/home/runner").file("/home/runner/.bashrc", "x").mtime("/home/runner/.bashrc", t);
        }),
        case!("home-residue", "npmrc written yesterday", Fail, |f| {
            let t = f.now - DAY;
            f.env("HOME", "/home/runner").file("/home/runner/.npmrc", "x").mtime("/home/runner/.npmrc", t);
        }),
        case!("lingering-processes", "no earlier process", Pass, |_| {}),
        case!("lingering-processes", "a miner from yesterday", Fail, |f| {
            let t = f.now - DAY;
            f.proc(777, 1, "xmrig", 1001, t);
        }),
        case!("persistence-mechanisms", "nothing installed", Pass, |f| {
            f.env("HOME", "/home/runner");
        }),
        case!("persistence-mechanisms", "a user crontab", Fail, |f| {
            f.env("HOME", "/home/runner").file("/var/spool/cron/crontabs/runner", "* * * * * /tmp/x\n");
        }),
        case!("shared-tool-cache-writable", "read-only tool cache", Pass, |f| {
            f.dir("/opt/hostedtoolcache").mode("/opt/hostedtoolcache", 0o755);
        }),
        case!("shared-tool-cache-writable", "world-writable tool cache", Fail, |f| {
            f.dir("/opt/hostedtoolcache").mode("/opt/hostedtoolcache", 0o777);
        }),
        // network
        case!("non-loopback-listeners", "loopback only", Pass, |f| {
            f.file("/proc/net/tcp", "  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 1 1\n");
        }),
        case!("non-loopback-listeners", "a service on all addresses", Fail, |f| {
            f.file("/proc/net/tcp", "  sl  local_address rem_address   st\n   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 1 1\n");
        }),
        case!("egress-unrestricted", "egress canary blocked", Pass, |f| {
            let t = f.blackhole();
            f.opts.egress_targets = vec![t];
        }),
        case!("egress-unrestricted", "egress canary connects", Fail, |f| {
            let t = f.listener();
            f.opts.egress_targets = vec![t];
        }),
        case!("egress-open", "blocked", Pass, |f| {
            let t = f.blackhole();
            f.opts.egress_targets = vec![t];
        }),
        case!("egress-open", "connects", Fail, |f| {
            let t = f.listener();
            f.opts.egress_targets = vec![t];
        }),
        case!("metadata-endpoint-reachable", "blocked", Pass, |f| {
            let t = f.blackhole();
            f.opts.metadata_target = Some(t);
        }),
        case!("metadata-endpoint-reachable", "answers without a token", Fail, |f| {
            let t = f.http(200);
            f.opts.metadata_target = Some(t);
        }),
        case!("private-network-reachable", "blocked", Pass, |f| {
            let t = f.blackhole();
            f.opts.internal_targets = vec![t];
        }),
        case!("private-network-reachable", "connects", Fail, |f| {
            let t = f.listener();
            f.opts.internal_targets = vec![t];
        }),
        case!("proxy-credentials-exposed", "proxy without credentials", Pass, |f| {
            f.env("https_proxy", "http://proxy.internal:3128");
        }),
        case!("proxy-credentials-exposed", "proxy with credentials", Fail, |f| {
            f.env("https_proxy", "http://build:hunter2@proxy.internal:3128");
        }),
        // logging
        case!("runtime-monitoring-absent", "falco runs", Pass, |f| {
            let t = f.boot;
            f.proc(300, 1, "falco", 0, t);
        }),
        case!("runtime-monitoring-absent", "nothing runs", Fail, |_| {}),
        case!("log-forwarding-absent", "fluent-bit runs", Pass, |f| {
            let t = f.boot;
            f.proc(301, 1, "fluent-bit", 0, t);
        }),
        case!("log-forwarding-absent", "nothing forwards", Fail, |_| {}),
        case!("logs-tamperable", "root-owned logs", Pass, |f| {
            f.dir("/var/log").mode("/var/log", 0o755);
        }),
        case!("logs-tamperable", "world-writable /var/log", Fail, |f| {
            f.dir("/var/log").mode("/var/log", 0o777);
        }),
        // integrity
        case!("root-fs-writable", "read-only root", Pass, |f| {
            mountinfo(f, &["/ / ro,relatime - ext4 /dev/vda ro"]);
        }),
        case!("root-fs-writable", "read-write root", Fail, |f| {
            mountinfo(f, &["/ / rw,relatime - ext4 /dev/vda rw"]);
        }),
        case!("image-identity-unknown", "os-release IMAGE_ID", Pass, |f| {
            f.file(
                "/etc/os-release",
                "ID=debian\nVERSION_ID=12\nIMAGE_ID=runner-base\nIMAGE_VERSION=2026.11.1\n",
            );
        }),
        case!("image-identity-unknown", "no image identity", Fail, |f| {
            f.file("/etc/os-release", "ID=debian\nVERSION_ID=12\n");
        }),
        case!("runner-agent-writable", "agent owned by another user", Pass, self_hosted_runner),
        case!("runner-agent-writable", "agent bin world-writable", Fail, |f| {
            self_hosted_runner(f);
            f.mode("/runner/bin", 0o777);
        }),
        case!("path-hijack", "system PATH", Pass, |f| {
            f.dir("/usr/local/bin").dir("/usr/bin").dir("/bin").env("PATH", "/usr/local/bin:/usr/bin:/bin");
        }),
        case!("path-hijack", "current directory first", Fail, |f| {
            f.dir("/usr/bin").env("PATH", ".:/usr/bin");
        }),
        case!("preload-injection", "no preload", Pass, |_| {}),
        case!("preload-injection", "ld.so.preload entry", Fail, |f| {
            f.file("/etc/ld.so.preload", "/lib/x86_64-linux-gnu/libhook.so\n");
        }),
        case!("kernel-modules-loadable", "module loading disabled", Pass, |f| {
            f.sysctl("kernel.modules_disabled", "1").status("CapEff:", "0000000000010000");
        }),
        case!("kernel-modules-loadable", "CAP_SYS_MODULE and loading enabled", Fail, |f| {
            f.sysctl("kernel.modules_disabled", "0").status("CapEff:", "0000000000010000");
        }),
        case!("measured-boot-unavailable", "Secure Boot and TPM", Pass, |f| {
            f.bytes(
                "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
                &[6, 0, 0, 0, 1],
            )
            .dir("/sys/class/tpm/tpm0");
        }),
        case!("measured-boot-unavailable", "neither", Warn, |f| {
            f.dir("/sys/firmware").dir("/sys/class");
        }),
        case!("system-files-exposed", "standard permissions", Pass, |f| {
            f.file("/etc/passwd", "root:x:0:0::/root:/bin/sh\nrunner:x:1001:1001::/home/runner:/bin/bash\n")
                .mode("/etc/passwd", 0o644);
        }),
        case!("system-files-exposed", "world-writable /etc/passwd", Fail, |f| {
            f.mode("/etc/passwd", 0o666);
        }),
        // secrets
        case!("long-lived-secrets-in-env", "ordinary environment", Pass, |f| {
            f.env("LANG", "C.UTF-8");
        }),
        case!("long-lived-secrets-in-env", "an AWS access key", Fail, |f| {
            let k = fake_aws_key();
            f.env("DEPLOY_KEY_ID", &k);
        }),
        case!("credential-files-present", "clean home", Pass, |f| {
            f.env("HOME", "/home/runner").file("/home/runner/.bashrc", "x");
        }),
        case!("credential-files-present", "npm token in .npmrc", Fail, |f| {
            f.env("HOME", "/home/runner")
                .file("/home/runner/.npmrc", "//registry.npmjs.org/:_authToken=abc\n");
        }),
        case!("runner-credentials-readable", "credentials readable by their owner only", Pass, |f| {
            self_hosted_runner(f);
            f.file("/runner/.credentials_rsaparams", "{}").mode("/runner/.credentials_rsaparams", 0o600);
        }),
        case!("runner-credentials-readable", "credentials readable by everyone", Fail, |f| {
            self_hosted_runner(f);
            f.file("/runner/.credentials_rsaparams", "{}").mode("/runner/.credentials_rsaparams", 0o644);
        }),
        case!("secrets-in-workspace", "clean workspace", Pass, |f| {
            f.opts.workspace = Some("/ws".into());
            f.file("/ws/README.md", "hello\n");
        }),
        case!("secrets-in-workspace", "an AWS key in a config file", Fail, |f| {
            f.opts.workspace = Some("/ws".into());
            let k = fake_aws_key();
            f.file("/ws/deploy.env", &format!("AWS_ACCESS_KEY_ID={k}\n"));
        }),
        case!("secrets-in-logs", "clean diagnostic logs", Pass, |f| {
            self_hosted_runner(f);
            f.file("/runner/_diag/Runner_1.log", "started\n");
        }),
        case!("secrets-in-logs", "a key in a diagnostic log", Fail, |f| {
            self_hosted_runner(f);
            let k = fake_aws_key();
            f.file("/runner/_diag/Runner_1.log", &format!("debug env key={k}\n"));
        }),
        case!("secrets-in-logs", "the job's own fresh temp file", Pass, |f| {
            let k = fake_aws_key();
            f.file("/tmp/job-output.json", &format!("{{\"key\":\"{k}\"}}"));
        }),
        case!("secrets-in-logs", "a key in a temp log file", Fail, |f| {
            let k = fake_aws_key();
            f.file("/tmp/build/deploy.log", &format!("using {k}\n"));
        }),
        case!("secrets-in-logs", "a key left in /tmp by an earlier job", Fail, |f| {
            let k = fake_aws_key();
            let t = f.now - DAY;
            f.file("/tmp/creds.json", &format!("{{\"key\":\"{k}\"}}")).mtime("/tmp/creds.json", t);
        }),
        case!("persisted-git-credentials", "no token in .git/config", Pass, |f| {
            f.opts.workspace = Some("/ws".into());
            f.env("HOME", "/home/runner").file("/ws/.git/config", "[core]\n\tbare = false\n");
        }),
        case!("persisted-git-credentials", "checkout extraheader", Fail, |f| {
            f.opts.workspace = Some("/ws".into());
            f.env("HOME", "/home/runner")
                .file("/ws/.git/config", "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Zm9v\n");
        }),
        case!("other-process-memory-readable", "ptrace restricted to admins", Pass, |f| {
            let t = f.now - DAY;
            f.sysctl("kernel.yama.ptrace_scope", "2").proc(900, 1, "Runner.Listener", 1002, t);
        }),
        case!("other-process-memory-readable", "ptrace open to the runner worker", Fail, |f| {
            let t = f.now - Duration::from_secs(100);
            f.sysctl("kernel.yama.ptrace_scope", "0").proc(3999, 1, "Runner.Worker", 1001, t);
        }),
        case!("ssh-agent-forwarded", "no agent", Pass, |_| {}),
        case!("ssh-agent-forwarded", "live agent socket", Fail, |f| {
            f.socket("/tmp/ssh-x/agent.1", 0o600).env("SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1");
        }),
        // context
        case!("ci-platform", "GitHub-hosted", Pass, |f| {
            f.github(true);
        }),
        case!("ci-platform", "unrecognised CI", Warn, |f| {
            f.env("CI", "true");
        }),
        case!("self-hosted-public-repo", "hosted runner", Pass, |f| {
            f.github(true);
        }),
        case!("self-hosted-public-repo", "self-hosted runner, public repository", Fail, |f| {
            f.github(false)
                .env("GITHUB_EVENT_PATH", "/event.json")
                .file("/event.json", r#"{"repository":{"full_name":"acme/app","private":false}}"#);
        }),
        case!("untrusted-trigger", "push", Pass, |f| {
            f.github(false);
        }),
        case!("untrusted-trigger", "fork pull request on a self-hosted runner", Fail, |f| {
            f.github(false)
                .env("GITHUB_EVENT_NAME", "pull_request")
                .env("GITHUB_EVENT_PATH", "/event.json")
                .file("/event.json", r#"{"repository":{"full_name":"acme/app","private":false},"pull_request":{"head":{"sha":"abc","repo":{"full_name":"mallory/app","fork":true}},"base":{"repo":{"full_name":"acme/app"}}}}"#);
        }),
        case!("job-privileges", "no secrets or OIDC", Pass, |f| {
            f.github(true);
        }),
        case!("job-privileges", "OIDC available", Warn, |f| {
            f.github(true).env("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example.invalid/x");
        }),
    ]
}

#[test]
fn every_fixture_case_has_its_expected_outcome() {
    let mut failures = Vec::new();
    let cases = cases();
    for c in &cases {
        let mut fx = Fx::new();
        (c.build)(&mut fx);
        let f = fx.eval(c.id);
        if f.outcome != c.expect {
            failures.push(format!(
                "{} / {}: expected {}, got {} — {} {:?} {:?}",
                c.id, c.name, c.expect, f.outcome, f.message, f.reason, f.evidence
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_control_has_a_passing_and_a_failing_case() {
    let cases = cases();
    for c in CONTROLS {
        let pass = cases.iter().any(|k| k.id == c.id && k.expect == Pass);
        // Informational controls (no level) warn rather than fail.
        let fail = cases
            .iter()
            .any(|k| k.id == c.id && (k.expect == Fail || (c.level.is_none() && k.expect == Warn)));
        assert!(
            pass && fail,
            "control {} lacks a {} fixture case",
            c.id,
            if pass { "failing" } else { "passing" }
        );
    }
    for k in &cases {
        assert!(CONTROLS.iter().any(|c| c.id == k.id), "case for unknown control {}", k.id);
    }
}

#[test]
fn checks_and_catalog_match_one_to_one() {
    let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
    let catalog: Vec<&str> = CONTROLS.iter().map(|c| c.id).collect();
    assert_eq!(ids, catalog, "the check list must follow the catalog, one entry per control, in order");
    for c in CHECKS {
        assert_eq!(c.func, c.id.replace('-', "_"), "the function of {} must be named after it", c.id);
    }
}

#[test]
fn offline_root_without_proc_is_unknown_not_pass() {
    // An empty tree: nothing may be claimed to pass for lack of evidence about processes.
    let dir = tempfile::tempdir().unwrap();
    let host = Host::rooted(dir.path(), BTreeMap::new(), SystemTime::now());
    let opts = ProbeOptions::default();
    let report = stance_probe::probe(&host, &opts);
    for id in ["lingering-processes", "isolation-boundary", "other-process-memory-readable", "kernel-stale"] {
        let f = report.findings.iter().find(|f| f.id == id).unwrap();
        assert_eq!(f.outcome, Outcome::Unknown, "{id}: {f:?}");
    }
    assert_eq!(report.findings.len(), CONTROLS.len());
}

// Review finding: nothing bounded the probe as a whole (a read stuck on a network file
// system would hang it). With no time at all, every control is still reported.
#[test]
fn a_spent_time_budget_reports_every_control() {
    let dir = tempfile::tempdir().unwrap();
    let host = Host::rooted(dir.path(), BTreeMap::new(), SystemTime::now());
    let report = stance_probe::probe_within(host, ProbeOptions::default(), Duration::ZERO);
    assert_eq!(report.findings.len(), CONTROLS.len());
    let undecided = report
        .findings
        .iter()
        .filter(|f| f.reason.as_deref().is_some_and(|r| r.contains("time budget")))
        .count();
    if undecided > 0 {
        assert!(report.notes.iter().any(|n| n.contains("time budget")), "{:?}", report.notes);
        assert!(report.findings.iter().all(|f| f.outcome != Outcome::Pass || f.reason.is_none()));
    }
    // And with time, the same tree gives the same findings as the unbounded probe.
    let host = Host::rooted(dir.path(), BTreeMap::new(), SystemTime::now());
    let bounded = stance_probe::probe_within(host, ProbeOptions::default(), Duration::from_secs(30));
    let host = Host::rooted(dir.path(), BTreeMap::new(), SystemTime::now());
    let unbounded = stance_probe::probe(&host, &ProbeOptions::default());
    let outcomes =
        |r: &stance_core::Report| r.findings.iter().map(|f| (f.id.clone(), f.outcome)).collect::<Vec<_>>();
    assert_eq!(outcomes(&bounded), outcomes(&unbounded));
    assert!(bounded.context.is_some());
}
