//! The vocabulary shared by every command: outcomes, severities, findings, evidence.

use serde::{Deserialize, Serialize};

/// Defines an enum whose values have one stable text form each (serde, `Display`,
/// `FromStr` with an [`UnknownValue`] error listing the accepted values), and `ALL`.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text form used in every output format and config file.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::model::UnknownValue;
            fn from_str(s: &str) -> Result<Self, $crate::model::UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::model::UnknownValue {
                        kind: stringify!($name),
                        value: s.chars().take(64).collect(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }
    };
}

/// A string that is not one of an enumeration's accepted values.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown {} `{value}` (expected one of: {})", kind_words(kind), expected.join(", "))]
pub struct UnknownValue {
    /// Which enumeration was parsed.
    pub kind: &'static str,
    /// The rejected text.
    pub value: String,
    /// The accepted texts.
    pub expected: &'static [&'static str],
}

/// `EvidenceKind` → `evidence kind`: a type name as words for messages.
fn kind_words(kind: &str) -> String {
    let mut out = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

string_enum! {
    /// The result of evaluating one control.
    Outcome {
        /// The control's requirement holds.
        Pass = "pass",
        /// The requirement does not hold.
        Fail = "fail",
        /// A weakness worth attention that does not by itself break the requirement.
        Warn = "warn",
        /// The control does not apply here (the reason says why).
        NotApplicable = "not-applicable",
        /// The probe could not decide (the reason says why); never counted as a pass.
        Unknown = "unknown",
    }
}

string_enum! {
    /// How much a failing control matters. Ordered from least to most severe.
    Severity {
        /// Context worth knowing; no direct risk.
        Info = "info",
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
        /// Critical: direct compromise of the runner, other jobs or credentials.
        Critical = "critical",
    }
}

string_enum! {
    /// How sure the evidence makes the outcome. Ordered from least to most sure.
    Confidence {
        /// Inferred from weak or indirect signals.
        Low = "low",
        /// Several signals agree, or one good signal.
        Medium = "medium",
        /// Observed directly.
        High = "high",
    }
}

string_enum! {
    /// The nine dimensions of runner posture.
    Dimension {
        /// Kernel, LSM, sudo, setuid, mount options, sshd.
        Hardening = "hardening",
        /// OS support, kernel age, package updates, agent version.
        Patching = "patching",
        /// VM/container boundary, root, capabilities, sockets, namespaces.
        Isolation = "isolation",
        /// Single use, residue of earlier jobs, persistence.
        Ephemerality = "ephemerality",
        /// Listeners, egress policy, metadata service, internal reachability.
        Network = "network",
        /// Audit, runtime monitoring, forwarding, tamper resistance.
        Logging = "logging",
        /// Read-only root, image identity, agent and PATH integrity.
        Integrity = "integrity",
        /// Credentials in env, files, logs, other processes.
        Secrets = "secrets",
        /// Platform, runner type, trigger, what the job can reach.
        Context = "context",
    }
}

string_enum! {
    /// A posture level: the highest level whose required controls all hold.
    Level {
        /// Untrusted: not even the basic controls hold.
        L0 = "L0",
        /// Basic.
        L1 = "L1",
        /// Isolated: single-use, egress-restricted, no residue, no reachable credentials of others.
        L2 = "L2",
        /// Hardened: L2 plus verified image, central tamper-resistant logging, runtime monitoring.
        L3 = "L3",
    }
}

string_enum! {
    /// A job's tier: what it can reach, and therefore what posture its runner needs.
    Tier {
        /// Runs code from outside contributors (fork pull requests); must not harm later jobs.
        Untrusted = "untrusted",
        /// Builds and tests trusted code without secrets or write access.
        Build = "build",
        /// Holds secrets, an OIDC token, a write token or a deployment environment.
        Privileged = "privileged",
        /// Signs or publishes artefacts.
        Release = "release",
    }
}

impl Level {
    /// The next level up, if any.
    pub fn next(self) -> Option<Level> {
        match self {
            Level::L0 => Some(Level::L1),
            Level::L1 => Some(Level::L2),
            Level::L2 => Some(Level::L3),
            Level::L3 => None,
        }
    }
}

impl Outcome {
    /// Whether this outcome keeps a control from counting as met for a posture level.
    ///
    /// `fail` and `unknown` block (an undecided control is never assumed to hold);
    /// `pass`, `warn` and `not-applicable` do not.
    pub fn blocks_level(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Unknown)
    }
}

string_enum! {
    /// What a piece of evidence refers to.
    EvidenceKind {
        /// A filesystem path.
        Path = "path",
        /// An environment variable (its name; never its value).
        Env = "env",
        /// A process (pid and name; never its command line).
        Process = "process",
        /// A kernel or configuration setting and its (non-secret) value.
        Setting = "setting",
        /// A network endpoint or socket.
        Network = "network",
        /// A secret, described only by kind, length and a short fingerprint.
        Secret = "secret",
        /// A place in a configuration file (path, line, column).
        Config = "config",
        /// Anything else that was observed.
        Observation = "observation",
    }
}

/// A position in a text file: 1-based line and column (in characters), 0-based byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in Unicode scalar values.
    pub column: u32,
    /// 0-based byte offset from the start of the file.
    pub offset: usize,
}

/// A concrete place in a file, optionally with a symbolic route (`jobs.build.runs-on`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The file, as given on the command line or relative to the scanned root.
    pub path: String,
    /// Start of the region (inclusive).
    pub start: Position,
    /// End of the region (exclusive).
    pub end: Position,
    /// A route into the document, such as `jobs.build.steps[2].run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The source lines of the region, for human output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

/// One thing that was observed in support of a finding. Never carries a secret value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What kind of thing `subject` names.
    pub kind: EvidenceKind,
    /// The thing observed: a path, a variable name, `pid 42 (sleep)`, `host:port`, a setting key.
    pub subject: String,
    /// What was seen about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Where in a file, when the evidence is a place in a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Evidence {
    /// Evidence of `kind` about `subject`.
    pub fn new(kind: EvidenceKind, subject: impl Into<String>) -> Self {
        Evidence { kind, subject: subject.into(), detail: None, location: None }
    }

    /// A filesystem path.
    pub fn path(path: impl Into<String>) -> Self {
        Self::new(EvidenceKind::Path, path)
    }

    /// An environment variable, by name.
    pub fn env(name: impl Into<String>) -> Self {
        Self::new(EvidenceKind::Env, name)
    }

    /// A setting with its value.
    pub fn setting(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(EvidenceKind::Setting, key).with_detail(value)
    }

    /// A free-form observation.
    pub fn observation(text: impl Into<String>) -> Self {
        Self::new(EvidenceKind::Observation, text)
    }

    /// Adds what was seen about the subject.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a place in a file.
    pub fn with_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}

/// The result of evaluating one control (probe) or one audit (scan).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The control or audit id (kebab-case).
    pub id: String,
    /// The control's title.
    pub title: String,
    /// The posture dimension, when the rule belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<Dimension>,
    /// What the evaluation concluded.
    pub outcome: Outcome,
    /// How much it matters.
    pub severity: Severity,
    /// How sure the evidence makes the outcome.
    pub confidence: Confidence,
    /// The lowest posture level that requires this control, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// One sentence on what was found.
    pub message: String,
    /// Why the outcome is `unknown` or `not-applicable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What was observed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// The first evidence item that carries a file location, if any.
    pub fn primary_location(&self) -> Option<&Location> {
        self.evidence.iter().find_map(|e| e.location.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_text() {
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>().ok(), Some(*o));
        }
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().ok(), Some(*s));
        }
        let err = "severe".parse::<Severity>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unknown severity `severe` (expected one of: info, low, medium, high, critical)")
        );
    }

    #[test]
    fn severity_orders_from_info_to_critical() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
        assert!(Level::L0 < Level::L3);
    }

    #[test]
    fn only_fail_and_unknown_block_a_level() {
        let blocking: Vec<_> = Outcome::ALL.iter().filter(|o| o.blocks_level()).collect();
        assert_eq!(blocking, [&Outcome::Fail, &Outcome::Unknown]);
    }
}
