//! Finding CI files under the paths given on the command line. Never follows
//! symlinks, never opens anything but regular files, bounded walk.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use stance_core::report::Diagnostic;

/// What kind of file an input is believed to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `.github/workflows/*.yml`.
    Workflow,
    /// `action.yml`.
    Action,
    /// `.gitlab-ci.yml` or one of its local includes.
    Gitlab,
    /// `.github/actionlint.yaml` (self-hosted label registry).
    Actionlint,
    /// Named explicitly; decided from the content.
    Detect,
}

/// One file to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Where to read it.
    pub path: PathBuf,
    /// How to show it (relative to the scanned root, `/`-separated).
    pub display: String,
    /// What it is believed to be.
    pub kind: FileKind,
    /// The repository root it belongs to (for GitLab includes), when known.
    pub root: Option<PathBuf>,
}

/// Why discovery failed: a path given on the command line cannot be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// A path given on the command line does not exist.
    #[error("no such file or directory: {0}")]
    NotFound(String),
    /// A path is neither a file nor a directory (a FIFO, a device).
    #[error("not a regular file or directory: {0}")]
    NotRegular(String),
    /// A path given on the command line exists but cannot be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The path as given.
        path: String,
        /// Why (`permission denied`).
        reason: String,
    },
}

/// What discovery found: the inputs, and what it could not read on the way.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The files to scan.
    pub inputs: Vec<Input>,
    /// Directories and files inside the scanned trees that could not be read
    /// (the scan goes on without them).
    pub diagnostics: Vec<Diagnostic>,
    /// The directories searched, as given.
    pub dirs: Vec<String>,
}

/// Directories never entered while looking for actions.
const SKIP_DIRS: &[&str] =
    &["node_modules", "target", "vendor", "third_party", "dist", "build", "__pycache__"];
/// Bounds of the walk for `action.yml` files.
const MAX_DEPTH: usize = 8;
const MAX_ENTRIES: usize = 200_000;

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yml") || name.ends_with(".yaml")
}

/// An I/O error as a short lowercase reason (`permission denied`), without the OS error number.
pub fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::NotFound => "no such file or directory".into(),
        _ => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or(s)
        }
    }
}

/// The kind of an explicitly named file, from its path.
pub fn kind_from_path(path: &Path) -> FileKind {
    let s = path.to_string_lossy().replace('\\', "/");
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if s.contains(".github/workflows/") && is_yaml(&name) {
        FileKind::Workflow
    } else if name == "action.yml" || name == "action.yaml" {
        FileKind::Action
    } else if name == ".gitlab-ci.yml"
        || name == ".gitlab-ci.yaml"
        || s.contains(".gitlab-ci.d/")
        || s.contains(".gitlab/ci/")
    {
        FileKind::Gitlab
    } else if s.ends_with(".github/actionlint.yaml") || s.ends_with(".github/actionlint.yml") {
        FileKind::Actionlint
    } else {
        FileKind::Detect
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

/// What a path given on the command line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKind {
    /// A regular file (or a symlink to one, which the user named).
    File,
    /// A directory.
    Dir,
}

/// Checks a path given on the command line: it exists, is a file or directory,
/// and can be read (a file opened, a directory listed). Nothing else is read.
pub fn check_path(p: &Path) -> Result<PathKind, DiscoverError> {
    let shown = || p.display().to_string();
    let unreadable = |e: &std::io::Error| DiscoverError::Unreadable { path: shown(), reason: reason(e) };
    let stat = |r: std::io::Result<std::fs::Metadata>| {
        r.map_err(|e| {
            if e.kind() == ErrorKind::NotFound { DiscoverError::NotFound(shown()) } else { unreadable(&e) }
        })
    };
    let meta = stat(std::fs::symlink_metadata(p))?;
    // An explicit symlink is followed once (the user named it); directories are walked without following.
    let meta = if meta.file_type().is_symlink() { stat(std::fs::metadata(p))? } else { meta };
    if meta.is_file() {
        // Opening a regular file has no side effect; FIFOs and devices never get here.
        std::fs::File::open(p).map_err(|e| unreadable(&e))?;
        Ok(PathKind::File)
    } else if meta.is_dir() {
        std::fs::read_dir(p).map_err(|e| unreadable(&e))?;
        Ok(PathKind::Dir)
    } else {
        Err(DiscoverError::NotRegular(shown()))
    }
}

/// Finds the inputs under each path: directories are searched for workflows,
/// actions, GitLab CI and actionlint config; files are taken as given. A path
/// that cannot be read at all is an error; what cannot be read inside a
/// directory becomes a diagnostic.
pub fn discover(paths: &[PathBuf]) -> Result<Discovery, DiscoverError> {
    let mut d = Discovery::default();
    // Checking a path costs two system calls; a long list of files (`xargs`) is checked in
    // parallel, and the first bad path in the order given is the one reported.
    let threads =
        if paths.len() > 64 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { 1 };
    let kinds = crate::parallel(paths, threads, |p| check_path(p));
    for (p, kind) in paths.iter().zip(kinds) {
        match kind? {
            PathKind::File => d.inputs.push(Input {
                path: p.clone(),
                display: p.display().to_string(),
                kind: kind_from_path(p),
                root: None,
            }),
            PathKind::Dir => {
                d.dirs.push(p.display().to_string());
                Walk { root: p, out: &mut d, reported: HashSet::new() }.run();
            }
        }
    }
    let mut seen = HashSet::new();
    d.inputs.retain(|i| seen.insert(i.path.clone()));
    Ok(d)
}

/// One directory's search, recording what it cannot read (each path once).
struct Walk<'a> {
    root: &'a Path,
    out: &'a mut Discovery,
    reported: HashSet<PathBuf>,
}

impl Walk<'_> {
    fn input(&mut self, p: PathBuf, kind: FileKind) {
        self.out.inputs.push(Input {
            display: rel(self.root, &p),
            path: p,
            kind,
            root: Some(self.root.to_path_buf()),
        });
    }

    fn diag(&mut self, p: &Path, message: String) {
        if self.reported.insert(p.to_path_buf()) {
            let path = if p == self.root { p.display().to_string() } else { rel(self.root, p) };
            self.out.diagnostics.push(Diagnostic { path, message, line: None, column: None });
        }
    }

    fn cannot_list(&mut self, dir: &Path, e: &std::io::Error) {
        self.diag(dir, format!("cannot read directory ({}); CI files in it were not searched", reason(e)));
    }

    /// Lists `rel` under the root (e.g. `.github/workflows`), checking each level:
    /// a missing directory is nothing to search, an unreadable one is reported
    /// (by its own name, not the name of what is below it). `None` when not listed.
    fn list(&mut self, rel_dir: &str) -> Option<Vec<std::fs::DirEntry>> {
        let mut dir = self.root.to_path_buf();
        for part in rel_dir.split('/') {
            dir.push(part);
            match std::fs::symlink_metadata(&dir) {
                Err(e) if e.kind() == ErrorKind::NotFound => return None,
                Err(e) => {
                    self.cannot_list(&dir, &e);
                    return None;
                }
                Ok(_) => {}
            }
            if let Err(e) = std::fs::read_dir(&dir) {
                if e.kind() != ErrorKind::NotFound && e.kind() != ErrorKind::NotADirectory {
                    self.cannot_list(&dir, &e);
                }
                return None;
            }
        }
        let rd = std::fs::read_dir(&dir).ok()?;
        let mut entries = Vec::new();
        for e in rd {
            match e {
                Ok(e) => entries.push(e),
                Err(e) => {
                    self.diag(
                        &dir,
                        format!("cannot list every entry ({}); some files not searched", reason(&e)),
                    );
                    break;
                }
            }
        }
        entries.sort_by_key(|e| e.file_name());
        Some(entries)
    }

    /// A single well-known file under the root: taken when it is a regular file,
    /// reported when it cannot be looked at.
    fn known_file(&mut self, rel_path: &str, kind: FileKind) {
        let p = self.root.join(rel_path);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_file() => self.input(p, kind),
            Ok(m) if m.file_type().is_symlink() => {
                self.diag(&p, "symbolic link; not followed inside a scanned directory".into())
            }
            Ok(_) => self.diag(&p, "not a regular file; not read".into()),
            Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory => {}
            // The parent could not be searched; it is reported once under its own name.
            Err(_) if p.parent().is_some_and(|d| self.reported.contains(d)) => {}
            Err(e) => self.diag(&p, format!("cannot read ({})", reason(&e))),
        }
    }

    fn run(mut self) {
        if let Some(entries) = self.list(".github/workflows") {
            for e in entries {
                let name = e.file_name().to_string_lossy().to_string();
                if !is_yaml(&name) {
                    continue;
                }
                match e.file_type() {
                    Ok(t) if t.is_file() => self.input(e.path(), FileKind::Workflow),
                    Ok(t) if t.is_symlink() => {
                        self.diag(&e.path(), "symbolic link; not followed inside a scanned directory".into())
                    }
                    Ok(t) if t.is_dir() => {}
                    Ok(_) => {
                        self.diag(&e.path(), "not a regular file (FIFO, socket or device); not read".into())
                    }
                    Err(err) => self.diag(&e.path(), format!("cannot read ({})", reason(&err))),
                }
            }
        }
        for name in [".github/actionlint.yaml", ".github/actionlint.yml"] {
            self.known_file(name, FileKind::Actionlint);
        }
        for name in [".gitlab-ci.yml", ".gitlab-ci.yaml"] {
            self.known_file(name, FileKind::Gitlab);
        }
        self.actions();
    }

    /// Actions anywhere in the tree (bounded, no symlinks, no dependency folders).
    fn actions(&mut self) {
        let mut stack = vec![(self.root.to_path_buf(), 0usize)];
        let mut seen = 0usize;
        let mut actions = Vec::new();
        'walk: while let Some((dir, depth)) = stack.pop() {
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) => {
                    self.cannot_list(&dir, &e);
                    continue;
                }
            };
            for e in rd {
                let e = match e {
                    Ok(e) => e,
                    Err(err) => {
                        let m = format!(
                            "cannot list every entry ({}); some action.yml files not searched",
                            reason(&err)
                        );
                        self.diag(&dir, m);
                        break;
                    }
                };
                seen += 1;
                if seen > MAX_ENTRIES {
                    let m = format!(
                        "stopped looking for action.yml files after {MAX_ENTRIES} entries; the rest of the tree was not searched"
                    );
                    let root = self.root.to_path_buf();
                    self.diag(&root, m);
                    break 'walk;
                }
                let name = e.file_name().to_string_lossy().to_string();
                let t = match e.file_type() {
                    Ok(t) => t,
                    Err(err) => {
                        self.diag(&e.path(), format!("cannot read ({})", reason(&err)));
                        continue;
                    }
                };
                if t.is_dir() {
                    let hidden = name.starts_with('.') && name != ".github" && name != ".gitea";
                    if depth < MAX_DEPTH && !hidden && !SKIP_DIRS.contains(&name.as_str()) {
                        stack.push((e.path(), depth + 1));
                    }
                } else if t.is_file() && (name == "action.yml" || name == "action.yaml") {
                    actions.push(e.path());
                }
            }
        }
        actions.sort();
        for p in actions {
            self.input(p, FileKind::Action);
        }
    }
}

/// Resolves a GitLab `include: local:` path (may hold `*`) against a repository root.
/// `Err` says what could not be read while resolving it (one line).
pub fn gitlab_include(root: &Path, include: &str) -> Result<Vec<PathBuf>, String> {
    let inc = include.trim_start_matches('/');
    if inc.contains("..") || inc.contains('$') {
        return Ok(vec![]);
    }
    let cannot = |p: &Path, e: &std::io::Error| format!("cannot read {} ({})", rel(root, p), reason(e));
    if !inc.contains('*') {
        let p = root.join(inc);
        return match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_file() => Ok(vec![p]),
            Ok(_) => Ok(vec![]),
            Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory => Ok(vec![]),
            Err(e) => Err(cannot(&p, &e)),
        };
    }
    // `dir/*.yml` or `dir/**/*.yml`: match files in that directory (and below for `**`).
    let (dir, pattern) = inc.rsplit_once('/').unwrap_or(("", inc));
    let recursive = dir.ends_with("**");
    let dir = dir.trim_end_matches("/**").trim_end_matches("**");
    let base = root.join(dir);
    let mut out = Vec::new();
    let mut stack = vec![(base, 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let rd = match std::fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory => continue,
            Err(e) => return Err(cannot(&d, &e)),
        };
        for e in rd {
            let e = e.map_err(|e| cannot(&d, &e))?;
            let t = e.file_type().map_err(|err| cannot(&e.path(), &err))?;
            if t.is_dir() && recursive && depth < MAX_DEPTH {
                stack.push((e.path(), depth + 1));
            } else if t.is_file() && crate::runner::glob(pattern, &e.file_name().to_string_lossy()) {
                out.push(e.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The display path of an included file.
pub fn display_under(root: &Path, p: &Path) -> String {
    rel(root, p)
}
