//! `stance scan`: static audits of CI configuration for runner-posture mistakes.
//!
//! The pipeline is: [`discover`] finds the files; [`yaml`] reads each once into
//! a spanned tree (with limits against hostile input); [`github`] and [`gitlab`]
//! build typed models; [`analysis`] joins the files of a repository (callers of
//! reusable workflows, runner classification through [`runner`] with the
//! inventory of [`config`] and the probe reports of [`posture`], job privileges
//! from [`privileges`]); every audit of [`audit::REGISTRY`] then visits jobs,
//! steps, scripts, actions and GitLab jobs; ignores and filters apply last.
//!
//! # The job privilege model
//!
//! [`privileges::analyze_workflow`] reads one workflow and returns, per job,
//! [`privileges::JobPrivileges`] (named and inherited secrets, token
//! permissions, `id-token: write`, environment, publishing and signing steps),
//! whether its code is trusted, and the tier from [`privileges::infer_tier`]:
//! untrusted for fork or untrusted code, release for publishing or signing,
//! privileged for secrets/OIDC/write token/environment, else build.
//!
//! ```
//! let a = stance_scan::privileges::analyze_workflow(
//!     "on: push\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n",
//!     Some("push"),
//! ).unwrap();
//! assert_eq!(a.jobs[0].tier, stance_core::model::Tier::Release);
//! ```

pub mod analysis;
pub mod audit;
pub mod config;
pub mod discover;
pub mod expr;
pub mod github;
pub mod gitlab;
pub mod posture;
pub mod privileges;
pub mod render;
pub mod runner;
pub mod shell;
pub mod source;
pub mod yaml;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use stance_core::model::{Confidence, Finding, Severity};
use stance_core::report::{Diagnostic, Report, ReportKind, ScanInfo};

use crate::analysis::{File, JobFacts, Model, Repo};
use crate::audit::{Audits, Cx, GlFacts, REGISTRY, Script};
use crate::config::Config;
use crate::discover::{FileKind, Input};
use crate::posture::PostureEvidence;
use crate::runner::Knowledge;
use crate::source::Source;
use crate::yaml::{Limits, Yaml};

/// How to scan.
#[derive(Debug, Default)]
pub struct Options {
    /// `stance.toml`, when found.
    pub config: Option<Config>,
    /// Probe reports from `--posture`.
    pub posture: Option<PostureEvidence>,
    /// Input limits.
    pub limits: Limits,
    /// Drop findings below this severity.
    pub min_severity: Option<Severity>,
    /// Drop findings below this confidence.
    pub min_confidence: Option<Confidence>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// The result of a scan.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings that survived ignores and filters, sorted by file and position.
    pub findings: Vec<Finding>,
    /// Files analysed, diagnostics, ignored count.
    pub info: ScanInfo,
    /// Remarks (posture files skipped, filters, no CI configuration found).
    pub notes: Vec<String>,
    /// Findings dropped by `--min-severity`/`--min-confidence`.
    pub filtered: u32,
    /// The note saying that no CI configuration was found at all (also in `notes`),
    /// for callers that show it apart (on stderr).
    pub nothing_found: Option<String>,
}

/// Scans the files and directories in `paths`. A path that does not exist or
/// cannot be read at all is an error; what cannot be read inside a directory
/// becomes a diagnostic and the scan goes on.
pub fn scan_paths(paths: &[PathBuf], opts: &Options) -> Result<Outcome, discover::DiscoverError> {
    Ok(scan_discovered(discover::discover(paths)?, opts))
}

fn read_input(input: &Input, limits: &Limits) -> Result<String, Diagnostic> {
    let diag = |message: String, line: Option<u32>, column: Option<u32>| Diagnostic {
        path: input.display.clone(),
        message,
        line,
        column,
    };
    let cannot = |e: std::io::Error| diag(format!("cannot read ({})", discover::reason(&e)), None, None);
    // A file found by walking a directory is never reached through a symlink; a path named
    // on the command line is followed once (see `stance_core::fsread`).
    let (file, meta) = match stance_core::fsread::open_regular(&input.path, input.root.is_none()) {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            return Err(diag(format!("{e}; not read"), None, None));
        }
        Err(e) => return Err(cannot(e)),
    };
    if meta.len() > limits.max_bytes as u64 {
        let e = yaml::YamlError::TooLarge { size: meta.len(), limit: limits.max_bytes };
        return Err(diag(e.to_string(), None, None));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    use std::io::Read as _;
    file.take(limits.max_bytes as u64 + 1).read_to_end(&mut bytes).map_err(cannot)?;
    // Validated once: only a file that is not UTF-8 (or grew past the limit) goes through
    // `decode` again, for the error with its line.
    match String::from_utf8(bytes) {
        Ok(text) if text.len() <= limits.max_bytes => Ok(text),
        Ok(text) => Err(diag(
            yaml::YamlError::TooLarge { size: text.len() as u64, limit: limits.max_bytes }.to_string(),
            None,
            None,
        )),
        Err(e) => match yaml::decode(e.as_bytes(), limits) {
            Err(e) => Err(diag(e.to_string(), e.line(), e.column())),
            Ok(_) => Err(diag("file is not valid UTF-8".into(), None, None)),
        },
    }
}

/// Parses one input into a file (model decided later).
fn parse_input(input: &Input, limits: &Limits) -> Result<(Source, Yaml), Diagnostic> {
    let text = read_input(input, limits)?;
    let yaml = Yaml::parse(&text, limits).map_err(|e| Diagnostic {
        path: input.display.clone(),
        message: e.to_string(),
        line: e.line(),
        column: e.column(),
    })?;
    Ok((Source::new(input.display.clone(), text), yaml))
}

/// Runs `f` over `items` on up to `threads` scoped threads, keeping order.
pub(crate) fn parallel<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n = items.len();
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(n));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut local = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    local.push((i, f(&items[i])));
                }
                if let Ok(mut r) = results.lock() {
                    r.extend(local);
                }
            });
        }
    });
    let mut r = results.into_inner().unwrap_or_default();
    r.sort_by_key(|(i, _)| *i);
    r.into_iter().map(|(_, v)| v).collect()
}

fn threads(opts: &Options) -> usize {
    if opts.threads > 0 {
        opts.threads
    } else {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    }
}

/// Decides the model of a parsed file.
fn model_of(kind: FileKind, yaml: &Yaml) -> Result<Model, String> {
    let Some(root) = gitlab::main_document(yaml) else {
        return Err("empty file: no YAML document".into());
    };
    if yaml.docs.len() > 1
        && kind != FileKind::Gitlab
        && root.get("spec").is_none()
        && yaml.root().is_some_and(|r| r.get("spec").is_none())
    {
        // GitHub reads only single-document files; analyse the first and say so.
        return Err(format!(
            "{} YAML documents in one file; GitHub Actions accepts only one",
            yaml.docs.len()
        ));
    }
    let kind = match kind {
        FileKind::Detect => {
            if root.get("jobs").is_some() && (root.get("on").is_some() || root.get("true").is_some()) {
                FileKind::Workflow
            } else if root.get("runs").is_some() {
                FileKind::Action
            } else if root.get("self-hosted-runner").is_some() {
                FileKind::Actionlint
            } else if gitlab::Pipeline::looks_like(root) {
                FileKind::Gitlab
            } else {
                // The diagnostic carries the path; the message does not repeat it.
                return Err("not a recognised CI file (GitHub Actions workflow or action, GitLab CI)".into());
            }
        }
        k => k,
    };
    match kind {
        FileKind::Workflow => github::Workflow::read(root).map(Model::Workflow).map_err(|e| e.to_string()),
        FileKind::Action => {
            github::Action::read(root).map(Model::Action).map_err(|e| format!("not a GitHub action: {e}"))
        }
        FileKind::Gitlab => Ok(Model::Gitlab(gitlab::Pipeline::default())),
        FileKind::Actionlint | FileKind::Detect => Ok(Model::Context),
    }
}

/// Scans already discovered inputs.
pub fn scan(inputs: Vec<Input>, opts: &Options) -> Outcome {
    scan_discovered(discover::Discovery { inputs, ..discover::Discovery::default() }, opts)
}

/// Where the scan looked, for the note when it found nothing.
const LOOKED_FOR: &str = ".github/workflows/*.yml, action.yml, .gitlab-ci.yml";

/// Scans what discovery found, keeping its diagnostics.
pub fn scan_discovered(found: discover::Discovery, opts: &Options) -> Outcome {
    let discover::Discovery { mut inputs, diagnostics: mut found_diags, dirs } = found;
    let nothing_found = inputs.is_empty().then(|| {
        let place = if dirs.is_empty() { String::new() } else { format!(" in {}", dirs.join(", ")) };
        let mut note = format!("no CI configuration found{place} (looked for {LOOKED_FOR})");
        if !found_diags.is_empty() {
            note.push_str(&format!("; {} path(s) could not be read", found_diags.len()));
        }
        note
    });
    let threads = threads(opts);
    let mut diagnostics = Vec::new();
    diagnostics.append(&mut found_diags);
    let mut files: Vec<File> = Vec::new();
    let mut kinds: Vec<FileKind> = Vec::new();
    let mut roots: Vec<Option<PathBuf>> = Vec::new();
    let mut queue_from = 0;
    let mut seen: HashSet<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    // Parse in rounds: GitLab local includes add inputs (bounded).
    for _round in 0..4 {
        let batch = &inputs[queue_from..];
        if batch.is_empty() {
            break;
        }
        // A file's id is its index in `inputs`: known before parsing, so every span
        // of its tree and model names it (ids of `files` increase, with gaps for
        // files that were not analysed).
        let ids: Vec<usize> = (queue_from..inputs.len()).collect();
        let parsed = parallel(&ids, threads, |&id| {
            let i = &inputs[id];
            parse_input(i, &opts.limits).and_then(|(s, mut y)| {
                y.set_file(id as yaml::FileId);
                match model_of(i.kind, &y) {
                    Ok(m) => Ok((s.with_file(id as yaml::FileId), y, m, i.kind)),
                    Err(message) => {
                        Err(Diagnostic { path: i.display.clone(), message, line: None, column: None })
                    }
                }
            })
        });
        let mut more = Vec::new();
        for (input, r) in batch.iter().zip(parsed) {
            match r {
                Ok((source, yaml, model, kind)) => {
                    let kind = if matches!(model, Model::Gitlab(_)) { FileKind::Gitlab } else { kind };
                    if kind == FileKind::Gitlab
                        && let (Some(root_dir), Some(doc)) = (&input.root, gitlab::main_document(&yaml))
                    {
                        for inc in gitlab::local_includes(doc) {
                            let found = match discover::gitlab_include(root_dir, &inc.text) {
                                Ok(found) => found,
                                Err(why) => {
                                    diagnostics.push(Diagnostic {
                                        path: input.display.clone(),
                                        message: format!("local include `{}`: {why}", inc.text),
                                        line: Some(inc.span.start.line),
                                        column: Some(inc.span.start.column),
                                    });
                                    continue;
                                }
                            };
                            if found.is_empty() && !inc.text.contains('$') {
                                diagnostics.push(Diagnostic {
                                    path: input.display.clone(),
                                    message: format!("local include `{}` not found", inc.text),
                                    line: Some(inc.span.start.line),
                                    column: Some(inc.span.start.column),
                                });
                            }
                            for p in found {
                                if seen.insert(p.clone()) && seen.len() < 500 {
                                    more.push(Input {
                                        display: discover::display_under(root_dir, &p),
                                        path: p,
                                        kind: FileKind::Gitlab,
                                        root: Some(root_dir.clone()),
                                    });
                                }
                            }
                        }
                    }
                    let mut source = source;
                    source.check_ignores(|id| audit::rule(id).is_some());
                    diagnostics.extend(source.ignore_problems.iter().map(|p| Diagnostic {
                        path: source.path.clone(),
                        message: p.message.clone(),
                        line: Some(p.line),
                        column: Some(p.column),
                    }));
                    files.push(File { source, yaml, model });
                    kinds.push(kind);
                    roots.push(input.root.clone());
                }
                Err(d) => diagnostics.push(d),
            }
        }
        queue_from = inputs.len();
        inputs.extend(more);
    }
    // GitLab models: `extends:` may name templates in any GitLab file of the scan.
    let gitlab_idx: Vec<usize> = (0..files.len()).filter(|i| kinds[*i] == FileKind::Gitlab).collect();
    let pipelines: Vec<(usize, gitlab::Pipeline)> = gitlab_idx
        .iter()
        .filter_map(|i| {
            let root = gitlab::main_document(&files[*i].yaml)?;
            let extra: Vec<yaml::Value<'_>> = gitlab_idx
                .iter()
                .filter(|j| *j != i)
                .filter_map(|j| gitlab::main_document(&files[*j].yaml))
                .take(64)
                .collect();
            Some((*i, gitlab::Pipeline::read(root, &extra)))
        })
        .collect();
    for (i, p) in pipelines {
        files[i].model = Model::Gitlab(p);
    }
    // Labels a repository declares self-hosted in .github/actionlint.yaml.
    let mut declared = BTreeSet::new();
    for (i, f) in files.iter().enumerate() {
        if kinds[i] == FileKind::Actionlint
            && let Some(labels) =
                f.yaml.root().and_then(|r| r.get("self-hosted-runner")).and_then(|s| s.get("labels"))
        {
            declared.extend(labels.strings().into_iter().map(|(s, _)| s.to_ascii_lowercase()));
        }
    }
    let kb = Knowledge {
        config: opts.config.as_ref(),
        declared_self_hosted: declared,
        posture: opts.posture.as_ref(),
    };
    let repo = Repo::analyse(&files, &kb, threads);
    let file_ids: Vec<usize> = (0..files.len()).collect();
    let per_file: Vec<Vec<Finding>> = parallel(&file_ids, threads, |i| audit_file(&repo, *i));
    let mut raw: Vec<Finding> = per_file.into_iter().flatten().collect();
    for a in REGISTRY {
        a.repository(&repo, &mut raw);
    }
    let mut outcome = finish(raw, &files, opts);
    // Context files (actionlint label registries) count as analysed: they were read and used.
    outcome.info.files = files.iter().map(|f| f.source.path.clone()).collect();
    drop(repo);
    // Freeing thousands of small trees takes longer than rendering the report: do it
    // beside the caller's work (a large scan only; the thread ends on its own).
    if files.len() > 64 {
        std::thread::spawn(move || drop(files));
    }
    outcome.info.diagnostics = diagnostics;
    if let Some(note) = &nothing_found {
        outcome.notes.push(note.clone());
    }
    outcome.nothing_found = nothing_found;
    if let Some(p) = &opts.posture {
        for (file, why) in &p.skipped {
            outcome.notes.push(format!("posture report {file} skipped: {why}"));
        }
        outcome
            .notes
            .push(format!("posture evidence: {} probe report(s) joined by runner labels", p.runners.len()));
    }
    outcome
}

/// Runs every audit over one file.
fn audit_file(repo: &Repo<'_>, file: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    let cx = Cx { repo, file };
    let f = &repo.files[file];
    for a in REGISTRY {
        a.file(&cx, &mut out);
    }
    match &f.model {
        Model::Workflow(wf) => {
            for (ji, job) in wf.jobs.iter().enumerate() {
                let Some(facts) = repo.jobs.get(&analysis::JobRef { file, job: ji }) else { continue };
                for a in REGISTRY {
                    a.job(&cx, job, facts, &mut out);
                }
                for step in &job.steps {
                    for a in REGISTRY {
                        a.step(&cx, job, facts, step, &mut out);
                    }
                    if let Some(run) = &step.run {
                        let script = script_for(job, facts, step.index, run);
                        for a in REGISTRY {
                            a.script(&cx, &script, &mut out);
                        }
                    }
                }
            }
        }
        Model::Action(action) => {
            for a in REGISTRY {
                a.action(&cx, action, &mut out);
            }
            for step in &action.steps {
                if let Some(run) = &step.run {
                    let script = Script {
                        text: &run.text,
                        span: run.span,
                        route: format!("runs.steps[{}].run", step.index),
                        runners: vec![],
                        privileges: None,
                        untrusted_reachable: None,
                    };
                    for a in REGISTRY {
                        a.script(&cx, &script, &mut out);
                    }
                }
            }
        }
        Model::Gitlab(p) => {
            for job in &p.jobs {
                let tags: Vec<String> = job.tags.iter().map(|t| t.text.clone()).collect();
                let runner = repo.kb.classify_gitlab(tags);
                let privileges = privileges::gitlab_privileges(job);
                let merge_requests = job
                    .conditions
                    .iter()
                    .find(|c| mr_condition(&c.text))
                    .or_else(|| {
                        if job.conditions.is_empty() {
                            p.workflow_conditions.iter().find(|c| mr_condition(&c.text))
                        } else {
                            None
                        }
                    })
                    .cloned();
                let facts = GlFacts { runner, privileges, merge_requests };
                for a in REGISTRY {
                    a.gitlab_job(&cx, job, &facts, &mut out);
                }
                for (i, line) in job.script.iter().enumerate() {
                    let script = Script {
                        text: &line.text,
                        span: line.span,
                        route: format!("gitlab:{}.script[{i}]", job.name),
                        runners: vec![&facts.runner],
                        privileges: Some(&facts.privileges),
                        untrusted_reachable: Some(facts.merge_requests.is_some()),
                    };
                    for a in REGISTRY {
                        a.script(&cx, &script, &mut out);
                    }
                }
            }
        }
        Model::Context => {}
    }
    out
}

fn mr_condition(text: &str) -> bool {
    text.contains("merge_request_event") || text == "merge_requests" || text.contains("CI_MERGE_REQUEST_IID")
}

fn script_for<'a>(
    job: &crate::github::Job,
    facts: &'a JobFacts,
    index: usize,
    run: &'a crate::github::Str,
) -> Script<'a> {
    Script {
        text: &run.text,
        span: run.span,
        route: format!("jobs.{}.steps[{index}].run", job.id),
        runners: facts.runners.iter().map(|(r, _)| r).collect(),
        privileges: Some(&facts.privileges),
        untrusted_reachable: Some(facts.untrusted_reachable()),
    }
}

/// Dedupes, applies ignores and filters, sorts.
fn finish(raw: Vec<Finding>, files: &[File], opts: &Options) -> Outcome {
    let mut out = Outcome::default();
    let mut seen = HashSet::new();
    let by_path: std::collections::HashMap<&str, &File> =
        files.iter().map(|f| (f.source.path.as_str(), f)).collect();
    for f in raw {
        let key =
            f.primary_location().map(|l| (f.id.clone(), l.path.clone(), l.start.offset, f.message.clone()));
        if !seen.insert(key) {
            continue;
        }
        if let Some(loc) = f.primary_location() {
            let inline = by_path
                .get(loc.path.as_str())
                .and_then(|x| x.source.ignored(&f.id, loc.start.line, loc.end.line));
            let config = opts.config.as_ref().and_then(|c| c.ignored(&f.id, &loc.path));
            if inline.is_some() || config.is_some() {
                out.info.ignored += 1;
                continue;
            }
        }
        if opts.min_severity.is_some_and(|m| f.severity < m)
            || opts.min_confidence.is_some_and(|m| f.confidence < m)
        {
            out.filtered += 1;
            continue;
        }
        out.findings.push(f);
    }
    out.findings.sort_by(|a, b| {
        let la = a.primary_location().map(|l| (l.path.as_str(), l.start.offset));
        let lb = b.primary_location().map(|l| (l.path.as_str(), l.start.offset));
        la.cmp(&lb).then_with(|| b.severity.cmp(&a.severity)).then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// Builds the report envelope (`kind: scan`) of an outcome.
pub fn report(outcome: Outcome, generated_at: String, duration_ms: u64) -> Report {
    let mut r = Report::new(ReportKind::Scan, outcome.findings, &Audits, generated_at);
    r.duration_ms = duration_ms;
    r.scan = Some(outcome.info);
    r.notes = outcome.notes;
    if outcome.filtered > 0 {
        r.notes
            .push(format!("{} finding(s) below --min-severity/--min-confidence not shown", outcome.filtered));
    }
    r
}

/// Finds `stance.toml` at the root of the first scanned directory.
pub fn find_config(paths: &[PathBuf]) -> Option<PathBuf> {
    paths.iter().filter(|p| p.is_dir()).map(|p| p.join("stance.toml")).find(|p| is_regular(p))
}

fn is_regular(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
}
