//! Custom policies in Rego, evaluated by the embedded `regorus` engine over the
//! report JSON, with the conventions of Conftest: rules `deny` and `warn` (sets
//! of messages) in package `stance` or any package below it (`stance.release`).
//!
//! Files are Rego v1 (OPA 1.0 syntax: `deny contains msg if { … }`). A parse or
//! evaluation error is reported as `file:line:col: message`.

use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::error::{ErrorKind, PolicyError};

/// Rego files larger than this are refused.
const MAX_REGO_BYTES: u64 = 1 << 20;

/// Wall-clock budget of one evaluation of all policies.
const EVAL_BUDGET: Duration = Duration::from_secs(5);

/// The package that holds the rules stance evaluates (and its sub-packages).
pub const PACKAGE: &str = "stance";

/// One message of a `deny` or `warn` rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegoMessage {
    /// The message (`msg` of an object result, the string itself, or the JSON of anything else).
    pub msg: String,
    /// The package of the rule, e.g. `stance.release`.
    pub package: String,
    /// The control the message is about, when the rule returned an object with `control`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
}

/// What the Rego policies said.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RegoOutcome {
    /// The files evaluated, in load order.
    pub files: Vec<String>,
    /// Messages of `deny` rules: each one denies the job.
    pub deny: Vec<RegoMessage>,
    /// Messages of `warn` rules: reported, never deny.
    pub warn: Vec<RegoMessage>,
}

/// A set of loaded Rego policies.
pub struct RegoPolicies {
    engine: regorus::Engine,
    files: Vec<(String, String)>,
    packages: Vec<String>,
}

impl std::fmt::Debug for RegoPolicies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegoPolicies")
            .field("files", &self.files.len())
            .field("packages", &self.packages)
            .finish()
    }
}

impl Default for RegoPolicies {
    fn default() -> Self {
        Self::new()
    }
}

impl RegoPolicies {
    /// No policies yet.
    pub fn new() -> Self {
        let mut engine = regorus::Engine::new();
        engine.set_strict_builtin_errors(true);
        let mut r = RegoPolicies { engine, files: Vec::new(), packages: Vec::new() };
        r.set_budget(EVAL_BUDGET);
        r
    }

    /// Sets the wall-clock budget of an evaluation (default 5 s); past it, evaluation fails.
    pub fn set_budget(&mut self, limit: Duration) {
        self.engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit,
            check_interval: NonZeroU32::MIN.saturating_add(99),
        });
    }

    /// Whether no policy was loaded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Adds the Rego text `text`, named `path` in messages.
    pub fn add_source(&mut self, path: &str, text: &str) -> Result<(), PolicyError> {
        let package = self
            .engine
            .add_policy(path.to_string(), text.to_string())
            .map_err(|e| located(&format!("{e:#}"), path, text, &self.files))?;
        let package = package.strip_prefix("data.").unwrap_or(&package).to_string();
        if (package == PACKAGE || package.starts_with("stance.")) && !self.packages.contains(&package) {
            self.packages.push(package);
        }
        self.files.push((path.to_string(), text.to_string()));
        Ok(())
    }

    /// Adds one `.rego` file.
    pub fn add_file(&mut self, path: &Path) -> Result<(), PolicyError> {
        let shown = path.display().to_string();
        let text = crate::config::read_bounded(path, MAX_REGO_BYTES)
            .map_err(|m| PolicyError::file(ErrorKind::Io, &shown, m))?;
        self.add_source(&shown, &text)
    }

    /// Adds every `*.rego` file below `dir` (sorted; `*_test.rego` files, which hold
    /// OPA unit tests, are skipped). Returns how many were added.
    pub fn add_dir(&mut self, dir: &Path) -> Result<usize, PolicyError> {
        let mut found = Vec::new();
        collect_rego(dir, 0, &mut found)?;
        found.sort();
        for f in &found {
            self.add_file(f)?;
        }
        Ok(found.len())
    }

    /// Evaluates `deny` and `warn` of every `stance` package over `input`.
    pub fn evaluate(&mut self, input: &serde_json::Value) -> Result<RegoOutcome, PolicyError> {
        if self.packages.is_empty() {
            let first = self.files.first().map(|(p, _)| p.clone()).unwrap_or_else(|| "<rego>".into());
            return Err(PolicyError::file(
                ErrorKind::Rego,
                &first,
                "no policy declares `package stance` (or a package below it, such as `stance.release`): \
                 nothing to evaluate",
            ));
        }
        self.engine.set_input(regorus::Value::from(input.clone()));
        let mut out =
            RegoOutcome { files: self.files.iter().map(|(p, _)| p.clone()).collect(), ..Default::default() };
        for package in self.packages.clone() {
            for (rule, sink) in [("deny", &mut out.deny), ("warn", &mut out.warn)] {
                let query = format!("data.{package}.{rule}");
                let results = self
                    .engine
                    .eval_query(query.clone(), false)
                    .map_err(|e| located(&format!("{e:#}"), "<rego>", "", &self.files))?;
                for r in &results.result {
                    for e in &r.expressions {
                        let json = e
                            .value
                            .to_json_str()
                            .ok()
                            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                            .unwrap_or(serde_json::Value::Null);
                        messages(&json, &package, rule, sink);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Turns a rule's value into messages: a set (array) of strings or objects, a
/// boolean (true: one generic message), or a single string.
fn messages(v: &serde_json::Value, package: &str, rule: &str, sink: &mut Vec<RegoMessage>) {
    use serde_json::Value as J;
    let one = |item: &J| -> RegoMessage {
        match item {
            J::String(s) => RegoMessage { msg: s.clone(), package: package.to_string(), control: None },
            J::Object(o) => RegoMessage {
                msg: o.get("msg").and_then(J::as_str).map(str::to_string).unwrap_or_else(|| item.to_string()),
                package: package.to_string(),
                control: o.get("control").and_then(J::as_str).map(str::to_string),
            },
            other => RegoMessage { msg: other.to_string(), package: package.to_string(), control: None },
        }
    };
    match v {
        J::Array(items) => sink.extend(items.iter().map(one)),
        J::Bool(true) => sink.push(RegoMessage {
            msg: format!("denied by data.{package}.{rule}"),
            package: package.to_string(),
            control: None,
        }),
        J::Bool(false) | J::Null => {}
        other => sink.push(one(other)),
    }
}

fn collect_rego(dir: &Path, depth: usize, out: &mut Vec<std::path::PathBuf>) -> Result<(), PolicyError> {
    let shown = dir.display().to_string();
    if depth > 16 {
        return Err(PolicyError::file(ErrorKind::Io, &shown, "directories nested too deeply"));
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| PolicyError::file(ErrorKind::Io, &shown, e.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| PolicyError::file(ErrorKind::Io, &shown, e.to_string()))?;
        // file_type does not follow symlinks: a link out of the folder is not read.
        let Ok(ft) = entry.file_type() else { continue };
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if ft.is_dir() && !name.starts_with('.') {
            collect_rego(&path, depth + 1, out)?;
        } else if ft.is_file() && name.ends_with(".rego") && !name.ends_with("_test.rego") {
            out.push(path);
        }
    }
    Ok(())
}

/// Turns a regorus error (`--> file:line:col` with a snippet, then `error: message`)
/// into a located [`PolicyError`].
fn located(text: &str, default_path: &str, default_text: &str, files: &[(String, String)]) -> PolicyError {
    let mut path = default_path.to_string();
    let mut line = None;
    let mut column = None;
    let mut message = None;
    for l in text.lines() {
        let t = l.trim();
        if let Some(loc) = t.strip_prefix("--> ") {
            let mut parts = loc.rsplitn(3, ':');
            let c = parts.next().and_then(|c| c.trim().parse::<u32>().ok());
            let ln = parts.next().and_then(|c| c.trim().parse::<u32>().ok());
            if let (Some(c), Some(ln), Some(p)) = (c, ln, parts.next()) {
                path = p.to_string();
                line = Some(ln);
                column = Some(c);
            }
        } else if let Some(m) = t.strip_prefix("error: ") {
            message = Some(m.to_string());
        }
    }
    let message = message.unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "));
    let source = files.iter().find(|(p, _)| *p == path).map(|(_, t)| t.as_str()).unwrap_or(default_text);
    let snippet = line.and_then(|l| source.lines().nth((l as usize).saturating_sub(1))).map(str::to_string);
    PolicyError { kind: ErrorKind::Rego, path, line, column, message, snippet }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str, input: serde_json::Value) -> Result<RegoOutcome, PolicyError> {
        let mut r = RegoPolicies::new();
        r.add_source("t.rego", src)?;
        r.evaluate(&input)
    }

    #[test]
    fn deny_and_warn_sets_become_messages() {
        let out = eval(
            "package stance\n\ndeny contains msg if {\n  input.tier == \"release\"\n  msg := \"no\"\n}\n\
             deny contains {\"msg\": \"obj\", \"control\": \"egress-open\"} if input.x\n\
             warn contains \"careful\" if true\n",
            serde_json::json!({"tier": "release", "x": true}),
        )
        .unwrap();
        assert_eq!(out.deny.len(), 2);
        assert!(out.deny.iter().any(|m| m.msg == "no" && m.package == "stance"));
        assert!(out.deny.iter().any(|m| m.msg == "obj" && m.control.as_deref() == Some("egress-open")));
        assert_eq!(out.warn.len(), 1);
        let quiet = eval(
            "package stance\ndeny contains \"x\" if input.tier == \"release\"\n",
            serde_json::json!({"tier": "build"}),
        )
        .unwrap();
        assert!(quiet.deny.is_empty() && quiet.warn.is_empty());
    }

    #[test]
    fn sub_packages_and_boolean_rules_count() {
        let out =
            eval("package stance.release\ndeny if input.x == 1\n", serde_json::json!({"x": 1})).unwrap();
        assert_eq!(out.deny.len(), 1);
        assert_eq!(out.deny[0].package, "stance.release");
        assert_eq!(out.deny[0].msg, "denied by data.stance.release.deny");
    }

    #[test]
    fn parse_errors_name_file_line_and_column() {
        let e = eval("package stance\n\ndeny contains msg if {\n  input.x == \n}\n", serde_json::json!({}))
            .unwrap_err();
        assert_eq!(e.to_string(), "t.rego:5:1: expecting expression");
        assert_eq!(e.snippet.as_deref(), Some("}"));
        let v0 = eval("package stance\ndeny[msg] {\n  msg := \"x\"\n}\n", serde_json::json!({})).unwrap_err();
        assert_eq!(v0.line, Some(2));
        assert!(v0.message.contains("`if` keyword is required"), "{v0}");
    }

    #[test]
    fn evaluation_errors_name_file_line_and_column() {
        let e = eval(
            "package stance\ndeny contains msg if {\n  input.x == 1\n  msg := concat(\",\", [1])\n}\n",
            serde_json::json!({"x": 1}),
        )
        .unwrap_err();
        assert_eq!(e.path, "t.rego");
        assert_eq!((e.line, e.column), (Some(4), Some(22)));
        assert!(e.message.contains("concat"), "{e}");
    }

    #[test]
    fn a_file_without_the_stance_package_is_an_error() {
        let e = eval("package other\ndeny contains \"x\" if true\n", serde_json::json!({})).unwrap_err();
        assert!(e.to_string().starts_with("t.rego: no policy declares `package stance`"), "{e}");
    }

    #[test]
    fn runaway_policies_stop_at_the_time_budget() {
        // Nine million iterations (no allocation): far longer than a 100 ms budget.
        let src = "package stance\ndeny contains msg if {\n  some a in numbers.range(1, 3000)\n  some b in numbers.range(1, 3000)\n  a * b < 0\n  msg := \"never\"\n}\n";
        let mut r = RegoPolicies::new();
        r.set_budget(Duration::from_millis(100));
        r.add_source("t.rego", src).unwrap();
        let started = std::time::Instant::now();
        let out = r.evaluate(&serde_json::json!({}));
        assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
        let e = out.expect_err("expected a time-limit error");
        assert!(e.message.contains("time limit") || e.message.contains("exceeded"), "{e}");
    }
}
