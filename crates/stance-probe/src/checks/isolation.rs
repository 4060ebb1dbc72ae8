//! Isolation: the boundary around the job, its privileges, sockets, namespaces, mounts.

use stance_core::model::{Confidence, Evidence, EvidenceKind};

use crate::ctx::{Ctx, Eval};
use crate::facts::proc::status_field;
use crate::host::{Access, Kind};

/// `isolation-boundary`.
pub fn isolation_boundary(ctx: &Ctx<'_>) -> Eval {
    let iso = ctx.isolation();
    if !iso.decidable {
        return Eval::unknown("no /proc: the isolation of an offline root cannot be observed");
    }
    let signals = iso
        .container_signals
        .iter()
        .chain(&iso.vm_signals)
        .map(|s| Evidence::observation(s.clone()))
        .collect::<Vec<_>>();
    if let Some(s) = &iso.sandbox {
        return Eval::pass(format!("the job runs in a {s} sandbox")).with_all(signals);
    }
    match (&iso.container, &iso.vm) {
        (None, Some(vm)) => match iso.container_doubt() {
            Some(why) => Eval::unknown(format!("the machine is a virtual machine ({vm}), but {why}")).with_all(signals),
            None => Eval::pass(format!("the job runs directly in a virtual machine ({vm})")).with_all(signals),
        },
        (Some(c), Some(vm)) => Eval::warn(format!(
            "the job runs in a {c} container inside a virtual machine ({vm}); other containers may share that kernel"
        ))
        .with_all(signals),
        (Some(c), None) => Eval::fail(format!("the job runs in a plain {c} container sharing the host kernel")).with_all(signals),
        (None, None) => Eval::fail("no virtual machine or container boundary found: the job runs on bare metal")
            .with(Evidence::observation("no hypervisor flag, DMI vendor or container signal"))
            .confidence(Confidence::Medium),
    }
}

/// `job-runs-as-root`.
pub fn job_runs_as_root(ctx: &Ctx<'_>) -> Eval {
    let Some(id) = ctx.host.identity() else { return Eval::unknown("the job user's identity is not known") };
    if id.uid != 0 {
        let name = ctx.user_name(id.uid).unwrap_or_default();
        return Eval::pass(format!("the job runs as uid {} {name}", id.uid).trim_end().to_string());
    }
    if ctx.isolation().user_namespace {
        return Eval::pass("the job is root only inside a user namespace")
            .with(Evidence::path("/proc/self/uid_map").with_detail("not the identity map"));
    }
    Eval::fail_unless_single_use(
        "the job runs as root (uid 0) in the initial user namespace",
        ctx.single_use_kernel(),
    )
    .with(Evidence::setting("uid", "0"))
}

/// Capabilities that break isolation, with their numbers.
const DANGEROUS: &[(u32, &str)] = &[
    (2, "CAP_DAC_READ_SEARCH"),
    (12, "CAP_NET_ADMIN"),
    (16, "CAP_SYS_MODULE"),
    (17, "CAP_SYS_RAWIO"),
    (19, "CAP_SYS_PTRACE"),
    (21, "CAP_SYS_ADMIN"),
    (22, "CAP_SYS_BOOT"),
    (33, "CAP_MAC_ADMIN"),
    (38, "CAP_PERFMON"),
    (39, "CAP_BPF"),
];

/// The names of dangerous capabilities in a set.
pub fn dangerous_caps(cap_eff: u64) -> Vec<&'static str> {
    DANGEROUS.iter().filter(|(n, _)| cap_eff & (1u64 << n) != 0).map(|(_, s)| *s).collect()
}

/// `privileged-container`.
pub fn privileged_container(ctx: &Ctx<'_>) -> Eval {
    let iso = ctx.isolation();
    if iso.container.is_none() {
        return match iso.container_doubt() {
            Some(why) => Eval::unknown(why),
            None => Eval::na("the job does not run in a container"),
        };
    }
    let h = ctx.host;
    let mut signs = Vec::new();
    let last = ctx.sysctl_num("kernel.cap_last_cap").unwrap_or(40).clamp(0, 63) as u32;
    let full: u64 = if last >= 63 { u64::MAX } else { (1u64 << (last + 1)) - 1 };
    let eff = status_field(h, "self", "CapEff:").and_then(|v| u64::from_str_radix(&v, 16).ok());
    if let Some(e) = eff
        && e & full == full
    {
        signs.push(Evidence::setting("CapEff", format!("{e:016x} (every capability)")));
    }
    let host_devices: Vec<String> = h
        .list("/dev")
        .into_iter()
        .filter(|(n, k)| {
            *k == Kind::Other
                && ["sd", "vd", "xvd", "nvme", "hd", "mem", "kmsg", "dm-"].iter().any(|p| n.starts_with(p))
        })
        .map(|(n, _)| format!("/dev/{n}"))
        .collect();
    let sys_rw = ctx.mounts().iter().any(|m| m.mount_point == "/sys" && !m.read_only());
    if !host_devices.is_empty() && sys_rw {
        signs.push(Evidence::observation(format!(
            "host devices visible ({}) and /sys mounted read-write",
            host_devices.iter().take(4).cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    if signs.is_empty() {
        match eff {
            Some(v) => Eval::pass("the container is not privileged")
                .with(Evidence::setting("CapEff", format!("{v:016x}"))),
            None => Eval::unknown(
                "the container's capabilities are not readable (/proc/self/status has no CapEff)",
            ),
        }
    } else {
        Eval::fail("the job runs in a privileged container").with_all(signs)
    }
}

/// `dangerous-capabilities`.
pub fn dangerous_capabilities(ctx: &Ctx<'_>) -> Eval {
    let Some(id) = ctx.host.identity() else { return Eval::unknown("the job's capabilities are not known") };
    let Some(cap_eff) = id.cap_eff else {
        return Eval::unknown(
            "the job's effective capabilities are not readable (/proc/self/status has no CapEff)",
        );
    };
    let caps = dangerous_caps(cap_eff);
    if caps.is_empty() {
        return Eval::pass("the job holds no dangerous capability")
            .with(Evidence::setting("CapEff", format!("{cap_eff:016x}")));
    }
    Eval::fail_unless_single_use(format!("the job holds {}", caps.join(", ")), ctx.single_use_kernel())
        .with(Evidence::setting("CapEff", format!("{cap_eff:016x}")))
}

/// `no-new-privs-unset`.
pub fn no_new_privs_unset(ctx: &Ctx<'_>) -> Eval {
    match status_field(ctx.host, "self", "NoNewPrivs:").as_deref() {
        Some("1") => Eval::pass("no_new_privs is set: setuid programs cannot raise privileges")
            .with(Evidence::setting("NoNewPrivs", "1")),
        Some(v) => Eval::fail("no_new_privs is not set").with(Evidence::setting("NoNewPrivs", v.to_string())),
        None => Eval::unknown("/proc/self/status has no NoNewPrivs field"),
    }
}

/// `seccomp-disabled`.
pub fn seccomp_disabled(ctx: &Ctx<'_>) -> Eval {
    match status_field(ctx.host, "self", "Seccomp:").as_deref() {
        Some("2") => {
            Eval::pass("a seccomp filter confines the job").with(Evidence::setting("Seccomp", "2 (filter)"))
        }
        Some("1") => {
            Eval::pass("the job runs in seccomp strict mode").with(Evidence::setting("Seccomp", "1 (strict)"))
        }
        Some(v) => {
            Eval::fail("no seccomp filter confines the job").with(Evidence::setting("Seccomp", v.to_string()))
        }
        None => Eval::unknown("/proc/self/status has no Seccomp field"),
    }
}

const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/run/buildkit/buildkitd.sock",
    "/var/run/cri-dockerd.sock",
    "/run/k3s/containerd/containerd.sock",
];

/// `container-socket-accessible`.
pub fn container_socket_accessible(ctx: &Ctx<'_>) -> Eval {
    if ctx.host.is_offline_tree() {
        return Eval::na("runtime sockets exist only on a running machine, not in an offline tree");
    }
    let h = ctx.host;
    let mut sockets: Vec<String> = RUNTIME_SOCKETS.iter().map(|s| s.to_string()).collect();
    if let Some(dh) = h.env("DOCKER_HOST")
        && let Some(p) = dh.strip_prefix("unix://")
    {
        sockets.insert(0, p.to_string());
    }
    let mut writable = Vec::new();
    let mut present = Vec::new();
    let mut undecided = Vec::new();
    for s in sockets {
        // Followed (inside the root): /var/run/docker.sock is often a link to the real socket.
        let Ok(md) = h.stat(&s) else { continue };
        use std::os::unix::fs::FileTypeExt;
        if !md.file_type().is_socket() {
            continue;
        }
        match h.can(&s, Access::Write) {
            Some(true) => writable.push(Evidence::path(s).with_detail("socket writable by the job user")),
            Some(false) => {
                present.push(Evidence::path(s).with_detail("present, not writable by the job user"))
            }
            None => undecided.push(Evidence::path(s).with_detail("present, access cannot be determined")),
        }
    }
    if !writable.is_empty() {
        return Eval::fail_unless_single_use(
            "the job can drive a container runtime (root on its host)",
            ctx.single_use_kernel(),
        )
        .with_all(writable);
    }
    if let Some(dh) = h.env("DOCKER_HOST")
        && (dh.starts_with("tcp://") || dh.starts_with("ssh://"))
    {
        return Eval::warn("DOCKER_HOST points at a remote Docker daemon the job can drive")
            .with(
                Evidence::env("DOCKER_HOST")
                    .with_detail(stance_core::redact::strip_url_credentials(dh).into_owned()),
            )
            .confidence(Confidence::Medium);
    }
    if !undecided.is_empty() {
        return Eval::unknown("whether the job user can use the container runtime socket cannot be determined (no job identity)")
            .with_all(undecided);
    }
    Eval::pass("no container runtime socket is writable by the job").with_all(present)
}

/// `host-namespaces-shared`.
pub fn host_namespaces_shared(ctx: &Ctx<'_>) -> Eval {
    if ctx.isolation().container.is_none() {
        return match ctx.isolation().container_doubt() {
            Some(why) => Eval::unknown(why),
            None => Eval::na("the job does not run in a container"),
        };
    }
    let mut shared = Vec::new();
    if ctx.procs().get(2).is_some_and(|p| p.comm == "kthreadd") {
        shared.push(
            Evidence::new(EvidenceKind::Process, "pid 2 (kthreadd)")
                .with_detail("kernel threads are visible: host PID namespace"),
        );
    }
    // A network device backed by hardware (or a paravirtual NIC) has a `device` link in sysfs;
    // a container's own namespace holds only virtual ones (veth, loopback). Interface names
    // are only a hint: a host-network container on a host with a plain eth0 looks the same.
    let physical: Vec<String> = ctx
        .host
        .list("/sys/class/net")
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| ctx.host.lstat(&format!("/sys/class/net/{n}/device")).is_ok())
        .collect();
    if !physical.is_empty() {
        shared.push(Evidence::setting(
            "/sys/class/net",
            format!("hardware-backed interfaces visible: {}", physical.join(", ")),
        ));
    }
    let sysfs_net = ctx.host.exists("/sys/class/net");
    if shared.is_empty() && !sysfs_net {
        Eval::unknown(
            "/sys/class/net is not visible, so the network namespace cannot be told from the host's",
        )
    } else if shared.is_empty() {
        Eval::pass("the container has its own PID and network namespaces")
    } else {
        Eval::fail("the container shares host namespaces").with_all(shared)
    }
}

const SENSITIVE_ROOTS: &[&str] = &[
    "/",
    "/etc",
    "/var/run",
    "/run",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/var/lib/containerd",
    "/home",
    "/root",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/boot",
    "/var",
    "/proc",
    "/sys",
];
const DISK_FS: &[&str] =
    &["ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "virtiofs", "9p", "reiserfs", "jfs"];

/// `sensitive-host-mounts`.
pub fn sensitive_host_mounts(ctx: &Ctx<'_>) -> Eval {
    if ctx.isolation().container.is_none() {
        return match ctx.isolation().container_doubt() {
            Some(why) => Eval::unknown(why),
            None => Eval::na("the job does not run in a container"),
        };
    }
    let mut rw = Vec::new();
    let mut ro = Vec::new();
    for m in ctx.mounts() {
        if m.mount_point == "/"
            || !DISK_FS.contains(&m.fstype.as_str())
            || !SENSITIVE_ROOTS.contains(&m.root.as_str())
        {
            continue;
        }
        let e = Evidence::path(m.mount_point.clone()).with_detail(format!(
            "host {} ({} {}) mounted {}",
            m.root,
            m.fstype,
            m.source,
            if m.read_only() { "read-only" } else { "read-write" }
        ));
        if m.read_only() { ro.push(e) } else { rw.push(e) }
    }
    if !rw.is_empty() {
        Eval::fail("sensitive host paths are mounted read-write into the job").with_all(rw).with_all(ro)
    } else if !ro.is_empty() {
        Eval::warn("sensitive host paths are mounted read-only into the job").with_all(ro)
    } else {
        Eval::pass("no sensitive host path is mounted into the job")
    }
}

/// `kubernetes-token-mounted`.
pub fn kubernetes_token_mounted(ctx: &Ctx<'_>) -> Eval {
    if ctx.host.is_offline_tree() {
        return Eval::na("service-account tokens are mounted at run time, not present in an offline tree");
    }
    for p in [
        "/var/run/secrets/kubernetes.io/serviceaccount/token",
        "/run/secrets/kubernetes.io/serviceaccount/token",
    ] {
        if ctx.host.exists(p) {
            return match ctx.host.can(p, Access::Read) {
                Some(false) => Eval::pass("a service-account token is mounted but not readable by the job")
                    .with(Evidence::path(p)),
                _ => Eval::fail("a Kubernetes service-account token is readable by the job")
                    .with(Evidence::path(p).with_detail("token file present")),
            };
        }
    }
    Eval::pass("no Kubernetes service-account token is mounted")
}

/// `concurrent-jobs-visible`.
pub fn concurrent_jobs_visible(ctx: &Ctx<'_>) -> Eval {
    let procs = ctx.procs();
    if procs.procs.is_empty() {
        return Eval::unknown("no process information (offline root or /proc missing)");
    }
    let mine: Vec<u32> = procs.ancestry().iter().map(|p| p.pid).collect();
    let workers = ["Runner.Worker", "Agent.Worker"];
    let mut others = Vec::new();
    for p in &procs.procs {
        if mine.contains(&p.pid) {
            continue;
        }
        let parent = procs.get(p.ppid).map(|x| x.comm.as_str()).unwrap_or("");
        let other_job = workers.contains(&p.comm.as_str())
            || (parent == "gitlab-runner" && matches!(p.comm.as_str(), "bash" | "sh" | "pwsh" | "zsh"))
            || (p.comm == "buildkite-agent" && parent == "buildkite-agent");
        if other_job {
            others.push(
                Evidence::new(EvidenceKind::Process, p.label())
                    .with_detail(format!("another job's process (parent {parent})")),
            );
        }
    }
    if others.is_empty() {
        Eval::pass("no other job's processes are visible")
    } else {
        Eval::fail(format!("{} process(es) of other jobs are visible on this host", others.len()))
            .with_all(others)
    }
}

/// `resource-limits-absent`.
pub fn resource_limits_absent(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    if !h.exists("/proc/self/cgroup") {
        return Eval::unknown("no /proc/self/cgroup");
    }
    let text = h.read_string("/proc/self/cgroup").unwrap_or_default();
    let v2 = text.lines().find_map(|l| l.strip_prefix("0::")).map(str::to_string);
    let mut limits = Vec::new();
    let mut readable = false;
    // Walk from the job's group up to the root: a limit anywhere above applies.
    let mut check = |file: String, unlimited: &dyn Fn(&str) -> bool, what: &str| {
        if let Some(v) = h.read_value(&file) {
            readable = true;
            if !unlimited(&v) {
                limits.push(Evidence::setting(file, format!("{what} limit {v}")));
                return true;
            }
        }
        false
    };
    let mut mem = false;
    let mut pids = false;
    let huge = |v: &str| v == "max" || v.parse::<u64>().is_ok_and(|n| n >= 1 << 62);
    if let Some(path) = v2.filter(|_| h.exists("/sys/fs/cgroup/cgroup.controllers")) {
        let mut p = path.trim_end_matches('/').to_string();
        loop {
            let base = format!("/sys/fs/cgroup{p}");
            mem |= check(format!("{base}/memory.max"), &huge, "memory");
            pids |= check(format!("{base}/pids.max"), &huge, "pids");
            match p.rfind('/') {
                Some(i) if !p.is_empty() => p.truncate(i),
                _ => break,
            }
        }
    } else {
        for line in text.lines() {
            let mut f = line.splitn(3, ':');
            let (_, ctrl, path) = (f.next(), f.next().unwrap_or(""), f.next().unwrap_or("/"));
            let path = path.trim_end_matches('/');
            if ctrl.split(',').any(|c| c == "memory") {
                mem |= check(format!("/sys/fs/cgroup/memory{path}/memory.limit_in_bytes"), &huge, "memory");
            }
            if ctrl.split(',').any(|c| c == "pids") {
                pids |= check(format!("/sys/fs/cgroup/pids{path}/pids.max"), &huge, "pids");
            }
        }
    }
    if !readable {
        return Eval::unknown("the job's control-group limits are not readable");
    }
    match (mem, pids) {
        (true, true) => Eval::pass("memory and process-count limits apply to the job").with_all(limits),
        (false, false) => Eval::fail("neither a memory nor a process-count limit applies to the job"),
        (m, _) => Eval::warn(format!(
            "only a {} limit applies to the job",
            if m { "memory" } else { "process-count" }
        ))
        .with_all(limits),
    }
}
