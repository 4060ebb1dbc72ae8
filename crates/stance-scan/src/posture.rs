//! Posture evidence: probe reports (`stance probe --format json`) joined to
//! runner labels, so a finding can use what the runner really is.

use std::collections::BTreeSet;
use std::path::Path;

use stance_core::model::Level;
use stance_core::report::{Report, ReportKind};

use crate::runner::Measured;

/// One measured runner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasuredRunner {
    /// The report file.
    pub file: String,
    /// Lowercased labels (GitHub labels, GitLab tags) and the runner name.
    pub labels: BTreeSet<String>,
    /// The measured posture level.
    pub level: Level,
}

/// Every probe report read from `--posture DIR`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostureEvidence {
    /// The measured runners.
    pub runners: Vec<MeasuredRunner>,
    /// Files that were skipped, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Why the posture directory could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot read posture directory {path}: {source}")]
pub struct PostureError {
    /// The directory.
    pub path: String,
    /// The I/O error.
    pub source: std::io::Error,
}

/// Largest report file read (reports are a few hundred KiB at most).
const MAX_REPORT_BYTES: u64 = 16 * 1024 * 1024;

impl PostureEvidence {
    /// Reads every `*.json` file directly in `dir` (sorted; symlinks are not followed).
    pub fn read_dir(dir: &Path) -> Result<PostureEvidence, PostureError> {
        let err = |source| PostureError { path: dir.display().to_string(), source };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(err)?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut ev = PostureEvidence::default();
        for f in files {
            let name = f.display().to_string();
            let text = match stance_core::fsread::read_regular(&f, MAX_REPORT_BYTES).map(String::from_utf8) {
                Ok(Ok(t)) if t.len() as u64 <= MAX_REPORT_BYTES => t,
                Ok(Ok(_)) => {
                    ev.skipped.push((name, "larger than 16 MiB".into()));
                    continue;
                }
                Ok(Err(_)) => {
                    ev.skipped.push((name, "not UTF-8 text".into()));
                    continue;
                }
                Err(e) => {
                    ev.skipped.push((name, e.to_string()));
                    continue;
                }
            };
            ev.add_report(&name, &text);
        }
        Ok(ev)
    }

    /// Adds one report's text.
    pub fn add_report(&mut self, name: &str, text: &str) {
        let report = match Report::from_json(text) {
            Ok(r) => r,
            Err(e) => {
                self.skipped.push((name.to_string(), e.to_string()));
                return;
            }
        };
        if report.kind != ReportKind::Probe {
            self.skipped.push((name.to_string(), "not a probe report".into()));
            return;
        }
        let Some(posture) = report.posture else {
            self.skipped.push((name.to_string(), "no posture level in the report".into()));
            return;
        };
        let mut labels = BTreeSet::new();
        if let Some(ctx) = &report.context {
            labels.extend(ctx.runner.labels.iter().map(|l| l.to_ascii_lowercase()));
            if let Some(n) = &ctx.runner.name {
                labels.insert(n.to_ascii_lowercase());
            }
        }
        if labels.is_empty() {
            self.skipped.push((name.to_string(), "the report names no runner labels or name".into()));
            return;
        }
        self.runners.push(MeasuredRunner { file: name.to_string(), labels, level: posture.level });
    }

    /// The lowest measured level among runners that carry every one of `labels`.
    pub fn measured(&self, labels: &[String]) -> Option<Measured> {
        if labels.is_empty() {
            return None;
        }
        let wanted: Vec<String> = labels.iter().map(|l| l.to_ascii_lowercase()).collect();
        let matching: Vec<&MeasuredRunner> =
            self.runners.iter().filter(|r| wanted.iter().all(|l| r.labels.contains(l))).collect();
        let level = matching.iter().map(|r| r.level).min()?;
        Some(Measured { level, reports: matching.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_core::catalog::Catalog;
    use stance_core::model::{Confidence, Finding, Outcome, Severity};
    use stance_core::report::{Context, Platform, RunnerInfo};

    fn report(labels: &[&str], fail_level: Option<Level>) -> String {
        let findings = fail_level
            .map(|l| {
                vec![Finding {
                    id: "x".into(),
                    title: "x".into(),
                    dimension: None,
                    outcome: Outcome::Fail,
                    severity: Severity::High,
                    confidence: Confidence::High,
                    level: Some(l),
                    message: String::new(),
                    reason: None,
                    evidence: vec![],
                }]
            })
            .unwrap_or_default();
        let mut r = Report::new(ReportKind::Probe, findings, &Catalog, "2026-01-01T00:00:00Z".into());
        r.context = Some(Context {
            platform: Platform::GithubActions,
            runner: RunnerInfo {
                labels: labels.iter().map(|s| s.to_string()).collect(),
                ..RunnerInfo::default()
            },
            ..Context::default()
        });
        serde_json::to_string(&r).unwrap()
    }

    #[test]
    fn joins_on_labels_and_takes_the_lowest_level() {
        let mut ev = PostureEvidence::default();
        ev.add_report("a.json", &report(&["self-hosted", "gpu"], None));
        ev.add_report("b.json", &report(&["self-hosted", "GPU", "big"], Some(Level::L2)));
        ev.add_report("c.json", &report(&["self-hosted", "cpu"], Some(Level::L1)));
        ev.add_report("d.json", "{}");
        assert_eq!(ev.skipped.len(), 1);
        let m = ev.measured(&["gpu".into()]).unwrap();
        assert_eq!((m.level, m.reports), (Level::L1, 2));
        assert_eq!(ev.measured(&["self-hosted".into(), "cpu".into()]).unwrap().level, Level::L0);
        assert!(ev.measured(&["arm".into()]).is_none());
    }
}
