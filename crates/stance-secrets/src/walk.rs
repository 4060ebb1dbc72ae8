//! A parallel directory walk that is safe to point at hostile trees.
//!
//! Safety by construction:
//! - Every directory is opened relative to its parent's descriptor with
//!   `O_DIRECTORY | O_NOFOLLOW`, and every file relative to its directory's
//!   descriptor with `O_NOFOLLOW | O_NONBLOCK | O_NOCTTY`. A path component
//!   swapped for a symlink mid-walk therefore fails to open instead of leading
//!   outside the root, and nothing ever waits on a FIFO.
//! - Files are opened with `O_NOATIME` where the kernel allows it (own
//!   files, or root), so scanning does not even touch access times.
//! - Before opening, the entry type from the directory listing (or an `lstat`
//!   where the file system does not report it) must say "regular file" or
//!   "directory"; symlinks, FIFOs, sockets and devices are counted, never
//!   opened. After opening, `fstat` must still say "regular file".
//! - Sizes come from `fstat` before any read: a file over the size limit (a
//!   multi-GB sparse file, say) is skipped without reading a byte, and no file
//!   is read past the size it reported (pseudo-files that report 0 bytes are
//!   not read).
//! - Memory: one read buffer per thread, reused (its high-water mark is at most
//!   the size limit), and one open descriptor per directory that still has
//!   pending work (about the depth of the walk per thread).
//! - Time: budgets on files, bytes and wall-clock end the walk early with a
//!   `truncated` reason; they are checked before every file.

use std::ffi::{CStr, OsStr};
use std::fmt;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Instant;

use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;
use serde::{Serialize, Serializer};
use stance_core::fsread::open_regular_at;

use crate::engine::{Match, PatternSet, Scratch};

/// Limits and behaviour of [`scan_paths`].
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Files larger than this (bytes, per `fstat`) are skipped unread. Default 16 MiB.
    pub max_file_size: u64,
    /// Stop (truncated) before reading more than this many bytes in total. Default 1 GiB.
    pub max_total_bytes: u64,
    /// Stop (truncated) after reading this many files. Default 1,000,000.
    pub max_files: u64,
    /// Stop (truncated) at this instant. Default none.
    pub deadline: Option<Instant>,
    /// Worker threads; 0 means the available parallelism. Default 0.
    pub threads: usize,
    /// Do not descend into other file systems than each root's. Default true.
    pub same_file_system: bool,
    /// Keep at most this many matches per file (the rest are counted). Default 100.
    pub max_matches_per_file: usize,
    /// Do not descend deeper than this many directories below a root. Default 64.
    pub max_depth: usize,
    /// Follow a root that is itself a symlink (nothing below a root is ever
    /// followed). Default false.
    pub follow_root_symlinks: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: 16 << 20,
            max_total_bytes: 1 << 30,
            max_files: 1_000_000,
            deadline: None,
            threads: 0,
            same_file_system: true,
            max_matches_per_file: 100,
            max_depth: 64,
            follow_root_symlinks: false,
        }
    }
}

/// The matches found in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileHit {
    /// The file: a root joined with the names below it.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// Its matches, in offset order.
    pub matches: Vec<Match>,
}

/// What the walk saw and skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    /// Regular files whose content was scanned.
    pub files_scanned: u64,
    /// Bytes of content scanned.
    pub bytes_scanned: u64,
    /// Bytes read, including the sniffed start of binary files.
    pub bytes_read: u64,
    /// Directories listed.
    pub dirs: u64,
    /// Symlinks seen and not followed.
    pub skipped_symlinks: u64,
    /// FIFOs, sockets and devices seen and not opened.
    pub skipped_special: u64,
    /// Entries that could not be opened, listed or read.
    pub skipped_unreadable: u64,
    /// Files over `max_file_size`, not read.
    pub skipped_large: u64,
    /// Files that look binary (see crate docs), not scanned past the sniff.
    pub skipped_binary: u64,
    /// Directories and files on another file system (with `same_file_system`).
    pub skipped_other_fs: u64,
    /// Git object stores (`objects/`, `lfs/` inside a git directory), not entered.
    pub skipped_git_objects: u64,
    /// Directories deeper than `max_depth`, not entered.
    pub skipped_depth: u64,
    /// Files with more matches than `max_matches_per_file` (extra ones dropped).
    pub files_over_match_limit: u64,
}

impl ScanStats {
    fn add(&mut self, o: &ScanStats) {
        self.files_scanned += o.files_scanned;
        self.bytes_scanned += o.bytes_scanned;
        self.bytes_read += o.bytes_read;
        self.dirs += o.dirs;
        self.skipped_symlinks += o.skipped_symlinks;
        self.skipped_special += o.skipped_special;
        self.skipped_unreadable += o.skipped_unreadable;
        self.skipped_large += o.skipped_large;
        self.skipped_binary += o.skipped_binary;
        self.skipped_other_fs += o.skipped_other_fs;
        self.skipped_git_objects += o.skipped_git_objects;
        self.skipped_depth += o.skipped_depth;
        self.files_over_match_limit += o.files_over_match_limit;
    }
}

/// A root that could not be scanned at all, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RootError {
    /// The root as given.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// What went wrong, in one line.
    pub error: String,
}

/// The result of [`scan_paths`]: hits sorted by path, statistics, and why the
/// walk stopped early, if it did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// Files with matches, sorted by path.
    pub hits: Vec<FileHit>,
    /// What was scanned and skipped.
    pub stats: ScanStats,
    /// Set when a budget or the deadline ended the walk early.
    pub truncated: Option<String>,
    /// Roots that could not be scanned.
    pub root_errors: Vec<RootError>,
}

impl ScanReport {
    /// Adds a later scan's results to this one (hits kept sorted by path, every counter summed,
    /// the first truncation reason kept).
    pub fn merge(&mut self, other: ScanReport) {
        self.hits.extend(other.hits);
        self.hits.sort_by(|a, b| a.path.cmp(&b.path));
        self.stats.add(&other.stats);
        self.truncated = self.truncated.take().or(other.truncated);
        self.root_errors.extend(other.root_errors);
    }

    /// Total number of matches over all files.
    pub fn match_count(&self) -> usize {
        self.hits.iter().map(|h| h.matches.len()).sum()
    }
}

impl fmt::Display for ScanReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        write!(
            f,
            "{} secrets in {} files ({} files, {} bytes scanned)",
            self.match_count(),
            self.hits.len(),
            s.files_scanned,
            s.bytes_scanned
        )?;
        if let Some(reason) = &self.truncated {
            write!(f, "; truncated: {reason}")?;
        }
        for hit in &self.hits {
            for m in &hit.matches {
                write!(
                    f,
                    "\n{}:{}:{}: {} ({})",
                    hit.path.display(),
                    m.line,
                    m.column,
                    m.pattern,
                    m.confidence
                )?;
                if !m.fingerprint.is_empty() {
                    write!(f, " {}", m.fingerprint)?;
                }
            }
        }
        for e in &self.root_errors {
            write!(f, "\n{}: {}", e.path.display(), e.error)?;
        }
        Ok(())
    }
}

fn lossy_path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// Scans files and directory trees for secrets with `set`; see [`ScanOptions`].
///
/// Never fails: unreadable entries are counted, unscannable roots listed in
/// [`ScanReport::root_errors`]. Hits are deduplicated by path (overlapping
/// roots are walked twice, so their statistics count twice).
pub fn scan_paths(set: &PatternSet, roots: &[PathBuf], opts: &ScanOptions) -> ScanReport {
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let shared = Shared {
        set,
        opts,
        queue: Mutex::new(Queue { items: Vec::new(), active: 0 }),
        ready: Condvar::new(),
        stop: AtomicBool::new(false),
        truncated: Mutex::new(None),
        files_read: AtomicU64::new(0),
        bytes_read: AtomicU64::new(0),
        root_errors: Mutex::new(Vec::new()),
    };
    shared.push(roots.iter().rev().map(|r| Item::Root(r.clone())).collect());

    let mut report = ScanReport::default();
    let results: Vec<Worker> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut w = Worker::new();
                    w.run(&shared);
                    w
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    for w in results {
        report.stats.add(&w.stats);
        report.hits.extend(w.hits);
    }
    report.hits.sort_by(|a, b| a.path.cmp(&b.path));
    report.hits.dedup_by(|a, b| a.path == b.path);
    report.truncated = shared.truncated.into_inner().unwrap_or_else(PoisonError::into_inner);
    report.root_errors = shared.root_errors.into_inner().unwrap_or_else(PoisonError::into_inner);
    report.root_errors.sort_by(|a, b| a.path.cmp(&b.path));
    report
}

/// Files per work item: small enough to balance threads in a flat directory.
const FILE_BATCH: usize = 64;
/// The binary sniff reads this much first (most files fit in it entirely).
const FIRST_READ: usize = 64 * 1024;
/// A NUL within this many leading bytes marks a file as binary…
const SNIFF_LEN: usize = 8 * 1024;
/// …unless the file is at most this big and otherwise text (see `is_binary`).
const SMALL_TEXT_WITH_NULS: u64 = 1 << 20;

/// An open directory that still has pending work.
struct DirHandle {
    fd: OwnedFd,
    path: PathBuf,
    /// The root's device, for `same_file_system`.
    dev: u64,
    depth: usize,
}

enum Item {
    /// A root path as given by the caller.
    Root(PathBuf),
    /// A subdirectory to open relative to its parent.
    Dir { parent: Arc<DirHandle>, name: Box<CStr> },
    /// Regular files of one directory, as NUL-terminated names back to back.
    Files { dir: Arc<DirHandle>, names: Vec<u8> },
}

struct Queue {
    items: Vec<Item>,
    /// Workers processing an item (and so possibly about to push more).
    active: usize,
}

struct Shared<'a> {
    set: &'a PatternSet,
    opts: &'a ScanOptions,
    queue: Mutex<Queue>,
    ready: Condvar,
    stop: AtomicBool,
    truncated: Mutex<Option<String>>,
    files_read: AtomicU64,
    bytes_read: AtomicU64,
    root_errors: Mutex<Vec<RootError>>,
}

impl Shared<'_> {
    fn push(&self, items: Vec<Item>) {
        if items.is_empty() {
            return;
        }
        let many = items.len() > 1;
        self.lock().items.extend(items);
        if many { self.ready.notify_all() } else { self.ready.notify_one() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next item, or `None` when the walk is finished or stopped.
    fn next(&self) -> Option<Item> {
        let mut q = self.lock();
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return None;
            }
            if let Some(item) = q.items.pop() {
                q.active += 1;
                return Some(item);
            }
            if q.active == 0 {
                self.ready.notify_all();
                return None;
            }
            q = self.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn done(&self) {
        let mut q = self.lock();
        q.active -= 1;
        if q.active == 0 && q.items.is_empty() {
            self.ready.notify_all();
        }
    }

    /// Ends the walk early; the first reason wins.
    fn truncate(&self, reason: String) {
        self.truncated.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(reason);
        // Set under the queue lock, so a worker between its check of `stop`
        // and its wait cannot miss the wake-up.
        let queue = self.lock();
        self.stop.store(true, Ordering::Relaxed);
        drop(queue);
        self.ready.notify_all();
    }

    /// False (and the walk stopped) when the deadline has passed.
    fn in_time(&self) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return false;
        }
        match self.opts.deadline {
            Some(d) if Instant::now() >= d => {
                let files = self.files_read.load(Ordering::Relaxed);
                self.truncate(format!("deadline reached after reading {files} files"));
                false
            }
            _ => true,
        }
    }

    /// Claims budget for reading one file of `size` bytes, or stops the walk.
    fn claim(&self, size: u64) -> bool {
        let o = self.opts;
        let files = self.files_read.fetch_add(1, Ordering::Relaxed);
        if files >= o.max_files {
            self.truncate(format!("file budget reached ({} files)", o.max_files));
            return false;
        }
        let before = self.bytes_read.fetch_add(size, Ordering::Relaxed);
        if before.saturating_add(size) > o.max_total_bytes {
            self.truncate(format!("byte budget reached ({} bytes)", o.max_total_bytes));
            return false;
        }
        true
    }

    fn root_error(&self, path: &Path, error: impl fmt::Display) {
        let e = RootError { path: path.to_path_buf(), error: error.to_string() };
        self.root_errors.lock().unwrap_or_else(PoisonError::into_inner).push(e);
    }
}

/// One thread's reusable state and results.
struct Worker {
    buf: Vec<u8>,
    dirent_buf: Vec<MaybeUninit<u8>>,
    scratch: Scratch,
    stats: ScanStats,
    hits: Vec<FileHit>,
}

impl Worker {
    fn new() -> Worker {
        Worker {
            buf: Vec::new(),
            dirent_buf: vec![MaybeUninit::uninit(); 32 * 1024],
            scratch: Scratch::default(),
            stats: ScanStats::default(),
            hits: Vec::new(),
        }
    }

    fn run(&mut self, sh: &Shared<'_>) {
        while let Some(item) = sh.next() {
            match item {
                Item::Root(path) => self.root(sh, &path),
                Item::Dir { parent, name } => self.subdir(sh, &parent, &name),
                Item::Files { dir, names } => {
                    for name in names.split_inclusive(|&b| b == 0) {
                        if !sh.in_time() {
                            break;
                        }
                        let Ok(name) = CStr::from_bytes_with_nul(name) else { continue };
                        self.file_at(sh, &dir, name);
                    }
                }
            }
            sh.done();
        }
    }

    fn root(&mut self, sh: &Shared<'_>, path: &Path) {
        let follow = sh.opts.follow_root_symlinks;
        let at =
            if follow { AtFlags::NO_AUTOMOUNT } else { AtFlags::SYMLINK_NOFOLLOW | AtFlags::NO_AUTOMOUNT };
        let st = match rustix::fs::statat(CWD, path, at) {
            Ok(st) => st,
            Err(e) => return sh.root_error(path, e),
        };
        let nofollow = if follow { OFlags::empty() } else { OFlags::NOFOLLOW };
        match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => {
                if !sh.in_time() {
                    return;
                }
                let flags =
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NONBLOCK | nofollow;
                match rustix::fs::open(path, flags, Mode::empty()) {
                    Ok(fd) => {
                        let dir = DirHandle { fd, path: path.to_path_buf(), dev: dev_of(&st), depth: 0 };
                        self.list(sh, Arc::new(dir));
                    }
                    Err(e) => {
                        self.stats.skipped_unreadable += 1;
                        sh.root_error(path, e);
                    }
                }
            }
            FileType::RegularFile => {
                if !sh.in_time() {
                    return;
                }
                match open_regular_at(CWD, path, nofollow) {
                    Ok(fd) => self.read_and_scan(sh, &fd, dev_of(&st), || path.to_path_buf()),
                    Err(e) => {
                        self.stats.skipped_unreadable += 1;
                        sh.root_error(path, e);
                    }
                }
            }
            FileType::Symlink => {
                self.stats.skipped_symlinks += 1;
                sh.root_error(path, "is a symlink (not followed)");
            }
            _ => {
                self.stats.skipped_special += 1;
                sh.root_error(path, "not a regular file or directory (not opened)");
            }
        }
    }

    fn subdir(&mut self, sh: &Shared<'_>, parent: &Arc<DirHandle>, name: &CStr) {
        if !sh.in_time() {
            return;
        }
        let depth = parent.depth + 1;
        if depth > sh.opts.max_depth {
            self.stats.skipped_depth += 1;
            return;
        }
        // lstat first, without triggering an automount, to honour
        // same_file_system before opening anything on the other side.
        let st = match rustix::fs::statat(&parent.fd, name, AtFlags::SYMLINK_NOFOLLOW | AtFlags::NO_AUTOMOUNT)
        {
            Ok(st) => st,
            Err(_) => {
                self.stats.skipped_unreadable += 1;
                return;
            }
        };
        match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => {}
            FileType::Symlink => return self.stats.skipped_symlinks += 1,
            _ => return self.stats.skipped_special += 1,
        }
        if sh.opts.same_file_system && dev_of(&st) != parent.dev {
            self.stats.skipped_other_fs += 1;
            return;
        }
        let flags =
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        match rustix::fs::openat(&parent.fd, name, flags, Mode::empty()) {
            Ok(fd) => {
                let path = parent.path.join(OsStr::from_bytes(name.to_bytes()));
                self.list(sh, Arc::new(DirHandle { fd, path, dev: parent.dev, depth }));
            }
            Err(Errno::LOOP) => self.stats.skipped_symlinks += 1, // swapped for a symlink
            Err(_) => self.stats.skipped_unreadable += 1,
        }
    }

    /// Lists a directory: files go out in batches, subdirectories one item each.
    fn list(&mut self, sh: &Shared<'_>, dir: Arc<DirHandle>) {
        self.stats.dirs += 1;
        let mut items = Vec::new(); // subdirectories first, file batches after
        let mut file_items = Vec::new();
        let mut files: Vec<u8> = Vec::new();
        let mut n_files = 0;
        let mut subdirs: Vec<Box<CStr>> = Vec::new();
        let mut git = GitDirSigns::default();
        let mut entries = rustix::fs::RawDir::new(dir.fd.as_fd(), &mut self.dirent_buf);
        let mut seen = 0u32;
        while let Some(entry) = entries.next() {
            let Ok(entry) = entry else {
                self.stats.skipped_unreadable += 1;
                break;
            };
            seen = seen.wrapping_add(1);
            if seen.is_multiple_of(4096) && !sh.in_time() {
                return;
            }
            let name = entry.file_name();
            let bytes = name.to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            let kind = match entry.file_type() {
                FileType::Unknown => match rustix::fs::statat(&dir.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(st) => FileType::from_raw_mode(st.st_mode),
                    Err(_) => {
                        self.stats.skipped_unreadable += 1;
                        continue;
                    }
                },
                k => k,
            };
            git.note(bytes, kind);
            match kind {
                FileType::RegularFile => {
                    files.extend_from_slice(name.to_bytes_with_nul());
                    n_files += 1;
                    if n_files == FILE_BATCH {
                        let names = std::mem::take(&mut files);
                        file_items.push(Item::Files { dir: Arc::clone(&dir), names });
                        n_files = 0;
                    }
                }
                FileType::Directory => subdirs.push(name.into()),
                FileType::Symlink => self.stats.skipped_symlinks += 1,
                _ => self.stats.skipped_special += 1,
            }
        }
        for name in subdirs {
            if git.is_git_dir() && matches!(name.to_bytes(), b"objects" | b"lfs") {
                self.stats.skipped_git_objects += 1;
                continue;
            }
            items.push(Item::Dir { parent: Arc::clone(&dir), name });
        }
        if n_files > 0 {
            file_items.push(Item::Files { dir, names: files });
        }
        // Files end up on top of the stack, so they go first and the
        // directory's descriptor closes sooner.
        items.append(&mut file_items);
        sh.push(items);
    }

    fn file_at(&mut self, sh: &Shared<'_>, dir: &DirHandle, name: &CStr) {
        let fd = match open_regular_at(&dir.fd, name, OFlags::NOFOLLOW) {
            Ok(fd) => fd,
            Err(Errno::LOOP) => return self.stats.skipped_symlinks += 1, // swapped for a symlink
            Err(Errno::NXIO) => return self.stats.skipped_special += 1,  // swapped for a socket
            Err(_) => return self.stats.skipped_unreadable += 1,
        };
        self.read_and_scan(sh, &fd, dir.dev, || dir.path.join(OsStr::from_bytes(name.to_bytes())));
    }

    /// Checks an open file with `fstat`, reads it within budget and scans it.
    fn read_and_scan(
        &mut self,
        sh: &Shared<'_>,
        fd: &OwnedFd,
        root_dev: u64,
        path: impl FnOnce() -> PathBuf,
    ) {
        let Ok(st) = rustix::fs::fstat(fd) else {
            self.stats.skipped_unreadable += 1;
            return;
        };
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            self.stats.skipped_special += 1;
            return;
        }
        if sh.opts.same_file_system && dev_of(&st) != root_dev {
            self.stats.skipped_other_fs += 1; // a bind-mounted file
            return;
        }
        let size = u64::try_from(st.st_size).unwrap_or(0);
        if size > sh.opts.max_file_size {
            self.stats.skipped_large += 1;
            return;
        }
        if !sh.claim(size) {
            return;
        }
        // size <= max_file_size, which the caller chose to hold in memory.
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if self.buf.len() < size {
            self.buf.resize(size, 0);
        }
        let first = size.min(FIRST_READ);
        let mut len = match read_full(fd, &mut self.buf[..first]) {
            Ok(n) => n,
            Err(_) => return self.stats.skipped_unreadable += 1,
        };
        if is_binary(&self.buf[..len], size as u64) {
            self.stats.bytes_read += len as u64;
            self.stats.skipped_binary += 1;
            return;
        }
        if len == first && size > first {
            match read_full(fd, &mut self.buf[first..size]) {
                Ok(n) => len += n,
                Err(_) => return self.stats.skipped_unreadable += 1,
            }
        }
        self.stats.bytes_read += len as u64;
        self.stats.bytes_scanned += len as u64;
        self.stats.files_scanned += 1;
        let (matches, dropped) =
            sh.set.scan_with(&self.buf[..len], &mut self.scratch, sh.opts.max_matches_per_file);
        if dropped {
            self.stats.files_over_match_limit += 1;
        }
        if !matches.is_empty() {
            self.hits.push(FileHit { path: path(), matches });
        }
    }
}

/// Reads until `buf` is full or end of file; returns the bytes read.
fn read_full(fd: &OwnedFd, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut filled = 0;
    while filled < buf.len() {
        match rustix::io::read(fd, &mut buf[filled..]) {
            Ok(0) => break, // the file shrank since fstat
            Ok(n) => filled += n,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Binary if a NUL occurs in the first 8 KiB, like most text tools. Exception:
/// a small file (≤ 1 MiB) whose sample is otherwise text, with NULs as
/// separators at most one byte in eight (a saved `/proc/PID/environ` or
/// `env -0` output: exactly where secrets sit) is scanned.
fn is_binary(sample: &[u8], size: u64) -> bool {
    let head = &sample[..sample.len().min(SNIFF_LEN)];
    let nuls = memchr::memchr_iter(0, head).count();
    if nuls == 0 {
        return false;
    }
    if size > SMALL_TEXT_WITH_NULS || nuls * 8 > head.len() {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, 0 | b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f)
        .count();
    control * 100 > head.len()
}

/// Recognises a git directory (`.git`, a bare repo, `.git/modules/x`) by its
/// `HEAD` file and `refs/` and `objects/` directories.
#[derive(Default)]
struct GitDirSigns {
    head: bool,
    refs: bool,
    objects: bool,
}

impl GitDirSigns {
    fn note(&mut self, name: &[u8], kind: FileType) {
        match (name, kind) {
            (b"HEAD", FileType::RegularFile) => self.head = true,
            (b"refs", FileType::Directory) => self.refs = true,
            (b"objects", FileType::Directory) => self.objects = true,
            _ => {}
        }
    }

    fn is_git_dir(&self) -> bool {
        self.head && self.refs && self.objects
    }
}

/// The device of a stat result (its integer type differs between targets).
#[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
fn dev_of(st: &Stat) -> u64 {
    st.st_dev as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_sniff_allows_small_nul_separated_text() {
        let environ = b"HOME=/home/runner\0PATH=/usr/bin:/bin\0CI=true\0TOKEN_NAME=deploy\0";
        assert!(!is_binary(environ, environ.len() as u64));
        assert!(is_binary(environ, SMALL_TEXT_WITH_NULS + 1));
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0";
        assert!(is_binary(elf, 4096));
        assert!(!is_binary(b"plain text\n", 11));
    }
}
