//! Opening files for reading without ever opening anything but a regular file: the one
//! mechanism behind the probe's host reads, the secret walk, and every file a user names
//! (reports, policies, keys, envelopes, CI files).
//!
//! A name is first opened as a bare reference (`O_PATH`: no device driver is called and no
//! FIFO is opened), its type checked with `fstat`, and only then that very inode is reopened
//! for reading through `/proc/self/fd`: a name swapped for a device or FIFO between a
//! caller's look and the open is never opened for reading. Reads are non-blocking, never
//! take a controlling terminal, are not inherited, and (where permitted) leave the access
//! time alone.

use std::fs::{File, Metadata};
use std::io::{self, Read as _};
use std::os::fd::{AsFd, AsRawFd as _, OwnedFd};
use std::path::Path;

use rustix::fs::{CWD, FileType, Mode, OFlags};
use rustix::io::Errno;

/// Opens `path` (relative to `dir`) for reading if it is a regular file. `extra` is added to
/// the lookup (`O_NOFOLLOW` refuses a symlink as the last component). Errors: `LOOP` for a
/// symlink under `O_NOFOLLOW`, `NXIO` for anything that is not a regular file (also when the
/// name changed to one while it was being opened), otherwise the system's.
pub fn open_regular_at<Fd: AsFd, P: rustix::path::Arg + Copy>(
    dir: Fd,
    path: P,
    extra: OFlags,
) -> Result<OwnedFd, Errno> {
    let reference = rustix::fs::openat(&dir, path, OFlags::PATH | OFlags::CLOEXEC | extra, Mode::empty())?;
    let st = rustix::fs::fstat(&reference)?;
    match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => {}
        FileType::Symlink => return Err(Errno::LOOP),
        _ => return Err(Errno::NXIO),
    }
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let with_noatime = |open: &dyn Fn(OFlags) -> Result<OwnedFd, Errno>| match open(flags | OFlags::NOATIME) {
        // O_NOATIME needs ownership of the file (or CAP_FOWNER).
        Err(Errno::PERM) => open(flags),
        other => other,
    };
    let link = format!("/proc/self/fd/{}", reference.as_raw_fd());
    match with_noatime(&|f| rustix::fs::open(link.as_str(), f, Mode::empty())) {
        Ok(fd) => Ok(fd),
        // Without /proc (a minimal chroot): open the name, non-blocking, and make sure it is
        // still the inode that was checked.
        Err(Errno::NOENT) => {
            let fd = with_noatime(&|f| rustix::fs::openat(&dir, path, f | extra, Mode::empty()))?;
            let now = rustix::fs::fstat(&fd)?;
            if FileType::from_raw_mode(now.st_mode) != FileType::RegularFile
                || now.st_ino != st.st_ino
                || now.st_dev != st.st_dev
            {
                return Err(Errno::NXIO);
            }
            Ok(fd)
        }
        Err(e) => Err(e),
    }
}

/// [`open_regular_at`] for the `std::io` world: a path relative to the working directory,
/// symlinks as the last component followed or not, and the file's metadata. "Not a regular
/// file" is `ErrorKind::InvalidInput`.
pub fn open_regular(path: &Path, follow: bool) -> io::Result<(File, Metadata)> {
    let extra = if follow { OFlags::empty() } else { OFlags::NOFOLLOW };
    let file = File::from(open_regular_at(CWD, path, extra).map_err(io_error)?);
    let meta = file.metadata()?;
    Ok((file, meta))
}

/// The `std::io` error for an [`open_regular_at`] error.
pub fn io_error(e: Errno) -> io::Error {
    match e {
        Errno::NXIO => io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
        Errno::LOOP => io::Error::new(io::ErrorKind::InvalidInput, "a symbolic link (not followed)"),
        e => e.into(),
    }
}

/// Reads a regular file (symlinks followed), at most `limit + 1` bytes: a result longer than
/// `limit` means the file is larger, which the caller reports in its own terms.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (file, meta) = open_regular(path, true)?;
    let mut buf = Vec::with_capacity(meta.len().min(limit + 1) as usize);
    file.take(limit + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("stance-fsread-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn reads_regular_files_up_to_one_byte_over_the_limit() {
        let d = scratch("limit");
        std::fs::write(d.join("f"), b"0123456789").unwrap();
        assert_eq!(read_regular(&d.join("f"), 100).unwrap(), b"0123456789");
        assert_eq!(read_regular(&d.join("f"), 4).unwrap(), b"01234");
        std::os::unix::fs::symlink(d.join("f"), d.join("link")).unwrap();
        assert_eq!(read_regular(&d.join("link"), 100).unwrap().len(), 10);
        assert!(open_regular(&d.join("link"), false).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn refuses_directories_and_fifos_without_blocking() {
        let d = scratch("special");
        let e = read_regular(&d, 10).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
        let fifo = d.join("pipe");
        if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
            // A blocking open of a FIFO without a writer would hang this test.
            let e = read_regular(&fifo, 10).unwrap_err();
            assert_eq!(e.to_string(), "not a regular file");
        }
        assert_eq!(read_regular(&d.join("missing"), 10).unwrap_err().kind(), io::ErrorKind::NotFound);
        let _ = std::fs::remove_dir_all(&d);
    }
}
