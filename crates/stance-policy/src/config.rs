//! The policy file: tiers to minimum levels, extra required controls, waivers.
//!
//! Read in two phases, like cargo-deny: the TOML is first deserialised into
//! unvalidated structs that keep the byte span of every value, then validated
//! into [`Policy`], so that every error points at the line of the user's file.
//! A user's file is layered over the built-in default (field by field).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use stance_core::catalog::control;
use stance_core::model::{Level, Tier};
use toml::Spanned;

use crate::error::{ErrorKind, PolicyError};

/// The built-in default policy (documented field by field in the file itself).
pub const DEFAULT_POLICY: &str = include_str!("../policy/default.toml");

/// The name under which the built-in policy appears in messages.
pub const DEFAULT_POLICY_NAME: &str = "<built-in default policy>";

/// Policy files larger than this are refused (a policy is a few kilobytes).
const MAX_POLICY_BYTES: u64 = 1 << 20;

/// A calendar date (UTC), as used for waiver expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the calendar.
    pub fn parse(text: &str) -> Option<Date> {
        let t = text.trim();
        let b = t.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let s = t.get(r)?;
            s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        Date::new(i32::try_from(y).ok()?, u8::try_from(m).ok()?, u8::try_from(d).ok()?)
    }

    /// A date if it exists in the Gregorian calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let days = u32::try_from(year).map_or(0, |y| stance_core::time::days_in_month(y, u32::from(month)));
        (1..=days).contains(&u32::from(day)).then_some(Date { year, month, day })
    }

    /// Today's date (UTC) at `now`.
    pub fn at(now: std::time::SystemTime) -> Date {
        let (y, m, d) = stance_core::time::civil_date(now);
        Date { year: i32::try_from(y).unwrap_or(1970), month: m as u8, day: d as u8 }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where a policy value was written: a file and a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The policy file ([`DEFAULT_POLICY_NAME`] for the built-in one).
    pub path: String,
    /// 1-based line.
    pub line: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// What one tier needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierPolicy {
    /// The lowest posture level the runner must measure.
    pub min_level: Level,
    /// Controls that must hold although the catalog requires them only above `min_level`.
    pub require: Vec<String>,
    /// Where `min_level` was set.
    pub origin: Origin,
}

/// An accepted risk: a control that may block without denying, until it expires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Waiver {
    /// The control id.
    pub control: String,
    /// The tier it applies to (any tier when absent; then `runner` is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// The runner name, label or host name it applies to (any runner when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// The last day it is valid (UTC).
    pub expires: Date,
    /// Where it is written.
    pub origin: Origin,
}

impl Waiver {
    /// Whether the waiver has expired on `today` (it is valid through its expiry day).
    pub fn expired(&self, today: Date) -> bool {
        today > self.expires
    }

    /// Whether the waiver applies to a job of `tier` on a runner known by `runner_names`
    /// (name, labels, host name).
    pub fn applies(&self, tier: Tier, runner_names: &[String]) -> bool {
        self.tier.is_none_or(|t| t == tier)
            && self.runner.as_deref().is_none_or(|r| runner_names.iter().any(|n| n.eq_ignore_ascii_case(r)))
    }

    /// What the waiver is scoped to, for messages: `tier release`, `runner gpu-1`.
    pub fn scope(&self) -> String {
        match (&self.tier, &self.runner) {
            (Some(t), Some(r)) => format!("tier {t} on runner {r}"),
            (Some(t), None) => format!("tier {t}"),
            (None, Some(r)) => format!("runner {r}"),
            (None, None) => "every job".into(),
        }
    }
}

/// Where the policy in effect came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "path")]
pub enum PolicySource {
    /// Only the built-in default.
    Builtin,
    /// A file layered over the built-in default.
    File(String),
}

/// A validated policy: every tier has a minimum level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Where it came from.
    pub source: PolicySource,
    /// Per tier, in [`Tier::ALL`] order.
    pub tiers: BTreeMap<Tier, TierPolicy>,
    /// Every waiver.
    pub waivers: Vec<Waiver>,
}

// ---------------------------------------------------------------- phase 1: unvalidated

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    tier: BTreeMap<Spanned<String>, Spanned<RawTier>>,
    #[serde(default)]
    waiver: Vec<Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    min_level: Option<Spanned<String>>,
    require: Option<Vec<Spanned<String>>>,
    // Accepted by the parser only to explain why it is refused.
    waive: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    control: Spanned<String>,
    tier: Option<Spanned<String>>,
    runner: Option<Spanned<String>>,
    reason: Spanned<String>,
    owner: Spanned<String>,
    expires: Spanned<toml::Value>,
}

/// What one file says about one tier: the minimum level (with where) and the require list.
type TierLayer = (Option<(Level, Origin)>, Option<Vec<String>>);

/// A partial policy: what one file says.
struct Layer {
    tiers: BTreeMap<Tier, TierLayer>,
    waivers: Vec<Waiver>,
}

// ---------------------------------------------------------------- phase 2: validated

struct Reader<'a> {
    path: &'a str,
    text: &'a str,
}

impl Reader<'_> {
    fn err<T>(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> Result<T, PolicyError> {
        Err(PolicyError::at(ErrorKind::Policy, self.path, self.text, span.start, message))
    }

    fn origin(&self, span: &std::ops::Range<usize>) -> Origin {
        Origin { path: self.path.to_string(), line: crate::error::line_col(self.text, span.start).0 }
    }

    fn tier(&self, s: &Spanned<String>) -> Result<Tier, PolicyError> {
        s.get_ref().parse::<Tier>().or_else(|_| {
            self.err(
                s.span(),
                format!(
                    "unknown tier `{}` (expected one of: untrusted, build, privileged, release)",
                    s.get_ref()
                ),
            )
        })
    }

    fn control(&self, s: &Spanned<String>) -> Result<String, PolicyError> {
        match control(s.get_ref()) {
            Some(c) => Ok(c.id.to_string()),
            None => self.err(s.span(), format!("unknown control `{}` (see `stance controls`)", s.get_ref())),
        }
    }

    fn non_empty(&self, s: &Spanned<String>, field: &str) -> Result<String, PolicyError> {
        let t = s.get_ref().trim();
        if t.is_empty() {
            self.err(s.span(), format!("`{field}` must not be empty"))
        } else {
            Ok(t.to_string())
        }
    }

    fn layer(&self) -> Result<Layer, PolicyError> {
        let raw: RawPolicy = toml::from_str(self.text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            PolicyError::at(ErrorKind::Policy, self.path, self.text, offset, one_line(e.message()))
        })?;
        let mut tiers = BTreeMap::new();
        for (name, body) in &raw.tier {
            let tier = self.tier(name)?;
            let body_ref = body.get_ref();
            if let Some(w) = &body_ref.waive {
                return self.err(
                    w.span(),
                    "tiers have no `waive` list: accept a risk with a [[waiver]] entry that names \
                     the control, a reason, an owner and an expiry date",
                );
            }
            let min = match &body_ref.min_level {
                Some(l) => {
                    let level = l.get_ref().to_ascii_uppercase().parse::<Level>().or_else(|_| {
                        self.err(
                            l.span(),
                            format!("unknown level `{}` (expected L0, L1, L2 or L3)", l.get_ref()),
                        )
                    })?;
                    Some((level, self.origin(&l.span())))
                }
                None => None,
            };
            let require = match &body_ref.require {
                Some(list) => {
                    let mut ids: Vec<String> = Vec::new();
                    for id in list {
                        let id = self.control(id)?;
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    Some(ids)
                }
                None => None,
            };
            tiers.insert(tier, (min, require));
        }
        let mut waivers = Vec::new();
        for w in &raw.waiver {
            let span = w.span();
            let w = w.get_ref();
            let control = self.control(&w.control)?;
            let tier = w.tier.as_ref().map(|t| self.tier(t)).transpose()?;
            let runner = w.runner.as_ref().map(|r| self.non_empty(r, "runner")).transpose()?;
            if tier.is_none() && runner.is_none() {
                return self.err(
                    span,
                    format!(
                        "the waiver for `{control}` names neither a `tier` nor a `runner`; \
                         scope it to the jobs or machines that accept the risk"
                    ),
                );
            }
            let reason = self.non_empty(&w.reason, "reason")?;
            let owner = self.non_empty(&w.owner, "owner")?;
            let expires = match w.expires.get_ref() {
                toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                    dt.date.and_then(|d| Date::new(i32::from(d.year), d.month, d.day))
                }
                toml::Value::String(s) => Date::parse(s),
                _ => None,
            };
            let Some(expires) = expires else {
                return self.err(w.expires.span(), "`expires` must be a date such as 2026-12-31");
            };
            waivers.push(Waiver {
                control,
                tier,
                runner,
                reason,
                owner,
                expires,
                origin: self.origin(&span),
            });
        }
        Ok(Layer { tiers, waivers })
    }
}

/// Collapses a multi-line parser message into one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Policy {
    /// The built-in default policy alone.
    pub fn builtin() -> Result<Policy, PolicyError> {
        let layer = Reader { path: DEFAULT_POLICY_NAME, text: DEFAULT_POLICY }.layer()?;
        let mut tiers = BTreeMap::new();
        for tier in Tier::ALL {
            match layer.tiers.get(tier) {
                Some((Some((min_level, origin)), require)) => {
                    tiers.insert(
                        *tier,
                        TierPolicy {
                            min_level: *min_level,
                            require: require.clone().unwrap_or_default(),
                            origin: origin.clone(),
                        },
                    );
                }
                _ => {
                    return Err(PolicyError::file(
                        ErrorKind::Policy,
                        DEFAULT_POLICY_NAME,
                        format!("tier `{tier}` has no min_level"),
                    ));
                }
            }
        }
        Ok(Policy { source: PolicySource::Builtin, tiers, waivers: layer.waivers })
    }

    /// The built-in default with the policy text `text` (read from `path`) layered over it:
    /// each field the text sets replaces the default's; waivers are added.
    pub fn with_overrides(path: &str, text: &str) -> Result<Policy, PolicyError> {
        let mut policy = Policy::builtin()?;
        let layer = Reader { path, text }.layer()?;
        for (tier, (min, require)) in layer.tiers {
            if let Some(tp) = policy.tiers.get_mut(&tier) {
                if let Some((level, origin)) = min {
                    tp.min_level = level;
                    tp.origin = origin;
                }
                if let Some(r) = require {
                    tp.require = r;
                }
            }
        }
        policy.waivers.extend(layer.waivers);
        policy.source = PolicySource::File(path.to_string());
        Ok(policy)
    }

    /// The built-in default, or the file at `path` layered over it.
    pub fn load(path: Option<&Path>) -> Result<Policy, PolicyError> {
        let Some(path) = path else { return Policy::builtin() };
        let shown = path.display().to_string();
        let text =
            read_bounded(path, MAX_POLICY_BYTES).map_err(|m| PolicyError::file(ErrorKind::Io, &shown, m))?;
        Policy::with_overrides(&shown, &text)
    }

    /// What `tier` needs.
    pub fn tier(&self, tier: Tier) -> &TierPolicy {
        // Every tier is present after validation (builtin() checks it).
        &self.tiers[&tier]
    }

    /// Of two tiers, the one whose policy asks more of the runner: the higher minimum
    /// level, then more required controls, then release > privileged > untrusted > build.
    pub fn stricter(&self, a: Tier, b: Tier) -> Tier {
        let rank = |t: Tier| {
            let p = self.tier(t);
            let order = match t {
                Tier::Build => 0,
                Tier::Untrusted => 1,
                Tier::Privileged => 2,
                Tier::Release => 3,
            };
            (p.min_level, p.require.len(), order)
        };
        if rank(b) > rank(a) { b } else { a }
    }

    /// The policy as TOML (for `--print-policy`): tiers and waivers, with their origins as comments.
    pub fn to_toml(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Policy in effect ({}).",
            match &self.source {
                PolicySource::Builtin => "built-in default".to_string(),
                PolicySource::File(p) => format!("{p} over the built-in default"),
            }
        );
        for (tier, p) in &self.tiers {
            let _ = writeln!(out, "\n[tier.{tier}]  # min_level from {}", p.origin);
            let _ = writeln!(out, "min_level = \"{}\"", p.min_level);
            let req: Vec<String> = p.require.iter().map(|r| format!("\"{r}\"")).collect();
            let _ = writeln!(out, "require = [{}]", req.join(", "));
        }
        for w in &self.waivers {
            let _ = writeln!(out, "\n[[waiver]]  # {}", w.origin);
            let _ = writeln!(out, "control = \"{}\"", w.control);
            if let Some(t) = w.tier {
                let _ = writeln!(out, "tier = \"{t}\"");
            }
            if let Some(r) = &w.runner {
                let _ = writeln!(out, "runner = {}", toml_string(r));
            }
            let _ = writeln!(out, "reason = {}", toml_string(&w.reason));
            let _ = writeln!(out, "owner = {}", toml_string(&w.owner));
            let _ = writeln!(out, "expires = {}", w.expires);
        }
        out
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads a regular file of at most `limit` bytes as UTF-8 (never a FIFO or device).
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<String, String> {
    let buf = stance_core::fsread::read_regular(path, limit).map_err(|e| e.to_string())?;
    if buf.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes"));
    }
    String::from_utf8(buf).map_err(|_| "not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn over(text: &str) -> Result<Policy, PolicyError> {
        Policy::with_overrides("p.toml", text)
    }

    fn err(text: &str) -> String {
        over(text).err().map(|e| e.to_string()).unwrap_or_else(|| "accepted".into())
    }

    #[test]
    fn default_policy_maps_tiers_as_designed() {
        let p = Policy::builtin().unwrap();
        assert_eq!(p.tier(Tier::Untrusted).min_level, Level::L2);
        assert_eq!(p.tier(Tier::Build).min_level, Level::L1);
        assert_eq!(p.tier(Tier::Privileged).min_level, Level::L2);
        assert_eq!(p.tier(Tier::Release).min_level, Level::L3);
        assert!(p.waivers.is_empty());
        assert_eq!(p.source, PolicySource::Builtin);
        assert!(p.tiers.values().all(|t| t.require.is_empty()));
    }

    #[test]
    fn a_file_replaces_only_the_fields_it_sets() {
        let p = over("[tier.build]\nrequire = [\"egress-open\"]\n\n[tier.release]\nmin_level = \"l2\"\n")
            .unwrap();
        assert_eq!(p.tier(Tier::Build).min_level, Level::L1);
        assert_eq!(p.tier(Tier::Build).require, ["egress-open"]);
        assert_eq!(p.tier(Tier::Release).min_level, Level::L2);
        assert_eq!(p.tier(Tier::Release).origin, Origin { path: "p.toml".into(), line: 5 });
        assert_eq!(p.tier(Tier::Privileged).min_level, Level::L2);
        assert_eq!(p.source, PolicySource::File("p.toml".into()));
    }

    #[test]
    fn waivers_are_read_with_dates_as_toml_dates_or_strings() {
        let p = over(
            "[[waiver]]\ncontrol = \"lsm-enforcing\"\ntier = \"release\"\nreason = \"r\"\nowner = \"@sec\"\nexpires = 2026-12-31\n\n\
             [[waiver]]\ncontrol = \"kernel-lockdown\"\nrunner = \"gpu-1\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2025-02-28\"\n",
        )
        .unwrap();
        assert_eq!(p.waivers.len(), 2);
        assert_eq!(p.waivers[0].expires, Date { year: 2026, month: 12, day: 31 });
        assert_eq!(p.waivers[0].origin.line, 1);
        assert_eq!(p.waivers[1].runner.as_deref(), Some("gpu-1"));
        assert_eq!(p.waivers[1].origin.line, 8);
        assert!(p.waivers[1].applies(Tier::Build, &["GPU-1".into()]));
        assert!(!p.waivers[1].applies(Tier::Build, &["gpu-2".into()]));
        assert!(!p.waivers[0].applies(Tier::Privileged, &[]));
    }

    #[test]
    fn expiry_is_inclusive_of_the_last_day() {
        let p = over("[[waiver]]\ncontrol = \"lsm-enforcing\"\ntier = \"release\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-03-01\n")
            .unwrap();
        let w = &p.waivers[0];
        assert!(!w.expired(Date::new(2026, 3, 1).unwrap()));
        assert!(w.expired(Date::new(2026, 3, 2).unwrap()));
        assert!(!w.expired(Date::new(2025, 12, 31).unwrap()));
    }

    #[test]
    fn errors_point_at_the_line_and_column() {
        assert_eq!(
            err(
                "[[waiver]]\ncontrol = \"no-such-control\"\ntier = \"release\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-01-01\n"
            ),
            "p.toml:2:11: unknown control `no-such-control` (see `stance controls`)"
        );
        assert_eq!(
            err("[tier.release]\nmin_level = \"L9\"\n"),
            "p.toml:2:13: unknown level `L9` (expected L0, L1, L2 or L3)"
        );
        assert_eq!(
            err("[tier.deploy]\nmin_level = \"L2\"\n"),
            "p.toml:1:7: unknown tier `deploy` (expected one of: untrusted, build, privileged, release)"
        );
        assert_eq!(
            err("[tier.release]\nrequire = [\"egress-open\", \"nope\"]\n"),
            "p.toml:2:27: unknown control `nope` (see `stance controls`)"
        );
        assert!(
            err("[tier.release]\nwaive = [\"egress-open\"]\n")
                .starts_with("p.toml:2:9: tiers have no `waive` list")
        );
        assert!(
            err("[tier.release]\nmin_levle = \"L2\"\n").starts_with("p.toml:2:1: unknown field `min_levle`")
        );
        assert!(err("[[waiver]]\ncontrol = \"lsm-enforcing\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-01-01\n")
            .starts_with("p.toml:1:1: the waiver for `lsm-enforcing` names neither"));
        assert_eq!(
            err(
                "[[waiver]]\ncontrol = \"lsm-enforcing\"\ntier = \"build\"\nreason = \"r\"\nowner = \" \"\nexpires = 2026-01-01\n"
            ),
            "p.toml:5:9: `owner` must not be empty"
        );
        assert_eq!(
            err(
                "[[waiver]]\ncontrol = \"lsm-enforcing\"\ntier = \"build\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-02-30\"\n"
            ),
            "p.toml:6:11: `expires` must be a date such as 2026-12-31"
        );
        assert!(err("[[waiver]]\ncontrol = \"lsm-enforcing\"\ntier = \"build\"\nreason = \"r\"\nexpires = 2026-01-01\n")
            .contains("missing field `owner`"));
        assert!(err("[tier.release\n").starts_with("p.toml:1:"));
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(Date::parse("2024-02-29"), Date::new(2024, 2, 29));
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-1-01").is_none());
        assert!(Date::parse("20230101").is_none());
        assert_eq!(Date::at(stance_core::time::from_unix_seconds(0)).to_string(), "1970-01-01");
    }

    #[test]
    fn stricter_follows_the_policy() {
        let p = Policy::builtin().unwrap();
        assert_eq!(p.stricter(Tier::Build, Tier::Untrusted), Tier::Untrusted);
        assert_eq!(p.stricter(Tier::Untrusted, Tier::Privileged), Tier::Privileged);
        assert_eq!(p.stricter(Tier::Release, Tier::Privileged), Tier::Release);
        let q = over("[tier.untrusted]\nmin_level = \"L3\"\n").unwrap();
        assert_eq!(q.stricter(Tier::Untrusted, Tier::Privileged), Tier::Untrusted);
    }

    #[test]
    fn printed_policy_reads_back_the_same() {
        let p = over(
            "[tier.build]\nrequire = [\"egress-open\"]\n[[waiver]]\ncontrol = \"lsm-enforcing\"\ntier = \"release\"\nreason = \"a \\\"quoted\\\" reason\"\nowner = \"o\"\nexpires = 2026-12-31\n",
        )
        .unwrap();
        let again = over(&p.to_toml()).unwrap();
        assert_eq!(
            again.tiers.values().map(|t| (t.min_level, t.require.clone())).collect::<Vec<_>>(),
            p.tiers.values().map(|t| (t.min_level, t.require.clone())).collect::<Vec<_>>()
        );
        assert_eq!(again.waivers[0].reason, "a \"quoted\" reason");
    }
}
