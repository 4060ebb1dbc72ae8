//! SARIF 2.1.0 output for GitHub code scanning.

use serde_json::{Value, json};
use stance_core::model::{Confidence, Finding, Severity};
use stance_core::report::Report;

use crate::audit::REGISTRY;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score for a severity.
fn score(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut locations = Vec::new();
    let mut related = Vec::new();
    for (i, l) in f.evidence.iter().filter_map(|e| e.location.as_ref().map(|l| (e, l))).enumerate() {
        let (e, l) = l;
        let mut region = json!({
            "startLine": l.start.line,
            "startColumn": l.start.column,
            "endLine": l.end.line.max(l.start.line),
            "endColumn": if l.end.line > l.start.line || l.end.column > l.start.column { l.end.column } else { l.start.column + 1 },
            "charOffset": l.start.offset,
            "charLength": l.end.offset.saturating_sub(l.start.offset),
        });
        if let Some(s) = &l.snippet {
            region["snippet"] = json!({ "text": s });
        }
        let mut loc = json!({
            "physicalLocation": {
                "artifactLocation": { "uri": l.path, "uriBaseId": "%SRCROOT%" },
                "region": region,
            },
        });
        if let Some(r) = &l.route {
            loc["logicalLocations"] = json!([{ "fullyQualifiedName": r, "kind": "member" }]);
        }
        if i == 0 {
            locations.push(loc);
        } else {
            loc["id"] = json!(i);
            loc["message"] = json!({ "text": e.detail.clone().unwrap_or_else(|| e.subject.clone()) });
            related.push(loc);
        }
    }
    let notes: Vec<&str> =
        f.evidence.iter().filter(|e| e.location.is_none()).map(|e| e.subject.as_str()).collect();
    let mut text = f.message.clone();
    if !notes.is_empty() {
        text.push_str(" (");
        text.push_str(&notes.join("; "));
        text.push(')');
    }
    let mut r = json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": locations,
        "partialFingerprints": { "stanceFindingHash/v1": super::fingerprint(f) },
        "properties": {
            "severity": f.severity.as_str(),
            "confidence": f.confidence.as_str(),
            "security-severity": score(f.severity),
        },
    });
    if !related.is_empty() {
        r["relatedLocations"] = Value::Array(related);
    }
    r
}

/// Renders a scan report as SARIF 2.1.0.
pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = REGISTRY
        .iter()
        .map(|a| {
            let m = a.meta();
            let refs: Vec<String> = m.refs.iter().map(|(f, r)| format!("{}:{r}", f.key())).collect();
            let mut tags = vec!["security".to_string(), "ci".to_string()];
            if let Some(d) = m.dimension {
                tags.push(d.as_str().to_string());
            }
            json!({
                "id": m.id,
                "name": m.id.split('-').map(|w| { let mut c = w.chars(); c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default() }).collect::<String>(),
                "shortDescription": { "text": m.title },
                "fullDescription": { "text": squash(m.rationale) },
                "help": {
                    "text": format!("{}\n\nFix: {}\n\nSee {}#{}", squash(m.rationale), squash(m.remediation), m.docs, m.id),
                    "markdown": format!("{}\n\n**Fix:** {}\n\nSee [`{}#{}`]({}#{}).", squash(m.rationale), squash(m.remediation), m.docs, m.id, m.docs, m.id),
                },
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": {
                    "tags": tags,
                    "precision": "medium",
                    "security-severity": score(m.severity),
                    "references": refs,
                },
            })
        })
        .collect();
    let index = |id: &str| REGISTRY.iter().position(|a| a.meta().id == id).unwrap_or(0);
    let results: Vec<Value> = report.findings.iter().map(|f| result(f, index(&f.id))).collect();
    let notifications: Vec<Value> = report
        .scan
        .as_ref()
        .map(|s| {
            s.diagnostics
                .iter()
                .map(|d| {
                    let mut n = json!({
                        "level": "warning",
                        "message": { "text": d.message },
                        "locations": [{ "physicalLocation": { "artifactLocation": { "uri": d.path, "uriBaseId": "%SRCROOT%" } } }],
                    });
                    if let Some(line) = d.line {
                        n["locations"][0]["physicalLocation"]["region"] = json!({ "startLine": line.max(1), "startColumn": d.column.unwrap_or(1).max(1) });
                    }
                    n
                })
                .collect()
        })
        .unwrap_or_default();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "stance",
                    "semanticVersion": report.tool.version,
                    "version": report.tool.version,
                    "informationUri": "https://example.invalid/stance",
                    "rules": rules,
                }
            },
            "automationDetails": { "id": "stance-scan/" },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    let _ = precision;
    s
}
