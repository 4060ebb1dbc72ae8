//! Small, conservative readers of shell scripts and container options: the
//! `docker run` flags that weaken isolation, host paths mounted into containers,
//! and remote scripts piped into a shell.

/// How much of the host a container option hands over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// A sliver: host IPC or UTS namespace, a harmless capability, GPU devices.
    Minor,
    /// Part of the host: host network, raw devices, network or ptrace capabilities.
    Partial,
    /// The host: `--privileged`, `SYS_ADMIN`/`ALL`, host PID or user namespace, unconfined profiles.
    Full,
}

/// A container option that removes isolation from the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DangerousFlag {
    /// The flag as written (`--privileged`, `--pid=host`, `--cap-add=SYS_ADMIN`).
    pub flag: String,
    /// How much of the host it hands over.
    pub reach: Reach,
}

fn cap_reach(cap: &str) -> Reach {
    let c = cap.to_ascii_uppercase();
    let c = c.trim_start_matches("CAP_");
    match c {
        "ALL" | "SYS_ADMIN" | "SYS_MODULE" | "SYS_RAWIO" | "DAC_READ_SEARCH" | "SYS_PTRACE" | "BPF" => {
            Reach::Full
        }
        "NET_ADMIN" | "NET_RAW" | "SYS_BOOT" | "SYS_TIME" | "MKNOD" | "DAC_OVERRIDE" | "SETUID"
        | "SETGID" => Reach::Partial,
        _ => Reach::Minor,
    }
}

/// Splits a command line into words, honouring simple quotes.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                started = true;
            }
            None if c.is_whitespace() => {
                if started || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            None => cur.push(c),
        }
    }
    if started || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Reads docker/podman create flags (from `options:` or a `docker run` line).
pub fn dangerous_flags(args: &[String]) -> Vec<DangerousFlag> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a, None),
        };
        let value = || inline.clone().or_else(|| args.get(i + 1).cloned()).unwrap_or_default();
        let takes_value = inline.is_none();
        match name {
            "--privileged" if inline.as_deref() != Some("false") => {
                out.push(DangerousFlag { flag: a.into(), reach: Reach::Full })
            }
            "--cap-add" => {
                let v = value();
                let reach = v.split(',').map(cap_reach).max().unwrap_or(Reach::Minor);
                out.push(DangerousFlag { flag: format!("--cap-add={v}"), reach });
                if takes_value {
                    i += 1;
                }
            }
            "--pid" | "--network" | "--net" | "--ipc" | "--userns" | "--uts" | "--cgroupns" => {
                let v = value();
                if v == "host" {
                    let reach = match name {
                        "--pid" | "--userns" => Reach::Full,
                        "--network" | "--net" => Reach::Partial,
                        _ => Reach::Minor,
                    };
                    out.push(DangerousFlag { flag: format!("{name}=host"), reach });
                }
                if takes_value {
                    i += 1;
                }
            }
            "--security-opt" => {
                let v = value();
                if v.contains("unconfined")
                    || v == "label=disable"
                    || v == "label:disable"
                    || v.contains("no-new-privileges=false")
                {
                    out.push(DangerousFlag { flag: format!("--security-opt={v}"), reach: Reach::Full });
                }
                if takes_value {
                    i += 1;
                }
            }
            "--device" => {
                let v = value();
                let gpu =
                    ["/dev/nvidia", "/dev/dri", "/dev/kfd", "/dev/accel", "/dev/neuron", "/dev/infiniband"]
                        .iter()
                        .any(|g| v.starts_with(g));
                let reach = if gpu { Reach::Minor } else { Reach::Partial };
                out.push(DangerousFlag { flag: format!("--device={v}"), reach });
                if takes_value {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Host paths whose mount into a container hands over the host.
pub fn sensitive_host_path(host: &str) -> Option<&'static str> {
    let h = host.trim_end_matches('/');
    let h = if h.is_empty() && host.starts_with('/') { "/" } else { h };
    const SOCKETS: &[&str] = &[
        "/var/run/docker.sock",
        "/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/var/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock",
        "/run/crio/crio.sock",
        "/run/podman/podman.sock",
        "/var/run/podman/podman.sock",
        "/run/buildkit/buildkitd.sock",
    ];
    if SOCKETS.contains(&h) {
        return Some("the container runtime socket (root on the host)");
    }
    match h {
        "/" => Some("the host's root filesystem"),
        "/etc"
        | "/root"
        | "/home"
        | "/boot"
        | "/usr"
        | "/var"
        | "/var/lib/docker"
        | "/var/lib/containerd"
        | "/proc"
        | "/sys"
        | "/dev"
        | "/run"
        | "/var/run" => Some("a host system directory"),
        _ => None,
    }
}

/// Host paths mounted by `-v host:ctr`, `--volume`, `--mount type=bind,source=…` in `args`.
pub fn mounts(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let val = if a == "-v" || a == "--volume" || a == "--mount" {
            i += 1;
            args.get(i).map(String::as_str)
        } else if let Some(v) = a.strip_prefix("--volume=").or_else(|| a.strip_prefix("--mount=")) {
            Some(v)
        } else {
            a.strip_prefix("-v").filter(|v| v.starts_with('/'))
        };
        if let Some(v) = val {
            if v.contains("source=") || v.contains("src=") {
                if let Some(src) =
                    v.split(',').find_map(|p| p.strip_prefix("source=").or_else(|| p.strip_prefix("src=")))
                {
                    out.push(src.to_string());
                }
            } else if let Some(host) = volume_host(v) {
                out.push(host.to_string());
            }
        }
        i += 1;
    }
    out
}

/// The host side of a `host:container[:opts]` volume (None for named volumes).
pub fn volume_host(spec: &str) -> Option<&str> {
    let host = spec.split(':').next()?;
    host.starts_with('/').then_some(host)
}

/// The `docker run`/`podman run`/`docker create` command lines of a script, as word lists
/// (line continuations joined).
pub fn container_runs(script: &str) -> Vec<Vec<String>> {
    if !(script.contains("docker") || script.contains("podman") || script.contains("nerdctl")) {
        return Vec::new();
    }
    let joined = script.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        for part in line.split(['|', ';', '&']) {
            let w = words(part);
            let pos = w.windows(2).position(|p| {
                matches!(p[0].as_str(), "docker" | "podman" | "nerdctl")
                    && matches!(p[1].as_str(), "run" | "create")
            });
            if let Some(p) = pos {
                out.push(w[p + 2..].to_vec());
            }
        }
    }
    out
}

/// Lines of a script that pipe a download into an interpreter (`curl … | bash`).
pub fn pipes_download_to_shell(script: &str) -> Vec<&str> {
    const SHELLS: &[&str] =
        &["sh", "bash", "zsh", "dash", "ksh", "python", "python3", "perl", "ruby", "node", "pwsh", "iex"];
    let mut out = Vec::new();
    if !(script.contains("curl")
        || script.contains("wget")
        || script.contains("Invoke-WebRequest")
        || script.contains("iwr "))
    {
        return out;
    }
    for line in script.lines() {
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        let fetch = l.contains("curl ")
            || l.contains("wget ")
            || l.contains("Invoke-WebRequest")
            || l.contains("iwr ");
        if !fetch {
            continue;
        }
        // `curl … | sudo bash -s`, `bash <(curl …)`, `sh -c "$(curl …)"`, `… | iex`.
        let piped = l.split('|').skip(1).any(|seg| {
            let w = words(seg);
            let first = w
                .iter()
                .map(String::as_str)
                .find(|x| !matches!(*x, "sudo" | "-E" | "env") && !x.contains('='));
            first.is_some_and(|c| SHELLS.contains(&c.rsplit('/').next().unwrap_or(c)))
        });
        let substituted =
            (l.contains("<(curl") || l.contains("<(wget") || l.contains("$(curl") || l.contains("$(wget"))
                && SHELLS.iter().any(|s| l.starts_with(&format!("{s} ")) || l.contains(&format!(" {s} ")));
        if piped || substituted {
            out.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dangerous_flags() {
        let f = dangerous_flags(&words(
            "--gpus all --privileged --pid host --cap-add SYS_ADMIN --security-opt seccomp=unconfined --shm-size 8G",
        ));
        let names: Vec<&str> = f.iter().map(|d| d.flag.as_str()).collect();
        assert_eq!(
            names,
            ["--privileged", "--pid=host", "--cap-add=SYS_ADMIN", "--security-opt=seccomp=unconfined"]
        );
        assert!(dangerous_flags(&words("--gpus all --shm-size \"8G\"")).is_empty());
    }

    #[test]
    fn reads_mounts_and_docker_runs() {
        let runs = container_runs(
            "set -e\ndocker run --rm \\\n  -v /var/run/docker.sock:/var/run/docker.sock -v cache:/c img make\n",
        );
        assert_eq!(runs.len(), 1);
        assert_eq!(mounts(&runs[0]), ["/var/run/docker.sock"]);
        assert!(sensitive_host_path("/var/run/docker.sock").is_some());
        assert!(sensitive_host_path("/").is_some());
        assert!(sensitive_host_path("/home/runner/work").is_none());
        assert_eq!(volume_host("/:/host/"), Some("/"));
    }

    #[test]
    fn finds_download_piped_to_shell() {
        assert_eq!(pipes_download_to_shell("curl -sSL https://x/y.sh | sudo bash -s -- -v\n").len(), 1);
        assert_eq!(pipes_download_to_shell("bash <(curl -s https://x)\n").len(), 1);
        assert!(pipes_download_to_shell("curl -o f https://x | tee log\n").is_empty());
        assert!(pipes_download_to_shell("# curl x | sh\n").is_empty());
    }
}
