//! `stance probe` against a hostile job: a workspace with a symlink loop, symlinks out of
//! the tree to a secret, FIFOs where the probe reads files, an unreadable directory,
//! 100,000 small files, a 4 GiB sparse file and names with control characters. The probe
//! must finish in bounded time (it would hang forever on a FIFO it opened), report the
//! real secrets in the tree, none outside it, and never let a file name inject lines into
//! its output.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::*;

/// The probe's default scan budget is 5 s; a debug build on a slow CI machine gets room,
/// but a probe that blocks on a FIFO or reads 4 GiB does not finish in this.
const WALL_LIMIT: Duration = Duration::from_secs(20);

fn mkfifo(p: &Path) {
    sh("mkfifo", &[p.to_str().unwrap()]);
}

fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// 100 directories of 1,000 small text files each.
fn many_files(dir: &Path) {
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let dir = dir.to_path_buf();
            std::thread::spawn(move || {
                for d in (t..100).step_by(2) {
                    let sub = dir.join(format!("d{d:03}"));
                    std::fs::create_dir_all(&sub).unwrap();
                    for f in 0..1000 {
                        std::fs::write(sub.join(format!("f{f:04}.txt")), format!("line {f} of {d}\n"))
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// The hostile tree: `ws/` (the workspace), `home/` (the job user's home), `outside/`
/// (secrets the scan must never reach) and a FIFO for the event payload. As root it lives
/// on a tmpfs (100,000 files: about 400 MiB of memory for the test's duration).
struct Hostile {
    /// Declared first so it is unmounted before the tree is removed.
    _tmpfs: Option<Tmpfs>,
    tree: TempTree,
    real_secret: String,
    locked_secret: String,
    outside_secret: String,
    sparse_secret: String,
}

fn build() -> Hostile {
    let tree = TempTree::new("hostile");
    let tmpfs = stance_testkit::is_root().then(|| Tmpfs::mount(tree.path(), "1g"));
    let real_secret = format!("ghp_{}", random_alnum(36));
    let locked_secret = format!("ghp_{}", random_alnum(36));
    let outside_secret = format!("AKIA{}", random_from(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
    let sparse_secret = format!("ghp_{}", random_alnum(36));

    let ws = tree.mkdir("ws");
    tree.write("ws/config/settings.env", &format!("# deploy settings\nGH_TOKEN={real_secret}\n"), 0o644);
    // Symlink loops: two links pointing at each other, and a directory link to its parent.
    symlink("loop-b", &ws.join("loop-a"));
    symlink("loop-a", &ws.join("loop-b"));
    symlink("..", &ws.join("config/up"));
    // Links out of the tree, to a file and a directory holding a secret.
    tree.write("outside/leak.env", &format!("AWS_ACCESS_KEY_ID={outside_secret}\n"), 0o644);
    symlink(tree.join("outside/leak.env"), &ws.join("linked-secret.env"));
    symlink(tree.join("outside"), &ws.join("linked-dir"));
    // FIFOs, also where the probe reads single files (.git/config, .git/HEAD).
    mkfifo(&ws.join("pipe"));
    tree.mkdir("ws/.git");
    mkfifo(&ws.join(".git/config"));
    mkfifo(&ws.join(".git/HEAD"));
    mkfifo(&ws.join(".env"));
    // An unreadable directory with a secret inside (root reads it anyway).
    tree.write("ws/locked/inner/token.txt", &format!("token: {locked_secret}\n"), 0o644);
    std::fs::set_permissions(ws.join("locked"), std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // 100,000 small files.
    many_files(&tree.mkdir("ws/many"));
    // A 4 GiB sparse file that starts with a secret: over the size limit, never read.
    let sparse = std::fs::File::create(ws.join("disk.img")).unwrap();
    std::io::Write::write_all(&mut &sparse, format!("{sparse_secret}\n").as_bytes()).unwrap();
    sparse.set_len(4 << 30).unwrap();
    // Deeper than the walk's depth limit.
    let mut deep = ws.join("deep");
    for i in 0..80 {
        deep = deep.join(format!("{}", i % 10));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("bottom.txt"), "nothing here\n").unwrap();

    // The home directory: FIFOs and loops where credential files would be.
    let home = tree.mkdir("home");
    for f in [".git-credentials", ".gitconfig", ".npmrc", ".bashrc", ".netrc"] {
        mkfifo(&home.join(f));
    }
    symlink(".ssh", &home.join(".ssh"));
    tree.mkdir("home/.docker");
    mkfifo(&home.join(".docker/config.json"));
    mkfifo(&tree.join("event.json"));
    Hostile { _tmpfs: tmpfs, tree, real_secret, locked_secret, outside_secret, sparse_secret }
}

fn probe(h: &Hostile, nobody: bool, extra: &[&str]) -> Run {
    let mut cmd = if nobody {
        let v = as_nobody();
        let mut c = clean(&v[0]);
        c.args(&v[1..]).arg(stance());
        c
    } else {
        clean(stance())
    };
    cmd.args([
        "probe",
        "--format",
        "json",
        "--color",
        "never",
        "--workspace",
        h.tree.join("ws").to_str().unwrap(),
    ])
    .args(extra)
    .env("HOME", h.tree.join("home"))
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_EVENT_NAME", "pull_request")
    .env("GITHUB_EVENT_PATH", h.tree.join("event.json"));
    run_with_timeout(&mut cmd, WALL_LIMIT)
}

fn check(h: &Hostile, run: &Run, root: bool) {
    assert!(run.status.is_some(), "the probe did not finish within {WALL_LIMIT:?} (blocked on a FIFO?)");
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    let r = run.json();
    let ws = h.tree.join("ws");
    let ws = ws.to_str().unwrap();
    assert_outcome(&r, "secrets-in-workspace", "fail");
    assert_evidence(
        &r,
        "secrets-in-workspace",
        &format!("{ws}/config/settings.env:2:10: github-classic-pat, 40 bytes"),
    );
    let ev = evidence(&r, "secrets-in-workspace");
    // Never through a link, never past the size limit.
    for not in ["linked-secret", "linked-dir", "outside", "aws-access-key-id", "disk.img", "/up/", "loop-"] {
        assert!(!ev.contains(not), "evidence mentions {not}:\n{ev}");
    }
    // Root reads the 000 directory; the job user cannot.
    let locked = format!("{ws}/locked/inner/token.txt");
    let expected = if root { 2 } else { 1 };
    assert_eq!(ev.contains(&locked), root, "locked dir evidence for root={root}:\n{ev}");
    let msg = finding(&r, "secrets-in-workspace")["message"].as_str().unwrap().to_string();
    assert_eq!(msg, format!("{expected} secret(s) found in the workspace"));
    // The workspace scan covered the whole tree within its budget. (The shallow scan of
    // /tmp for secrets-in-logs shares the deadline and may stop early on a busy machine.)
    let notes = r["notes"].to_string();
    assert!(!notes.contains("The workspace secret scan stopped early"), "scan truncated: {notes}");
    // FIFOs in the home directory are not credential files, and nothing was read from them.
    assert_outcome(&r, "credential-files-present", "pass");
    assert_outcome(&r, "persisted-git-credentials", "pass");
    // The FIFO event payload was not read: the trigger stays undecided.
    assert_outcome(&r, "untrusted-trigger", "unknown");
    // No value of any planted secret in the output.
    for s in [&h.real_secret, &h.locked_secret, &h.outside_secret, &h.sparse_secret] {
        assert!(!run.stdout.contains(&s[4..]) && !run.stderr.contains(&s[4..]), "a secret value leaked");
    }
}

/// The full hostile workspace, as root and as the unprivileged job user.
#[test]
fn hostile_workspace_finishes_in_bounded_time_with_correct_results() {
    let started = std::time::Instant::now();
    let h = build();
    eprintln!("built the hostile tree in {:?}", started.elapsed());
    let root = stance_testkit::is_root();
    let run = probe(&h, false, &[]);
    eprintln!("probe as {}: {:?}", if root { "root" } else { "this user" }, run.elapsed);
    assert!(run.elapsed < WALL_LIMIT, "took {:?}", run.elapsed);
    check(&h, &run, root);

    // The 100,000 small files alone: every one of them scanned inside the budget.
    let many = h.tree.join("ws/many");
    let run = run_with_timeout(&mut probe_cmd(&["--workspace", many.to_str().unwrap()]), WALL_LIMIT);
    eprintln!("probe of ws/many: {:?}", run.elapsed);
    let r = run.json();
    assert_outcome(&r, "secrets-in-workspace", "pass");
    let msg = finding(&r, "secrets-in-workspace")["message"].as_str().unwrap().to_string();
    assert!(msg.contains("(100000 files,"), "{msg}");

    if !require_root_and(&["setpriv"]) {
        return;
    }
    let run = probe(&h, true, &[]);
    eprintln!("probe as uid {NOBODY}: {:?}", run.elapsed);
    assert!(run.elapsed < WALL_LIMIT, "took {:?}", run.elapsed);
    check(&h, &run, false);
}

/// Budgets end the scan early; a truncated scan that found nothing is unknown, never a
/// pass, and the report says the scan stopped early.
#[test]
fn truncated_scan_is_unknown_not_pass() {
    let tree = TempTree::new("budget");
    // 200 files of 8 KiB: more than a 1 MiB byte budget.
    let line = "nothing secret on this line, only filler text for the byte budget....\n";
    let body = line.repeat(8192 / line.len());
    for i in 0..200 {
        tree.write(&format!("ws/f{i:03}.txt"), &body, 0o644);
    }
    let ws = tree.join("ws");
    let ws = ws.to_str().unwrap();
    let run = run_with_timeout(&mut probe_cmd(&["--workspace", ws, "--scan-max-mib", "1"]), WALL_LIMIT);
    let r = run.json();
    assert_outcome(&r, "secrets-in-workspace", "unknown");
    let f = finding(&r, "secrets-in-workspace");
    assert!(f["reason"].as_str().unwrap().contains("stopped early"), "{f:#}");
    assert!(r["notes"].to_string().contains("The workspace secret scan stopped early"), "{:#}", r["notes"]);

    // Without the byte budget the same tree is scanned completely: a pass that says so.
    let r = probe_json(&mut probe_cmd(&["--workspace", ws]));
    assert_outcome(&r, "secrets-in-workspace", "pass");
    let msg = finding(&r, "secrets-in-workspace")["message"].as_str().unwrap().to_string();
    assert!(msg.contains("(200 files,"), "{msg}");
}

/// A workspace that is itself a symlink is not followed: unknown with the reason.
#[test]
fn workspace_that_is_a_symlink_is_not_followed() {
    let tree = TempTree::new("wslink");
    tree.write("real/.env", &format!("GH_TOKEN=ghp_{}\n", random_alnum(36)), 0o644);
    symlink(tree.join("real"), &tree.join("ws"));
    let r = probe_json(&mut probe_cmd(&["--workspace", tree.join("ws").to_str().unwrap()]));
    assert_outcome(&r, "secrets-in-workspace", "unknown");
    let f = finding(&r, "secrets-in-workspace");
    assert!(f["reason"].as_str().unwrap().contains("symlink"), "{f:#}");
}

/// A file name carrying a newline and a GitHub workflow command, and a terminal escape:
/// no rendering may turn it into a line of its own (GitHub Actions runs `::command::`
/// lines it sees on stdout) or emit the raw escape byte.
#[test]
fn file_names_cannot_inject_lines_into_the_output() {
    let tree = TempTree::new("inject");
    let token = format!("ghp_{}", random_alnum(36));
    let evil = "x\n::error title=injected::pwned\n\u{1b}[2Jy.env";
    tree.write(&format!("ws/{evil}"), &format!("GH_TOKEN={token}\n"), 0o644);
    let ws = tree.join("ws");
    let ws = ws.to_str().unwrap();

    let r = probe_json(&mut probe_cmd(&["--workspace", ws]));
    assert_outcome(&r, "secrets-in-workspace", "fail");
    // JSON carries the name escaped, exactly.
    let subject = finding(&r, "secrets-in-workspace")["evidence"][0]["subject"].as_str().unwrap().to_string();
    assert_eq!(subject, format!("{ws}/{evil}:1:10"));

    for format in ["text", "markdown", "github"] {
        let mut cmd: Command = clean(stance());
        cmd.args(["probe", "--color", "never", "--verbose", "--format", format, "--workspace", ws]);
        let run = run_with_timeout(&mut cmd, WALL_LIMIT);
        assert!(run.ok(), "{format}: {run:?}");
        let injected: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.trim_start().starts_with("::") && !l.contains("title=stance "))
            .collect();
        let escape = run.stdout.contains('\u{1b}');
        assert!(injected.is_empty(), "{format}: injected lines {injected:?}");
        assert!(!escape, "{format}: raw ESC in the output");
        // The name is still shown, escaped, so the evidence stays useful.
        if format == "text" {
            assert!(run.stdout.contains("pwned"), "text: the evidence lost the file name");
        }
    }
}
