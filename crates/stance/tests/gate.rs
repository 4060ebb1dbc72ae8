//! `stance gate` through the real binary: an allowed decision runs CMD and passes
//! its exit status through; a denied one never starts CMD (a marker file it would
//! create must not exist); signals sent to the gate reach CMD.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use stance_core::catalog::{CONTROLS, Catalog};
use stance_core::model::{Confidence, Finding, Outcome};
use stance_core::report::{Report, ReportKind};

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("stance-gate-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.0.join(name), text).unwrap();
        self.file(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A probe report where every control passes except `failing` (L3 when empty).
fn report(failing: &[&str]) -> String {
    let findings = CONTROLS
        .iter()
        .map(|c| {
            let outcome = if failing.contains(&c.id) { Outcome::Fail } else { Outcome::Pass };
            Finding {
                id: c.id.into(),
                title: c.title.into(),
                dimension: c.dimension,
                outcome,
                severity: c.severity,
                confidence: Confidence::High,
                level: c.level,
                message: format!("{} is {outcome}", c.id),
                reason: None,
                evidence: vec![],
            }
        })
        .collect();
    serde_json::to_string(&Report::new(ReportKind::Probe, findings, &Catalog, "2026-01-01T00:00:00Z".into()))
        .unwrap()
}

fn gate(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance"));
    cmd.current_dir(dir).args(["--color", "never", "gate"]).args(args).stdin(Stdio::null());
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    gate(dir, args).output().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn allowed_runs_the_command_and_keeps_its_exit_code_and_output() {
    let s = Scratch::new("allowed");
    let r = s.write("r.json", &report(&[]));
    for code in ["0", "7", "255"] {
        let script = format!("echo out; echo err >&2; exit {code}");
        let o = run(s.path(), &["--tier", "release", "--report", &r, "--", "sh", "-c", &script]);
        assert_eq!(o.status.code(), Some(code.parse().unwrap()), "{}", err(&o));
        assert_eq!(String::from_utf8_lossy(&o.stdout), "out\n", "CMD owns standard output");
        assert!(
            err(&o).starts_with(
                "stance gate: allowed: tier release needs L3, the runner measures L3; running `sh`"
            ),
            "{}",
            err(&o)
        );
        assert!(err(&o).ends_with("err\n"), "{}", err(&o));
    }
    // Arguments reach CMD unchanged, including ones that look like flags.
    let o = run(
        s.path(),
        &["--tier", "build", "--report", &r, "--", "sh", "-c", "printf '%s|' \"$@\"", "x", "--tier", "a b"],
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), "--tier|a b|");
}

#[test]
fn denied_never_starts_the_command() {
    let s = Scratch::new("denied");
    let r = s.write("r.json", &report(&["log-forwarding-absent"])); // L2
    let marker = s.file("marker");
    let o = run(s.path(), &["--tier", "release", "--report", &r, "--", "touch", &marker]);
    assert_eq!(o.status.code(), Some(3));
    assert!(!Path::new(&marker).exists(), "CMD ran although the gate denied");
    let e = err(&o);
    assert!(e.starts_with("stance gate: denied: tier release needs L3, the runner measures L2"), "{e}");
    assert!(e.contains("log-forwarding-absent"), "{e}");
    assert!(
        e.ends_with(
            "stance gate: refusing to run `touch`: the posture does not meet the policy of tier release\n"
        ),
        "{e}"
    );
    assert!(o.stdout.is_empty());
    // The same report is good enough for a privileged job.
    let o = run(s.path(), &["--tier", "privileged", "--report", &r, "--", "touch", &marker]);
    assert_eq!(o.status.code(), Some(0));
    assert!(Path::new(&marker).exists());
}

#[test]
fn errors_before_the_decision_never_start_the_command() {
    let s = Scratch::new("errors");
    let r = s.write("r.json", &report(&[]));
    let marker = s.file("marker");
    let broken = s.write("broken.rego", "package stance\ndeny contains msg if {\n");
    let expired = s.write(
        "expired.toml",
        "[[waiver]]\ncontrol = \"lsm-enforcing\"\ntier = \"release\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2020-01-01\n",
    );
    let deny_all = s.write(
        "deny.rego",
        "package stance\ndeny contains \"no releases today\" if input.tier == \"release\"\n",
    );
    for (args, code) in [
        (vec!["--tier", "auto", "--report", r.as_str()], 2),
        (vec!["--tier", "release", "--report", r.as_str(), "--rego", broken.as_str()], 2),
        (vec!["--tier", "release", "--report", "missing.json"], 2),
        (vec!["--tier", "release", "--report", r.as_str(), "--policy", expired.as_str()], 3),
        (vec!["--tier", "release", "--report", r.as_str(), "--rego", deny_all.as_str()], 3),
    ] {
        let mut all = args.clone();
        all.extend(["--", "touch", marker.as_str()]);
        let o = run(s.path(), &all);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", err(&o));
        assert!(!Path::new(&marker).exists(), "{args:?}: CMD ran");
    }
    let o = run(s.path(), &["--tier", "release", "--report", &r]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no command to run"), "{}", err(&o));
}

#[test]
fn a_missing_or_unexecutable_command_exits_127_or_126() {
    let s = Scratch::new("notfound");
    let r = s.write("r.json", &report(&[]));
    let o = run(s.path(), &["--tier", "build", "--report", &r, "--", "stance-test-no-such-command"]);
    assert_eq!(o.status.code(), Some(127));
    assert!(err(&o).contains("`stance-test-no-such-command`: command not found"), "{}", err(&o));
    let script = s.write("script.sh", "#!/bin/sh\nexit 0\n");
    let o = run(s.path(), &["--tier", "build", "--report", &r, "--", &script]);
    assert_eq!(o.status.code(), Some(126), "{}", err(&o));
}

#[test]
fn the_decision_can_be_written_as_json_to_a_file() {
    let s = Scratch::new("json");
    let r = s.write("r.json", &report(&[]));
    let out = s.file("decision.json");
    let o = run(s.path(), &["--tier", "release", "--report", &r, "-f", "json", "-o", &out, "--", "true"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["decision"], "allowed");
    assert_eq!(v["tier"], "release");
}

/// Waits for `path` to exist, at most `limit`.
fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Waits for the child, killing it after `limit`.
fn wait_bounded(mut child: Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Sends a signal with the shell's built-in `kill` (no procps needed).
fn send(signal: &str, pid: u32) {
    let st = Command::new("sh").args(["-c", &format!("kill -{signal} {pid}")]).status().unwrap();
    assert!(st.success(), "kill -{signal} {pid}");
}

#[test]
fn signals_sent_to_the_gate_reach_the_command() {
    let s = Scratch::new("signals");
    let r = s.write("r.json", &report(&[]));
    let ready = s.path().join("ready");
    let got = s.path().join("got");
    // The command traps SIGTERM, records it and exits with its own code.
    let script = format!(
        "trap 'echo TERM > {got}; exit 42' TERM; echo up > {ready}; while :; do sleep 0.05; done",
        got = got.display(),
        ready = ready.display()
    );
    let child = gate(s.path(), &["--tier", "build", "--report", &r, "--", "sh", "-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    assert!(wait_for(&ready, Duration::from_secs(20)), "the command did not start");
    send("TERM", pid);
    let status = wait_bounded(child, Duration::from_secs(20)).expect("gate did not exit after SIGTERM");
    assert_eq!(
        std::fs::read_to_string(&got).unwrap_or_default(),
        "TERM\n",
        "the command did not receive SIGTERM"
    );
    assert_eq!(status.code(), Some(42), "the gate exits with the command's own code");

    // A command that does not handle the signal dies of it: the gate exits 128 + N.
    for (signal, number) in [("HUP", 1), ("INT", 2), ("TERM", 15)] {
        let _ = std::fs::remove_file(&ready);
        let script = format!("echo up > {}; exec sleep 30", ready.display());
        let child = gate(s.path(), &["--tier", "build", "--report", &r, "--", "sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        assert!(wait_for(&ready, Duration::from_secs(20)), "the command did not start");
        // Give `exec sleep` a moment to replace the shell.
        std::thread::sleep(Duration::from_millis(100));
        send(signal, pid);
        let status = wait_bounded(child, Duration::from_secs(20)).expect("gate did not exit");
        assert_eq!(status.code(), Some(128 + number), "SIG{signal}");
    }
}
