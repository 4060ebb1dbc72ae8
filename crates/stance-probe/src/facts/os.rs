//! The operating system release (`/etc/os-release`) and its support dates.

use std::collections::BTreeMap;

use crate::host::Host;

/// Parsed os-release fields.
#[derive(Clone, Debug, Default)]
pub struct OsRelease {
    fields: BTreeMap<String, String>,
}

impl OsRelease {
    /// Reads `/etc/os-release`, falling back to `/usr/lib/os-release`.
    pub fn load(host: &Host) -> Option<OsRelease> {
        let text =
            host.read_string("/etc/os-release").or_else(|_| host.read_string("/usr/lib/os-release")).ok()?;
        Some(OsRelease::parse(&text))
    }

    /// Parses os-release text.
    pub fn parse(text: &str) -> OsRelease {
        let mut fields = BTreeMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                let v = v.trim();
                let v = v.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(v);
                let v = v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')).unwrap_or(v);
                fields.insert(k.trim().to_string(), v.replace("\\\"", "\""));
            }
        }
        OsRelease { fields }
    }

    /// A field's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// `ID` (lowercase).
    pub fn id(&self) -> &str {
        self.get("ID").unwrap_or("linux")
    }

    /// `PRETTY_NAME`, else `NAME VERSION`.
    pub fn pretty(&self) -> String {
        self.get("PRETTY_NAME").map(str::to_string).unwrap_or_else(|| {
            format!("{} {}", self.get("NAME").unwrap_or("Linux"), self.get("VERSION").unwrap_or(""))
        })
    }
}

/// Support dates of one release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Support {
    /// The distribution id (`ubuntu`, `debian`, …).
    pub id: &'static str,
    /// The version (`VERSION_ID`, matched exactly or as `major` prefix).
    pub version: &'static str,
    /// End of regular (standard/security) support, `YYYY-MM-DD`.
    pub standard_end: &'static str,
    /// End of free extended support (Debian LTS), when there is one.
    pub extended_end: Option<&'static str>,
}

/// When this table was last reviewed. Releases newer than the table are reported as unknown.
pub const SUPPORT_TABLE_AS_OF: &str = "2026-11-01";

/// Support dates from the vendors' public lifecycle pages. Paid extended support (Ubuntu ESM,
/// RHEL ELS) is not counted: a runner that depends on it is still reported.
pub const SUPPORT: &[Support] = &[
    // Ubuntu: standard support of LTS (5 years) and interim (9 months) releases.
    s("ubuntu", "14.04", "2019-04-30", None),
    s("ubuntu", "16.04", "2021-04-30", None),
    s("ubuntu", "18.04", "2023-05-31", None),
    s("ubuntu", "20.04", "2025-05-31", None),
    s("ubuntu", "22.04", "2027-05-31", None),
    s("ubuntu", "23.04", "2024-01-25", None),
    s("ubuntu", "23.10", "2024-07-11", None),
    s("ubuntu", "24.04", "2029-05-31", None),
    s("ubuntu", "24.10", "2025-07-10", None),
    s("ubuntu", "25.04", "2026-01-15", None),
    s("ubuntu", "25.10", "2026-07-15", None),
    s("ubuntu", "26.04", "2031-05-31", None),
    // Debian: security support, then the free LTS.
    s("debian", "8", "2018-06-17", Some("2020-06-30")),
    s("debian", "9", "2020-07-06", Some("2022-06-30")),
    s("debian", "10", "2022-09-10", Some("2024-06-30")),
    s("debian", "11", "2024-08-14", Some("2026-08-31")),
    s("debian", "12", "2026-06-10", Some("2028-06-30")),
    s("debian", "13", "2028-08-09", Some("2030-06-30")),
    // Enterprise Linux and rebuilds: end of maintenance support.
    s("rhel", "7", "2024-06-30", None),
    s("rhel", "8", "2029-05-31", None),
    s("rhel", "9", "2032-05-31", None),
    s("rhel", "10", "2035-05-31", None),
    s("centos", "7", "2024-06-30", None),
    s("centos", "8", "2021-12-31", None),
    s("centos", "9", "2027-05-31", None),
    s("almalinux", "8", "2029-03-01", None),
    s("almalinux", "9", "2032-05-31", None),
    s("almalinux", "10", "2035-05-31", None),
    s("rocky", "8", "2029-05-31", None),
    s("rocky", "9", "2032-05-31", None),
    s("rocky", "10", "2035-05-31", None),
    // Amazon Linux.
    s("amzn", "2018.03", "2023-12-31", None),
    s("amzn", "2", "2026-06-30", None),
    s("amzn", "2023", "2029-06-30", None),
    // Alpine: two years per release branch.
    s("alpine", "3.15", "2023-11-01", None),
    s("alpine", "3.16", "2024-05-23", None),
    s("alpine", "3.17", "2024-11-22", None),
    s("alpine", "3.18", "2025-05-09", None),
    s("alpine", "3.19", "2025-11-01", None),
    s("alpine", "3.20", "2026-04-01", None),
    s("alpine", "3.21", "2026-11-01", None),
    s("alpine", "3.22", "2027-05-01", None),
    s("alpine", "3.23", "2027-11-01", None),
    // Fedora: about 13 months per release.
    s("fedora", "39", "2024-11-26", None),
    s("fedora", "40", "2025-05-13", None),
    s("fedora", "41", "2025-12-15", None),
    s("fedora", "42", "2026-05-13", None),
    s("fedora", "43", "2026-12-09", None),
    // openSUSE Leap.
    s("opensuse-leap", "15.5", "2024-12-31", None),
    s("opensuse-leap", "15.6", "2026-04-30", None),
];

const fn s(
    id: &'static str,
    version: &'static str,
    standard_end: &'static str,
    extended_end: Option<&'static str>,
) -> Support {
    Support { id, version, standard_end, extended_end }
}

/// The support entry for a release: exact `VERSION_ID`, else its major version (`12.4` → `12`).
pub fn support_for(os: &OsRelease) -> Option<&'static Support> {
    let id = os.id();
    let version = os.get("VERSION_ID")?;
    // Alpine point releases (3.20.3) belong to their branch (3.20).
    let branch: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let major = version.split('.').next().unwrap_or(version);
    let family = match id {
        "centos" | "rhel" | "almalinux" | "rocky" | "ubuntu" | "debian" | "amzn" | "alpine" | "fedora"
        | "opensuse-leap" => id,
        _ => return None,
    };
    SUPPORT
        .iter()
        .filter(|e| e.id == family)
        .find(|e| e.version == version)
        .or_else(|| SUPPORT.iter().filter(|e| e.id == family).find(|e| e.version == branch))
        .or_else(|| SUPPORT.iter().filter(|e| e.id == family).find(|e| e.version == major))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_releases_by_version_branch_and_major() {
        let deb = OsRelease::parse(
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
        );
        assert_eq!(support_for(&deb).map(|s| s.version), Some("12"));
        assert_eq!(deb.pretty(), "Debian GNU/Linux 12 (bookworm)");
        let alp = OsRelease::parse("ID=alpine\nVERSION_ID=3.20.3\n");
        assert_eq!(support_for(&alp).map(|s| s.version), Some("3.20"));
        let rocky = OsRelease::parse("ID=\"rocky\"\nVERSION_ID=\"9.4\"\n");
        assert_eq!(support_for(&rocky).map(|s| s.version), Some("9"));
        let unknown = OsRelease::parse("ID=gentoo\nVERSION_ID=2.15\n");
        assert!(support_for(&unknown).is_none());
    }

    #[test]
    fn support_dates_are_valid() {
        for e in SUPPORT {
            assert!(stance_core::time::parse_date(e.standard_end).is_ok(), "{e:?}");
            if let Some(x) = e.extended_end {
                assert!(stance_core::time::parse_date(x).is_ok() && x > e.standard_end, "{e:?}");
            }
        }
    }
}
