//! Hostile YAML ends in bounded time and memory with one clear diagnostic per
//! file, and the scan goes on with the other files.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

fn scan(files: &[(&str, Vec<u8>)]) -> (stance_scan::Outcome, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    for (name, bytes) in files {
        std::fs::write(wf.join(name), bytes).unwrap();
    }
    // A good file next to the hostile one: the scan must go on and find its problem.
    std::fs::write(
        wf.join("good.yml"),
        "on: pull_request\njobs:\n  t:\n    runs-on: [self-hosted, gpu]\n    steps: [{run: make}]\n",
    )
    .unwrap();
    let start = Instant::now();
    let out = stance_scan::scan_paths(&[dir.path().to_path_buf()], &stance_scan::Options::default()).unwrap();
    (out, start.elapsed())
}

/// Peak resident memory of this test process, in KiB (nextest runs each test in its own process).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn assert_one_diagnostic(out: &stance_scan::Outcome, file: &str, needle: &str, took: Duration) {
    let d: Vec<_> = out.info.diagnostics.iter().filter(|d| d.path.ends_with(file)).collect();
    assert_eq!(d.len(), 1, "{:?}", out.info.diagnostics);
    assert!(d[0].message.contains(needle), "{}", d[0].message);
    assert!(!d[0].message.contains('\n'), "one line: {}", d[0].message);
    assert!(out.findings.iter().any(|f| f.id == "self-hosted-untrusted-trigger"), "the scan went on");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(peak_rss_kib() < 512 * 1024, "peak RSS {} KiB", peak_rss_kib());
}

#[test]
fn alias_bomb_is_refused() {
    // Ten levels of ten aliases each: 10^10 nodes if expanded.
    let mut s = String::from("on: push\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    s.push_str("jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps: *a9\n");
    let (out, took) = scan(&[("bomb.yml", s.into_bytes())]);
    assert_one_diagnostic(&out, "bomb.yml", "alias bomb", took);
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused() {
    let block = format!("on: push\njobs:\n{}x\n", "- ".repeat(10_000));
    let flow = format!("on: push\njobs: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (out, took) = scan(&[("deep-block.yml", block.into_bytes()), ("deep-flow.yml", flow.into_bytes())]);
    assert_one_diagnostic(&out, "deep-block.yml", "deeper than", took);
    let d = out.info.diagnostics.iter().find(|d| d.path.ends_with("deep-flow.yml")).unwrap();
    assert!(d.message.contains("invalid YAML") || d.message.contains("deeper than"), "{}", d.message);
}

#[test]
fn a_fifty_megabyte_file_is_refused_without_reading_it() {
    let mut big = b"on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n".to_vec();
    big.resize(50 * 1024 * 1024, b'#');
    let (out, took) = scan(&[("big.yml", big)]);
    assert_one_diagnostic(&out, "big.yml", "larger than", took);
}

#[test]
fn non_utf8_bytes_are_refused() {
    let (out, took) = scan(&[("latin1.yml", b"on: push\nname: caf\xe9\njobs: {}\n".to_vec())]);
    assert_one_diagnostic(&out, "latin1.yml", "not valid UTF-8", took);
    let d = out.info.diagnostics.iter().find(|d| d.path.ends_with("latin1.yml")).unwrap();
    assert_eq!(d.line, Some(2));
}

#[test]
fn invalid_yaml_is_one_diagnostic_with_a_position() {
    let (out, _) = scan(&[("broken.yml", b"on: push\njobs:\n  a: [1, 2\n  b: c\n".to_vec())]);
    let d = out.info.diagnostics.iter().find(|d| d.path.ends_with("broken.yml")).unwrap();
    assert!(d.message.starts_with("invalid YAML"), "{}", d.message);
    assert!(d.line.is_some() && d.column.is_some());
}

#[test]
fn fifos_and_symlinks_out_of_the_root_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("elsewhere.yml");
    std::fs::write(
        &secret,
        "on: pull_request\njobs:\n  t:\n    runs-on: self-hosted\n    steps: [{run: x}]\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, wf.join("link.yml")).unwrap();
    let fifo = wf.join("fifo.yml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    let start = Instant::now();
    let out = stance_scan::scan_paths(&[dir.path().to_path_buf()], &stance_scan::Options::default()).unwrap();
    assert!(start.elapsed() < Duration::from_secs(5), "a FIFO must never be opened");
    assert!(out.info.files.is_empty(), "{:?}", out.info.files);
    assert!(out.findings.is_empty());
    let _ = (made, Path::new("/"));
}
