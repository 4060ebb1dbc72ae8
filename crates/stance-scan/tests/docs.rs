//! `docs/audits.md` has a section per audit whose heading is the id, with the
//! title and default severity of the registry, what/why/fix and a before/after;
//! and no section names an audit that does not exist.

#![allow(clippy::unwrap_used)]

use stance_scan::audit::REGISTRY;

#[test]
fn every_audit_has_a_current_docs_section() {
    let docs = std::fs::read_to_string(stance_testkit::workspace_root().join("docs/audits.md")).unwrap();
    let sections: Vec<&str> = docs.split("\n## ").skip(1).collect();
    for a in REGISTRY {
        let m = a.meta();
        let s = sections
            .iter()
            .find(|s| s.lines().next() == Some(m.id))
            .unwrap_or_else(|| panic!("docs/audits.md has no `## {}` section", m.id));
        let head = format!("**{}** · default severity {} ·", m.title, m.severity);
        assert!(s.contains(&head), "{}: the section must open with `{head}`", m.id);
        for part in ["**What.**", "**Why.**", "**Fix.**", "Before", "After"] {
            assert!(s.contains(part), "{}: section lacks {part}", m.id);
        }
        assert!(docs.contains(&format!("(#{})", m.id)), "{}: missing from the table", m.id);
    }
    for s in &sections {
        let id = s.lines().next().unwrap();
        assert!(REGISTRY.iter().any(|a| a.meta().id == id), "docs section `{id}` names no audit");
    }
}
