//! Typed models of GitHub Actions workflows and actions, read from the spanned
//! YAML tree. Every field keeps the [`Span`] it came from.

use crate::yaml::{NodeId, Span, Value};

/// A string with the span it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    /// The text.
    pub text: String,
    /// Where.
    pub span: Span,
}

impl Str {
    fn of(v: Value<'_>) -> Option<Str> {
        v.as_str().map(|s| Str { text: s.to_string(), span: v.span() })
    }
}

/// A key/value pair (`env:`, `with:`, `secrets:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kv {
    /// The key.
    pub key: String,
    /// The value as text (empty for non-scalars).
    pub value: String,
    /// The span of the whole value.
    pub span: Span,
    /// The span of the key.
    pub key_span: Span,
}

fn kvs(v: Option<Value<'_>>) -> Vec<Kv> {
    let Some(v) = v else { return Vec::new() };
    v.entries()
        .map(|(k, key, val)| Kv {
            key: k.to_string(),
            value: val.as_scalar().unwrap_or("").to_string(),
            span: val.span(),
            key_span: key.span(),
        })
        .collect()
}

/// Looks up a key in a list of pairs.
pub fn kv<'a>(list: &'a [Kv], key: &str) -> Option<&'a Kv> {
    list.iter().find(|k| k.key == key)
}

/// One event under `on:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    /// The event name (`pull_request_target`).
    pub event: String,
    /// Where it is named.
    pub span: Span,
    /// `types:` filter.
    pub types: Vec<String>,
    /// `branches:` filter, when present.
    pub branches: Option<Vec<String>>,
    /// `workflows:` of a `workflow_run` trigger.
    pub workflows: Vec<String>,
}

/// A `permissions:` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permissions {
    /// `read-all`.
    ReadAll(Span),
    /// `write-all`.
    WriteAll(Span),
    /// `{}` or a mapping of scopes to `read`/`write`/`none`.
    Scopes(Vec<(String, String)>, Span),
}

impl Permissions {
    fn read(v: Value<'_>) -> Option<Permissions> {
        if let Some(s) = v.as_str() {
            return match s {
                "read-all" => Some(Permissions::ReadAll(v.span())),
                "write-all" => Some(Permissions::WriteAll(v.span())),
                _ => None,
            };
        }
        if v.is_map() {
            let scopes =
                v.entries().map(|(k, _, val)| (k.to_string(), val.as_str().unwrap_or("").to_string()));
            return Some(Permissions::Scopes(scopes.collect(), v.span()));
        }
        None
    }

    /// The scopes granted `write`.
    pub fn writes(&self) -> Vec<String> {
        match self {
            Permissions::ReadAll(_) => vec![],
            Permissions::WriteAll(_) => vec!["*".into()],
            Permissions::Scopes(s, _) => {
                s.iter().filter(|(_, l)| l == "write").map(|(k, _)| k.clone()).collect()
            }
        }
    }

    /// The level granted to `scope`.
    pub fn level(&self, scope: &str) -> &str {
        match self {
            Permissions::ReadAll(_) => "read",
            Permissions::WriteAll(_) => "write",
            Permissions::Scopes(s, _) => {
                s.iter().find(|(k, _)| k == scope).map(|(_, l)| l.as_str()).unwrap_or("none")
            }
        }
    }

    /// Where the block is.
    pub fn span(&self) -> Span {
        match self {
            Permissions::ReadAll(s) | Permissions::WriteAll(s) | Permissions::Scopes(_, s) => *s,
        }
    }
}

/// The `runs-on:` of a job, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunsOn {
    /// One label or a list of labels (each may hold expressions).
    Labels(Vec<Str>, Span),
    /// The object form: `group:` and/or `labels:`.
    Group {
        /// Runner group.
        group: Option<Str>,
        /// Labels.
        labels: Vec<Str>,
        /// The whole value.
        span: Span,
    },
}

impl RunsOn {
    fn read(v: Value<'_>) -> Option<RunsOn> {
        if v.is_map() {
            let labels = v.get("labels").map(|l| strs(l)).unwrap_or_default();
            return Some(RunsOn::Group { group: v.get("group").and_then(Str::of), labels, span: v.span() });
        }
        let labels = strs(v);
        (!labels.is_empty()).then(|| RunsOn::Labels(labels, v.span()))
    }

    /// Where it is.
    pub fn span(&self) -> Span {
        match self {
            RunsOn::Labels(_, s) | RunsOn::Group { span: s, .. } => *s,
        }
    }
}

fn strs(v: Value<'_>) -> Vec<Str> {
    v.strings().into_iter().map(|(s, span)| Str { text: s.to_string(), span }).collect()
}

/// A job or service container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// The service name (`services.<name>`), or `container` for the job container.
    pub name: String,
    /// The image (the value itself when the short form is used).
    pub image: Option<Str>,
    /// `options:` (docker create flags).
    pub options: Option<Str>,
    /// `volumes:`.
    pub volumes: Vec<Str>,
    /// Whether `credentials:` are given.
    pub credentials: bool,
    /// The whole value.
    pub span: Span,
}

impl Container {
    fn read(name: &str, v: Value<'_>) -> Container {
        if let Some(image) = Str::of(v) {
            return Container {
                name: name.into(),
                image: Some(image),
                options: None,
                volumes: vec![],
                credentials: false,
                span: v.span(),
            };
        }
        Container {
            name: name.into(),
            image: v.get("image").and_then(Str::of),
            options: v.get("options").and_then(Str::of),
            volumes: v.get("volumes").map(strs).unwrap_or_default(),
            credentials: v.get("credentials").is_some(),
            span: v.span(),
        }
    }
}

/// One step of a job or composite action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// 0-based index.
    pub index: usize,
    /// `id:`.
    pub id: Option<String>,
    /// `name:`.
    pub name: Option<String>,
    /// `uses:`.
    pub uses: Option<Str>,
    /// `run:`.
    pub run: Option<Str>,
    /// `shell:`.
    pub shell: Option<String>,
    /// `with:`.
    pub with: Vec<Kv>,
    /// `env:`.
    pub env: Vec<Kv>,
    /// `if:`.
    pub if_cond: Option<Str>,
    /// The whole step.
    pub span: Span,
}

impl Step {
    fn read(index: usize, v: Value<'_>) -> Step {
        Step {
            index,
            id: v.get_str("id").map(String::from),
            name: v.get_str("name").map(String::from),
            uses: v.get("uses").and_then(Str::of),
            run: v.get("run").and_then(Str::of),
            shell: v.get_str("shell").map(String::from),
            with: kvs(v.get("with")),
            env: kvs(v.get("env")),
            if_cond: v.get("if").and_then(Str::of),
            span: v.span(),
        }
    }

    /// The action reference split as (`owner/repo[/path]`, `ref`), for remote actions.
    pub fn action(&self) -> Option<(&str, Option<&str>)> {
        let u = self.uses.as_ref()?.text.as_str();
        if u.starts_with("./") || u.starts_with("docker://") {
            return None;
        }
        Some(match u.split_once('@') {
            Some((a, r)) => (a, Some(r)),
            None => (u, None),
        })
    }

    /// Whether the step uses `owner/repo` (any path, any ref), case-insensitively.
    pub fn uses_action(&self, name: &str) -> bool {
        self.action().is_some_and(|(a, _)| action_is(a, name))
    }

    /// The step for messages: ``step `name` ``, ``step `action@ref` ``, or
    /// ``step N (`first line of the script`)``.
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return format!("step `{n}`");
        }
        if let Some(u) = &self.uses {
            return format!("step `{}`", u.text);
        }
        let n = self.index + 1;
        match self.run.as_ref().and_then(|r| r.text.lines().map(str::trim).find(|l| !l.is_empty())) {
            Some(line) if line.chars().count() > 40 => {
                format!("step {n} (`{}…`)", line.chars().take(40).collect::<String>())
            }
            Some(line) => format!("step {n} (`{line}`)"),
            None => format!("step {n}"),
        }
    }
}

/// Whether the action `a` (`owner/repo[/path]`, no ref) is `name` (`owner/repo`), any path,
/// case-insensitively.
pub fn action_is(a: &str, name: &str) -> bool {
    a.eq_ignore_ascii_case(name)
        || (a.len() > name.len()
            && a.as_bytes()[name.len()] == b'/'
            && a[..name.len()].eq_ignore_ascii_case(name))
}

/// A strategy matrix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matrix {
    /// The dimensions and their values (each value as JSON).
    pub dims: Vec<(String, Vec<serde_json::Value>)>,
    /// `include:` entries.
    pub include: Vec<Vec<(String, serde_json::Value)>>,
    /// `exclude:` entries.
    pub exclude: Vec<Vec<(String, serde_json::Value)>>,
    /// The matrix (or a dimension) is an expression: its text.
    pub dynamic: Option<String>,
}

/// Converts a YAML node to JSON (scalars as strings), bounded by the parse limits.
pub fn to_json(v: Value<'_>) -> serde_json::Value {
    if let Some(s) = v.as_scalar() {
        return if v.is_null() { serde_json::Value::Null } else { serde_json::Value::String(s.to_string()) };
    }
    if v.is_seq() {
        return serde_json::Value::Array(v.items().map(to_json).collect());
    }
    serde_json::Value::Object(v.entries().map(|(k, _, val)| (k.to_string(), to_json(val))).collect())
}

impl Matrix {
    fn read(v: Value<'_>) -> Matrix {
        let mut m = Matrix::default();
        if let Some(s) = v.as_str() {
            m.dynamic = Some(s.to_string());
            return m;
        }
        for (k, _, val) in v.entries() {
            match k {
                "include" | "exclude" => {
                    if let Some(s) = val.as_str() {
                        m.dynamic = Some(s.to_string());
                        continue;
                    }
                    let rows = val
                        .items()
                        .map(|row| row.entries().map(|(k, _, v)| (k.to_string(), to_json(v))).collect())
                        .collect();
                    if k == "include" { m.include = rows } else { m.exclude = rows }
                }
                _ => {
                    if let Some(s) = val.as_str() {
                        m.dynamic.get_or_insert_with(|| s.to_string());
                        m.dims.push((k.to_string(), vec![]));
                    } else {
                        m.dims.push((k.to_string(), val.items().map(to_json).collect()));
                    }
                }
            }
        }
        m
    }

    /// The values a matrix key can take after include/exclude (bounded), or
    /// `None` when the key is not statically known.
    pub fn values(&self, key: &str) -> Option<Vec<serde_json::Value>> {
        if let Some((_, vals)) = self.dims.iter().find(|(k, _)| k == key) {
            if vals.is_empty() {
                return None;
            }
            let mut out: Vec<serde_json::Value> = Vec::new();
            for v in vals {
                // Drop a value only when an exclude row names nothing but this key.
                let excluded =
                    self.exclude.iter().any(|row| row.len() == 1 && row[0].0 == key && &row[0].1 == v);
                if !excluded && !out.contains(v) {
                    out.push(v.clone());
                }
            }
            for row in &self.include {
                if let Some((_, v)) = row.iter().find(|(k, _)| k == key)
                    && !out.contains(v)
                {
                    out.push(v.clone());
                }
            }
            return Some(out);
        }
        let from_include: Vec<serde_json::Value> = self
            .include
            .iter()
            .filter_map(|row| row.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
            .collect();
        if !from_include.is_empty() && self.dynamic.is_none() {
            return Some(from_include);
        }
        None
    }
}

/// One job of a workflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The job id (its key under `jobs:`).
    pub id: String,
    /// Where the id is written.
    pub id_span: Span,
    /// The whole job.
    pub span: Span,
    /// `name:`.
    pub name: Option<String>,
    /// `runs-on:`.
    pub runs_on: Option<RunsOn>,
    /// `container:`.
    pub container: Option<Container>,
    /// `services:`.
    pub services: Vec<Container>,
    /// `steps:`.
    pub steps: Vec<Step>,
    /// `uses:` (a reusable workflow call).
    pub uses: Option<Str>,
    /// `with:` of a reusable workflow call.
    pub with: Vec<Kv>,
    /// `secrets: inherit`.
    pub secrets_inherit: Option<Span>,
    /// Secrets passed explicitly to a reusable workflow.
    pub secrets: Vec<Kv>,
    /// `permissions:`.
    pub permissions: Option<Permissions>,
    /// `environment:` (name or `name:` of the mapping form).
    pub environment: Option<Str>,
    /// `env:`.
    pub env: Vec<Kv>,
    /// `strategy.matrix`.
    pub matrix: Option<Matrix>,
    /// `if:`.
    pub if_cond: Option<Str>,
    /// The job's node in the file's YAML tree.
    pub node: NodeId,
}

impl Job {
    fn read(id: &str, key: Value<'_>, v: Value<'_>) -> Job {
        let secrets = v.get("secrets");
        let secrets_inherit = secrets.filter(|s| s.as_str() == Some("inherit")).map(|s| s.span());
        let environment =
            v.get("environment").and_then(|e| Str::of(e).or_else(|| e.get("name").and_then(Str::of)));
        Job {
            id: id.to_string(),
            id_span: key.span(),
            span: v.span(),
            name: v.get_str("name").map(String::from),
            runs_on: v.get("runs-on").and_then(RunsOn::read),
            container: v.get("container").filter(|c| !c.is_null()).map(|c| Container::read("container", c)),
            services: v
                .get("services")
                .map(|s| s.entries().map(|(k, _, val)| Container::read(k, val)).collect())
                .unwrap_or_default(),
            steps: v
                .get("steps")
                .map(|s| s.items().enumerate().map(|(i, st)| Step::read(i, st)).collect())
                .unwrap_or_default(),
            uses: v.get("uses").and_then(Str::of),
            with: kvs(v.get("with")),
            secrets_inherit,
            secrets: if secrets_inherit.is_some() { vec![] } else { kvs(secrets) },
            permissions: v.get("permissions").and_then(Permissions::read),
            environment,
            env: kvs(v.get("env")),
            matrix: v.get("strategy").and_then(|s| s.get("matrix")).map(Matrix::read),
            if_cond: v.get("if").and_then(Str::of),
            node: v.id(),
        }
    }

    /// The name shown in messages: `id` or `id (name)`.
    pub fn label(&self) -> String {
        self.id.clone()
    }
}

/// A workflow file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workflow {
    /// `name:`.
    pub name: Option<String>,
    /// The events under `on:`.
    pub triggers: Vec<Trigger>,
    /// Where `on:` is.
    pub on_span: Span,
    /// Workflow-level `permissions:`.
    pub permissions: Option<Permissions>,
    /// Workflow-level `env:`.
    pub env: Vec<Kv>,
    /// Inputs declared for `workflow_call`, with their defaults.
    pub call_inputs: Vec<(String, Option<String>)>,
    /// The jobs.
    pub jobs: Vec<Job>,
}

/// Why a document is not a workflow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A required key is missing.
    #[error("not a GitHub Actions workflow: no `{0}` key")]
    Missing(&'static str),
    /// The document is not a mapping.
    #[error("the document is not a mapping")]
    NotAMap,
}

impl Workflow {
    /// Reads a workflow from a document root.
    pub fn read(root: Value<'_>) -> Result<Workflow, ModelError> {
        if !root.is_map() {
            return Err(ModelError::NotAMap);
        }
        // YAML 1.1 parsers read a bare `on` key as `true`; GitHub accepts both spellings.
        let on_key = root.key_node("on").or_else(|| root.key_node("true"));
        let on = root.get("on").or_else(|| root.get("true")).ok_or(ModelError::Missing("on"))?;
        let jobs = root.get("jobs").ok_or(ModelError::Missing("jobs"))?;
        let mut triggers = Vec::new();
        if on.is_map() {
            for (event, key, val) in on.entries() {
                let list = |k: &str| {
                    val.get(k).map(|x| x.strings().into_iter().map(|(s, _)| s.to_string()).collect())
                };
                triggers.push(Trigger {
                    event: event.to_string(),
                    span: key.span(),
                    types: list("types").unwrap_or_default(),
                    branches: list("branches"),
                    workflows: list("workflows").unwrap_or_default(),
                });
            }
        } else {
            for (event, span) in on.strings() {
                triggers.push(Trigger {
                    event: event.to_string(),
                    span,
                    types: vec![],
                    branches: None,
                    workflows: vec![],
                });
            }
        }
        let call_inputs = on
            .get("workflow_call")
            .and_then(|c| c.get("inputs"))
            .map(|i| {
                i.entries()
                    .map(|(k, _, v)| {
                        (k.to_string(), v.get("default").and_then(|d| d.as_str()).map(String::from))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Workflow {
            name: root.get_str("name").map(String::from),
            triggers,
            on_span: on_key.map(|k| k.span()).unwrap_or_else(|| on.span()),
            permissions: root.get("permissions").and_then(Permissions::read),
            env: kvs(root.get("env")),
            call_inputs,
            jobs: jobs.entries().map(|(id, key, v)| Job::read(id, key, v)).collect(),
        })
    }

    /// The trigger named `event`.
    pub fn trigger(&self, event: &str) -> Option<&Trigger> {
        self.triggers.iter().find(|t| t.event == event)
    }

    /// The job with `id`.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }
}

/// An action (`action.yml`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// `name:`.
    pub name: Option<String>,
    /// `runs.using` (`composite`, `docker`, `node20`, …).
    pub using: String,
    /// Where `runs:` is.
    pub runs_span: Span,
    /// Steps of a composite action.
    pub steps: Vec<Step>,
    /// `runs.image` of a Docker action.
    pub image: Option<Str>,
    /// Declared input names.
    pub inputs: Vec<String>,
}

impl Action {
    /// Reads an action from a document root.
    pub fn read(root: Value<'_>) -> Result<Action, ModelError> {
        if !root.is_map() {
            return Err(ModelError::NotAMap);
        }
        let runs = root.get("runs").ok_or(ModelError::Missing("runs"))?;
        Ok(Action {
            name: root.get_str("name").map(String::from),
            using: runs.get_str("using").unwrap_or("").to_string(),
            runs_span: runs.span(),
            steps: runs
                .get("steps")
                .map(|s| s.items().enumerate().map(|(i, st)| Step::read(i, st)).collect())
                .unwrap_or_default(),
            image: runs.get("image").and_then(Str::of),
            inputs: root
                .get("inputs")
                .map(|i| i.entries().map(|(k, _, _)| k.to_string()).collect())
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Yaml};

    #[test]
    fn reads_a_workflow() {
        let y = Yaml::parse(
            "on:\n  pull_request_target:\n    types: [labeled]\n  push:\n    branches: ['**']\npermissions: {contents: read}\njobs:\n  build:\n    runs-on: [self-hosted, gpu]\n    container:\n      image: ubuntu:latest\n      options: --privileged\n    strategy:\n      matrix:\n        os: [a, b]\n        include: [{os: c}]\n        exclude: [{os: a}]\n    steps:\n      - uses: actions/checkout@v4\n        with: {ref: x}\n      - run: make\n",
            &Limits::default(),
        )
        .unwrap();
        let wf = Workflow::read(y.root().unwrap()).unwrap();
        assert_eq!(wf.triggers.len(), 2);
        assert_eq!(wf.trigger("pull_request_target").unwrap().types, ["labeled"]);
        assert_eq!(wf.trigger("push").unwrap().branches.as_deref(), Some(&["**".to_string()][..]));
        let job = &wf.jobs[0];
        assert!(matches!(&job.runs_on, Some(RunsOn::Labels(l, _)) if l.len() == 2));
        assert_eq!(job.container.as_ref().unwrap().options.as_ref().unwrap().text, "--privileged");
        assert_eq!(job.steps[0].action(), Some(("actions/checkout", Some("v4"))));
        assert!(job.steps[0].uses_action("actions/checkout"));
        assert_eq!(job.steps[0].label(), "step `actions/checkout@v4`");
        assert_eq!(job.steps[1].label(), "step 2 (`make`)");
        let vals = job.matrix.as_ref().unwrap().values("os").unwrap();
        assert_eq!(vals, [serde_json::json!("b"), serde_json::json!("c")]);
        assert_eq!(wf.permissions.as_ref().unwrap().level("contents"), "read");
    }

    #[test]
    fn reads_a_composite_action() {
        let y = Yaml::parse("name: x\ninputs: {token: {}}\nruns:\n  using: composite\n  steps:\n    - run: echo\n      shell: bash\n", &Limits::default()).unwrap();
        let a = Action::read(y.root().unwrap()).unwrap();
        assert_eq!(a.using, "composite");
        assert_eq!(a.steps.len(), 1);
        assert_eq!(a.inputs, ["token"]);
    }
}
