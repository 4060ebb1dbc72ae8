//! Patching: OS support, kernel age, package freshness, agent version, image age.

use std::time::SystemTime;

use stance_core::model::{Confidence, Evidence};
use stance_core::report::{Platform, RunnerKind};
use stance_core::time::{format_date, parse_date};

use super::{age, days};
use crate::ctx::{Ctx, Eval};
use crate::facts::os::{SUPPORT_TABLE_AS_OF, support_for};
use crate::host::Kind;

/// `os-end-of-life`.
pub fn os_end_of_life(ctx: &Ctx<'_>) -> Eval {
    let Some(os) = ctx.os() else { return Eval::unknown("no /etc/os-release or /usr/lib/os-release") };
    let name = os.pretty();
    let Some(s) = support_for(os) else {
        return Eval::unknown(format!(
            "{name} is not in stance's support table (as of {SUPPORT_TABLE_AS_OF})"
        ))
        .with(Evidence::setting(
            "/etc/os-release",
            format!("ID={} VERSION_ID={}", os.id(), os.get("VERSION_ID").unwrap_or("?")),
        ));
    };
    let now = ctx.host.now();
    let (Ok(std_end), ext_end) =
        (parse_date(s.standard_end), s.extended_end.and_then(|d| parse_date(d).ok()))
    else {
        return Eval::unknown("the support table has an invalid date");
    };
    let ev = Evidence::setting("/etc/os-release", name.clone());
    match ext_end {
        _ if now < std_end => Eval::pass(format!("{name} is supported until {}", s.standard_end)).with(ev),
        Some(ext) if now < ext => Eval::warn(format!(
            "{name} left regular security support on {}; only extended (LTS) support remains, until {}",
            s.standard_end,
            s.extended_end.unwrap_or("?")
        ))
        .with(ev),
        Some(_) => {
            Eval::fail(format!("{name} reached end of life on {}", s.extended_end.unwrap_or("?"))).with(ev)
        }
        None => Eval::fail(format!("{name} reached end of support on {}", s.standard_end)).with(ev),
    }
}

/// Parses the build date out of `/proc/sys/kernel/version`.
pub fn kernel_build_date(version: &str) -> Option<SystemTime> {
    // Debian style: "... Debian 6.1.112-1 (2024-09-30)".
    for part in version.split(['(', ')']) {
        if part.len() == 10
            && part.as_bytes()[4] == b'-'
            && part.as_bytes()[7] == b'-'
            && let Ok(t) = parse_date(part)
        {
            return Some(t);
        }
    }
    // Classic style: "#1 SMP PREEMPT_DYNAMIC Thu Oct  5 21:02:42 UTC 2023".
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let words: Vec<&str> = version.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        if let Some(m) = MONTHS.iter().position(|x| x == w) {
            let day: u32 = words.get(i + 1)?.parse().ok()?;
            let year = words
                .iter()
                .skip(i + 2)
                .find_map(|w| w.parse::<u32>().ok().filter(|y| (1990..3000).contains(y)))?;
            return parse_date(&format!("{year:04}-{:02}-{day:02}", m + 1)).ok();
        }
    }
    None
}

fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(6)
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// `kernel-stale`.
pub fn kernel_stale(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let running = h.read_value("/proc/sys/kernel/osrelease");
    let mut problems = Vec::new();
    if h.exists("/var/run/reboot-required") || h.exists("/run/reboot-required") {
        problems.push(
            Evidence::path("/run/reboot-required").with_detail("the package manager asks for a reboot"),
        );
    }
    if let Some(r) = &running {
        let modules: Vec<String> = ["/lib/modules", "/usr/lib/modules"]
            .iter()
            .flat_map(|d| h.list(d))
            .filter(|(_, k)| *k == Kind::Dir)
            .map(|(n, _)| n)
            .collect();
        if let Some(newest) = modules.iter().max_by_key(|m| version_key(m))
            && version_key(newest) > version_key(r)
        {
            problems.push(Evidence::setting(
                "installed kernel",
                format!("{newest} is installed, {r} is running"),
            ));
        }
    }
    let version = h.read_value("/proc/sys/kernel/version");
    let built = version.as_deref().and_then(kernel_build_date);
    if let Some(b) = built {
        let a = age(h.now(), b);
        if a > ctx.opts.limits.kernel_max_age {
            problems.push(Evidence::setting(
                "/proc/sys/kernel/version",
                format!("built {} ({} days ago)", format_date(b), days(a)),
            ));
        }
    }
    if !problems.is_empty() {
        return Eval::fail("the running kernel is stale").with_all(problems);
    }
    match (running, built) {
        (None, _) => Eval::unknown("the running kernel is not visible (offline root or /proc missing)"),
        (Some(r), Some(b)) => Eval::pass(format!(
            "kernel {r} was built {} and no newer kernel waits for a reboot",
            format_date(b)
        )),
        (Some(r), None) => {
            Eval::unknown(format!("kernel {r} does not carry a build date, so its age is unknown"))
                .with(Evidence::setting("/proc/sys/kernel/version", version.unwrap_or_default()))
        }
    }
}

const PACKAGE_DBS: &[(&str, &str)] = &[
    ("/var/lib/dpkg/status", "dpkg"),
    ("/var/log/apt/history.log", "apt"),
    ("/var/lib/rpm/rpmdb.sqlite", "rpm"),
    ("/var/lib/rpm/Packages", "rpm"),
    ("/usr/lib/sysimage/rpm/rpmdb.sqlite", "rpm"),
    ("/lib/apk/db/installed", "apk"),
    ("/var/lib/pacman/local", "pacman"),
];

/// `packages-stale`.
pub fn packages_stale(ctx: &Ctx<'_>) -> Eval {
    let newest = PACKAGE_DBS
        .iter()
        .filter_map(|(p, m)| Some((ctx.host.stat(p).ok()?.modified().ok()?, *p, *m)))
        .max_by_key(|(t, _, _)| *t);
    let Some((t, path, manager)) = newest else {
        return Eval::unknown("no package-manager database found (dpkg, rpm, apk, pacman)");
    };
    let a = age(ctx.host.now(), t);
    let ev = Evidence::path(path).with_detail(format!(
        "{manager}, last changed {} ({} days ago)",
        format_date(t),
        days(a)
    ));
    if a > ctx.opts.limits.packages_max_age {
        Eval::fail(format!("packages last changed {} days ago", days(a))).with(ev)
    } else {
        Eval::pass(format!("packages changed {} days ago", days(a))).with(ev)
    }
}

/// `runner-agent-outdated`.
pub fn runner_agent_outdated(ctx: &Ctx<'_>) -> Eval {
    let p = ctx.platform();
    let c = &p.context;
    if c.platform == Platform::None && c.agent.is_none() {
        return Eval::na("not a CI job and no runner agent found");
    }
    let l = &ctx.opts.limits;
    let (min, name) = match c.platform {
        Platform::GithubActions | Platform::None => (l.github_runner_min.as_str(), "GitHub Actions runner"),
        Platform::GitlabCi => (l.gitlab_runner_min.as_str(), "GitLab Runner"),
        Platform::AzurePipelines => (l.azure_agent_min.as_str(), "Azure Pipelines agent"),
        _ => return Eval::unknown("stance has no minimum agent version for this platform"),
    };
    match &c.runner.agent_version {
        Some(v) => {
            let v = v.trim_start_matches('v');
            let ev = Evidence::setting("agent version", v.to_string());
            if version_key(v) < version_key(min) {
                Eval::fail(format!("{name} {v} is older than the minimum {min}")).with(ev)
            } else {
                Eval::pass(format!("{name} {v} meets the minimum {min}")).with(ev)
            }
        }
        None if matches!(c.runner.kind, RunnerKind::VendorHosted) => {
            Eval::pass("the platform vendor keeps its hosted runner agent current")
                .confidence(Confidence::Medium)
        }
        None => Eval::unknown("the runner agent's version is not visible to the job"),
    }
}

/// Reads a date from version strings such as `20251117.1.0` or `2025-11-17`.
fn date_in_version(v: &str) -> Option<SystemTime> {
    let digits: String =
        v.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect::<String>().replace('-', "");
    if digits.len() >= 8 {
        let d = &digits[..8];
        return parse_date(&format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8])).ok();
    }
    None
}

/// `image-age`.
pub fn image_age(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let mut candidates: Vec<(String, String)> = Vec::new();
    if let Some(v) = h.env("ImageVersion") {
        candidates.push(("ImageVersion".into(), v.to_string()));
    }
    if let Some(os) = ctx.os() {
        for k in ["IMAGE_VERSION", "BUILD_ID"] {
            if let Some(v) = os.get(k) {
                candidates.push((format!("os-release {k}"), v.to_string()));
            }
        }
    }
    for (source, v) in candidates {
        if let Some(t) = date_in_version(&v) {
            let a = age(h.now(), t);
            let ev = Evidence::setting(source, v);
            return if a > ctx.opts.limits.image_max_age {
                Eval::fail(format!("the runner image was built {} days ago", days(a))).with(ev)
            } else {
                Eval::pass(format!("the runner image was built {} days ago", days(a))).with(ev)
            };
        }
    }
    Eval::unknown("the image records no build date (ImageVersion, os-release IMAGE_VERSION or BUILD_ID)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_core::time::format_date;

    #[test]
    fn kernel_dates() {
        let d = kernel_build_date("#1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)").map(format_date);
        assert_eq!(d.as_deref(), Some("2024-09-30"));
        let d = kernel_build_date("#1 SMP PREEMPT_DYNAMIC Thu Oct  5 21:02:42 UTC 2023").map(format_date);
        assert_eq!(d.as_deref(), Some("2023-10-05"));
        assert_eq!(kernel_build_date("#1 SMP PREEMPT_DYNAMIC @0"), None);
    }

    #[test]
    fn image_versions() {
        assert_eq!(date_in_version("20251117.1.0").map(format_date).as_deref(), Some("2025-11-17"));
        assert_eq!(date_in_version("2025-11-17").map(format_date).as_deref(), Some("2025-11-17"));
        assert_eq!(date_in_version("1.2.3"), None);
        assert!(version_key("2.330.0") > version_key("2.328.0"));
        assert!(version_key("6.1.0-25-amd64") > version_key("6.1.0-13-amd64"));
    }
}
