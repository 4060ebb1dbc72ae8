//! docs/policy.md and policies/README.md stay true: their TOML and Rego examples are
//! valid, the Rego example does what the page says, every example policy file is listed,
//! and the documented JSON result has the fields the code writes.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use stance_core::model::{Level, Tier};
use stance_core::report::{Context, RunnerInfo};
use stance_policy::config::Policy;
use stance_policy::{RegoPolicies, TierChoice};

fn root() -> PathBuf {
    stance_testkit::workspace_root()
}

fn page() -> String {
    std::fs::read_to_string(root().join("docs/policy.md")).unwrap()
}

/// The bodies of the fenced blocks of `lang`.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let t = line.trim_start();
        match &mut current {
            None if t == format!("```{lang}") => current = Some(String::new()),
            Some(body) if t == "```" => {
                out.push(std::mem::take(body));
                current = None;
            }
            Some(body) => {
                // Blocks inside list items are indented; the TOML and Rego do not care.
                body.push_str(line.trim_start());
                body.push('\n');
            }
            None => {}
        }
    }
    out
}

#[test]
fn every_toml_example_is_a_valid_policy() {
    let toml = blocks(&page(), "toml");
    assert!(toml.len() >= 2, "expected the policy file and waiver examples");
    for (i, b) in toml.iter().enumerate() {
        Policy::with_overrides(&format!("docs/policy.md toml block {i}"), b).unwrap();
    }
}

#[test]
fn the_rego_example_denies_release_jobs_on_shared_runners() {
    let rego = blocks(&page(), "rego");
    assert_eq!(rego.len(), 1);
    let mut r = RegoPolicies::new();
    r.add_source("docs.rego", &rego[0]).unwrap();
    let mut report = common::report_at(Level::L3);
    report.context = Some(Context {
        runner: RunnerInfo { labels: vec!["linux".into(), "shared".into()], ..RunnerInfo::default() },
        ..Context::default()
    });
    let policy = Policy::builtin().unwrap();
    let e = common::check(&report, TierChoice::Named(Tier::Release), &policy, Some(&mut r));
    assert!(!e.allowed());
    assert_eq!(e.rego.as_ref().unwrap().deny[0].msg, "release jobs must not run on shared runners");
    let e = common::check(&report, TierChoice::Named(Tier::Build), &policy, Some(&mut r));
    assert!(e.allowed());
}

#[test]
fn every_example_policy_is_documented() {
    let page = page();
    let readme = std::fs::read_to_string(root().join("policies/README.md")).unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("policies")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".rego") {
            n += 1;
            assert!(page.contains(&format!("`{name}`")), "docs/policy.md does not list {name}");
            assert!(readme.contains(&format!("`{name}`")), "policies/README.md does not list {name}");
        }
    }
    assert!(n >= 3);
}

#[test]
fn the_documented_json_result_has_the_fields_the_code_writes() {
    let json = blocks(&page(), "json");
    let documented: serde_json::Value = serde_json::from_str(&json[0]).unwrap();
    let mut r = RegoPolicies::new();
    r.add_dir(&root().join("policies")).unwrap();
    let mut report = common::report_at(Level::L2);
    report.host =
        Some(stance_core::report::HostInfo { hostname: Some("runner-1".into()), ..Default::default() });
    let e =
        common::check(&report, TierChoice::Named(Tier::Release), &Policy::builtin().unwrap(), Some(&mut r));
    let real = serde_json::to_value(&e).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&documented), keys(&real));
    for field in ["tier_inference", "policy", "report"] {
        for k in keys(&documented[field]) {
            assert!(real[field].get(&k).is_some(), "documented {field}.{k} is not written");
        }
    }
    for k in keys(&documented["blockers"][0]) {
        assert!(real["blockers"][0].get(&k).is_some(), "documented blockers[].{k} is not written");
    }
}

#[test]
fn the_default_policy_file_documents_each_field_it_accepts() {
    let text = stance_policy::config::DEFAULT_POLICY;
    for field in ["min_level", "require", "control", "tier", "runner", "reason", "owner", "expires"] {
        assert!(text.contains(&format!("#   {field}")), "default.toml does not document `{field}`");
    }
}
