//! The real corpus in `../shared/corpus/`: every file scans without a panic and
//! is either analysed or reported in a diagnostic; the per-audit counts over the
//! GitHub and GitLab files (rebuilt at their original paths, one repository at a
//! time, so reusable workflows, actionlint labels and GitLab includes resolve)
//! match the reviewed snapshot `tests/snapshots/corpus-counts.txt`.
//! Regenerate with `STANCE_UPDATE_SNAPSHOTS=1` and review the diff by hand.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use stance_core::model::Severity;
use stance_scan::audit::REGISTRY;

struct Row {
    kind: String,
    repo: String,
    path: String,
    file: String,
}

fn rows(corpus: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(corpus.join("SOURCES.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Row { kind: c[0].into(), repo: c[1].into(), path: c[2].into(), file: c[6].into() }
        })
        .collect()
}

#[test]
fn every_corpus_file_scans_and_is_analysed_or_diagnosed() {
    let Some(shared) = stance_testkit::shared_dir() else {
        return stance_testkit::skip_without_data("../shared (corpus) is not present");
    };
    let corpus = shared.join("corpus");
    let rows = rows(&corpus);
    assert!(rows.len() > 1500, "{} rows", rows.len());
    let opts = stance_scan::Options { min_severity: None, threads: 1, ..stance_scan::Options::default() };
    let mut analysed = 0;
    let mut diagnosed = 0;
    let mut misread = Vec::new();
    for r in &rows {
        let path = corpus.join(&r.file);
        let out =
            std::panic::catch_unwind(|| stance_scan::scan_paths(std::slice::from_ref(&path), &opts).unwrap())
                .unwrap_or_else(|_| panic!("panic while scanning {}", r.file));
        let is_analysed = !out.info.files.is_empty();
        let has_diag = out.info.diagnostics.iter().any(|d| d.path.ends_with(&r.file));
        assert!(is_analysed || has_diag, "{} was neither analysed nor diagnosed", r.file);
        if r.kind != "github" && r.kind != "gitlab" && is_analysed {
            misread.push(r.file.clone());
        }
        if is_analysed {
            analysed += 1;
        } else {
            diagnosed += 1;
            // A file that is not analysed says why, in one line.
            for d in &out.info.diagnostics {
                assert!(!d.message.is_empty() && !d.message.contains('\n'), "{}: {:?}", r.file, d.message);
            }
        }
        // Findings always point into a scanned file, at a real line.
        for f in &out.findings {
            let loc = f.primary_location().unwrap();
            assert!(loc.start.line >= 1 && loc.start.column >= 1, "{}: {f:?}", r.file);
        }
    }
    // GitHub/GitLab files are analysed (a handful are not CI files or invalid); other
    // systems are reported as not recognised.
    let ci = rows.iter().filter(|r| r.kind == "github" || r.kind == "gitlab").count();
    assert!(analysed + 40 >= ci, "only {analysed} of {ci} GitHub/GitLab files analysed");
    assert!(misread.is_empty(), "files of other CI systems read as GitHub/GitLab: {misread:?}");
    assert!(diagnosed >= rows.len() - ci);
}

/// Rebuilds each repository's GitHub/GitLab files at their original paths.
fn layout(corpus: &Path, rows: &[Row]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let mut repos: Vec<PathBuf> = Vec::new();
    for r in rows.iter().filter(|r| r.kind == "github" || r.kind == "gitlab") {
        let root = dir.path().join(r.repo.replace('/', "__"));
        let dest = root.join(&r.path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(corpus.join(&r.file), &dest).unwrap();
        if !repos.contains(&root) {
            repos.push(root);
        }
    }
    repos.sort();
    (dir, repos)
}

fn snapshot(corpus: &Path) -> String {
    let rows = rows(corpus);
    let (_dir, repos) = layout(corpus, &rows);
    let opts = stance_scan::Options { min_severity: None, ..stance_scan::Options::default() };
    let mut counts: BTreeMap<&str, [u32; 5]> = REGISTRY.iter().map(|a| (a.meta().id, [0; 5])).collect();
    let (mut files, mut diagnostics, mut findings) = (0, 0, 0);
    let mut per_repo: BTreeMap<String, u32> = BTreeMap::new();
    for repo in &repos {
        let out = stance_scan::scan_paths(std::slice::from_ref(repo), &opts).unwrap();
        files += out.info.files.len();
        diagnostics += out.info.diagnostics.len();
        findings += out.findings.len();
        let name = repo.file_name().unwrap().to_string_lossy().to_string();
        for f in &out.findings {
            counts.get_mut(f.id.as_str()).unwrap()[f.severity as usize] += 1;
            if f.severity >= Severity::High {
                *per_repo.entry(name.clone()).or_default() += 1;
            }
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "# stance scan over ../shared/corpus: GitHub and GitLab files rebuilt at their");
    let _ = writeln!(s, "# original paths, one scan per repository, every severity. Reviewed by hand.");
    let _ = writeln!(s, "repositories: {}", repos.len());
    let _ = writeln!(s, "files analysed: {files}");
    let _ = writeln!(s, "diagnostics: {diagnostics}");
    let _ = writeln!(s, "findings: {findings}");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:<34} {:>5} {:>5} {:>6} {:>5} {:>8}",
        "audit", "info", "low", "medium", "high", "critical"
    );
    for (id, c) in &counts {
        let _ = writeln!(s, "{id:<34} {:>5} {:>5} {:>6} {:>5} {:>8}", c[0], c[1], c[2], c[3], c[4]);
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "# repositories with high or critical findings");
    for (repo, n) in &per_repo {
        let _ = writeln!(s, "{repo:<50} {n:>4}");
    }
    s
}

#[test]
fn corpus_counts_match_the_reviewed_snapshot() {
    let Some(shared) = stance_testkit::shared_dir() else {
        return stance_testkit::skip_without_data("../shared (corpus) is not present");
    };
    let got = snapshot(&shared.join("corpus"));
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/corpus-counts.txt");
    if std::env::var_os("STANCE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&file, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        got == want,
        "corpus counts changed; review and regenerate with STANCE_UPDATE_SNAPSHOTS=1\n--- snapshot\n{want}\n--- now\n{got}"
    );
}
