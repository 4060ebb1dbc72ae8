//! The control catalog, compiled from `catalog/controls.toml`, and the rule
//! metadata type that probe controls and scan audits share.

use serde::Serialize;

use crate::model::{Dimension, Level, Severity};

/// References from a rule into the frameworks auditors map evidence to.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Refs {
    /// OWASP Non-Human Identities Top 10 2025 (`NHI8:2025`).
    pub nhi: &'static [&'static str],
    /// NIST CSF 2.0 subcategories (`PR.PS-01`).
    pub csf: &'static [&'static str],
    /// NIST SP 800-207 zero-trust tenets (`T5`).
    pub zt: &'static [&'static str],
    /// SLSA v1.0 Build track levels (`Build-L3`).
    pub slsa: &'static [&'static str],
    /// CIS Software Supply Chain Security Guide v1.0 recommendations (`2.2.1`).
    pub cis: &'static [&'static str],
    /// OWASP Top 10 CI/CD Security Risks (`CICD-SEC-7`).
    pub cicd: &'static [&'static str],
}

impl Refs {
    /// No references.
    pub const NONE: Refs = Refs { nhi: &[], csf: &[], zt: &[], slsa: &[], cis: &[], cicd: &[] };

    /// Every reference with its framework.
    pub fn iter(&self) -> impl Iterator<Item = (Framework, &'static str)> + '_ {
        Framework::ALL.iter().flat_map(move |f| self.get(*f).iter().map(move |r| (*f, *r)))
    }

    /// The references into one framework.
    pub fn get(&self, framework: Framework) -> &'static [&'static str] {
        match framework {
            Framework::Nhi => self.nhi,
            Framework::Csf => self.csf,
            Framework::Zt => self.zt,
            Framework::Slsa => self.slsa,
            Framework::Cis => self.cis,
            Framework::Cicd => self.cicd,
        }
    }
}

/// A framework that rules reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// OWASP Non-Human Identities Top 10 2025.
    Nhi,
    /// NIST Cybersecurity Framework 2.0.
    Csf,
    /// NIST SP 800-207 Zero Trust Architecture tenets.
    Zt,
    /// SLSA v1.0 Build track.
    Slsa,
    /// CIS Software Supply Chain Security Guide v1.0.
    Cis,
    /// OWASP Top 10 CI/CD Security Risks.
    Cicd,
}

impl Framework {
    /// Every framework, in report order.
    pub const ALL: &'static [Framework] =
        &[Framework::Nhi, Framework::Csf, Framework::Zt, Framework::Slsa, Framework::Cis, Framework::Cicd];

    /// The key used in the catalog and in JSON summaries.
    pub fn key(self) -> &'static str {
        match self {
            Framework::Nhi => "nhi",
            Framework::Csf => "csf",
            Framework::Zt => "zt",
            Framework::Slsa => "slsa",
            Framework::Cis => "cis",
            Framework::Cicd => "cicd",
        }
    }

    /// The human name of the framework.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Nhi => "OWASP Non-Human Identities Top 10 (2025)",
            Framework::Csf => "NIST CSF 2.0",
            Framework::Zt => "NIST SP 800-207 tenets",
            Framework::Slsa => "SLSA v1.0 Build track",
            Framework::Cis => "CIS Software Supply Chain Security Guide v1.0",
            Framework::Cicd => "OWASP Top 10 CI/CD Security Risks",
        }
    }

    /// Whether `id` is a well-formed reference into this framework.
    pub fn is_well_formed(self, id: &str) -> bool {
        fn digits(s: &str, n: usize) -> bool {
            s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
        }
        match self {
            Framework::Nhi => id
                .strip_prefix("NHI")
                .and_then(|r| r.strip_suffix(":2025"))
                .and_then(|n| n.parse::<u8>().ok())
                .is_some_and(|n| (1..=10).contains(&n) && !id.starts_with("NHI0")),
            Framework::Csf => {
                // FUNCTION.CATEGORY-NN, e.g. PR.PS-01: six functions, known categories.
                const CATEGORIES: &[&str] = &[
                    "GV.OC", "GV.RM", "GV.RR", "GV.PO", "GV.OV", "GV.SC", "ID.AM", "ID.RA", "ID.IM", "PR.AA",
                    "PR.AT", "PR.DS", "PR.PS", "PR.IR", "DE.CM", "DE.AE", "RS.MA", "RS.AN", "RS.CO", "RS.MI",
                    "RC.RP", "RC.CO",
                ];
                id.split_once('-').is_some_and(|(cat, n)| CATEGORIES.contains(&cat) && digits(n, 2))
            }
            Framework::Zt => id
                .strip_prefix('T')
                .and_then(|n| n.parse::<u8>().ok())
                .is_some_and(|n| (1..=7).contains(&n) && id.len() == 2),
            Framework::Slsa => matches!(id, "Build-L1" | "Build-L2" | "Build-L3"),
            Framework::Cis => {
                let parts: Vec<&str> = id.split('.').collect();
                parts.len() == 3
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
                    && (1..=5).contains(&parts[0].parse::<u8>().unwrap_or(0))
            }
            Framework::Cicd => id
                .strip_prefix("CICD-SEC-")
                .and_then(|n| n.parse::<u8>().ok())
                .is_some_and(|n| (1..=10).contains(&n) && !id.ends_with("-0")),
        }
    }
}

/// The metadata of a rule: a probe control from the catalog or a scan audit.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rule {
    /// Stable kebab-case id, the same everywhere (code, config, docs anchor, SARIF rule id).
    pub id: &'static str,
    /// The posture dimension.
    pub dimension: Option<Dimension>,
    /// What the rule is about, as a short phrase.
    pub title: &'static str,
    /// Default severity when the rule fails.
    pub severity: Severity,
    /// The lowest posture level that requires this rule; `None` for informational rules.
    pub level: Option<Level>,
    /// Why it matters.
    pub rationale: &'static str,
    /// How to fix it.
    pub remediation: &'static str,
    /// Framework references.
    pub refs: Refs,
    /// The docs page (relative to the repository) that has a section with the id as anchor.
    pub docs: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// Looks up a control of the catalog by id.
pub fn control(id: &str) -> Option<&'static Rule> {
    CONTROLS.iter().find(|c| c.id == id)
}

/// Something that can describe rules by id (the catalog, the scan audit registry).
pub trait RuleSource {
    /// The rule with this id, if it is known.
    fn rule(&self, id: &str) -> Option<&Rule>;
}

/// The probe control catalog as a [`RuleSource`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Catalog;

impl RuleSource for Catalog {
    fn rule(&self, id: &str) -> Option<&Rule> {
        control(id)
    }
}

/// Whether `id` is lowercase kebab-case: `[a-z0-9]+(-[a-z0-9]+)*`.
pub fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id
            .split('-')
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for c in CONTROLS {
            assert!(is_kebab_case(c.id), "control id `{}` is not kebab-case", c.id);
            assert!(seen.insert(c.id), "control id `{}` appears twice", c.id);
        }
    }

    #[test]
    fn every_reference_is_well_formed() {
        for c in CONTROLS {
            for (framework, id) in c.refs.iter() {
                assert!(
                    framework.is_well_formed(id),
                    "control {}: malformed {} reference `{id}`",
                    c.id,
                    framework.key()
                );
            }
        }
    }

    #[test]
    fn every_control_maps_to_nhi_and_csf() {
        for c in CONTROLS {
            assert!(!c.refs.nhi.is_empty(), "control {} has no OWASP NHI reference", c.id);
            assert!(!c.refs.csf.is_empty(), "control {} has no NIST CSF 2.0 reference", c.id);
        }
    }

    #[test]
    fn catalog_is_large_enough_and_covers_every_dimension() {
        assert!(CONTROLS.len() >= 55, "only {} controls", CONTROLS.len());
        for d in Dimension::ALL {
            assert!(CONTROLS.iter().any(|c| c.dimension == Some(*d)), "no control in dimension {d}");
        }
    }

    #[test]
    fn every_control_explains_itself() {
        for c in CONTROLS {
            assert!(c.title.len() >= 10, "control {} has a too-short title", c.id);
            assert!(c.rationale.len() >= 40, "control {} needs a rationale", c.id);
            assert!(c.remediation.len() >= 20, "control {} needs a remediation", c.id);
        }
    }

    #[test]
    fn reference_validation_rejects_malformed_ids() {
        for (f, bad) in [
            (Framework::Nhi, "NHI11:2025"),
            (Framework::Nhi, "NHI1:2024"),
            (Framework::Nhi, "NHI01:2025"),
            (Framework::Csf, "PR.PT-3"),
            (Framework::Csf, "XX.PS-01"),
            (Framework::Zt, "T8"),
            (Framework::Slsa, "L3"),
            (Framework::Cis, "2.2"),
            (Framework::Cicd, "CICD-SEC-11"),
        ] {
            assert!(!f.is_well_formed(bad), "{bad} accepted for {}", f.key());
        }
        for (f, good) in [
            (Framework::Nhi, "NHI10:2025"),
            (Framework::Csf, "DE.CM-09"),
            (Framework::Zt, "T5"),
            (Framework::Slsa, "Build-L3"),
            (Framework::Cis, "2.2.1"),
            (Framework::Cicd, "CICD-SEC-10"),
        ] {
            assert!(f.is_well_formed(good), "{good} rejected for {}", f.key());
        }
    }
}
