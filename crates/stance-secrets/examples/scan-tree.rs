//! Scans directories or files with the built-in patterns and prints a summary.
//!
//! ```text
//! scan-tree [--threads N] [--list] [--json] PATH...
//! scan-tree --export-rg FILE      # the pattern set as `rg -f` input
//! ```
//!
//! `--list` prints one `path<TAB>pattern-id<TAB>line` row per match (never the
//! secret); `--json` prints the whole report as JSON. Used by bench/secrets.sh.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use stance_secrets::{PatternSet, ScanOptions, scan_paths};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("scan-tree: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut opts = ScanOptions { max_total_bytes: u64::MAX, ..ScanOptions::default() };
    let (mut list, mut json) = (false, false);
    let mut roots = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => {
                let v = args.next().ok_or("--threads needs a number")?;
                opts.threads = v.parse().map_err(|_| format!("--threads: not a number: {v}"))?;
            }
            "--list" => list = true,
            "--json" => json = true,
            "--export-rg" => {
                let path = args.next().ok_or("--export-rg needs a file name")?;
                std::fs::write(&path, PatternSet::builtin().to_rg_patterns())
                    .map_err(|e| format!("cannot write {path}: {e}"))?;
                return Ok(ExitCode::SUCCESS);
            }
            "-h" | "--help" => {
                println!("usage: scan-tree [--threads N] [--list] [--json] PATH... | --export-rg FILE");
                return Ok(ExitCode::SUCCESS);
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ => roots.push(PathBuf::from(arg)),
        }
    }
    if roots.is_empty() {
        return Err("no path given (see --help)".into());
    }
    let t0 = Instant::now();
    let report = scan_paths(PatternSet::builtin(), &roots, &opts);
    let elapsed = t0.elapsed();
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    if list {
        for hit in &report.hits {
            for m in &hit.matches {
                println!("{}\t{}\t{}", hit.path.display(), m.pattern, m.line);
            }
        }
    }
    let s = &report.stats;
    eprintln!(
        "{} matches in {} files; scanned {} files, {} MB in {:.3}s; skipped: {} binary, {} large, {} symlinks, {} special, {} unreadable, {} git object dirs{}",
        report.match_count(),
        report.hits.len(),
        s.files_scanned,
        s.bytes_scanned / 1_000_000,
        elapsed.as_secs_f64(),
        s.skipped_binary,
        s.skipped_large,
        s.skipped_symlinks,
        s.skipped_special,
        s.skipped_unreadable,
        s.skipped_git_objects,
        report.truncated.as_deref().map(|t| format!("; truncated: {t}")).unwrap_or_default(),
    );
    Ok(ExitCode::SUCCESS)
}
