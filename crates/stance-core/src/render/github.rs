//! GitHub Actions workflow commands: one annotation per finding that needs attention.

use std::fmt::Write as _;

use super::Options;
use crate::model::{Finding, Outcome, Severity};
use crate::report::Report;

/// Escapes the message part of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(f: &Finding) -> Option<&'static str> {
    match f.outcome {
        Outcome::Fail if f.severity >= Severity::Medium => Some("error"),
        Outcome::Fail | Outcome::Warn => Some("warning"),
        Outcome::Unknown => Some("notice"),
        Outcome::Pass | Outcome::NotApplicable => None,
    }
}

/// Renders annotations.
pub(super) fn render(report: &Report, _opts: &Options<'_>) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let Some(cmd) = command(f) else { continue };
        let mut props = Vec::new();
        if let Some(loc) = f.primary_location() {
            props.push(format!("file={}", escape_property(&loc.path)));
            props.push(format!("line={}", loc.start.line));
            props.push(format!("col={}", loc.start.column));
            if loc.end.line >= loc.start.line {
                props.push(format!("endLine={}", loc.end.line));
            }
        }
        props.push(format!("title={}", escape_property(&format!("stance {} ({})", f.id, f.severity))));
        let mut msg = f.message.clone();
        if let Some(r) = &f.reason {
            let _ = write!(msg, " ({r})");
        }
        let _ = writeln!(out, "::{cmd} {}::{}", props.join(","), escape_data(&msg));
    }
    if let Some(scan) = &report.scan {
        for d in &scan.diagnostics {
            let mut props = vec![format!("file={}", escape_property(&d.path))];
            if let Some(l) = d.line {
                props.push(format!("line={l}"));
            }
            props.push("title=stance scan: file not analysed".to_string());
            let _ = writeln!(out, "::warning {}::{}", props.join(","), escape_data(&d.message));
        }
    }
    if let Some(p) = &report.posture {
        let _ = writeln!(
            out,
            "::notice title=stance posture::{}",
            escape_data(&format!("posture level {}", p.level))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
