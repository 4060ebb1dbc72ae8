//! Renderers shared by every command: human text, JSON, Markdown and GitHub
//! workflow annotations. Each returns a `String`; the binary scrubs and writes it.

mod github;
mod markdown;
mod text;

use std::fmt;
use std::str::FromStr;

use crate::catalog::RuleSource;
use crate::model::{Level, UnknownValue};
use crate::report::Report;

pub use github::{escape_data, escape_property};
pub use markdown::escape_cell;
pub use text::{clean, context_line};

/// An output format of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human text grouped by dimension (probe) or file (scan).
    Text,
    /// The versioned report JSON (`schema/report.schema.json`).
    Json,
    /// Markdown for step summaries and merge-request notes.
    Markdown,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

impl Format {
    /// The names accepted on the command line.
    pub const NAMES: &'static [&'static str] = &["text", "json", "markdown", "github"];
}

impl FromStr for Format {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            "github" => Ok(Format::Github),
            _ => Err(UnknownValue { kind: "format", value: s.into(), expected: Format::NAMES }),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Github => "github",
        })
    }
}

/// How to render.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Also list passing and not-applicable findings.
    pub verbose: bool,
    /// Use ANSI colours (text only).
    pub color: bool,
    /// Where rule metadata (remediation, refs) comes from.
    pub rules: &'a dyn RuleSource,
}

impl fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options").field("verbose", &self.verbose).field("color", &self.color).finish()
    }
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format, opts: &Options<'_>) -> String {
    match format {
        Format::Text => text::render(report, opts),
        Format::Json => json(report),
        Format::Markdown => markdown::render(report, opts),
        Format::Github => github::render(report, opts),
    }
}

/// The report as pretty JSON with a trailing newline.
pub fn json(report: &Report) -> String {
    // Serialising plain data structures cannot fail; fall back to an empty object defensively.
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The short name of a posture level.
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::L0 => "untrusted",
        Level::L1 => "basic",
        Level::L2 => "isolated",
        Level::L3 => "hardened",
    }
}
