//! A typed model of GitLab CI configuration (`.gitlab-ci.yml` and its local
//! includes): jobs with `extends:` and `default:` applied, each field with its span.

use crate::github::{Kv, Str};
use crate::yaml::{NodeId, Span, Value};

/// Top-level keys that are not jobs.
const RESERVED: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
    "types",
    "pages:deploy",
];

/// A service of a job (`services:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// The image name.
    pub name: Str,
    /// `command:` (joined), when given.
    pub command: Option<String>,
    /// `alias:`, when given.
    pub alias: Option<String>,
}

/// One script line with its span.
pub type Line = Str;

/// One GitLab job, with `extends:` and `default:` applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlJob {
    /// The job name.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// The whole job.
    pub span: Span,
    /// `tags:` (empty when absent), and where they were written.
    pub tags: Vec<Str>,
    /// `image:`.
    pub image: Option<Str>,
    /// `services:`.
    pub services: Vec<Service>,
    /// `variables:`.
    pub variables: Vec<Kv>,
    /// `environment:` name.
    pub environment: Option<Str>,
    /// `before_script`, `script` and `after_script` lines.
    pub script: Vec<Line>,
    /// The text of `rules:`/`only:`/`except:` conditions, for trigger analysis.
    pub conditions: Vec<Str>,
    /// `id_tokens:` names (OIDC).
    pub id_tokens: Vec<String>,
    /// `secrets:` names (external secret managers).
    pub secrets: Vec<String>,
    /// `release:` is present.
    pub release: bool,
    /// `trigger:` (a downstream pipeline; runs on no runner).
    pub trigger: bool,
    /// The job's node in the file's YAML tree.
    pub node: NodeId,
}

/// A GitLab CI file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pipeline {
    /// Local includes (`include: local:` or bare paths), with spans.
    pub includes: Vec<Str>,
    /// The jobs (hidden `.template` jobs are not included).
    pub jobs: Vec<GlJob>,
    /// `workflow: rules:` conditions.
    pub workflow_conditions: Vec<Str>,
    /// Top-level / default `tags:`.
    pub default_tags: Vec<Str>,
}

fn str_of(v: Value<'_>) -> Option<Str> {
    v.as_str().map(|s| Str { text: s.to_string(), span: v.span() })
}

fn lines(v: Option<Value<'_>>, out: &mut Vec<Line>) {
    let Some(v) = v else { return };
    if let Some(s) = str_of(v) {
        out.push(s);
        return;
    }
    for item in v.items() {
        if item.is_seq() {
            // Nested lists are flattened by GitLab (anchors of script lists).
            lines(Some(item), out);
        } else if let Some(s) = str_of(item) {
            out.push(s);
        }
    }
}

fn conditions(v: Value<'_>, out: &mut Vec<Str>) {
    v.for_each_scalar(&mut |node, text| {
        out.push(Str { text: text.to_string(), span: node.span() });
    });
}

/// Looks up a key in a job, following `extends:` (bounded) and then `default:`.
struct Resolver<'a> {
    root: Value<'a>,
    extra: &'a [Value<'a>],
}

impl<'a> Resolver<'a> {
    fn template(&self, name: &str) -> Option<Value<'a>> {
        self.root.get(name).or_else(|| self.extra.iter().find_map(|r| r.get(name)))
    }

    fn lookup(&self, job: Value<'a>, key: &str, depth: usize) -> Option<Value<'a>> {
        if let Some(v) = job.get(key) {
            return Some(v);
        }
        if depth > 10 {
            return None;
        }
        let parents: Vec<&str> =
            job.get("extends").map(|e| e.strings().into_iter().map(|(s, _)| s).collect()).unwrap_or_default();
        // Later entries of `extends` win, so search them first.
        for p in parents.iter().rev() {
            if let Some(t) = self.template(p)
                && let Some(v) = self.lookup(t, key, depth + 1)
            {
                return Some(v);
            }
        }
        None
    }

    fn get(&self, job: Value<'a>, key: &str, inheritable: bool) -> Option<Value<'a>> {
        self.lookup(job, key, 0).or_else(|| {
            if !inheritable {
                return None;
            }
            // `default:` of this file, else of the including file (passed in `extra`).
            let from_default = self
                .root
                .get("default")
                .and_then(|d| d.get(key))
                .or_else(|| self.extra.iter().find_map(|r| r.get("default").and_then(|d| d.get(key))));
            from_default.or_else(|| {
                matches!(key, "image" | "services" | "before_script" | "after_script")
                    .then(|| self.root.get(key))
                    .flatten()
            })
        })
    }
}

/// The document holding the configuration: the second one when the first is a
/// `spec:` header (GitLab CI/CD inputs), else the first.
pub fn main_document(yaml: &crate::yaml::Yaml) -> Option<Value<'_>> {
    let first = yaml.root()?;
    if first.get("spec").is_some()
        && let Some(second) = yaml.documents().nth(1)
    {
        return Some(second);
    }
    Some(first)
}

/// The local `include:` entries of a GitLab CI document (remote URLs left out), without
/// reading its jobs.
pub fn local_includes(root: Value<'_>) -> Vec<Str> {
    let mut out = Vec::new();
    if let Some(inc) = root.get("include") {
        let items: Vec<Value<'_>> = if inc.is_seq() { inc.items().collect() } else { vec![inc] };
        for item in items {
            if let Some(s) = str_of(item) {
                if !s.text.contains("://") {
                    out.push(s);
                }
            } else if let Some(l) = item.get("local").and_then(str_of) {
                out.push(l);
            }
        }
    }
    out
}

impl Pipeline {
    /// Reads a GitLab CI document. `extra` are the roots of included files, for `extends:`.
    pub fn read(root: Value<'_>, extra: &[Value<'_>]) -> Pipeline {
        let mut p = Pipeline::default();
        if !root.is_map() {
            return p;
        }
        p.includes = local_includes(root);
        if let Some(w) = root.get("workflow").and_then(|w| w.get("rules")) {
            conditions(w, &mut p.workflow_conditions);
        }
        if let Some(t) = root.get("default").and_then(|d| d.get("tags")) {
            p.default_tags = t.strings().into_iter().map(|(s, span)| Str { text: s.into(), span }).collect();
        }
        let r = Resolver { root, extra };
        for (name, key, job) in root.entries() {
            if RESERVED.contains(&name) || name.starts_with('.') || !job.is_map() {
                continue;
            }
            // A mapping without any job keyword is not a job (e.g. a custom top-level key).
            let is_job = ["script", "trigger", "extends", "run", "stage", "image", "tags"]
                .iter()
                .any(|k| job.get(k).is_some());
            if !is_job {
                continue;
            }
            let mut script = Vec::new();
            for k in ["before_script", "script", "after_script"] {
                lines(r.get(job, k, true), &mut script);
            }
            let mut conds = Vec::new();
            for k in ["rules", "only", "except"] {
                if let Some(v) = r.get(job, k, false) {
                    conditions(v, &mut conds);
                }
            }
            let services = r
                .get(job, "services", true)
                .map(|s| {
                    s.items()
                        .filter_map(|it| {
                            if let Some(n) = str_of(it) {
                                return Some(Service { name: n, command: None, alias: None });
                            }
                            let name = it.get("name").and_then(str_of)?;
                            let command = it.get("command").map(|c| {
                                c.strings().into_iter().map(|(s, _)| s).collect::<Vec<_>>().join(" ")
                            });
                            Some(Service { name, command, alias: it.get_str("alias").map(String::from) })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let image =
                r.get(job, "image", true).and_then(|i| str_of(i).or_else(|| i.get("name").and_then(str_of)));
            let tags = r
                .get(job, "tags", true)
                .map(|t| t.strings().into_iter().map(|(s, span)| Str { text: s.into(), span }).collect())
                .unwrap_or_default();
            let environment = r
                .get(job, "environment", false)
                .and_then(|e| str_of(e).or_else(|| e.get("name").and_then(str_of)));
            let variables = r
                .get(job, "variables", false)
                .map(|v| {
                    v.entries()
                        .map(|(k, key, val)| Kv {
                            key: k.into(),
                            value: val.as_scalar().or_else(|| val.get_str("value")).unwrap_or("").into(),
                            span: val.span(),
                            key_span: key.span(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let names = |k: &str| -> Vec<String> {
                r.get(job, k, k == "id_tokens")
                    .map(|v| v.entries().map(|(k, _, _)| k.to_string()).collect())
                    .unwrap_or_default()
            };
            p.jobs.push(GlJob {
                name: name.to_string(),
                name_span: key.span(),
                span: job.span(),
                tags,
                image,
                services,
                variables,
                environment,
                script,
                conditions: conds,
                id_tokens: names("id_tokens"),
                secrets: names("secrets"),
                release: r.get(job, "release", false).is_some(),
                trigger: r.get(job, "trigger", false).is_some(),
                node: job.id(),
            });
        }
        p
    }

    /// Whether the content looks like GitLab CI (for files named on the command line).
    pub fn looks_like(root: Value<'_>) -> bool {
        // GitLab's `stages` is a list of names (Azure Pipelines' is a list of mappings),
        // and jobs are top-level mappings with `script`/`extends`/`trigger`.
        let stage_names =
            root.get("stages").is_some_and(|s| s.is_seq() && s.items().all(|i| i.as_str().is_some()));
        root.is_map()
            && (stage_names
                || root.get("include").is_some()
                || root.entries().any(|(_, _, v)| {
                    v.is_map()
                        && (v.get("script").is_some()
                            || v.get("extends").is_some()
                            || v.get("trigger").is_some())
                }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Yaml};

    #[test]
    fn reads_jobs_with_extends_and_default() {
        let y = Yaml::parse(
            "default:\n  tags: [shared]\n  image: alpine\n.base:\n  tags: [gpu]\n  services: [docker:dind]\nbuild:\n  extends: .base\n  script: [make]\ntest:\n  script:\n    - make test\n  environment: production\ninclude:\n  - local: ci/more.yml\n  - remote: https://x/y.yml\n",
            &Limits::default(),
        )
        .unwrap();
        let p = Pipeline::read(y.root().unwrap(), &[]);
        assert_eq!(p.jobs.len(), 2);
        let build = &p.jobs[0];
        assert_eq!(build.tags[0].text, "gpu");
        assert_eq!(build.services[0].name.text, "docker:dind");
        assert_eq!(build.image.as_ref().unwrap().text, "alpine");
        let test = &p.jobs[1];
        assert_eq!(test.tags[0].text, "shared");
        assert_eq!(test.environment.as_ref().unwrap().text, "production");
        assert_eq!(p.includes.len(), 1);
    }
}
