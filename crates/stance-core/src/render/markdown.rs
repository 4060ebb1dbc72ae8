//! Markdown output for `$GITHUB_STEP_SUMMARY` and merge-request notes.

use std::fmt::Write as _;

use super::{Options, level_name, text::context_line};
use crate::model::{Finding, Outcome};
use crate::report::{Report, ReportKind, Summary};

/// Escapes text for a Markdown table cell (and a line): pipes, line breaks, HTML, backticks
/// and control characters.
pub fn escape_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' => out.push('\''),
            // Other control characters (a terminal escape in observed data) are shown escaped.
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

fn icon(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "✅ pass",
        Outcome::Fail => "❌ fail",
        Outcome::Warn => "⚠️ warn",
        Outcome::NotApplicable => "➖ n/a",
        Outcome::Unknown => "❔ unknown",
    }
}

fn table(out: &mut String, rows: &[&Finding]) {
    out.push_str("| Outcome | Severity | Control | Finding |\n|---|---|---|---|\n");
    for f in rows {
        let mut what = escape_cell(&f.message);
        if let Some(r) = &f.reason {
            let _ = write!(what, " — {}", escape_cell(r));
        }
        if let Some(loc) = f.primary_location() {
            let _ = write!(what, " (`{}:{}`)", escape_cell(&loc.path), loc.start.line);
        }
        let _ = writeln!(out, "| {} | {} | `{}` | {} |", icon(f.outcome), f.severity, f.id, what);
    }
}

/// Renders the report as Markdown.
pub(super) fn render(report: &Report, opts: &Options<'_>) -> String {
    let mut out = String::new();
    match (report.kind, &report.posture) {
        (ReportKind::Probe, Some(p)) => {
            let _ = writeln!(out, "## stance probe: posture level {} ({})\n", p.level, level_name(p.level));
        }
        (ReportKind::Probe, None) => out.push_str("## stance probe\n\n"),
        (ReportKind::Scan, _) => out.push_str("## stance scan\n\n"),
    }
    if let Some(h) = &report.host {
        let _ = writeln!(
            out,
            "**Host:** {} · {} · kernel {}  ",
            escape_cell(h.hostname.as_deref().unwrap_or("?")),
            escape_cell(h.os.as_deref().unwrap_or("unknown OS")),
            escape_cell(h.kernel.as_deref().unwrap_or("?"))
        );
    }
    if let Some(c) = &report.context {
        let _ = writeln!(out, "**Context:** {}  ", escape_cell(&context_line(c)));
    }
    let c = &report.summary.counts;
    match (&report.kind, &report.scan) {
        (ReportKind::Scan, Some(scan)) => {
            let _ = writeln!(
                out,
                "**Summary:** {} finding(s) in {} file(s) · {} diagnostic(s) · {} ignored\n",
                c.fail + c.warn,
                scan.files.len(),
                scan.diagnostics.len(),
                scan.ignored
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "**Summary:** {} pass · {} fail · {} warn · {} not applicable · {} unknown\n",
                c.pass, c.fail, c.warn, c.not_applicable, c.unknown
            );
        }
    }
    let attention: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| matches!(f.outcome, Outcome::Fail | Outcome::Warn | Outcome::Unknown))
        .collect();
    if attention.is_empty() {
        out.push_str("Nothing failed, warned or stayed undecided.\n\n");
    } else {
        out.push_str("### Needs attention\n\n");
        table(&mut out, &attention);
        out.push('\n');
    }
    if opts.verbose {
        let rest: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| matches!(f.outcome, Outcome::Pass | Outcome::NotApplicable))
            .collect();
        if !rest.is_empty() {
            out.push_str("### Passing and not applicable\n\n");
            table(&mut out, &rest);
            out.push('\n');
        }
    }
    if !report.summary.frameworks.is_empty() {
        out.push_str("<details><summary>By framework</summary>\n\n| Framework | Reference | Pass | Fail | Warn | Unknown |\n|---|---|---|---|---|---|\n");
        for (key, refs) in &report.summary.frameworks {
            let mut refs: Vec<(&String, &crate::report::Counts)> = refs.iter().collect();
            refs.sort_by(|a, b| natural_cmp(a.0, b.0));
            for (id, counts) in refs {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    Summary::framework_name(key),
                    escape_cell(id),
                    counts.pass,
                    counts.fail,
                    counts.warn,
                    counts.unknown
                );
            }
        }
        out.push_str("\n</details>\n");
    }
    if let Some(scan) = &report.scan
        && !scan.diagnostics.is_empty()
    {
        out.push_str("\n### Diagnostics (files not analysed)\n\n| File | Problem |\n|---|---|\n");
        for d in &scan.diagnostics {
            let at = d.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(out, "| `{}{at}` | {} |", escape_cell(&d.path), escape_cell(&d.message));
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "\n> {}", escape_cell(note));
    }
    out
}

/// Orders strings with embedded numbers numerically (`CICD-SEC-4` before `CICD-SEC-10`).
pub(crate) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<Result<u64, String>> {
        let mut out = Vec::new();
        let mut digits = String::new();
        let mut text = String::new();
        for c in s.chars() {
            if c.is_ascii_digit() {
                if !text.is_empty() {
                    out.push(Err(std::mem::take(&mut text)));
                }
                digits.push(c);
            } else {
                if !digits.is_empty() {
                    out.push(Ok(std::mem::take(&mut digits).parse().unwrap_or(u64::MAX)));
                }
                text.push(c);
            }
        }
        if !digits.is_empty() {
            out.push(Ok(digits.parse().unwrap_or(u64::MAX)));
        }
        if !text.is_empty() {
            out.push(Err(text));
        }
        out
    }
    parts(a).cmp(&parts(b))
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;

    #[test]
    fn framework_ids_sort_naturally() {
        let mut v =
            vec!["CICD-SEC-10", "CICD-SEC-4", "NHI10:2025", "NHI2:2025", "PR.PS-01", "2.2.10", "2.2.4"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            ["2.2.4", "2.2.10", "CICD-SEC-4", "CICD-SEC-10", "NHI2:2025", "NHI10:2025", "PR.PS-01"]
        );
    }
}
