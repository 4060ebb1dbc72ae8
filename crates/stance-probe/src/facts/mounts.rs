//! Mount table from `/proc/self/mountinfo`.

use crate::host::Host;

/// One mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// The `major:minor` device.
    pub dev: String,
    /// The path inside the mounted filesystem that is mounted (bind mounts show a subpath).
    pub root: String,
    /// Where it is mounted.
    pub mount_point: String,
    /// Per-mount options (`rw`, `nosuid`, …).
    pub options: Vec<String>,
    /// Filesystem type.
    pub fstype: String,
    /// Mount source.
    pub source: String,
}

impl Mount {
    /// Whether the mount is read-only.
    pub fn read_only(&self) -> bool {
        self.options.iter().any(|o| o == "ro")
    }

    /// Whether the mount has option `opt`.
    pub fn has(&self, opt: &str) -> bool {
        self.options.iter().any(|o| o == opt)
    }
}

/// Reads the mount table; empty when unavailable.
pub fn load(host: &Host) -> Vec<Mount> {
    host.read_string("/proc/self/mountinfo").map(|t| parse(&t)).unwrap_or_default()
}

/// Parses mountinfo text.
pub fn parse(text: &str) -> Vec<Mount> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Mount> {
    let (left, right) = line.split_once(" - ")?;
    let l: Vec<&str> = left.split(' ').collect();
    let r: Vec<&str> = right.split(' ').collect();
    Some(Mount {
        dev: l.get(2)?.to_string(),
        root: unescape(l.get(3)?),
        mount_point: unescape(l.get(4)?),
        options: l.get(5)?.split(',').map(str::to_string).collect(),
        fstype: r.first()?.to_string(),
        source: unescape(r.get(1).copied().unwrap_or("")),
    })
}

/// Undoes mountinfo's octal escapes (`\040` for space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = |k: usize| u16::from(b[k] - b'0');
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
            && octal(i + 1) * 64 + octal(i + 2) * 8 + octal(i + 3) <= 255
        {
            out.push((octal(i + 1) * 64 + octal(i + 2) * 8 + octal(i + 3)) as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The mount that contains `path` (longest matching mount point; later mounts win ties).
pub fn containing<'m>(mounts: &'m [Mount], path: &str) -> Option<&'m Mount> {
    let mut best: Option<&Mount> = None;
    for m in mounts {
        let mp = m.mount_point.as_str();
        let inside = path == mp || mp == "/" || path.starts_with(&format!("{}/", mp.trim_end_matches('/')));
        if inside && best.is_none_or(|b| mp.len() >= b.mount_point.len()) {
            best = Some(m);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mountinfo_lines() {
        let m = parse(
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n30 25 0:27 /a\\040b /mnt/x ro,nosuid shared:1 - tmpfs tmpfs rw\n",
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].root, "/a b");
        assert!(m[1].read_only() && m[1].has("nosuid"));
        assert_eq!(containing(&m, "/mnt/x/y").map(|m| m.fstype.as_str()), Some("tmpfs"));
        assert_eq!(containing(&m, "/mnt/xy").map(|m| m.fstype.as_str()), Some("ext4"));
    }

    // Review finding: an escape above \377 overflowed a byte (a panic in debug builds).
    #[test]
    fn out_of_range_escapes_stay_literal() {
        assert_eq!(unescape("/a\\777b"), "/a\\777b");
        assert_eq!(unescape("/a\\040b\\"), "/a b\\");
    }
}
