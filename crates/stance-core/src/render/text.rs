//! Human text output.

use std::fmt::Write as _;

use super::{Options, level_name};
use crate::model::{Dimension, Finding, Location, Outcome, Severity};
use crate::report::{Context, Platform, Report, ReportKind, RunnerKind};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn outcome(&self, o: Outcome) -> String {
        let (code, label) = match o {
            Outcome::Pass => ("32", "PASS"),
            Outcome::Fail => ("31;1", "FAIL"),
            Outcome::Warn => ("33", "WARN"),
            Outcome::NotApplicable => ("2", "N/A "),
            Outcome::Unknown => ("35", "UNKN"),
        };
        self.wrap(code, label)
    }
    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "31;1",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.wrap(code, &format!("{:<8}", s.as_str()))
    }
}

/// Makes text safe for a terminal and a CI log: control characters (newlines, escapes) in
/// observed data such as file names are shown escaped, so they can neither forge extra output
/// lines (a `::workflow-command` in a file name) nor drive the terminal.
pub fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
            .collect(),
    )
}

fn shown(f: &Finding, verbose: bool) -> bool {
    verbose || matches!(f.outcome, Outcome::Fail | Outcome::Warn | Outcome::Unknown)
}

/// Describes the platform and runner in one line.
pub fn context_line(c: &Context) -> String {
    let platform = match c.platform {
        Platform::GithubActions => "GitHub Actions",
        Platform::GitlabCi => "GitLab CI",
        Platform::Buildkite => "Buildkite",
        Platform::Jenkins => "Jenkins",
        Platform::Circleci => "CircleCI",
        Platform::AzurePipelines => "Azure Pipelines",
        Platform::OtherCi => "CI (unrecognised system)",
        Platform::None => "not a CI job",
    };
    let mut s = platform.to_string();
    if c.platform != Platform::None {
        let kind = match c.runner.kind {
            RunnerKind::VendorHosted => "vendor-hosted runner",
            RunnerKind::ThirdPartyHosted => "third-party hosted runner",
            RunnerKind::Arc => "Actions Runner Controller runner",
            RunnerKind::SelfHosted => "self-hosted runner",
            RunnerKind::Unknown => "runner of unknown type",
        };
        let _ = write!(s, ", {kind}");
        if let Some(svc) = &c.runner.service {
            let _ = write!(s, " ({svc})");
        }
        if let Some(e) = &c.runner.executor {
            let _ = write!(s, ", executor {e}");
        }
        if let Some(ev) = &c.trigger.event {
            let _ = write!(s, " · event {ev}");
            if c.trigger.from_fork == Some(true) {
                s.push_str(" from a fork");
            }
        }
        if let Some(r) = &c.repository {
            let _ = write!(s, " · {r}");
            if let Some(v) = c.visibility {
                let _ = write!(
                    s,
                    " ({})",
                    serde_json::to_value(v)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default()
                );
            }
        }
    }
    s
}

fn write_location(out: &mut String, p: &Paint, loc: &Location) {
    let _ =
        writeln!(out, "    {} {}:{}:{}", p.dim("-->"), clean(&loc.path), loc.start.line, loc.start.column);
    if let Some(snippet) = &loc.snippet {
        let width = (loc.start.line as usize + snippet.lines().count()).to_string().len();
        for (i, line) in snippet.lines().enumerate() {
            let n = loc.start.line as usize + i;
            let _ = writeln!(out, "    {} {} {}", p.dim(&format!("{n:>width$}")), p.dim("|"), clean(line));
            if i == 0 && loc.end.line == loc.start.line {
                let start = loc.start.column.saturating_sub(1) as usize;
                let len = (loc.end.column.saturating_sub(loc.start.column) as usize).max(1);
                let _ = writeln!(
                    out,
                    "    {:>width$} {} {}{}",
                    "",
                    p.dim("|"),
                    " ".repeat(start),
                    p.wrap("31", &"^".repeat(len))
                );
            }
        }
    }
}

fn write_finding(out: &mut String, p: &Paint, f: &Finding, opts: &Options<'_>) {
    let _ = writeln!(
        out,
        "  {} {} {}  {}",
        p.outcome(f.outcome),
        p.severity(f.severity),
        p.bold(&f.id),
        f.message
    );
    if let Some(reason) = &f.reason {
        let _ = writeln!(out, "       {} {reason}", p.dim("why:"));
    }
    for e in &f.evidence {
        match &e.location {
            Some(loc) => write_location(out, p, loc),
            None => {
                let detail = e.detail.as_deref().map(|d| format!(": {}", clean(d))).unwrap_or_default();
                let _ = writeln!(out, "       {} {}{detail}", p.dim("·"), clean(&e.subject));
            }
        }
    }
    if f.outcome == Outcome::Fail
        && let Some(rule) = opts.rules.rule(&f.id)
    {
        let fix = rule.remediation.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(out, "       {} {fix}", p.dim("fix:"));
    }
}

/// Renders the report as human text.
pub(super) fn render(report: &Report, opts: &Options<'_>) -> String {
    let p = Paint { on: opts.color };
    let mut out = String::new();
    match report.kind {
        ReportKind::Probe => {
            let host = report.host.as_ref();
            let mut head = format!("stance probe {}", report.tool.version);
            if let Some(h) = host {
                if let Some(n) = &h.hostname {
                    let _ = write!(head, " · {n}");
                }
                if let Some(os) = &h.os {
                    let _ = write!(head, " · {os}");
                }
                if let Some(k) = &h.kernel {
                    let _ = write!(head, " · kernel {k}");
                }
                if h.root != "/" {
                    let _ = write!(head, " · root {}", h.root);
                }
            }
            let _ = writeln!(out, "{}", p.bold(&clean(&head)));
            if let Some(c) = &report.context {
                let _ = writeln!(out, "{}", clean(&context_line(c)));
            }
            if let Some(posture) = &report.posture {
                let mut line = format!("Posture level {} ({})", posture.level, level_name(posture.level));
                let mut blocking = String::new();
                if let Some(next) = posture.level.next() {
                    let ids: Vec<&str> =
                        posture.blockers.iter().filter(|b| b.level <= next).map(|b| b.id.as_str()).collect();
                    let n = ids.len();
                    let _ = write!(
                        line,
                        " · {n} control{} stand{} between it and {next}",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "s" } else { "" }
                    );
                    if n > 0 {
                        blocking = format!("  {} {}\n", p.dim("blocking:"), ids.join(", "));
                    }
                }
                let _ = writeln!(out, "\n{}\n{blocking}", p.bold(&line));
            }
            for d in Dimension::ALL {
                let items: Vec<&Finding> = report
                    .findings
                    .iter()
                    .filter(|f| f.dimension == Some(*d) && shown(f, opts.verbose))
                    .collect();
                if items.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "{}", p.bold(d.as_str()));
                for f in items {
                    write_finding(&mut out, &p, f, opts);
                }
                out.push('\n');
            }
        }
        ReportKind::Scan => {
            let files = report.scan.as_ref().map(|s| s.files.len()).unwrap_or(0);
            let _ = writeln!(
                out,
                "{}\n",
                p.bold(&format!("stance scan {} · {files} file(s)", report.tool.version))
            );
            for f in report.findings.iter().filter(|f| shown(f, opts.verbose)) {
                write_finding(&mut out, &p, f, opts);
                out.push('\n');
            }
            if let Some(scan) = &report.scan {
                for d in &scan.diagnostics {
                    let at = d.line.map(|l| format!(":{l}:{}", d.column.unwrap_or(1))).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "{} {}{at}: {}",
                        p.wrap("33", "diagnostic:"),
                        clean(&d.path),
                        clean(&d.message)
                    );
                }
            }
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "{} {}", p.dim("note:"), clean(note));
    }
    let c = &report.summary.counts;
    match report.kind {
        ReportKind::Probe => {
            let _ = writeln!(
                out,
                "{} {} pass · {} fail · {} warn · {} not applicable · {} unknown{}",
                p.bold("Summary:"),
                c.pass,
                c.fail,
                c.warn,
                c.not_applicable,
                c.unknown,
                if opts.verbose { String::new() } else { p.dim(" (-v lists passing controls)") }
            );
        }
        ReportKind::Scan => {
            let mut by_sev = Vec::new();
            for s in Severity::ALL.iter().rev() {
                let n = report
                    .findings
                    .iter()
                    .filter(|f| f.severity == *s && matches!(f.outcome, Outcome::Fail | Outcome::Warn))
                    .count();
                if n > 0 {
                    by_sev.push(format!("{n} {s}"));
                }
            }
            let files = report.scan.as_ref().map(|s| s.files.len()).unwrap_or(0);
            let diags = report.scan.as_ref().map(|s| s.diagnostics.len()).unwrap_or(0);
            let ignored = report.scan.as_ref().map(|s| s.ignored).unwrap_or(0);
            let findings = if by_sev.is_empty() {
                "no findings".to_string()
            } else {
                format!("{} finding(s): {}", c.fail + c.warn, by_sev.join(", "))
            };
            let _ = writeln!(
                out,
                "{} {findings} · {files} file(s) · {diags} diagnostic(s) · {ignored} ignored",
                p.bold("Summary:"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("a\n::error::x\r\u{1b}[31m"), "a\\n::error::x\\r\\u{1b}[31m");
        assert!(matches!(clean("plain ✓ text"), std::borrow::Cow::Borrowed(_)));
    }
}
