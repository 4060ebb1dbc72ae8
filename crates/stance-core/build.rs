//! Compiles `catalog/controls.toml` into static Rust data, so the catalog costs
//! nothing to load at run time and a malformed catalog fails the build.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    control: Vec<Control>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    id: String,
    dimension: String,
    title: String,
    severity: String,
    level: String,
    rationale: String,
    remediation: String,
    #[serde(default)]
    refs: BTreeMap<String, Vec<String>>,
}

const FRAMEWORKS: &[&str] = &["nhi", "csf", "zt", "slsa", "cis", "cicd"];

fn variant(text: &str) -> String {
    text.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

fn main() {
    let src = "catalog/controls.toml";
    println!("cargo::rerun-if-changed={src}");
    let text = std::fs::read_to_string(src).expect("read catalog/controls.toml");
    let catalog: Catalog = match toml::from_str(&text) {
        Ok(c) => c,
        Err(e) => panic!("catalog/controls.toml is invalid: {e}"),
    };
    let mut out = String::from(
        "/// Every control of the catalog, in catalog order.\npub static CONTROLS: &[Rule] = &[\n",
    );
    for c in &catalog.control {
        for key in c.refs.keys() {
            assert!(FRAMEWORKS.contains(&key.as_str()), "control {}: unknown framework key `{key}`", c.id);
        }
        let level = match c.level.as_str() {
            "none" => "None".to_string(),
            l @ ("L1" | "L2" | "L3") => format!("Some(Level::{l})"),
            other => panic!("control {}: level must be L1, L2, L3 or none, not `{other}`", c.id),
        };
        let refs = FRAMEWORKS
            .iter()
            .map(|k| format!("{k}: &{:?}", c.refs.get(*k).cloned().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(
            out,
            "    Rule {{ id: {:?}, dimension: Some(Dimension::{}), title: {:?}, severity: Severity::{}, level: {level}, rationale: {:?}, remediation: {:?}, refs: Refs {{ {refs} }}, docs: \"docs/controls.md\" }},",
            c.id,
            variant(&c.dimension),
            c.title.trim(),
            variant(&c.severity),
            c.rationale.trim(),
            c.remediation.trim(),
        )
        .expect("write to string");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("catalog.rs");
    std::fs::write(dest, out).expect("write generated catalog");
}
