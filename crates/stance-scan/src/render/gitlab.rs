//! GitLab Code Quality report (the `codequality` artifact format).

use serde_json::{Value, json};
use stance_core::model::Severity;
use stance_core::report::Report;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Low => "minor",
        Severity::Medium => "major",
        Severity::High => "critical",
        Severity::Critical => "blocker",
    }
}

/// Renders a scan report as a GitLab Code Quality JSON array.
pub fn render(report: &Report) -> String {
    let items: Vec<Value> = report
        .findings
        .iter()
        .filter_map(|f| {
            let l = f.primary_location()?;
            Some(json!({
                "type": "issue",
                "check_name": f.id,
                "description": format!("{} ({})", f.message, f.id),
                "categories": ["Security"],
                "severity": severity(f.severity),
                "fingerprint": super::fingerprint(f),
                "location": { "path": l.path, "lines": { "begin": l.start.line, "end": l.end.line.max(l.start.line) } },
            }))
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
