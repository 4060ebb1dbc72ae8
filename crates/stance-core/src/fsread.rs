//! Reading the files a user names (reports, policies, keys, envelopes, CI files) without
//! ever blocking on or reading anything but a regular file.
//!
//! A name is opened once, non-blocking and never as the controlling terminal, and the type
//! of what was opened is checked on the descriptor: a FIFO, device or directory (named, or
//! swapped in after a caller looked) is closed unread, and nothing is waited on.

use std::fs::{File, Metadata};
use std::io::{self, Read as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use rustix::fs::OFlags;

/// Opens `path` for reading if it is a regular file; `follow` says whether a symlink as the
/// last component is followed (a name the user typed) or refused (a name found by walking).
pub fn open_regular(path: &Path, follow: bool) -> io::Result<(File, Metadata)> {
    let mut flags = OFlags::NONBLOCK | OFlags::NOCTTY;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new().read(true).custom_flags(flags.bits() as i32).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok((file, meta))
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
