//! SARIF output validates against the SARIF 2.1.0 JSON Schema (vendored in
//! `tests/data`, see its README) with the reference Python `jsonschema`;
//! GitLab Code Quality output has the fields GitLab reads.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn report_of(paths: &[PathBuf]) -> stance_core::report::Report {
    let opts = stance_scan::Options { min_severity: None, ..stance_scan::Options::default() };
    let out = stance_scan::scan_paths(paths, &opts).unwrap();
    stance_scan::report(out, "2026-01-01T00:00:00Z".into(), 1)
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    for d in std::fs::read_dir(dir).unwrap() {
        for f in std::fs::read_dir(d.unwrap().path()).unwrap() {
            files.push(f.unwrap().path());
        }
    }
    files.sort();
    files
}

const VALIDATE: &str = r#"
import json, sys
from jsonschema import Draft202012Validator, FormatChecker
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema, format_checker=FormatChecker())
bad = 0
for path in sys.argv[2:]:
    doc = json.load(open(path))
    for e in v.iter_errors(doc):
        bad += 1
        print(path, "/".join(str(p) for p in e.absolute_path), e.message[:300])
    if not doc["runs"][0]["results"] and "empty" not in path:
        print(path, "has no results"); bad += 1
sys.exit(1 if bad else 0)
"#;

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let Some(py) = stance_testkit::python() else {
        return stance_testkit::skip("no test Python venv (.venv with jsonschema): run scripts/test.sh");
    };
    let dir = tempfile::tempdir().unwrap();
    let mut docs = Vec::new();
    // Every fixture at once (many audits, related locations), and a broken file (a diagnostic).
    std::fs::write(dir.path().join("broken.yml"), "on: push\njobs: [\n").unwrap();
    let mut inputs = fixtures();
    inputs.push(dir.path().join("broken.yml"));
    let r = report_of(&inputs);
    assert!(!r.scan.as_ref().unwrap().diagnostics.is_empty());
    let sarif = stance_scan::render::sarif::render(&r);
    let p = dir.path().join("fixtures.sarif");
    std::fs::write(&p, &sarif).unwrap();
    docs.push(p);
    // An empty scan is valid SARIF too.
    let empty = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.sarif");
    std::fs::write(&p, stance_scan::render::sarif::render(&report_of(&[empty.path().to_path_buf()])))
        .unwrap();
    docs.push(p);
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let out = Command::new(py).arg("-c").arg(VALIDATE).arg(&schema).args(&docs).output().unwrap();
    assert!(
        out.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Rules come from the registry, results point at them, regions are 1-based.
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), stance_scan::audit::REGISTRY.len());
    for res in run["results"].as_array().unwrap() {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
        let region = &res["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1 && region["startColumn"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn gitlab_code_quality_has_the_fields_gitlab_reads() {
    let r = report_of(&fixtures());
    let v: serde_json::Value = serde_json::from_str(&stance_scan::render::gitlab::render(&r)).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), r.findings.len());
    let mut prints = std::collections::HashSet::new();
    for i in items {
        assert!(i["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(i["check_name"].as_str().is_some());
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&i["severity"].as_str().unwrap()));
        assert!(i["location"]["path"].as_str().is_some());
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(prints.insert(i["fingerprint"].as_str().unwrap().to_string()), "fingerprints are unique");
    }
}
