//! What separates the job from the host and other jobs: container, sandbox, virtual
//! machine — decided from several signals, never one marker file.

use crate::facts::mounts::Mount;
use crate::host::Host;

/// The isolation facts.
#[derive(Clone, Debug, Default)]
pub struct Isolation {
    /// The container runtime, when the job runs in a container.
    pub container: Option<String>,
    /// The signals that point at a container.
    pub container_signals: Vec<String>,
    /// The hypervisor, when the machine is a virtual machine.
    pub vm: Option<String>,
    /// The signals that point at a virtual machine.
    pub vm_signals: Vec<String>,
    /// A sandboxed runtime (gVisor), when recognised.
    pub sandbox: Option<String>,
    /// The job runs in a user namespace (its root is not the host's root).
    pub user_namespace: bool,
    /// Whether `/proc` was available to decide at all.
    pub decidable: bool,
}

impl Isolation {
    /// Why a container-only control cannot say "not applicable": a container was not
    /// established, but some signal points at one (or nothing could be observed).
    pub fn container_doubt(&self) -> Option<String> {
        if self.container.is_some() {
            return None;
        }
        if !self.decidable {
            return Some("no /proc: whether the job runs in a container cannot be observed".into());
        }
        (!self.container_signals.is_empty()).then(|| {
            format!(
                "one container signal ({}) is not enough to decide whether the job runs in a container",
                self.container_signals.join("; ")
            )
        })
    }
}

/// Decides isolation from the host.
pub fn detect(host: &Host, mounts: &[Mount]) -> Isolation {
    let mut iso = Isolation { decidable: host.exists("/proc/self/status"), ..Isolation::default() };
    let mut runtime: Option<&str> = None;
    let mut strong = false;
    if host.lstat("/.dockerenv").is_ok() {
        iso.container_signals.push("/.dockerenv exists".into());
        runtime = Some("docker");
    }
    if host.lstat("/run/.containerenv").is_ok() {
        iso.container_signals.push("/run/.containerenv exists".into());
        runtime = Some("podman");
    }
    if let Some(c) = host.env("container") {
        iso.container_signals.push(format!("environment variable container={c}"));
        runtime = runtime.or(Some(match c {
            "podman" => "podman",
            "lxc" => "lxc",
            "systemd-nspawn" => "systemd-nspawn",
            _ => "container",
        }));
    }
    for pid in ["1", "self"] {
        if let Ok(cg) = host.read_string(&format!("/proc/{pid}/cgroup")) {
            for (needle, name) in [
                ("kubepods", "kubernetes"),
                ("docker", "docker"),
                ("libpod", "podman"),
                ("containerd", "containerd"),
                ("/lxc", "lxc"),
                ("actions_job", "docker"),
            ] {
                if cg.contains(needle) {
                    iso.container_signals.push(format!("/proc/{pid}/cgroup mentions {needle}"));
                    runtime = runtime.or(Some(name));
                    strong = true;
                    break;
                }
            }
        }
    }
    if host.env("KUBERNETES_SERVICE_HOST").is_some() {
        iso.container_signals.push("KUBERNETES_SERVICE_HOST is set".into());
        runtime = Some("kubernetes");
    }
    if let Some(root) = mounts.iter().rev().find(|m| m.mount_point == "/")
        && matches!(root.fstype.as_str(), "overlay" | "aufs" | "fuse-overlayfs")
    {
        iso.container_signals.push(format!("the root filesystem is {}", root.fstype));
    }
    if let Some(comm) = host.read_value("/proc/1/comm")
        && !matches!(comm.as_str(), "systemd" | "init" | "launchd" | "")
    {
        iso.container_signals.push(format!("pid 1 is {comm}, not an init system"));
    }
    if let Some(c) = host.read_value("/run/systemd/container") {
        iso.container_signals.push(format!("/run/systemd/container says {c}"));
        runtime = runtime.or(Some(if c.contains("lxc") { "lxc" } else { "container" }));
        strong = true;
    }
    if mounts.iter().any(|m| m.fstype == "fuse.lxcfs") {
        iso.container_signals.push("lxcfs is mounted over /proc files".into());
        runtime = runtime.or(Some("lxc"));
    }
    // Two signals, or one strong cgroup signal, make a container.
    if strong || iso.container_signals.len() >= 2 {
        iso.container = Some(runtime.unwrap_or("container").to_string());
    }

    // gVisor reports a fixed, synthetic kernel version.
    if let Some(v) = host.read_value("/proc/version")
        && v.contains("4.4.0")
        && v.contains("#1 SMP Sun Jan 10 15:06:54 PST 2016")
    {
        iso.sandbox = Some("gVisor".into());
    }

    if let Ok(cpu) = host.read_limited("/proc/cpuinfo", 256 * 1024) {
        let cpu = String::from_utf8_lossy(&cpu);
        if cpu.lines().any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor")) {
            iso.vm_signals.push("the CPU reports the hypervisor flag".into());
        }
    }
    let mut vendor = None;
    for f in
        ["/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name", "/sys/class/dmi/id/bios_vendor"]
    {
        if let Some(v) = host.read_value(f) {
            let known = [
                "QEMU",
                "KVM",
                "VMware",
                "VirtualBox",
                "Xen",
                "Amazon EC2",
                "Google Compute Engine",
                "Microsoft Corporation",
                "Virtual Machine",
                "Hetzner",
                "DigitalOcean",
                "OpenStack",
                "Parallels",
                "Bochs",
                "Firecracker",
                "Cloud Hypervisor",
                "innotek",
            ];
            if let Some(k) = known.iter().find(|k| v.contains(*k)) {
                iso.vm_signals.push(format!("{f} is {v}"));
                vendor = vendor.or(Some(k.to_string()));
            }
        }
    }
    if let Some(t) = host.read_value("/sys/hypervisor/type") {
        iso.vm_signals.push(format!("/sys/hypervisor/type is {t}"));
        vendor = vendor.or(Some(t));
    }
    if !iso.vm_signals.is_empty() {
        iso.vm = Some(vendor.unwrap_or_else(|| "hypervisor".into()));
    }

    if let Ok(map) = host.read_string("/proc/self/uid_map") {
        let identity = map.lines().count() == 1
            && map.split_whitespace().collect::<Vec<_>>() == ["0", "0", "4294967295"];
        iso.user_namespace = !identity && !map.trim().is_empty();
    }
    iso
}
