//! Every audit has positive and negative fixtures under `tests/fixtures/<audit-id>/`;
//! each fixture states what it expects in header comments:
//! `# expect: <audit-id> <min-severity>` or `# expect-none: <audit-id>` (nothing above info).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use stance_core::model::Severity;
use stance_scan::audit::REGISTRY;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn scan_one(path: &Path) -> Vec<stance_core::model::Finding> {
    let out = stance_scan::scan_paths(&[path.to_path_buf()], &stance_scan::Options::default()).unwrap();
    assert!(out.info.diagnostics.is_empty(), "{}: {:?}", path.display(), out.info.diagnostics);
    out.findings
}

#[test]
fn every_audit_has_positive_and_negative_fixtures() {
    for a in REGISTRY {
        let dir = fixtures_dir().join(a.meta().id);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("no fixtures for {}", a.meta().id))
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert!(names.iter().any(|n| n.starts_with("positive")), "{}: no positive fixture", a.meta().id);
        assert!(names.iter().any(|n| n.starts_with("negative")), "{}: no negative fixture", a.meta().id);
    }
    for e in std::fs::read_dir(fixtures_dir()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(REGISTRY.iter().any(|a| a.meta().id == name), "fixture folder `{name}` names no audit");
    }
}

#[test]
fn fixtures_meet_their_expectations() {
    let mut checked = 0;
    for dir in std::fs::read_dir(fixtures_dir()).unwrap() {
        let dir = dir.unwrap().path();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let findings = scan_one(&file);
            let mut expectations = 0;
            for line in text.lines().take_while(|l| l.starts_with('#')) {
                if let Some(rest) = line.strip_prefix("# expect: ") {
                    let mut parts = rest.split_whitespace();
                    let (id, sev) =
                        (parts.next().unwrap(), parts.next().unwrap().parse::<Severity>().unwrap());
                    assert!(
                        findings.iter().any(|f| f.id == id && f.severity >= sev),
                        "{}: expected {id} at {sev} or above, got {:#?}",
                        file.display(),
                        findings.iter().map(|f| (&f.id, f.severity, &f.message)).collect::<Vec<_>>()
                    );
                    expectations += 1;
                } else if let Some(id) = line.strip_prefix("# expect-none: ") {
                    let bad: Vec<_> = findings
                        .iter()
                        .filter(|f| f.id == id.trim() && f.severity > Severity::Info)
                        .collect();
                    assert!(bad.is_empty(), "{}: unexpected {id}: {bad:#?}", file.display());
                    expectations += 1;
                }
            }
            assert!(expectations > 0, "{} states no expectation", file.display());
            checked += 1;
        }
    }
    assert!(checked >= 2 * REGISTRY.len());
}
