//! The process table, read from `/proc` through the host.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, SystemTime};

use crate::host::{Host, Kind};

/// Clock ticks per second of `/proc/<pid>/stat` start times (USER_HZ, 100 on Linux).
const USER_HZ: u64 = 100;

/// One process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proc {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Owner (effective uid), from the `/proc/<pid>` directory.
    pub uid: Option<u32>,
    /// The command name (`comm`, at most 15 bytes; never the command line).
    pub comm: String,
    /// When it started, when the boot time is known.
    pub start: Option<SystemTime>,
}

impl Proc {
    /// Whether this is a kernel thread (children of kthreadd).
    pub fn is_kernel_thread(&self) -> bool {
        self.pid == 2 || self.ppid == 2
    }

    /// `pid N (comm)` for evidence.
    pub fn label(&self) -> String {
        format!("pid {} ({})", self.pid, self.comm)
    }
}

/// All processes visible to the probe.
#[derive(Clone, Debug, Default)]
pub struct ProcTable {
    /// Processes by ascending pid.
    pub procs: Vec<Proc>,
    /// The probe's own pid, as seen in this `/proc`.
    pub self_pid: Option<u32>,
    /// Boot time, from `/proc/stat`.
    pub boot: Option<SystemTime>,
    index: HashMap<u32, usize>,
}

impl ProcTable {
    /// Reads `/proc` (an empty table when there is none, e.g. an offline image).
    pub fn load(host: &Host) -> ProcTable {
        let boot = boot_time(host);
        let self_pid =
            host.read_link("/proc/self").ok().and_then(|p| p.to_str().and_then(|s| s.parse().ok())).or_else(
                || host.read_value("/proc/self/stat").and_then(|s| s.split(' ').next()?.parse().ok()),
            );
        let mut procs = Vec::new();
        for (name, kind) in host.list("/proc") {
            if kind != Kind::Dir {
                continue;
            }
            let Ok(pid) = name.parse::<u32>() else { continue };
            if let Some(p) = read_proc(host, pid, boot) {
                procs.push(p);
            }
        }
        procs.sort_by_key(|p| p.pid);
        let index = procs.iter().enumerate().map(|(i, p)| (p.pid, i)).collect();
        ProcTable { procs, self_pid, boot, index }
    }

    /// The process with `pid`.
    pub fn get(&self, pid: u32) -> Option<&Proc> {
        self.index.get(&pid).map(|&i| &self.procs[i])
    }

    /// The probe and its ancestors, nearest first.
    pub fn ancestry(&self) -> Vec<&Proc> {
        let mut out = Vec::new();
        let mut next = self.self_pid;
        while let Some(pid) = next {
            let Some(p) = self.get(pid) else { break };
            if out.iter().any(|q: &&Proc| q.pid == p.pid) || out.len() > 256 {
                break;
            }
            out.push(p);
            next = (p.ppid != 0).then_some(p.ppid);
        }
        out
    }

    /// Whether `pid` descends from `ancestor` (or is it).
    pub fn descends_from(&self, pid: u32, ancestor: u32) -> bool {
        let mut cur = Some(pid);
        let mut hops = 0;
        while let Some(p) = cur {
            if p == ancestor {
                return true;
            }
            hops += 1;
            if hops > 256 {
                return false;
            }
            cur = self.get(p).map(|x| x.ppid).filter(|&pp| pp != 0);
        }
        false
    }
}

fn boot_time(host: &Host) -> Option<SystemTime> {
    let stat = host.read_string("/proc/stat").ok()?;
    let secs: u64 = stat.lines().find_map(|l| l.strip_prefix("btime "))?.trim().parse().ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

fn read_proc(host: &Host, pid: u32, boot: Option<SystemTime>) -> Option<Proc> {
    let stat = host.read_limited(&format!("/proc/{pid}/stat"), 4096).ok()?;
    let stat = String::from_utf8_lossy(&stat);
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // rest[0] is field 3 (state); ppid is field 4; starttime is field 22.
    let ppid = rest.get(1)?.parse().ok()?;
    let ticks: Option<u64> = rest.get(19).and_then(|s| s.parse().ok());
    let start = match (boot, ticks) {
        (Some(b), Some(t)) => {
            t.checked_mul(1000).and_then(|ms| b.checked_add(Duration::from_millis(ms / USER_HZ)))
        }
        _ => None,
    };
    // The owner of /proc/<pid> is the process's effective uid (one metadata call). Offline
    // trees cannot carry ownership reliably, so there the status file's Uid line decides.
    let uid = if host.is_live() {
        host.lstat(&format!("/proc/{pid}")).ok().map(|m| m.uid())
    } else {
        status_field(host, &pid.to_string(), "Uid:")
            .and_then(|v| v.split_whitespace().nth(1).and_then(|u| u.parse().ok()))
            .or_else(|| host.lstat(&format!("/proc/{pid}")).ok().map(|m| m.uid()))
    };
    Some(Proc { pid, ppid, uid, comm, start })
}

/// The first `/proc/<pid>/status` line starting with `key`, trimmed.
pub fn status_field(host: &Host, pid: &str, key: &str) -> Option<String> {
    let status = host.read_limited(&format!("/proc/{pid}/status"), 64 * 1024).ok()?;
    let status = String::from_utf8_lossy(&status);
    status.lines().find_map(|l| l.strip_prefix(key)).map(|v| v.trim().to_string())
}

/// The control-group path of a process (cgroup v2 `0::` line, else the first line's path).
pub fn cgroup_of(host: &Host, pid: u32) -> Option<String> {
    let text = host.read_string(&format!("/proc/{pid}/cgroup")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("0::"))
        .or_else(|| text.lines().find(|l| l.contains("name=systemd")).and_then(|l| l.splitn(3, ':').nth(2)))
        .map(str::to_string)
}
