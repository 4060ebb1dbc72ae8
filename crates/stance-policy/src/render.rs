//! Rendering a policy [`Evaluation`]: human text, JSON (the stable policy-result
//! shape), Markdown (step summaries) and GitHub workflow annotations.

use std::fmt::Write as _;

use stance_core::model::Outcome;
use stance_core::render::{Format, clean, escape_cell, escape_data, escape_property, level_name};

use crate::config::PolicySource;
use crate::eval::{Blocker, Decision, Evaluation, RequiredBy};
use crate::infer::Method;

/// Renders `eval` in `format`; `command` (`check` or `gate`) names the tool in headings.
pub fn render(eval: &Evaluation, format: Format, command: &str) -> String {
    match format {
        Format::Text => text(eval, command),
        Format::Json => json(eval),
        Format::Markdown => markdown(eval, command),
        Format::Github => github(eval, command),
    }
}

/// The evaluation as pretty JSON with a trailing newline.
pub fn json(eval: &Evaluation) -> String {
    let mut s = serde_json::to_string_pretty(eval).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn method(m: Method) -> &'static str {
    match m {
        Method::Explicit => "named with --tier",
        Method::Inferred => "inferred",
        Method::Fallback => "fallback",
    }
}

fn policy_name(src: &PolicySource) -> String {
    match src {
        PolicySource::Builtin => "built-in default".into(),
        PolicySource::File(p) => format!("{p} over the built-in default"),
    }
}

/// One line summing up the decision: `allowed: tier build needs L1, the runner measures L2`.
pub fn headline(eval: &Evaluation) -> String {
    let verdict = match eval.decision {
        Decision::Allowed => "allowed",
        Decision::Denied => "denied",
    };
    let waived = if eval.effective_level != eval.measured_level {
        format!(" ({} with waivers)", eval.effective_level)
    } else {
        String::new()
    };
    format!(
        "{verdict}: tier {} needs {}, the runner measures {}{waived}",
        eval.tier, eval.required_level, eval.measured_level
    )
}

/// Writes `text` word-wrapped at `width`: the first line after `first`, the
/// others indented to the same column. Control characters (observed data may carry
/// terminal escapes) are shown escaped.
fn wrap(out: &mut String, first: &str, text: &str, width: usize) {
    let indent = " ".repeat(first.chars().count());
    let mut prefix = first;
    let mut line = String::new();
    for word in text.split_whitespace().map(clean) {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
            let _ = writeln!(out, "{prefix}{line}");
            prefix = &indent;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{prefix}{line}");
    }
}

fn tag(b: &Blocker) -> String {
    let level = b.level.map(|l| l.to_string()).unwrap_or_else(|| "info".into());
    let by = match b.required_by {
        RequiredBy::Level => String::new(),
        RequiredBy::Require => ", required by the policy".into(),
    };
    format!("[{level}, {}, {}{by}]", b.outcome, b.severity)
}

fn text(eval: &Evaluation, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "stance {command}: {}", headline(eval));
    let _ = writeln!(out, "  tier:   {} ({})", eval.tier, method(eval.tier_inference.method));
    for r in &eval.tier_inference.reasons {
        wrap(&mut out, "            - ", r, 100);
    }
    let _ = writeln!(
        out,
        "  level:  required {} ({}), measured {} ({}), effective {}",
        eval.required_level,
        level_name(eval.required_level),
        eval.measured_level,
        level_name(eval.measured_level),
        eval.effective_level
    );
    let _ = writeln!(out, "  policy: {}", clean(&policy_name(&eval.policy.source)));
    let _ = writeln!(out, "  report: {} ({})", clean(&eval.report.source), clean(&eval.report.generated_at));
    if !eval.reasons.is_empty() {
        let _ = writeln!(out, "\nWhy:");
        for r in &eval.reasons {
            wrap(&mut out, "  - ", r, 100);
        }
    }
    if !eval.blockers.is_empty() {
        let _ = writeln!(
            out,
            "\n{} control{} stand{} between this runner and tier {}:",
            eval.blockers.len(),
            if eval.blockers.len() == 1 { "" } else { "s" },
            if eval.blockers.len() == 1 { "s" } else { "" },
            eval.tier
        );
        for b in &eval.blockers {
            let mark = if b.outcome == Outcome::Unknown { "?" } else { "x" };
            let _ = writeln!(out, "\n  {mark} {} {}", b.id, tag(b));
            wrap(&mut out, "      ", &b.message, 100);
            if let Some(r) = &b.reason {
                wrap(&mut out, "      ", &format!("why unknown: {r}"), 100);
            }
            if !b.remediation.is_empty() {
                wrap(&mut out, "      ", &format!("fix: {}", b.remediation), 100);
            }
        }
    }
    if !eval.waived.is_empty() {
        let _ = writeln!(out, "\nWaived ({}):", eval.waived.len());
        for w in &eval.waived {
            let _ = writeln!(out, "  ~ {} {}", w.blocker.id, tag(&w.blocker));
            wrap(
                &mut out,
                "      ",
                &format!(
                    "waived for {} by {} until {}: {} ({})",
                    w.waiver.scope(),
                    w.waiver.owner,
                    w.waiver.expires,
                    w.waiver.reason,
                    w.waiver.origin
                ),
                100,
            );
        }
    }
    if !eval.expired_waivers.is_empty() {
        let _ = writeln!(out, "\nExpired waivers ({}):", eval.expired_waivers.len());
        for w in &eval.expired_waivers {
            wrap(
                &mut out,
                "  ! ",
                &format!(
                    "{} for {}, owner {}, expired on {} ({}): {}",
                    w.control,
                    w.scope(),
                    w.owner,
                    w.expires,
                    w.origin,
                    w.reason
                ),
                100,
            );
        }
    }
    if let Some(r) = &eval.rego {
        let _ =
            writeln!(out, "\nRego ({} file{}):", r.files.len(), if r.files.len() == 1 { "" } else { "s" });
        if r.deny.is_empty() && r.warn.is_empty() {
            let _ = writeln!(out, "  no denials or warnings");
        }
        for m in &r.deny {
            wrap(&mut out, "  deny  ", &format!("{}: {}", m.package, m.msg), 100);
        }
        for m in &r.warn {
            wrap(&mut out, "  warn  ", &format!("{}: {}", m.package, m.msg), 100);
        }
    }
    if !eval.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for n in &eval.notes {
            wrap(&mut out, "  - ", n, 100);
        }
    }
    out
}

fn markdown(eval: &Evaluation, command: &str) -> String {
    let mut out = String::new();
    let icon = match eval.decision {
        Decision::Allowed => "✅",
        Decision::Denied => "❌",
    };
    let _ = writeln!(out, "### {icon} stance {command}: {}\n", escape_cell(&headline(eval)));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Tier | `{}` ({}) |", eval.tier, method(eval.tier_inference.method));
    let _ =
        writeln!(out, "| Required level | {} ({}) |", eval.required_level, level_name(eval.required_level));
    let _ = writeln!(
        out,
        "| Measured level | {} ({}); effective {} |",
        eval.measured_level,
        level_name(eval.measured_level),
        eval.effective_level
    );
    let _ = writeln!(out, "| Policy | {} |", escape_cell(&policy_name(&eval.policy.source)));
    let _ = writeln!(
        out,
        "| Report | {} ({}) |",
        escape_cell(&eval.report.source),
        escape_cell(&eval.report.generated_at)
    );
    if !eval.tier_inference.reasons.is_empty() {
        let _ = writeln!(out, "\n<details><summary>Why this tier</summary>\n");
        for r in &eval.tier_inference.reasons {
            let _ = writeln!(out, "- {}", escape_cell(r));
        }
        let _ = writeln!(out, "\n</details>");
    }
    if !eval.reasons.is_empty() {
        let _ = writeln!(out, "\n**Why denied**\n");
        for r in &eval.reasons {
            let _ = writeln!(out, "- {}", escape_cell(r));
        }
    }
    if !eval.blockers.is_empty() {
        let _ = writeln!(
            out,
            "\n#### Blocking controls\n\n| Control | Level | Outcome | Finding | Fix |\n|---|---|---|---|---|"
        );
        for b in &eval.blockers {
            let level = b.level.map(|l| l.to_string()).unwrap_or_else(|| "required".into());
            let finding = match &b.reason {
                Some(r) => format!("{} (why unknown: {r})", b.message),
                None => b.message.clone(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {level} | {} | {} | {} |",
                b.id,
                b.outcome,
                escape_cell(&finding),
                escape_cell(&b.remediation)
            );
        }
    }
    if !eval.waived.is_empty() {
        let _ = writeln!(
            out,
            "\n#### Waived\n\n| Control | Scope | Owner | Expires | Reason |\n|---|---|---|---|---|"
        );
        for w in &eval.waived {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                w.waiver.control,
                escape_cell(&w.waiver.scope()),
                escape_cell(&w.waiver.owner),
                w.waiver.expires,
                escape_cell(&w.waiver.reason)
            );
        }
    }
    if !eval.expired_waivers.is_empty() {
        let _ = writeln!(
            out,
            "\n#### Expired waivers\n\n| Control | Scope | Owner | Expired | Where |\n|---|---|---|---|---|"
        );
        for w in &eval.expired_waivers {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                w.control,
                escape_cell(&w.scope()),
                escape_cell(&w.owner),
                w.expires,
                escape_cell(&w.origin.to_string())
            );
        }
    }
    if let Some(r) = &eval.rego
        && !(r.deny.is_empty() && r.warn.is_empty())
    {
        let _ = writeln!(out, "\n#### Rego policies\n");
        for m in &r.deny {
            let _ = writeln!(out, "- **deny** `{}`: {}", m.package, escape_cell(&m.msg));
        }
        for m in &r.warn {
            let _ = writeln!(out, "- warn `{}`: {}", m.package, escape_cell(&m.msg));
        }
    }
    if !eval.notes.is_empty() {
        let _ = writeln!(out, "\n#### Notes\n");
        for n in &eval.notes {
            let _ = writeln!(out, "- {}", escape_cell(n));
        }
    }
    out
}

fn github(eval: &Evaluation, command: &str) -> String {
    let mut out = String::new();
    let title = format!("stance {command}");
    match eval.decision {
        Decision::Allowed => {
            let _ =
                writeln!(out, "::notice title={}::{}", escape_property(&title), escape_data(&headline(eval)));
        }
        Decision::Denied => {
            for r in &eval.reasons {
                let _ = writeln!(
                    out,
                    "::error title={}::{}",
                    escape_property(&format!("{title}: denied for tier {}", eval.tier)),
                    escape_data(r)
                );
            }
        }
    }
    for b in &eval.blockers {
        let what = match &b.reason {
            Some(r) => format!("{} ({r}).", b.message.trim_end_matches('.')),
            None => format!("{}.", b.message.trim_end_matches('.')),
        };
        let _ = writeln!(
            out,
            "::error title={}::{} Fix: {}",
            escape_property(&format!("{} blocks tier {}", b.id, eval.tier)),
            escape_data(&what),
            escape_data(&b.remediation)
        );
    }
    for w in &eval.waived {
        let _ = writeln!(
            out,
            "::notice title={}::waived for {} by {} until {}: {}",
            escape_property(&format!("{} waived", w.waiver.control)),
            escape_data(&w.waiver.scope()),
            escape_data(&w.waiver.owner),
            w.waiver.expires,
            escape_data(&w.waiver.reason)
        );
    }
    if let Some(r) = &eval.rego {
        for m in &r.warn {
            let _ = writeln!(
                out,
                "::warning title={}::{}",
                escape_property(&format!("Rego {}", m.package)),
                escape_data(&m.msg)
            );
        }
    }
    out
}
