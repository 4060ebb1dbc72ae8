//! Repository-wide analysis: which events reach each job (following local
//! reusable workflows from their callers), which runners each job can land on,
//! what it can reach, and whether it runs untrusted code.

use std::collections::HashMap;

use stance_core::model::Tier;

use crate::expr::{self, Eval, Val};
use crate::github::{Job, RunsOn, Workflow};
use crate::privileges::{self, EventClass, JobPrivileges, TriggerTrust};
use crate::runner::{Knowledge, Runner, RunnerKind};
use crate::source::Source;
use crate::yaml::{Span, Yaml};

/// What a scanned file holds.
#[derive(Clone, Debug)]
pub enum Model {
    /// A GitHub Actions workflow.
    Workflow(Workflow),
    /// A GitHub action (`action.yml`).
    Action(crate::github::Action),
    /// A GitLab CI file.
    Gitlab(crate::gitlab::Pipeline),
    /// A file read for context only (`.github/actionlint.yaml`).
    Context,
}

/// One parsed input file.
#[derive(Clone, Debug)]
pub struct File {
    /// Text, path, ignores.
    pub source: Source,
    /// The YAML tree.
    pub yaml: Yaml,
    /// The typed model.
    pub model: Model,
}

/// A job of a workflow file: (file index, job index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobRef {
    /// Index into the files.
    pub file: usize,
    /// Index into the workflow's jobs.
    pub job: usize,
}

/// An event that reaches a job, directly or through a caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRef {
    /// The event name.
    pub event: String,
    /// The caller chain, nearest first (empty for the workflow's own triggers).
    pub via: Vec<JobRef>,
}

/// Where a runner choice is written (the callee's `runs-on`, or the caller's `with:` value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub file: usize,
    /// The span.
    pub span: Span,
    /// The route in that file.
    pub route: String,
}

/// `runs-on` that is (partly) an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunnerExpr {
    /// The expression text.
    pub text: String,
    /// Where it is.
    pub origin: Origin,
    /// The context paths that keep it unknown (`github.event.client_payload.agentSpec`).
    pub unresolved: Vec<String>,
    /// Paths it reads from callers' inputs.
    pub inputs: Vec<String>,
}

/// An untrusted checkout found in a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The step index.
    pub step: usize,
    /// The span of the offending value (or the step).
    pub span: Span,
    /// What it checks out.
    pub what: String,
    /// The first later step that executes code from the checkout, if any.
    pub executed_by: Option<usize>,
    /// The event (of the job's events) under which it happens.
    pub event: String,
}

/// Everything known about one workflow job.
#[derive(Clone, Debug)]
pub struct JobFacts {
    /// The job.
    pub at: JobRef,
    /// Events that reach it (after `if:` event filters).
    pub events: Vec<EventRef>,
    /// The workflow is only called from outside this repository (events unknown).
    pub external_callers: bool,
    /// Possible runners, with where each was chosen.
    pub runners: Vec<(Runner, Origin)>,
    /// `runs-on` expressions, when any.
    pub runner_exprs: Vec<RunnerExpr>,
    /// What it can reach.
    pub privileges: JobPrivileges,
    /// A condition keeps fork pull requests out.
    pub fork_excluded: bool,
    /// A maintainer gate on the job, if any.
    pub gate: Option<&'static str>,
    /// An untrusted checkout under a privileged event.
    pub untrusted_checkout: Option<Checkout>,
    /// The job tier.
    pub tier: Tier,
}

impl JobFacts {
    /// The fork-code events that reach the job (none when forks are excluded).
    pub fn fork_events(&self) -> Vec<&EventRef> {
        if self.fork_excluded {
            return vec![];
        }
        self.events.iter().filter(|e| privileges::event_class(&e.event) == EventClass::ForkCode).collect()
    }

    /// The outsider-triggered privileged events that reach the job.
    pub fn outsider_events(&self) -> Vec<&EventRef> {
        self.events.iter().filter(|e| privileges::event_class(&e.event) == EventClass::Outsider).collect()
    }

    /// Whether untrusted parties can start the job (fork code or outsider events).
    pub fn untrusted_reachable(&self) -> bool {
        !self.fork_events().is_empty() || !self.outsider_events().is_empty()
    }

    /// Whether the job runs untrusted code (fork PR code, or an untrusted checkout).
    pub fn runs_untrusted_code(&self) -> bool {
        !self.fork_events().is_empty() || self.untrusted_checkout.is_some()
    }

    /// Whether any of its runners is self-hosted.
    pub fn on_self_hosted(&self) -> bool {
        self.runners.iter().any(|(r, _)| r.self_hosted())
    }

    /// Distinct event names.
    pub fn event_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.events.iter().map(|e| e.event.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The repository being scanned.
#[derive(Debug)]
pub struct Repo<'a> {
    /// Every parsed file.
    pub files: &'a [File],
    /// Classification knowledge.
    pub kb: &'a Knowledge<'a>,
    /// Facts per workflow job.
    pub jobs: HashMap<JobRef, JobFacts>,
    /// Workflow jobs in file order.
    pub order: Vec<JobRef>,
    /// A job that runs in the default branch's cache scope while outsiders control its
    /// code: an untrusted checkout, or a pull_request_target job that hands pull request
    /// data to third-party or local actions or interpolates it into scripts.
    pub cache_poisoner: Option<JobRef>,
}

impl<'a> Repo<'a> {
    /// The source `span` was read from: every span names its file, so a value
    /// reached through another file is shown where it is written.
    pub fn source_of(&self, span: Span) -> &'a Source {
        static NONE: std::sync::OnceLock<Source> = std::sync::OnceLock::new();
        // Files are kept in increasing id order (an id is the input's index).
        match self.files.binary_search_by_key(&span.file, |f| f.source.file) {
            Ok(i) => &self.files[i].source,
            // Spans come from this scan's trees; an index outside it is a bug, shown as no file.
            Err(_) => NONE.get_or_init(|| Source::new("", String::new())),
        }
    }

    /// Analyses every workflow job of `files` (on up to `threads` threads).
    pub fn analyse(files: &'a [File], kb: &'a Knowledge<'a>, threads: usize) -> Repo<'a> {
        let mut repo = Repo { files, kb, jobs: HashMap::new(), order: Vec::new(), cache_poisoner: None };
        let callers = repo.callers();
        for (fi, f) in files.iter().enumerate() {
            let Model::Workflow(wf) = &f.model else { continue };
            repo.order.extend((0..wf.jobs.len()).map(|ji| JobRef { file: fi, job: ji }));
        }
        let facts = crate::parallel(&repo.order, threads, |at| repo.job_facts(*at, &callers));
        for (at, facts) in repo.order.clone().into_iter().zip(facts) {
            if repo.cache_poisoner.is_none()
                && (facts.untrusted_checkout.is_some()
                    || (facts.events.iter().any(|e| e.event == "pull_request_target")
                        && !facts.fork_excluded
                        && repo.job(at).is_some_and(handles_pull_request_data)))
            {
                repo.cache_poisoner = Some(at);
            }
            repo.jobs.insert(at, facts);
        }
        repo
    }

    /// The workflow of a file.
    pub fn workflow(&self, file: usize) -> Option<&'a Workflow> {
        match &self.files.get(file)?.model {
            Model::Workflow(w) => Some(w),
            _ => None,
        }
    }

    /// The job model of a job reference.
    pub fn job(&self, at: JobRef) -> Option<&'a Job> {
        self.workflow(at.file)?.jobs.get(at.job)
    }

    /// The file index a local `uses: ./.github/workflows/x.yml` names.
    pub fn resolve_local(&self, uses: &str) -> Option<usize> {
        let want = uses.trim_start_matches("./");
        let want = want.split('@').next().unwrap_or(want);
        self.files.iter().position(|f| {
            let p = f.source.path.as_str();
            matches!(f.model, Model::Workflow(_))
                && (p == want
                    || (p.ends_with(want) && p.as_bytes().get(p.len() - want.len() - 1) == Some(&b'/')))
        })
    }

    /// For every workflow file, the jobs in this repository that call it.
    fn callers(&self) -> HashMap<usize, Vec<JobRef>> {
        let mut map: HashMap<usize, Vec<JobRef>> = HashMap::new();
        for (fi, f) in self.files.iter().enumerate() {
            let Model::Workflow(wf) = &f.model else { continue };
            for (ji, job) in wf.jobs.iter().enumerate() {
                if let Some(u) = &job.uses
                    && u.text.starts_with("./")
                    && let Some(target) = self.resolve_local(&u.text)
                {
                    map.entry(target).or_default().push(JobRef { file: fi, job: ji });
                }
            }
        }
        map
    }

    /// The events reaching a job (own triggers and callers', bounded depth), and whether
    /// some callers are outside the repository.
    fn events_of(
        &self,
        at: JobRef,
        callers: &HashMap<usize, Vec<JobRef>>,
        depth: usize,
    ) -> (Vec<EventRef>, bool) {
        let Some(wf) = self.workflow(at.file) else { return (vec![], false) };
        let Some(job) = wf.jobs.get(at.job) else { return (vec![], false) };
        let mut events: Vec<EventRef> = Vec::new();
        let mut external = false;
        for t in &wf.triggers {
            if t.event == "workflow_call" {
                match callers.get(&at.file) {
                    Some(list) if depth < 5 => {
                        for c in list {
                            let (ev, ext) = self.events_of(*c, callers, depth + 1);
                            external |= ext;
                            for mut e in ev {
                                e.via.insert(0, *c);
                                events.push(e);
                            }
                        }
                    }
                    _ => external = true,
                }
            } else {
                events.push(EventRef { event: t.event.clone(), via: vec![] });
            }
        }
        if let Some(cond) = &job.if_cond
            && let Some(allowed) = privileges::event_filter(&cond.text)
        {
            events.retain(|e| allowed.contains(&e.event));
        }
        (events, external)
    }

    fn job_facts(&self, at: JobRef, callers: &HashMap<usize, Vec<JobRef>>) -> JobFacts {
        let file = &self.files[at.file];
        let wf = self.workflow(at.file).expect("job_facts is called for workflow files only");
        let job = &wf.jobs[at.job];
        let (events, external_callers) = self.events_of(at, callers, 0);
        let mut privileges = privileges::job_privileges(&file.yaml, wf, job, &file.source.text);
        // A called workflow only has the secrets its callers pass.
        let direct_callers = callers.get(&at.file).cloned().unwrap_or_default();
        let called = wf.trigger("workflow_call").is_some();
        if called && !direct_callers.is_empty() {
            let mut inherit = false;
            let mut passed = false;
            for c in &direct_callers {
                if let Some(cj) = self.job(*c) {
                    inherit |= cj.secrets_inherit.is_some();
                    passed |= !cj.secrets.is_empty();
                }
            }
            if inherit {
                privileges.inherits_secrets = true;
            } else if !passed && !privileges.secrets.is_empty() && wf.triggers.len() == 1 {
                // No caller passes secrets, so the names read here are empty at run time.
                privileges.secrets.clear();
            }
        }
        let fork_excluded = job.if_cond.as_ref().is_some_and(|c| privileges::excludes_forks(&c.text));
        let gate = job.if_cond.as_ref().and_then(|c| privileges::maintainer_gate(&c.text)).or_else(|| {
            events
                .iter()
                .find_map(|e| e.via.first())
                .and_then(|c| self.job(*c))
                .and_then(|cj| cj.if_cond.as_ref())
                .and_then(|c| privileges::maintainer_gate(&c.text))
        });
        let event_names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        let untrusted_checkout = untrusted_checkout(job, &event_names);
        let (runners, runner_exprs) = self.runners_of(at, job, wf, &events, callers);
        let trust = if (!fork_excluded
            && event_names.iter().any(|e| privileges::event_class(e) == EventClass::ForkCode))
            || untrusted_checkout.is_some()
        {
            TriggerTrust::UntrustedCode
        } else {
            TriggerTrust::Trusted
        };
        let tier = privileges::infer_tier(&privileges, trust);
        JobFacts {
            at,
            events,
            external_callers,
            runners,
            runner_exprs,
            privileges,
            fork_excluded,
            gate,
            untrusted_checkout,
            tier,
        }
    }

    /// The possible runners of a job: its `runs-on` evaluated with its matrix and,
    /// for called workflows, each caller's inputs.
    fn runners_of(
        &self,
        at: JobRef,
        job: &Job,
        wf: &Workflow,
        _events: &[EventRef],
        callers: &HashMap<usize, Vec<JobRef>>,
    ) -> (Vec<(Runner, Origin)>, Vec<RunnerExpr>) {
        let mut runners: Vec<(Runner, Origin)> = Vec::new();
        let mut exprs = Vec::new();
        let Some(runs_on) = &job.runs_on else { return (runners, exprs) };
        let route = format!("jobs.{}.runs-on", job.id);
        let own = Origin { file: at.file, span: runs_on.span(), route: route.clone() };
        // Each caller gives one set of input values; a workflow without local callers uses defaults.
        let mut contexts: Vec<Option<JobRef>> =
            callers.get(&at.file).map(|c| c.iter().copied().map(Some).collect()).unwrap_or_default();
        if contexts.is_empty() || wf.triggers.iter().any(|t| t.event != "workflow_call") {
            contexts.push(None);
        }
        for ctx in contexts {
            let caller = ctx.and_then(|c| self.job(c).map(|j| (c, j)));
            let resolve = |path: &str| -> Option<Vec<Val>> {
                if let Some(key) = path.strip_prefix("matrix.") {
                    return job
                        .matrix
                        .as_ref()?
                        .values(key)
                        .map(|v| v.iter().filter_map(expr::json_val).collect());
                }
                if let Some(key) = path.strip_prefix("inputs.") {
                    if let Some((_, cj)) = caller {
                        let kv = cj.with.iter().find(|k| k.key == key)?;
                        let caller_resolve = |p: &str| -> Option<Vec<Val>> {
                            let k = p.strip_prefix("matrix.")?;
                            cj.matrix
                                .as_ref()?
                                .values(k)
                                .map(|v| v.iter().filter_map(expr::json_val).collect())
                        };
                        return match expr::eval_template(&kv.value, &caller_resolve) {
                            Eval::OneOf(v) => Some(v),
                            Eval::Unknown(_) => None,
                        };
                    }
                    let (_, default) = wf.call_inputs.iter().find(|(k, _)| k == key)?;
                    return default.as_ref().map(|d| vec![Val::Str(d.clone())]);
                }
                None
            };
            // Where the choice is written: the caller's `with:` value when it comes from an input.
            let origin_for = |text: &str| -> Origin {
                if let Some((cref, cj)) = caller {
                    for occ in expr::occurrences(text) {
                        if let Some(e) = expr::parse(occ.inner) {
                            for p in e.value_paths() {
                                if let Some(key) = p.strip_prefix("inputs.")
                                    && let Some(kv) = cj.with.iter().find(|k| k.key == key)
                                {
                                    return Origin {
                                        file: cref.file,
                                        span: kv.span,
                                        route: format!("jobs.{}.with.{}", cj.id, kv.key),
                                    };
                                }
                            }
                        }
                    }
                }
                own.clone()
            };
            let (labels, group): (Vec<&crate::github::Str>, Option<&crate::github::Str>) = match runs_on {
                RunsOn::Labels(l, _) => (l.iter().collect(), None),
                RunsOn::Group { group, labels, .. } => (labels.iter().collect(), group.as_ref()),
            };
            // Candidate label sets: the product of each element's possible values (bounded).
            let mut candidates: Vec<(Vec<String>, Option<String>)> =
                vec![(vec![], group.map(|g| g.text.clone()))];
            let mut unknown = false;
            let mut origin = own.clone();
            let mut all = labels.clone();
            if let Some(g) = group {
                all.push(g);
            }
            for item in all {
                let is_group = group.is_some_and(|g| std::ptr::eq(g, item));
                if !expr::has_expression(&item.text) {
                    if !is_group {
                        candidates.iter_mut().for_each(|c| c.0.push(item.text.clone()));
                    }
                    continue;
                }
                origin = origin_for(&item.text);
                if caller.is_none() && wf.trigger("workflow_call").is_some() {
                    // Resolved from the input's default here, but every caller may pass another label.
                    let inputs: Vec<String> = expr::occurrences(&item.text)
                        .iter()
                        .filter_map(|o| expr::parse(o.inner))
                        .flat_map(|e| {
                            e.value_paths()
                                .into_iter()
                                .filter(|p| p.starts_with("inputs."))
                                .map(String::from)
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    if !inputs.is_empty() {
                        let rexpr = RunnerExpr {
                            text: item.text.clone(),
                            origin: own.clone(),
                            unresolved: vec![],
                            inputs,
                        };
                        if !exprs.contains(&rexpr) {
                            exprs.push(rexpr);
                        }
                    }
                }
                match expr::eval_template(&item.text, &resolve) {
                    Eval::OneOf(vals) if !vals.is_empty() => {
                        let mut next = Vec::new();
                        for c in &candidates {
                            for v in &vals {
                                let mut c2 = c.clone();
                                match v {
                                    Val::Str(s) if is_group => c2.1 = Some(s.clone()),
                                    Val::Str(s) => c2.0.push(s.clone()),
                                    Val::List(l) => c2.0.extend(l.iter().cloned()),
                                    Val::Runner { group, labels } => {
                                        c2.0.extend(labels.iter().cloned());
                                        if group.is_some() {
                                            c2.1 = group.clone();
                                        }
                                    }
                                }
                                if next.len() < 64 {
                                    next.push(c2);
                                }
                            }
                        }
                        candidates = next;
                    }
                    Eval::OneOf(_) => unknown = true,
                    Eval::Unknown(paths) => {
                        unknown = true;
                        let inputs = paths.iter().filter(|p| p.starts_with("inputs.")).cloned().collect();
                        let rexpr = RunnerExpr {
                            text: item.text.clone(),
                            origin: origin_for(&item.text),
                            unresolved: paths,
                            inputs,
                        };
                        if !exprs.contains(&rexpr) {
                            exprs.push(rexpr);
                        }
                    }
                }
            }
            if unknown {
                let why = exprs
                    .last()
                    .map(|e| format!("`{}` cannot be resolved statically", e.text))
                    .unwrap_or_else(|| "runs-on expression".into());
                push_runner(&mut runners, Runner::indeterminate(why), origin.clone());
                continue;
            }
            for (labels, group) in candidates {
                let r = self.kb.classify_github(labels, group);
                push_runner(&mut runners, r, origin.clone());
            }
        }
        (runners, exprs)
    }
}

/// Whether a job hands pull request data to code beyond GitHub's own actions: a
/// third-party or local action, or a script that interpolates outsider-controlled contexts.
fn handles_pull_request_data(job: &Job) -> bool {
    job.steps.iter().any(|s| {
        let third_party = match s.action() {
            Some((a, _)) => {
                let owner = a.split('/').next().unwrap_or("");
                !owner.eq_ignore_ascii_case("actions") && !owner.eq_ignore_ascii_case("github")
            }
            None => s.uses.as_ref().is_some_and(|u| u.text.starts_with("./")),
        };
        let injected = s.run.as_ref().is_some_and(|r| {
            expr::occurrences(&r.text)
                .iter()
                .filter_map(|o| expr::parse(o.inner))
                .any(|e| e.value_paths().iter().any(|p| expr::is_attacker_controlled(p)))
        });
        third_party || injected
    })
}

fn push_runner(list: &mut Vec<(Runner, Origin)>, r: Runner, o: Origin) {
    if !list.iter().any(|(x, oo)| x.labels == r.labels && x.group == r.group && oo == &o) {
        list.push((r, o));
    }
}

/// Text patterns in `run:` scripts that fetch a pull request's code.
const FETCH_PR: &[&str] =
    &["gh pr checkout", "refs/pull/", "pull/${{", "git fetch origin pull/", "hub checkout"];

/// The first step that checks out code an outsider controls, under one of
/// `events` that is privileged (`pull_request_target`, `workflow_run`, `issue_comment`).
pub fn untrusted_checkout(job: &Job, events: &[&str]) -> Option<Checkout> {
    let privileged: Vec<&str> = events.iter().copied().filter(|e| privileges::privileged_event(e)).collect();
    if privileged.is_empty() {
        return None;
    }
    let tainted = |text: &str| -> bool {
        if text.contains("refs/pull/") {
            return true;
        }
        expr::occurrences(text).iter().any(|o| match expr::parse(o.inner) {
            Some(e) => {
                e.value_paths().iter().any(|p| expr::names_untrusted_code(p))
                    || e.value_paths().iter().any(|p| step_output_tainted(job, p))
            }
            None => {
                o.inner.contains("head.sha") || o.inner.contains("head_ref") || o.inner.contains("head.ref")
            }
        })
    };
    for step in &job.steps {
        let allowed = step.if_cond.as_ref().and_then(|c| privileges::event_filter(&c.text));
        let live: Vec<&str> = privileged
            .iter()
            .copied()
            .filter(|e| allowed.as_ref().is_none_or(|a| a.iter().any(|x| x == e)))
            .collect();
        if live.is_empty() {
            continue;
        }
        let mut hit: Option<(Span, String)> = None;
        if step.uses_action("actions/checkout") {
            for key in ["ref", "repository"] {
                if let Some(kv) = step.with.iter().find(|k| k.key == key)
                    && tainted(&kv.value)
                {
                    hit = Some((kv.span, format!("{key}: {}", kv.value.trim())));
                    break;
                }
            }
        } else if let Some(run) = &step.run {
            let checks_out = FETCH_PR.iter().any(|p| run.text.contains(p))
                || (run.text.contains("git ")
                    && expr::occurrences(&run.text).iter().any(|o| {
                        expr::parse(o.inner).is_some_and(|e| {
                            e.value_paths()
                                .iter()
                                .any(|p| expr::names_untrusted_code(p) && !p.ends_with(".number"))
                        })
                    }));
            if checks_out {
                hit = Some((run.span, "a pull request fetched in a script".into()));
            }
        } else if (step.uses_action("actions/download-artifact")
            || step.uses_action("dawidd6/action-download-artifact"))
            && live.contains(&"workflow_run")
            && step.with.iter().any(|k| k.value.contains("workflow_run"))
        {
            hit = Some((step.span, "artifacts of the triggering workflow run".into()));
        }
        if let Some((span, what)) = hit {
            let executed_by = job.steps[step.index + 1..]
                .iter()
                .find(|s| s.run.is_some() || s.uses.as_ref().is_some_and(|u| u.text.starts_with("./")))
                .map(|s| s.index);
            return Some(Checkout { step: step.index, span, what, executed_by, event: live[0].to_string() });
        }
    }
    None
}

/// Whether `steps.<id>.outputs.*` comes from a step whose inputs name untrusted code.
fn step_output_tainted(job: &Job, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("steps.") else { return false };
    let id = rest.split('.').next().unwrap_or("");
    let Some(step) = job.steps.iter().find(|s| s.id.as_deref() == Some(id)) else { return false };
    let texts = step.with.iter().map(|k| k.value.as_str()).chain(step.run.iter().map(|r| r.text.as_str()));
    texts.into_iter().any(|t| {
        t.contains("refs/pull/")
            || expr::occurrences(t).iter().any(|o| {
                expr::parse(o.inner).is_some_and(|e| e.paths().iter().any(|p| expr::names_untrusted_code(p)))
            })
    })
}

/// Whether any runner of a list is GitHub- or third-party hosted only.
pub fn all_hosted(runners: &[(Runner, Origin)]) -> bool {
    !runners.is_empty() && runners.iter().all(|(r, _)| r.kind.hosted())
}

/// Whether any runner is indeterminate.
pub fn any_indeterminate(runners: &[(Runner, Origin)]) -> bool {
    runners.iter().any(|(r, _)| r.kind == RunnerKind::Indeterminate)
}
