//! Docs generated from code must match the committed copies. Regenerate with
//! `STANCE_UPDATE_DOCS=1 cargo test -p stance --test docs`.

#![allow(clippy::unwrap_used)]

use stance_testkit::workspace_root;

fn check(rel: &str, generated: String) {
    let path = workspace_root().join(rel);
    if std::env::var_os("STANCE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{rel} is out of date with the code; regenerate it with STANCE_UPDATE_DOCS=1 cargo test -p stance --test docs"
    );
}

#[test]
fn control_reference_is_current() {
    check("docs/controls.md", stance::docs::controls_markdown());
}

#[test]
fn cli_reference_is_current() {
    check("docs/cli.md", stance::docs::cli_markdown());
}

#[test]
fn controls_command_prints_the_reference() {
    let out = stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance"))
        .args(["controls", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), stance::docs::controls_markdown());
}
