//! `stance.toml`: the runner inventory (what the organisation knows about its
//! labels, groups and tags), repository facts, and scan ignores.
//!
//! Read in two phases: the raw TOML with spans, then validation, so every
//! error points at a line of the user's file.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::audit::REGISTRY;

/// What the organisation declares about one runner label, group (`group:NAME`)
/// or GitLab tag.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RunnerFacts {
    /// The runner is self-hosted (`true`) or hosted by a vendor (`false`).
    #[serde(default)]
    pub self_hosted: Option<bool>,
    /// Each machine runs one job and is then destroyed.
    #[serde(default)]
    pub ephemeral: Option<bool>,
    /// Outbound network is limited to an allow-list.
    #[serde(default, alias = "egress_restricted")]
    pub egress_restricted: Option<bool>,
    /// Only trusted (non-fork, protected) work is routed to it.
    #[serde(default, alias = "trusted_only")]
    pub trusted_only: Option<bool>,
}

/// Repository facts that a file cannot show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RepositoryFacts {
    /// `public`, `internal` or `private`.
    #[serde(default)]
    pub visibility: Option<Spanned<String>>,
}

/// One configured ignore.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    /// The audit id.
    pub audit: Spanned<String>,
    /// A path (relative to the scanned root) or a prefix ending in `/`; all files when absent.
    #[serde(default)]
    pub path: Option<String>,
    /// Why (required: an ignore without a reason is refused).
    pub reason: Spanned<String>,
}

/// The `[scan]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScanSection {
    /// Findings to suppress.
    #[serde(default)]
    pub ignore: Vec<IgnoreRule>,
    /// Extra labels known to be self-hosted.
    #[serde(default, alias = "self_hosted_labels")]
    pub self_hosted_labels: Vec<String>,
}

/// The whole file (other commands' tables are accepted and not read here).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// Repository facts.
    #[serde(default)]
    pub repository: RepositoryFacts,
    /// The runner inventory, keyed by label, `group:NAME` or GitLab tag.
    #[serde(default)]
    pub runners: BTreeMap<String, RunnerFacts>,
    /// Scan settings.
    #[serde(default)]
    pub scan: ScanSection,
}

/// A configuration error with its place in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ConfigError {
    /// The config file.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
    (line, col)
}

impl Config {
    /// Parses and validates `text` (from `path`, for messages).
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let err = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            ConfigError { path: path.to_string(), line, column, message }
        };
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            err(offset, e.message().trim().to_string())
        })?;
        if let Some(v) = &cfg.repository.visibility
            && !matches!(v.get_ref().as_str(), "public" | "internal" | "private")
        {
            return Err(err(
                v.span().start,
                format!("unknown visibility `{}` (expected public, internal or private)", v.get_ref()),
            ));
        }
        for ig in &cfg.scan.ignore {
            let id = ig.audit.get_ref();
            if !REGISTRY.iter().any(|a| a.meta().id == id) {
                return Err(err(ig.audit.span().start, format!("unknown audit `{id}` in [scan] ignore")));
            }
            if ig.reason.get_ref().trim().is_empty() {
                return Err(err(ig.reason.span().start, "an ignore needs a reason".into()));
            }
        }
        Ok(cfg)
    }

    /// The repository's declared visibility.
    pub fn visibility(&self) -> Option<&str> {
        self.repository.visibility.as_ref().map(|v| v.get_ref().as_str())
    }

    /// The configured ignore that covers `audit` in `path`, if any.
    pub fn ignored(&self, audit: &str, path: &str) -> Option<&IgnoreRule> {
        self.scan.ignore.iter().find(|ig| {
            ig.audit.get_ref() == audit
                && ig.path.as_deref().is_none_or(|p| p == path || (p.ends_with('/') && path.starts_with(p)))
        })
    }

    /// What the inventory says about one label/tag.
    pub fn facts(&self, label: &str) -> Option<&RunnerFacts> {
        self.runners.get(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inventory_and_ignores() {
        let c = Config::parse(
            "[repository]\nvisibility = \"public\"\n[runners.gpu]\nephemeral = true\negress-restricted = true\n[scan]\nignore = [{ audit = \"generic-self-hosted-label\", path = \".github/\", reason = \"lab\" }]\n",
            "stance.toml",
        )
        .unwrap();
        assert_eq!(c.facts("gpu").unwrap().ephemeral, Some(true));
        assert!(c.ignored("generic-self-hosted-label", ".github/workflows/a.yml").is_some());
        assert!(c.ignored("generic-self-hosted-label", "other.yml").is_none());
        assert_eq!(c.visibility(), Some("public"));
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = Config::parse("[runners.gpu]\nephemeral = true\nephemerall = false\n", "stance.toml")
            .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e = Config::parse("[scan]\nignore = [\n  { audit = \"nope\", reason = \"x\" },\n]\n", "s.toml")
            .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("unknown audit `nope`"));
        let e = Config::parse("[repository]\nvisibility = \"secret\"\n", "s.toml").unwrap_err();
        assert_eq!((e.line, e.column), (2, 14));
    }
}
