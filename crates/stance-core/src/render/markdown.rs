//! Markdown output for `$GITHUB_STEP_SUMMARY` and merge-request notes.

use std::fmt::Write as _;

use super::{Options, level_name, text::context_line};
use crate::model::{Finding, Outcome};
use crate::report::{Report, ReportKind, Summary};

/// Escapes text for a Markdown table cell.
pub fn escape_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' => out.push('\''),
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
    let _ = writeln!(
        out,
        "**Summary:** {} pass · {} fail · {} warn · {} not applicable · {} unknown\n",
        c.pass, c.fail, c.warn, c.not_applicable, c.unknown
    );
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
    for note in &report.notes {
        let _ = writeln!(out, "\n> {}", escape_cell(note));
    }
    out
}
