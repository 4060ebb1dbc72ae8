//! The four renderings of an evaluation carry the same facts: decision, blockers
//! with their fix, waivers applied and expired, Rego messages.
#![allow(clippy::unwrap_used)]

mod common;

use common::{check, report_with};
use stance_core::model::{Outcome, Tier};
use stance_core::render::Format;
use stance_policy::config::Policy;
use stance_policy::render::render;
use stance_policy::{RegoPolicies, TierChoice};

fn evaluation() -> stance_policy::Evaluation {
    let policy = Policy::with_overrides(
        "p.toml",
        "[[waiver]]\ncontrol = \"lsm-enforcing\"\ntier = \"release\"\nreason = \"kernel 7 brings it\"\nowner = \"@sec\"\nexpires = 2099-01-01\n\
         [[waiver]]\ncontrol = \"kernel-lockdown\"\ntier = \"release\"\nreason = \"old\"\nowner = \"@old\"\nexpires = 2020-01-01\n",
    )
    .unwrap();
    let mut rego = RegoPolicies::new();
    rego.add_source(
        "r.rego",
        "package stance\ndeny contains \"line one\\nline two\" if input.tier == \"release\"\nwarn contains \"heads up\" if true\n",
    )
    .unwrap();
    let report = report_with(&[
        ("egress-unrestricted", Outcome::Fail),
        ("log-forwarding-absent", Outcome::Unknown),
        ("lsm-enforcing", Outcome::Fail),
    ]);
    check(&report, TierChoice::Named(Tier::Release), &policy, Some(&mut rego))
}

#[test]
fn text_has_every_section() {
    let t = render(&evaluation(), Format::Text, "check");
    for needle in [
        "stance check: denied: tier release needs L3, the runner measures L1",
        "Why:",
        "2 controls stand between this runner and tier release:",
        "x egress-unrestricted [L2, fail",
        "? log-forwarding-absent [L3, unknown",
        "why unknown: the fixture says so",
        "Waived (1):",
        "~ lsm-enforcing",
        "Expired waivers (1):",
        "! kernel-lockdown for tier release, owner @old, expired on 2020-01-01 (p.toml:7): old",
        "deny  stance: line one line two",
        "warn  stance: heads up",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in:\n{t}");
    }
}

#[test]
fn github_annotations_stay_one_line_each() {
    let g = render(&evaluation(), Format::Github, "check");
    for line in g.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("::notice ") || line.starts_with("::warning "),
            "{line}"
        );
    }
    // The Rego message's newline is escaped, not a line break that could forge a command.
    assert!(g.contains("line one%0Aline two"), "{g}");
    assert_eq!(
        g.lines().filter(|l| l.starts_with("::error title=egress-unrestricted blocks tier release")).count(),
        1
    );
    assert_eq!(g.lines().filter(|l| l.starts_with("::notice title=lsm-enforcing waived")).count(), 1);
    assert_eq!(g.lines().filter(|l| l.starts_with("::warning ")).count(), 1);
}

#[test]
fn markdown_tables_list_blockers_waivers_and_expired_ones() {
    let m = render(&evaluation(), Format::Markdown, "check");
    assert!(m.starts_with("### ❌ stance check: denied"), "{m}");
    assert!(m.contains("| `egress-unrestricted` | L2 | fail |"), "{m}");
    assert!(m.contains("| `log-forwarding-absent` | L3 | unknown | log-forwarding-absent is unknown (why unknown: the fixture says so) |"), "{m}");
    assert!(m.contains("| `lsm-enforcing` | tier release | @sec | 2099-01-01 | kernel 7 brings it |"), "{m}");
    assert!(m.contains("| `kernel-lockdown` | tier release | @old | 2020-01-01 | p.toml:7 |"), "{m}");
    assert!(m.contains("- **deny** `stance`:"), "{m}");
}

#[test]
fn json_round_trips_the_facts() {
    let e = evaluation();
    let v: serde_json::Value = serde_json::from_str(&render(&e, Format::Json, "check")).unwrap();
    assert_eq!(v["blockers"].as_array().unwrap().len(), 2);
    assert_eq!(v["waived"][0]["waiver"]["owner"], "@sec");
    assert_eq!(v["expired_waivers"][0]["control"], "kernel-lockdown");
    assert_eq!(v["expired_waivers"][0]["origin"]["line"], 7);
    assert_eq!(v["rego"]["deny"][0]["msg"], "line one\nline two");
    assert_eq!(v["reasons"].as_array().unwrap().len(), 3);
}

// Review: the text rendering printed observed strings (a Rego message, the report's source and
// time) with their control characters, so a crafted report or rule could drive the terminal.
#[test]
fn text_escapes_control_characters_of_observed_strings() {
    let policy = Policy::with_overrides("p.toml", "").unwrap();
    let mut rego = RegoPolicies::new();
    rego.add_source("r.rego", "package stance\nwarn contains \"red\\u001b[31malert\" if true\n").unwrap();
    let mut report = report_with(&[("egress-unrestricted", Outcome::Fail)]);
    report.generated_at = "2026-01-01T00:00:00Z\u{1b}[2J".into();
    let eval = check(&report, TierChoice::Named(Tier::Build), &policy, Some(&mut rego));
    let t = render(&eval, Format::Text, "check");
    assert!(!t.contains('\u{1b}'), "{t:?}");
    assert!(t.contains("red\\u{1b}[31malert") && t.contains("\\u{1b}[2J"), "{t}");
    let m = render(&eval, Format::Markdown, "check");
    assert!(!m.contains('\u{1b}'), "{m:?}");
}
