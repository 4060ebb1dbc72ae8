//! Finding CI files under the paths given on the command line. Never follows
//! symlinks, never opens anything but regular files, bounded walk.

use std::path::{Path, PathBuf};

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

/// Why discovery failed.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// A path given on the command line does not exist.
    #[error("no such file or directory: {0}")]
    NotFound(String),
    /// A path is neither a file nor a directory (a FIFO, a device).
    #[error("not a regular file or directory: {0}")]
    NotRegular(String),
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

/// Finds the inputs under each path: directories are searched for workflows,
/// actions, GitLab CI and actionlint config; files are taken as given.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>, DiscoverError> {
    let mut out = Vec::new();
    for p in paths {
        let meta =
            std::fs::symlink_metadata(p).map_err(|_| DiscoverError::NotFound(p.display().to_string()))?;
        // An explicit symlink to a file is followed once (the user named it); directories are walked without following.
        let meta = if meta.file_type().is_symlink() {
            std::fs::metadata(p).map_err(|_| DiscoverError::NotFound(p.display().to_string()))?
        } else {
            meta
        };
        if meta.is_file() {
            out.push(Input {
                path: p.clone(),
                display: p.display().to_string(),
                kind: kind_from_path(p),
                root: None,
            });
        } else if meta.is_dir() {
            discover_dir(p, &mut out);
        } else {
            return Err(DiscoverError::NotRegular(p.display().to_string()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|i| seen.insert(i.path.clone()));
    Ok(out)
}

fn regular_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return vec![] };
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

fn discover_dir(root: &Path, out: &mut Vec<Input>) {
    let input =
        |p: PathBuf, kind| Input { display: rel(root, &p), path: p, kind, root: Some(root.to_path_buf()) };
    for f in regular_files(&root.join(".github/workflows")) {
        if f.file_name().is_some_and(|n| is_yaml(&n.to_string_lossy())) {
            out.push(input(f, FileKind::Workflow));
        }
    }
    for name in ["actionlint.yaml", "actionlint.yml"] {
        let p = root.join(".github").join(name);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
            out.push(input(p, FileKind::Actionlint));
        }
    }
    for name in [".gitlab-ci.yml", ".gitlab-ci.yaml"] {
        let p = root.join(name);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
            out.push(input(p, FileKind::Gitlab));
        }
    }
    // Actions anywhere in the tree (bounded, no symlinks, no dependency folders).
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    let mut actions = Vec::new();
    while let Some((dir, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.filter_map(Result::ok) {
            seen += 1;
            if seen > MAX_ENTRIES {
                break;
            }
            let Ok(t) = e.file_type() else { continue };
            let name = e.file_name().to_string_lossy().to_string();
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
    out.extend(actions.into_iter().map(|p| input(p, FileKind::Action)));
}

/// Resolves a GitLab `include: local:` path (may hold `*`) against a repository root.
pub fn gitlab_include(root: &Path, include: &str) -> Vec<PathBuf> {
    let inc = include.trim_start_matches('/');
    if inc.contains("..") || inc.contains('$') {
        return vec![];
    }
    if !inc.contains('*') {
        let p = root.join(inc);
        return if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) { vec![p] } else { vec![] };
    }
    // `dir/*.yml` or `dir/**/*.yml`: match files in that directory (and below for `**`).
    let (dir, pattern) = inc.rsplit_once('/').unwrap_or(("", inc));
    let recursive = dir.ends_with("**");
    let dir = dir.trim_end_matches("/**").trim_end_matches("**");
    let base = root.join(dir);
    let mut out = Vec::new();
    let mut stack = vec![(base, 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.filter_map(Result::ok) {
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() && recursive && depth < MAX_DEPTH {
                stack.push((e.path(), depth + 1));
            } else if t.is_file() && crate::runner::glob(pattern, &e.file_name().to_string_lossy()) {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// The display path of an included file.
pub fn display_under(root: &Path, p: &Path) -> String {
    rel(root, p)
}
