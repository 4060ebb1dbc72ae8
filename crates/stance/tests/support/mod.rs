//! Shared helpers of the `stance probe` integration tests: running the real binary with
//! a timeout, reading its JSON report, and guards that tear down every namespace,
//! directory and process a test creates, even when the test fails.
//!
//! Network rule: tests send traffic only inside network namespaces they create
//! (10.200.x.x addresses) or to loopback.

// Each test file uses a subset of these helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `stance` binary under test.
pub fn stance() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_stance"))
}

/// A name unique to this test process and call: `<prefix>-<pid>-<n>`.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// True when the test can run: root and every tool present. Otherwise reports the skip
/// (a failure under CI) and returns false.
pub fn require_root_and(tools: &[&str]) -> bool {
    if !stance_testkit::is_root() {
        stance_testkit::skip("needs root: namespaces, mounts, nftables and uid switching");
        return false;
    }
    require(tools)
}

/// True when every tool is on PATH; otherwise reports the skip and returns false.
pub fn require(tools: &[&str]) -> bool {
    for t in tools {
        if stance_testkit::which(t).is_none() {
            stance_testkit::skip(&format!(
                "needs `{t}` (the test command installs iproute2, nftables, util-linux, python3)"
            ));
            return false;
        }
    }
    true
}

/// The uid/gid of the unprivileged job user in these tests.
pub const NOBODY: u32 = 65534;

/// `setpriv` arguments that switch to the unprivileged job user before exec.
pub fn as_nobody() -> Vec<String> {
    vec![
        "setpriv".into(),
        format!("--reuid={NOBODY}"),
        format!("--regid={NOBODY}"),
        "--clear-groups".into(),
        "--".into(),
    ]
}

/// What a finished (or killed) command left behind.
#[derive(Debug)]
pub struct Run {
    /// Exit status (None when it was killed at the timeout).
    pub status: Option<ExitStatus>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl Run {
    /// Whether it exited with code 0.
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// The exit code, when it exited.
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    /// The report on stdout, parsed; panics with stderr when the run failed.
    pub fn json(&self) -> Value {
        assert!(
            self.ok(),
            "probe failed ({:?}) after {:?}\nstderr:\n{}\nstdout (start):\n{}",
            self.status,
            self.elapsed,
            self.stderr,
            self.stdout.chars().take(2000).collect::<String>()
        );
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e})\nstderr:\n{}\nstdout:\n{}", self.stderr, self.stdout)
        })
    }
}

/// Kills (SIGKILL) and reaps a child process when dropped.
#[derive(Debug)]
pub struct ChildGuard(pub Option<Child>);

impl ChildGuard {
    /// Guards `child`.
    pub fn new(child: Child) -> ChildGuard {
        ChildGuard(Some(child))
    }

    /// The guarded child's pid.
    pub fn pid(&self) -> u32 {
        self.0.as_ref().map(Child::id).unwrap_or(0)
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs `cmd` with stdin closed, capturing output; kills it after `timeout`.
pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Run {
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut guard = ChildGuard::new(child);
    let c = guard.0.as_mut().unwrap();
    // Read both pipes in threads so a chatty child never blocks on a full pipe.
    let mut out = c.stdout.take().unwrap();
    let mut err = c.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let mut status = None;
    while started.elapsed() < timeout {
        if let Some(s) = c.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = started.elapsed();
    // On timeout the guard kills the child (which closes the pipes).
    drop(guard);
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    Run { status, stdout, stderr, elapsed }
}

/// Default timeout of one probe run in these tests (the probe itself takes well under a second).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `cmd` (a probe invocation) and returns its parsed JSON report.
pub fn probe_json(cmd: &mut Command) -> Value {
    run_with_timeout(cmd, PROBE_TIMEOUT).json()
}

/// A command running `program` with CI variables removed from the environment.
pub fn clean(program: impl AsRef<std::ffi::OsStr>) -> Command {
    stance_testkit::clean_command(program)
}

/// `stance probe --format json` plus `args`, as a clean command.
pub fn probe_cmd(args: &[&str]) -> Command {
    let mut c = clean(stance());
    c.args(["probe", "--format", "json", "--color", "never"]).args(args);
    c
}

/// The finding of control `id`; panics when the report has none.
pub fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["id"] == id))
        .unwrap_or_else(|| panic!("no finding `{id}` in the report"))
}

/// The outcome of control `id` (`pass`, `fail`, `warn`, `not-applicable`, `unknown`).
pub fn outcome<'a>(report: &'a Value, id: &str) -> &'a str {
    finding(report, id)["outcome"].as_str().unwrap_or("?")
}

/// Asserts the outcome of control `id`, showing the whole finding when it differs.
#[track_caller]
pub fn assert_outcome(report: &Value, id: &str, expected: &str) {
    let f = finding(report, id);
    assert_eq!(f["outcome"].as_str(), Some(expected), "{id}: expected {expected}, got finding:\n{f:#}");
}

/// Asserts the outcome of control `id` is one of `allowed`.
#[track_caller]
pub fn assert_outcome_in(report: &Value, id: &str, allowed: &[&str]) {
    let f = finding(report, id);
    let got = f["outcome"].as_str().unwrap_or("?");
    assert!(allowed.contains(&got), "{id}: expected one of {allowed:?}, got finding:\n{f:#}");
}

/// The evidence of control `id` as one line per item: `kind subject: detail`.
pub fn evidence(report: &Value, id: &str) -> String {
    let f = finding(report, id);
    let mut out = String::new();
    for e in f["evidence"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        out.push_str(&format!(
            "{} {}: {}\n",
            e["kind"].as_str().unwrap_or(""),
            e["subject"].as_str().unwrap_or(""),
            e["detail"].as_str().unwrap_or("")
        ));
    }
    out
}

/// Asserts that the evidence of `id` mentions `needle`.
#[track_caller]
pub fn assert_evidence(report: &Value, id: &str, needle: &str) {
    let ev = evidence(report, id);
    assert!(
        ev.contains(needle),
        "{id}: evidence lacks `{needle}`:\n{ev}\nfinding:\n{:#}",
        finding(report, id)
    );
}

/// Asserts that the evidence of `id` does not mention `needle`.
#[track_caller]
pub fn assert_no_evidence(report: &Value, id: &str, needle: &str) {
    let ev = evidence(report, id);
    assert!(!ev.contains(needle), "{id}: evidence mentions `{needle}`:\n{ev}");
}

/// A temporary directory (mode 0755, so the unprivileged job user can traverse it; the
/// directories above it must be searchable too), removed with everything in it when
/// dropped, even after `chmod 000`.
#[derive(Debug)]
pub struct TempTree {
    path: PathBuf,
}

impl TempTree {
    /// A fresh, empty directory under Cargo's per-target temp dir, not /tmp: the probe
    /// scans /tmp for residue, and a big test tree there would slow down every other
    /// probe run on the machine (and make their results depend on it).
    pub fn new(tag: &str) -> TempTree {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(&base).unwrap();
        let path = base.join(unique(&format!("stance-t-{tag}")));
        std::fs::create_dir(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        TempTree { path }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside it.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// Its path as a `&str` (temp paths here are ASCII).
    pub fn str(&self) -> &str {
        self.path.to_str().unwrap()
    }

    /// Writes `content` to `rel` (creating parents) with `mode`; returns the path.
    pub fn write(&self, rel: &str, content: &str, mode: u32) -> PathBuf {
        let p = self.path.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    /// Creates directory `rel` (and parents); returns the path.
    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path.join(rel);
        std::fs::create_dir_all(&p).unwrap();
        p
    }
}

/// Makes every directory below `p` searchable again so it can be removed.
fn unlock(p: &Path) {
    let Ok(md) = std::fs::symlink_metadata(p) else { return };
    if !md.is_dir() {
        return;
    }
    if md.permissions().mode() & 0o700 != 0o700 {
        let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755));
    }
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                unlock(&e.path());
            }
        }
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        unlock(&self.path);
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs a setup command and panics with its output when it fails.
#[track_caller]
pub fn sh(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "`{program} {}` failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A network namespace (`ip netns add`), deleted with every process in it when dropped.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// A new namespace with loopback up and nothing else: no route anywhere.
    pub fn new() -> Netns {
        let name = unique("stance-t");
        sh("ip", &["netns", "add", &name]);
        let ns = Netns { name };
        sh("ip", &["-n", &ns.name, "link", "set", "lo", "up"]);
        ns
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A clean command that runs `program` inside the namespace.
    pub fn cmd(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = clean("ip");
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }

    /// `stance probe --format json <args>` inside the namespace.
    pub fn probe(&self, args: &[&str]) -> Command {
        let mut c = self.cmd(stance());
        c.args(["probe", "--format", "json", "--color", "never"]).args(args);
        c
    }

    /// Runs `nft -f -` inside the namespace with `ruleset` on stdin.
    #[track_caller]
    pub fn nft(&self, ruleset: &str) {
        use std::io::Write;
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.name, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(ruleset.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "nft failed in {}: {}\nruleset:\n{ruleset}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Connects this namespace to `other` with a veth pair: `ip_here` and `ip_there` are
    /// `10.200.x.y/24` addresses on the two ends. Interface names are local to each
    /// namespace, so parallel tests never collide.
    pub fn link(&self, ip_here: &str, other: &Netns, ip_there: &str) {
        sh(
            "ip",
            &[
                "-n",
                &self.name,
                "link",
                "add",
                "veth-job",
                "type",
                "veth",
                "peer",
                "name",
                "veth-far",
                "netns",
                &other.name,
            ],
        );
        sh("ip", &["-n", &self.name, "addr", "add", ip_here, "dev", "veth-job"]);
        sh("ip", &["-n", &other.name, "addr", "add", ip_there, "dev", "veth-far"]);
        sh("ip", &["-n", &self.name, "link", "set", "veth-job", "up"]);
        sh("ip", &["-n", &other.name, "link", "set", "veth-far", "up"]);
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Kill what still runs inside, then delete (which also removes its veth ends).
        if let Ok(out) = Command::new("ip").args(["netns", "pids", &self.name]).output() {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
        }
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}

/// A tiny HTTP server (Python, standard library only): answers every GET with `status`
/// and a short body. Prints READY once listening.
const HTTP_SERVER: &str = r#"
import http.server, sys
addr, port, status = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ami-id\nhostname\ninstance-id\n" if status == 200 else b"unauthorized\n"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer((addr, port), H)
print("READY", flush=True)
s.serve_forever()
"#;

/// An HTTP server on `addr:port` inside `ns`, answering every GET with `status`; killed
/// when dropped (and with its namespace).
pub fn http_server(ns: &Netns, addr: &str, port: u16, status: u16) -> ChildGuard {
    let mut cmd = ns.cmd("python3");
    cmd.args(["-u", "-c", HTTP_SERVER, addr, &port.to_string(), &status.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut guard = ChildGuard::new(cmd.spawn().unwrap());
    let stdout = guard.0.as_mut().unwrap().stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(15)).unwrap_or_default();
    if line.trim() != "READY" {
        let mut err = String::new();
        if let Some(mut e) = guard.0.as_mut().and_then(|c| c.stderr.take()) {
            let _ = guard.0.as_mut().unwrap().kill();
            let _ = e.read_to_string(&mut err);
        }
        panic!("the test HTTP server on {addr}:{port} in {} did not start: {err}", ns.name());
    }
    guard
}

/// A python3 wrapper that installs an allow-everything seccomp filter (so the process is
/// in seccomp filter mode 2) and then execs `argv[1:]`. Needs no_new_privs or
/// CAP_SYS_ADMIN, as the kernel requires.
pub const SECCOMP_EXEC: &str = r#"
import ctypes, os, sys
class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]
BPF_RET_K = 0x06
SECCOMP_RET_ALLOW = 0x7fff0000
prog = (SockFilter * 1)(SockFilter(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
fprog = SockFprog(1, prog)
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
    sys.exit("prctl(PR_SET_SECCOMP) failed: " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])
"#;

/// A field of this test process's `/proc/self/status` (e.g. `Seccomp`), trimmed.
pub fn own_status(field: &str) -> Option<String> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find_map(|l| l.strip_prefix(&format!("{field}:"))).map(|v| v.trim().to_string())
}

/// The kernel's boot time in Unix seconds (`btime` of /proc/stat).
pub fn boot_time() -> u64 {
    let s = std::fs::read_to_string("/proc/stat").unwrap();
    s.lines().find_map(|l| l.strip_prefix("btime ")).and_then(|v| v.trim().parse().ok()).unwrap()
}

/// Now, in Unix seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// `n` random characters from `[A-Za-z0-9]` (from /dev/urandom; no RNG crate needed).
pub fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    random_from(n, ALPHABET)
}

/// `n` random characters from `alphabet`.
pub fn random_from(n: usize, alphabet: &[u8]) -> String {
    let mut f = std::fs::File::open("/dev/urandom").unwrap();
    let mut out = String::with_capacity(n);
    let mut b = [0u8; 1];
    while out.len() < n {
        f.read_exact(&mut b).unwrap();
        // Rejection sampling keeps the distribution uniform.
        let limit = 256 - 256 % alphabet.len();
        if (b[0] as usize) < limit {
            out.push(alphabet[b[0] as usize % alphabet.len()] as char);
        }
    }
    out
}

/// A tmpfs mounted (as root) over a directory, unmounted when dropped. Creating 100,000
/// files on a busy disk takes tens of seconds; on tmpfs about one.
#[derive(Debug)]
pub struct Tmpfs {
    at: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (e.g. `1g`) over `at`, which must be an empty directory.
    pub fn mount(at: &Path, size: &str) -> Tmpfs {
        let opts = format!("size={size},mode=0755");
        sh("mount", &["-t", "tmpfs", "-o", &opts, "stance-test", at.to_str().unwrap()]);
        Tmpfs { at: at.to_path_buf() }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy, so a straggling process cannot keep the mount alive.
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}
