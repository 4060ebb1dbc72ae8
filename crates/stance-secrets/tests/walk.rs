//! The directory walk on hostile trees: symlinks, FIFOs, sockets, devices,
//! unreadable directories, huge sparse files, many files, budgets.
//!
//! Every scan runs under a timeout guard: a walk that blocks (say, on a FIFO)
//! fails the test instead of hanging the suite.

#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use stance_secrets::{PatternSet, ScanOptions, ScanReport, scan_paths};

/// Runs a scan on another thread and fails if it takes longer than `limit`.
fn scan_within(limit: Duration, roots: &[&Path], opts: ScanOptions) -> ScanReport {
    let roots: Vec<PathBuf> = roots.iter().map(|r| r.to_path_buf()).collect();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(scan_paths(PatternSet::builtin(), &roots, &opts));
    });
    rx.recv_timeout(limit).unwrap_or_else(|_| panic!("scan did not finish within {limit:?}"))
}

fn scan(roots: &[&Path]) -> ScanReport {
    scan_within(Duration::from_secs(30), roots, ScanOptions::default())
}

fn write(path: &Path, data: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

/// Relative path and pattern id of every match, sorted.
fn found(report: &ScanReport, root: &Path) -> Vec<(String, &'static str)> {
    let mut v: Vec<_> = report
        .hits
        .iter()
        .flat_map(|h| {
            let rel = h.path.strip_prefix(root).unwrap_or(&h.path).to_string_lossy().into_owned();
            h.matches.iter().map(move |m| (rel.clone(), m.pattern))
        })
        .collect();
    v.sort();
    v
}

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

#[test]
fn hostile_tree_yields_only_the_real_secrets() {
    let mut f = Fake::new(100);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");

    // Real residue inside the root.
    write(&root.join("work/app/.env"), format!("GH_TOKEN={}\n", f.token("ghp_", B62, 36)));
    let basic = b64(&format!("x-access-token:{}", f.token("ghs_", B62, 36)));
    write(
        &root.join("work/app/.git/config"),
        format!("[http]\n\textraheader = AUTHORIZATION: basic {basic}\n"),
    );
    write(&root.join("work/app/.git/HEAD"), "ref: refs/heads/main\n");
    fs::create_dir_all(root.join("work/app/.git/refs/heads")).unwrap();
    // A loose object that happens to be plain text: the object store is skipped.
    write(&root.join("work/app/.git/objects/ab/cdef"), f.token("glpat-", B64URL, 20));
    // NUL-separated environment dump: small and textual, so it is scanned.
    write(
        &root.join("tmp/environ"),
        format!("HOME=/home/runner\0CI=true\0NPM_TOKEN={}\0PATH=/usr/bin\0", f.token("npm_", B62, 36)),
    );
    // A binary with a token in it: skipped like other text tools do.
    let mut bin = b"\x7fELF\x02\x01\x01\0\0\0\0\0".to_vec();
    bin.extend_from_slice(f.token("hf_", B62, 34).as_bytes());
    write(&root.join("tmp/tool.bin"), bin);
    // A file over the size limit, secret at the start: never read.
    let mut big = f.token("dckr_pat_", B64URL, 27).into_bytes();
    big.resize(17 << 20, b'\n');
    write(&root.join("tmp/big.log"), big);

    // A secret outside the root, reachable only through symlinks.
    write(&outside.join("leak.txt"), format!("AWS_ACCESS_KEY_ID={}\n", f.token("AKIA", BASE32, 16)));
    symlink(outside.join("leak.txt"), root.join("work/leak-file")).unwrap();
    symlink(&outside, root.join("work/leak-dir")).unwrap();
    symlink(".", root.join("work/loop")).unwrap();
    symlink("self", root.join("work/self")).unwrap();
    symlink("/dev/zero", root.join("work/zero")).unwrap();

    // Things that must never be opened.
    mkfifo(&root.join("tmp/pipe"));
    let _sock = std::os::unix::net::UnixListener::bind(root.join("tmp/sock")).unwrap();

    let r = scan(&[&root]);
    assert_eq!(
        found(&r, &root),
        vec![
            ("tmp/environ".to_string(), "npm-access-token"),
            ("work/app/.env".to_string(), "github-classic-pat"),
            ("work/app/.git/config".to_string(), "http-basic-auth-header"),
        ]
    );
    let s = &r.stats;
    assert_eq!(s.skipped_symlinks, 5, "{s:?}");
    assert_eq!(s.skipped_special, 2, "{s:?}");
    assert_eq!(s.skipped_binary, 1, "{s:?}");
    assert_eq!(s.skipped_large, 1, "{s:?}");
    assert_eq!(s.skipped_git_objects, 1, "{s:?}");
    assert_eq!(s.files_scanned, 4, "{s:?}"); // .env, config, HEAD, environ
    assert!(s.bytes_read < 1 << 20, "the big file was read: {s:?}");
    assert!(r.truncated.is_none() && r.root_errors.is_empty());
}

#[test]
fn canary_never_appears_in_report_output() {
    let mut f = Fake::new(101);
    let tmp = tempfile::tempdir().unwrap();
    let canaries = [f.token("ghp_", B62, 36), f.chars(B62, 24), f.token("xoxb-1234567890-", B62, 30)];
    write(&tmp.path().join("a.txt"), format!("t={}\n", canaries[0]));
    write(&tmp.path().join("b/.git-credentials"), format!("https://bot:{}@git.corp.test\n", canaries[1]));
    write(&tmp.path().join("c.log"), format!("SLACK={}\n", canaries[2]));
    let r = scan(&[tmp.path()]);
    assert_eq!(r.match_count(), 3, "{r}");
    for out in
        [format!("{r:?}"), format!("{r:#?}"), format!("{r}"), serde_json::to_string_pretty(&r).unwrap()]
    {
        for c in &canaries {
            for w in c.as_bytes().windows(12) {
                let w = std::str::from_utf8(w).unwrap();
                assert!(!out.contains(w), "report output leaks part of a secret: {w}");
            }
        }
    }
}

#[test]
fn unreadable_directory_is_counted_or_read_as_root() {
    let tmp = tempfile::tempdir().unwrap();
    let locked = tmp.path().join("locked");
    write(&locked.join("s.txt"), format!("k={}\n", Fake::new(102).token("ghp_", B62, 36)));
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let r = scan(&[tmp.path()]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    if stance_testkit::is_root() {
        // Root bypasses permission bits (CAP_DAC_OVERRIDE): the directory is
        // readable, so the walk must read it and find the secret.
        assert_eq!(r.match_count(), 1, "{r}");
        assert_eq!(r.stats.skipped_unreadable, 0);
    } else {
        assert_eq!(r.match_count(), 0, "{r}");
        assert_eq!(r.stats.skipped_unreadable, 1);
    }
}

#[test]
fn hundred_thousand_small_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut f = Fake::new(103);
    for d in 0..100 {
        let dir = tmp.path().join(format!("d{d:03}"));
        fs::create_dir(&dir).unwrap();
        for i in 0..1000 {
            fs::write(dir.join(format!("f{i:04}.txt")), format!("line {d} {i}\nlet x = {i};\n")).unwrap();
        }
    }
    let planted = ["d000/f0000.txt", "d042/f0500.txt", "d099/f0999.txt"];
    for p in planted {
        fs::write(tmp.path().join(p), format!("token: {}\n", f.token("ghp_", B62, 36))).unwrap();
    }
    let t = Instant::now();
    let r = scan_within(Duration::from_secs(60), &[tmp.path()], ScanOptions::default());
    let elapsed = t.elapsed();
    assert_eq!(r.stats.files_scanned, 100_000);
    assert_eq!(r.stats.dirs, 101);
    let paths: Vec<_> = found(&r, tmp.path()).into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, planted);
    // Deterministic whatever the thread count.
    let one =
        scan_within(Duration::from_secs(60), &[tmp.path()], ScanOptions { threads: 1, ..Default::default() });
    assert_eq!(one.hits, r.hits);
    assert!(elapsed < Duration::from_secs(30), "100k files took {elapsed:?}");

    // A deadline in mid-walk: stops promptly with partial results and a reason.
    let t = Instant::now();
    let opts = ScanOptions { deadline: Some(t + Duration::from_millis(50)), ..Default::default() };
    let part = scan_within(Duration::from_secs(10), &[tmp.path()], opts);
    assert!(t.elapsed() < Duration::from_secs(2), "stopped after {:?}", t.elapsed());
    assert!(part.truncated.as_deref().unwrap_or_default().starts_with("deadline reached"), "{part:?}");
    assert!(part.stats.files_scanned < 100_000);
}

#[test]
fn multi_gigabyte_sparse_file_costs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let sparse = fs::File::create(tmp.path().join("disk.img")).unwrap();
    sparse.set_len(8 << 30).unwrap();
    write(&tmp.path().join("k.txt"), format!("{}\n", Fake::new(104).token("gldt-", B64URL, 24)));
    let t = Instant::now();
    let r = scan_within(Duration::from_secs(10), &[tmp.path()], ScanOptions::default());
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(r.match_count(), 1);
    assert_eq!(r.stats.skipped_large, 1);
    assert!(r.stats.bytes_read < 4096, "{:?}", r.stats);
}

#[test]
fn a_deadline_truncates_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..50 {
        write(&tmp.path().join(format!("f{i}.txt")), "text\n");
    }
    let opts = ScanOptions { deadline: Some(Instant::now()), ..Default::default() };
    let r = scan_within(Duration::from_secs(10), &[tmp.path()], opts);
    let reason = r.truncated.clone().unwrap_or_default();
    assert!(reason.starts_with("deadline reached"), "{r:?}");
    assert_eq!(r.stats.files_scanned, 0);
}

#[test]
fn byte_and_file_budgets_truncate_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..10 {
        write(&tmp.path().join(format!("f{i}.txt")), "x".repeat(1000));
    }
    let opts = ScanOptions { max_total_bytes: 2500, threads: 1, ..Default::default() };
    let r = scan_within(Duration::from_secs(10), &[tmp.path()], opts);
    assert_eq!(r.truncated.as_deref(), Some("byte budget reached (2500 bytes)"));
    assert_eq!(r.stats.files_scanned, 2);

    let opts = ScanOptions { max_files: 3, threads: 1, ..Default::default() };
    let r = scan_within(Duration::from_secs(10), &[tmp.path()], opts);
    assert_eq!(r.truncated.as_deref(), Some("file budget reached (3 files)"));
    assert_eq!(r.stats.files_scanned, 3);

    let r = scan(&[tmp.path()]);
    assert!(r.truncated.is_none());
    assert_eq!(r.stats.files_scanned, 10);
}

#[test]
fn roots_may_be_files_symlinks_fifos_or_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("creds");
    write(&file, format!("https://ci:{}@git.corp.test\n", Fake::new(105).chars(B62, 20)));
    let link = tmp.path().join("creds-link");
    symlink(&file, &link).unwrap();
    let fifo = tmp.path().join("fifo");
    mkfifo(&fifo);
    let missing = tmp.path().join("missing");

    let r = scan(&[&file]);
    assert_eq!(r.match_count(), 1);
    assert_eq!(r.hits[0].path, file);

    let r = scan(&[&link, &fifo, &missing]);
    assert_eq!(r.match_count(), 0);
    assert_eq!((r.stats.skipped_symlinks, r.stats.skipped_special), (1, 1));
    let errors: Vec<_> = r.root_errors.iter().map(|e| e.path.clone()).collect();
    assert_eq!(errors, vec![link.clone(), fifo.clone(), missing]);

    let opts = ScanOptions { follow_root_symlinks: true, ..Default::default() };
    let r = scan_within(Duration::from_secs(10), &[&link], opts);
    assert_eq!(r.match_count(), 1);
}

#[test]
fn device_nodes_are_never_opened_and_mounts_are_not_crossed() {
    // /dev holds character and block devices (reading some blocks or has side
    // effects) and, on most systems, other file systems (/dev/shm, /dev/pts).
    let dev = Path::new("/dev");
    if !dev.is_dir() {
        return stance_testkit::skip("no /dev");
    }
    let opts = ScanOptions { max_depth: 2, ..Default::default() };
    let r = scan_within(Duration::from_secs(20), &[dev], opts);
    assert!(r.stats.skipped_special > 0, "{:?}", r.stats);
    let dev_id = |p: &str| fs::metadata(p).map(|m| std::os::unix::fs::MetadataExt::dev(&m)).ok();
    let other_fs =
        ["/dev/shm", "/dev/pts"].iter().any(|p| dev_id(p).is_some_and(|d| Some(d) != dev_id("/dev")));
    if other_fs {
        assert!(r.stats.skipped_other_fs > 0, "{:?}", r.stats);
    }
}

#[test]
fn depth_and_match_limits_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let mut f = Fake::new(106);
    let mut deep = tmp.path().to_path_buf();
    for i in 0..70 {
        deep.push(format!("d{i}"));
        if i == 9 || i == 69 {
            write(&deep.join("t.txt"), format!("{}\n", f.token("ghp_", B62, 36)));
        }
    }
    let many: String = (0..150).map(|_| format!("{}\n", f.token("npm_", B62, 36))).collect();
    write(&tmp.path().join("many.txt"), many);
    let r = scan(&[tmp.path()]);
    assert_eq!(r.stats.skipped_depth, 1);
    assert_eq!(r.hits.len(), 2, "{r}"); // depth 10 found, depth 70 not; many.txt
    let many = r.hits.iter().find(|h| h.path.ends_with("many.txt")).unwrap();
    assert_eq!(many.matches.len(), 100);
    assert_eq!(r.stats.files_over_match_limit, 1);
}

// Review: the probe merged its log and temp scans by hand and kept two of the thirteen counters.
#[test]
fn merged_reports_keep_every_counter_and_hit() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    write(&a.path().join("z.txt"), "plain text\n");
    write(&b.path().join("a.bin"), b"\0\0binary\0");
    symlink("/etc/hostname", b.path().join("link")).unwrap();
    let ra = scan(&[a.path()]);
    let rb = scan(&[b.path()]);
    let mut merged = scan(&[a.path()]);
    merged.merge(scan(&[b.path()]));
    assert_eq!(merged.stats.files_scanned, ra.stats.files_scanned + rb.stats.files_scanned);
    assert_eq!(merged.stats.bytes_read, ra.stats.bytes_read + rb.stats.bytes_read);
    assert_eq!(merged.stats.dirs, ra.stats.dirs + rb.stats.dirs);
    assert_eq!(merged.stats.skipped_binary, 1);
    assert_eq!(merged.stats.skipped_symlinks, 1);
}
