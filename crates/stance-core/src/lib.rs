//! The data model of stance: the control catalog, findings and evidence, the
//! report envelope shared by every command, posture levels, redaction, and the
//! renderers for text, JSON, Markdown and GitHub annotations.

pub mod catalog;
pub mod fsread;
pub mod model;
pub mod redact;
pub mod render;
pub mod report;
pub mod time;

pub use catalog::{CONTROLS, Catalog, Framework, Refs, Rule, RuleSource};
pub use model::{
    Confidence, Dimension, Evidence, EvidenceKind, Finding, Level, Location, Outcome, Position, Severity,
};
pub use report::{Context, Report, ReportKind};
