//! The `Host`: every collector reads the machine through it. It is rooted at a
//! directory (`/` for the live machine, a mounted image or a fixture tree
//! otherwise), resolves symlinks inside that root only, never opens anything but
//! regular files and directories, and bounds every read.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use rustix::fs::{Mode, OFlags};

/// The most bytes any single read returns unless the caller asks for more.
pub const DEFAULT_READ_LIMIT: usize = 1 << 20;

/// Whose access the probe evaluates: the job's user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// Effective uid.
    pub uid: u32,
    /// Effective gid.
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Effective capability set (bit n = capability n); `None` when it could not be read.
    pub cap_eff: Option<u64>,
    /// Whether this is the identity of the running probe (so the kernel can answer access questions).
    pub is_self: bool,
}

/// `CAP_DAC_OVERRIDE`.
pub const CAP_DAC_OVERRIDE: u32 = 1;
/// `CAP_DAC_READ_SEARCH`.
pub const CAP_DAC_READ_SEARCH: u32 = 2;

impl Identity {
    /// Whether the identity holds capability `cap` (`false` when the set is unknown; checks
    /// about capabilities themselves use [`Identity::cap`] and say unknown instead).
    pub fn has_cap(&self, cap: u32) -> bool {
        self.cap(cap) == Some(true)
    }

    /// Whether the identity holds capability `cap`, when the set is known.
    pub fn cap(&self, cap: u32) -> Option<bool> {
        self.cap_eff.map(|c| cap < 64 && c & (1 << cap) != 0)
    }

    /// Whether the identity is in group `gid` (primary or supplementary).
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }

    /// An unprivileged identity used when probing an offline root with no process information.
    pub fn nobody() -> Identity {
        Identity { uid: 65534, gid: 65534, groups: vec![], cap_eff: Some(0), is_self: false }
    }
}

/// What access to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read.
    Read,
    /// Write.
    Write,
}

/// A directory entry: its name and whether it is a directory, symlink, regular file or other.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The file name.
    pub name: OsString,
    /// The kind of file, from the directory entry (never following symlinks).
    pub kind: Kind,
}

/// The kind of a filesystem object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A socket.
    Socket,
    /// Anything else (FIFO, device).
    Other,
}

impl Kind {
    fn of(ft: std::fs::FileType) -> Kind {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else if ft.is_socket() {
            Kind::Socket
        } else {
            Kind::Other
        }
    }
}

/// The machine as the collectors see it.
pub struct Host {
    root: PathBuf,
    live: bool,
    env: BTreeMap<String, String>,
    env_known: bool,
    now: SystemTime,
    identity: Option<Identity>,
}

impl Host {
    /// The live machine, with this process's environment.
    pub fn live() -> Host {
        Host::live_excluding(&[])
    }

    /// The live machine, with this process's environment minus `exclude` (variables stance
    /// itself consumes, such as the signing key of `gate --key-env`, are not the job's).
    pub fn live_excluding(exclude: &[String]) -> Host {
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| !exclude.contains(k))
            .collect();
        let mut h = Host {
            root: PathBuf::from("/"),
            live: true,
            env,
            env_known: true,
            now: SystemTime::now(),
            identity: None,
        };
        h.identity = h.read_identity(true);
        h
    }

    /// A tree rooted at `root`, with the given environment. Processes, kernel state and
    /// network come from `<root>/proc` and `<root>/sys` when those exist (fixtures).
    pub fn rooted(root: impl Into<PathBuf>, env: BTreeMap<String, String>, now: SystemTime) -> Host {
        let mut h = Host { root: root.into(), live: false, env, env_known: true, now, identity: None };
        h.identity = h.read_identity(false);
        h
    }

    /// A mounted image or chroot probed offline: a tree without a job environment, so
    /// environment-based controls say not applicable instead of passing on an empty one.
    pub fn offline(root: impl Into<PathBuf>, now: SystemTime) -> Host {
        let mut h = Host::rooted(root, BTreeMap::new(), now);
        h.env_known = false;
        h
    }

    /// Whether there is a job environment to examine (false for [`Host::offline`]).
    pub fn env_known(&self) -> bool {
        self.env_known
    }

    /// Whether this is an image or chroot probed offline ([`Host::offline`]): runtime-only
    /// state (sockets, mounted tokens, the environment) does not exist there.
    pub fn is_offline_tree(&self) -> bool {
        !self.live && !self.env_known
    }

    /// Replaces the identity whose access is evaluated.
    pub fn set_identity(&mut self, identity: Identity) {
        self.identity = Some(identity);
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether this is the live machine (processes, kernel and network are real).
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The time the probe considers "now".
    pub fn now(&self) -> SystemTime {
        self.now
    }

    /// The job environment.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Every environment variable.
    pub fn env_vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The identity of the job user, when known.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    fn read_identity(&self, is_self: bool) -> Option<Identity> {
        let status = self.read_string("/proc/self/status").ok()?;
        let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
        let second = |line: Option<&str>| line?.split_whitespace().nth(1)?.parse::<u32>().ok();
        let uid = second(field("Uid:"))?;
        let gid = second(field("Gid:"))?;
        let groups = field("Groups:")
            .map(|g| g.split_whitespace().filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default();
        let cap_eff = field("CapEff:").and_then(|c| u64::from_str_radix(c, 16).ok());
        Some(Identity { uid, gid, groups, cap_eff, is_self })
    }

    /// Maps an absolute in-root path to a real path, resolving symlinks inside the root
    /// (absolute link targets are re-rooted; `..` never climbs above the root).
    pub fn resolve(&self, path: &str, follow_last: bool) -> io::Result<PathBuf> {
        if self.live {
            return Ok(PathBuf::from(path));
        }
        let mut pending: Vec<OsString> = Vec::new();
        push_components(&mut pending, Path::new(path));
        let mut resolved: Vec<OsString> = Vec::new();
        let mut hops = 0;
        while let Some(comp) = pending.pop() {
            if comp == ".." {
                resolved.pop();
                continue;
            }
            let is_last = pending.is_empty();
            let mut candidate = self.root.clone();
            candidate.extend(&resolved);
            candidate.push(&comp);
            if (!is_last || follow_last)
                && let Ok(md) = std::fs::symlink_metadata(&candidate)
                && md.file_type().is_symlink()
            {
                hops += 1;
                if hops > 40 {
                    return Err(io::Error::other("too many levels of symbolic links"));
                }
                let target = std::fs::read_link(&candidate)?;
                if target.is_absolute() {
                    resolved.clear();
                }
                push_components(&mut pending, &target);
                continue;
            }
            resolved.push(comp);
        }
        let mut out = self.root.clone();
        out.extend(&resolved);
        Ok(out)
    }

    /// Metadata without following a final symlink.
    pub fn lstat(&self, path: &str) -> io::Result<std::fs::Metadata> {
        std::fs::symlink_metadata(self.resolve(path, false)?)
    }

    /// Metadata, following symlinks inside the root.
    pub fn stat(&self, path: &str) -> io::Result<std::fs::Metadata> {
        let real = self.resolve(path, true)?;
        if self.live { std::fs::metadata(real) } else { std::fs::symlink_metadata(real) }
    }

    /// Whether the path exists (following symlinks inside the root).
    pub fn exists(&self, path: &str) -> bool {
        self.stat(path).is_ok()
    }

    /// The target of a symlink, as written.
    pub fn read_link(&self, path: &str) -> io::Result<PathBuf> {
        std::fs::read_link(self.resolve(path, false)?)
    }

    /// Reads at most [`DEFAULT_READ_LIMIT`] bytes of a regular file.
    pub fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.read_limited(path, DEFAULT_READ_LIMIT)
    }

    /// Reads at most `limit` bytes of a regular file. Anything that is not a regular file
    /// (FIFO, device, socket, directory) is refused before it is opened for reading (see
    /// `stance_core::fsread`). Non-live roots add `O_NOFOLLOW`: resolution already followed
    /// links, inside the root.
    pub fn read_limited(&self, path: &str, limit: usize) -> io::Result<Vec<u8>> {
        if self.live && is_plain_procfs(path) {
            return read_procfs(path, limit);
        }
        let real = self.resolve(path, true)?;
        let extra = if self.live { OFlags::empty() } else { OFlags::NOFOLLOW };
        let fd = stance_core::fsread::open_regular_at(rustix::fs::CWD, &real, extra)
            .map_err(stance_core::fsread::io_error)?;
        let file = std::fs::File::from(fd);
        let mut buf = Vec::with_capacity(file.metadata()?.len().min(limit as u64) as usize);
        file.take(limit as u64).read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Reads a regular file as text (invalid UTF-8 replaced).
    pub fn read_string(&self, path: &str) -> io::Result<String> {
        let bytes = self.read(path)?;
        Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// A file's first line, trimmed (for /proc/sys and /sys values).
    pub fn read_value(&self, path: &str) -> Option<String> {
        self.read_limited(path, 4096)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).lines().next().unwrap_or("").trim().to_string())
    }

    /// The entries of a directory (not following symlinks in the entries).
    pub fn read_dir(&self, path: &str) -> io::Result<Vec<Entry>> {
        let real = self.resolve(path, true)?;
        let mut out = Vec::new();
        for e in std::fs::read_dir(real)? {
            let e = e?;
            let kind = e.file_type().map(Kind::of).unwrap_or(Kind::Other);
            out.push(Entry { name: e.file_name(), kind });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Names of directory entries as UTF-8 strings (others are skipped).
    pub fn list(&self, path: &str) -> Vec<(String, Kind)> {
        self.read_dir(path)
            .map(|v| v.into_iter().filter_map(|e| Some((e.name.into_string().ok()?, e.kind))).collect())
            .unwrap_or_default()
    }

    /// Whether the job user may read or write `path`. `None` when it cannot be told
    /// (no identity, or the path cannot be examined).
    pub fn can(&self, path: &str, access: Access) -> Option<bool> {
        let id = self.identity.as_ref()?;
        if self.live && id.is_self {
            let mode = match access {
                Access::Read => rustix::fs::Access::READ_OK,
                Access::Write => rustix::fs::Access::WRITE_OK,
            };
            return match rustix::fs::accessat(rustix::fs::CWD, path, mode, rustix::fs::AtFlags::EACCESS) {
                Ok(()) => Some(true),
                Err(rustix::io::Errno::ACCESS | rustix::io::Errno::ROFS | rustix::io::Errno::PERM) => {
                    Some(false)
                }
                Err(_) => None,
            };
        }
        let md = self.stat(path).ok()?;
        Some(mode_allows(id, md.uid(), md.gid(), md.mode(), access, md.is_dir()))
    }

    /// The path as a `String` for evidence (lossy).
    pub fn display(path: &Path) -> String {
        String::from_utf8_lossy(path.as_os_str().as_bytes()).into_owned()
    }
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the environment: it holds the job's secrets.
        f.debug_struct("Host")
            .field("root", &self.root)
            .field("live", &self.live)
            .field("env_vars", &self.env.len())
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// Whether Unix permission bits let `id` access a file owned by `uid:gid` with `mode`.
pub fn mode_allows(id: &Identity, uid: u32, gid: u32, mode: u32, access: Access, is_dir: bool) -> bool {
    let bit = match access {
        Access::Read => 0o4,
        Access::Write => 0o2,
    };
    if id.uid == 0 || id.has_cap(CAP_DAC_OVERRIDE) {
        return true;
    }
    if access == Access::Read && id.has_cap(CAP_DAC_READ_SEARCH) {
        return true;
    }
    let _ = is_dir;
    let shift = if id.uid == uid {
        6
    } else if id.in_group(gid) {
        3
    } else {
        0
    };
    mode >> shift & bit != 0
}

fn push_components(pending: &mut Vec<OsString>, path: &Path) {
    // `pending` is a stack: push in reverse so the first component pops first.
    let comps: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect();
    pending.extend(comps.into_iter().rev());
}

/// Whether `path` is a file of the live procfs that is regular by construction
/// (`/proc/<pid>/status`, `/proc/net/tcp`): no component that leads out of procfs
/// (`root`, `cwd`, `fd`, `map_files` are links to arbitrary files).
fn is_plain_procfs(path: &str) -> bool {
    path.strip_prefix("/proc/").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .split('/')
                .all(|c| !matches!(c, "" | "." | ".." | "root" | "cwd" | "fd" | "map_files" | "exe" | "ns"))
    })
}

/// Reads a procfs file with one non-blocking open: reading the process table stays cheap.
fn read_procfs(path: &str, limit: usize) -> io::Result<Vec<u8>> {
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(io::Error::from)?;
    let mut buf = Vec::with_capacity(limit.min(4096));
    std::fs::File::from(fd).take(limit as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn host(dir: &Path) -> Host {
        Host::rooted(dir, BTreeMap::new(), SystemTime::now())
    }

    #[test]
    fn only_procfs_files_inside_procfs_take_the_short_path() {
        for p in ["/proc/self/status", "/proc/1/cgroup", "/proc/net/tcp", "/proc/stat"] {
            assert!(is_plain_procfs(p), "{p}");
        }
        // Links out of procfs (a FIFO behind /proc/1/root/tmp/x, an fd to a pipe) go through
        // the checked open.
        for p in [
            "/proc/1/root/tmp/fifo",
            "/proc/self/fd/0",
            "/proc/self/cwd/x",
            "/proc/1/ns/net",
            "/proc/",
            "/procx/1",
            "/proc/1/../../tmp/f",
        ] {
            assert!(!is_plain_procfs(p), "{p}");
        }
        let live = Host::live();
        assert!(live.read_string("/proc/self/status").unwrap().contains("Pid:"));
    }

    #[test]
    fn symlinks_resolve_inside_the_root_only() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "outside").unwrap();
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("etc")).unwrap();
        std::fs::create_dir_all(r.join("usr/lib")).unwrap();
        std::fs::write(r.join("usr/lib/os-release"), "ID=test\n").unwrap();
        symlink("../usr/lib/os-release", r.join("etc/os-release")).unwrap();
        symlink(outside.path().join("secret"), r.join("etc/escape")).unwrap();
        symlink("../../../../../../../../etc/os-release", r.join("etc/climb")).unwrap();
        let h = host(r);
        assert_eq!(h.read_string("/etc/os-release").unwrap(), "ID=test\n");
        // An absolute link is re-rooted: it cannot reach the real file outside.
        assert!(h.read_string("/etc/escape").is_err());
        // `..` stops at the root.
        assert_eq!(h.read_string("/etc/climb").unwrap(), "ID=test\n");
    }

    #[test]
    fn symlink_loops_end_with_an_error() {
        let root = tempfile::tempdir().unwrap();
        symlink("b", root.path().join("a")).unwrap();
        symlink("a", root.path().join("b")).unwrap();
        assert!(host(root.path()).read("/a").is_err());
    }

    #[test]
    fn fifos_and_directories_are_never_opened() {
        let root = tempfile::tempdir().unwrap();
        let fifo = root.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        let h = host(root.path());
        let err = h.read("/fifo").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(h.read("/").is_err());
    }

    #[test]
    fn reads_are_bounded() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("big"), vec![b'x'; 10_000]).unwrap();
        assert_eq!(host(root.path()).read_limited("/big", 100).unwrap().len(), 100);
    }

    #[test]
    fn permission_bits_decide_access_for_other_identities() {
        let user = Identity { uid: 1001, gid: 1001, groups: vec![999], cap_eff: Some(0), is_self: false };
        assert!(!mode_allows(&user, 0, 0, 0o644, Access::Write, false));
        assert!(mode_allows(&user, 0, 0, 0o666, Access::Write, false));
        assert!(mode_allows(&user, 0, 999, 0o660, Access::Write, false));
        assert!(mode_allows(&user, 1001, 0, 0o600, Access::Read, false));
        assert!(!mode_allows(&user, 0, 0, 0o600, Access::Read, false));
        let dac = Identity { cap_eff: Some(1 << CAP_DAC_OVERRIDE), ..user };
        assert!(mode_allows(&dac, 0, 0, 0o600, Access::Write, false));
    }
}
