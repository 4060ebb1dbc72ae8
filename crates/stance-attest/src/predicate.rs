//! The stance posture predicate (`https://stance.dev/attestation/posture/v1`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The predicate type URI. It names the schema; nothing fetches it.
pub const PREDICATE_TYPE: &str = "https://stance.dev/attestation/posture/v1";

/// The subject name used when the report itself is the subject (no `--subject`).
pub const REPORT_SUBJECT_NAME: &str = "stance-posture-report.json";

pub use stance_core::model::{Level, Tier};

stance_core::string_enum! {
    /// A policy decision.
    Decision {
        /// The posture is good enough for the tier.
        Allow = "allow",
        /// It is not.
        Deny = "deny",
    }
}

/// The default policy's lowest acceptable level per tier: untrusted L2 (to protect
/// the jobs after it), build L1, privileged L2, release L3.
///
/// This is the one place `verify --tier` consults; the policy crate can replace it.
pub fn default_required_level(tier: Tier) -> Level {
    match tier {
        Tier::Untrusted => Level::L2,
        Tier::Build => Level::L1,
        Tier::Privileged => Level::L2,
        Tier::Release => Level::L3,
    }
}

/// The default policy's result for a job of `tier` on a runner at `level`.
///
/// Like [`default_required_level`], a stand-in that the policy crate can replace.
pub fn default_policy_result(tier: Tier, level: Level) -> PolicyResult {
    let required = default_required_level(tier);
    let (decision, verb) =
        if level >= required { (Decision::Allow, "meets") } else { (Decision::Deny, "is below") };
    PolicyResult {
        decision,
        tier,
        required_level: required,
        reasons: vec![format!("posture level {level} {verb} the {required} that tier {tier} requires")],
    }
}

/// The policy evaluation recorded at attestation time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyResult {
    /// Allow or deny.
    pub decision: Decision,
    /// The tier the policy was evaluated for.
    pub tier: Tier,
    /// The lowest level the policy required for that tier.
    pub required_level: Level,
    /// Why, one sentence each (may be empty).
    pub reasons: Vec<String>,
}

/// The predicate of a stance posture attestation.
///
/// Every member is required; `tier` and `policy` may be `null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosturePredicate {
    /// The full posture report, as `stance probe --format json` printed it.
    pub report: Map<String, Value>,
    /// The computed posture level (equal to `report.posture.level` when the report has one).
    pub level: Level,
    /// The job tier the attestation was made for, if known.
    pub tier: Option<Tier>,
    /// The policy result, if a policy was evaluated.
    pub policy: Option<PolicyResult>,
    /// The version of stance that made the attestation.
    pub stance_version: String,
    /// When the attestation was made: RFC 3339, UTC (`2026-01-31T12:00:00Z`).
    pub attested_at: String,
}

/// Member names of the predicate, all required.
pub const PREDICATE_MEMBERS: &[&str] =
    &["report", "level", "tier", "policy", "stance_version", "attested_at"];

impl PosturePredicate {
    /// Reads a predicate from JSON, requiring every member (nullable ones included).
    /// The value is moved, not copied (the report may be large), and read exactly:
    /// no unknown members, no arrays in place of objects.
    pub fn from_value(value: Value) -> Result<PosturePredicate, String> {
        use crate::strict_json::{check_members, type_name};
        let Value::Object(obj) = &value else {
            return Err(format!("the predicate is {}, not an object", type_name(&value)));
        };
        check_members(obj, "the predicate", PREDICATE_MEMBERS, PREDICATE_MEMBERS)?;
        for (name, want_string) in
            [("level", true), ("tier", false), ("stance_version", true), ("attested_at", true)]
        {
            let v = &obj[name];
            if !(v.is_string() || (!want_string && v.is_null())) {
                return Err(format!("`{name}` is {}", type_name(v)));
            }
        }
        if !obj["report"].is_object() {
            return Err(format!("`report` is {}, not an object", type_name(&obj["report"])));
        }
        match &obj["policy"] {
            Value::Null => {}
            Value::Object(p) => {
                let members = ["decision", "tier", "required_level", "reasons"];
                check_members(p, "`policy`", &members, &members)?;
                if !members[..3].iter().all(|m| p[*m].is_string()) {
                    return Err("`policy` decision, tier and required_level must be strings".into());
                }
                if !p["reasons"].as_array().is_some_and(|r| r.iter().all(Value::is_string)) {
                    return Err("`policy.reasons` must be an array of strings".into());
                }
            }
            other => return Err(format!("`policy` is {}, not an object or null", type_name(other))),
        }
        #[derive(Deserialize)]
        struct Rest {
            level: Level,
            tier: Option<Tier>,
            policy: Option<PolicyResult>,
            stance_version: String,
            attested_at: String,
        }
        let Value::Object(mut obj) = value else { return Err("the predicate is not an object".into()) };
        // Move the report out as it is; only the small members go through serde.
        let Some(Value::Object(report)) = obj.remove("report") else {
            return Err("`report` is not an object".into());
        };
        let rest: Rest = serde_json::from_value(Value::Object(obj)).map_err(|e| format!("predicate: {e}"))?;
        Ok(PosturePredicate {
            report,
            level: rest.level,
            tier: rest.tier,
            policy: rest.policy,
            stance_version: rest.stance_version,
            attested_at: rest.attested_at,
        })
    }

    /// The level the report itself states at `posture.level`, if any.
    pub fn report_level(report: &Map<String, Value>) -> Result<Option<Level>, String> {
        match report.get("posture").and_then(|p| p.get("level")) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => s.parse().map(Some).map_err(|e| format!("report posture.level: {e}")),
            Some(_) => Err("report posture.level is not a string".into()),
        }
    }

    /// The report's `generated_at`, if it has one.
    pub fn report_generated_at(&self) -> Option<&Value> {
        self.report.get("generated_at")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_mapping_is_the_documented_one() {
        let got: Vec<_> =
            Tier::ALL.iter().map(|t| (t.as_str(), default_required_level(*t).as_str())).collect();
        assert_eq!(got, [("untrusted", "L2"), ("build", "L1"), ("privileged", "L2"), ("release", "L3")]);
        assert!(Level::L3 > Level::L2 && Level::L1 > Level::L0);
    }

    #[test]
    fn default_policy_result_decides_by_level() {
        let allow = default_policy_result(Tier::Build, Level::L1);
        assert_eq!((allow.decision, allow.required_level), (Decision::Allow, Level::L1));
        assert_eq!(allow.reasons, ["posture level L1 meets the L1 that tier build requires"]);
        let deny = default_policy_result(Tier::Release, Level::L2);
        assert_eq!((deny.decision, deny.required_level), (Decision::Deny, Level::L3));
    }

    #[test]
    fn every_member_is_required() {
        let full = json!({
            "report": {}, "level": "L1", "tier": null, "policy": null,
            "stance_version": "0.1.0", "attested_at": "2026-01-01T00:00:00Z"
        });
        assert!(PosturePredicate::from_value(full.clone()).is_ok());
        for m in PREDICATE_MEMBERS {
            let mut v = full.clone();
            v.as_object_mut().unwrap().remove(*m);
            assert!(PosturePredicate::from_value(v.clone()).unwrap_err().contains(m), "{m}");
        }
        let mut v = full.clone();
        v["extra"] = json!(1);
        assert!(PosturePredicate::from_value(v.clone()).is_err());
        let mut v = full.clone();
        v["policy"] = json!(["allow", "build", "L1", []]);
        assert!(PosturePredicate::from_value(v.clone()).is_err(), "array form of an object");
        let mut v = full;
        v["level"] = json!("L4");
        assert!(PosturePredicate::from_value(v.clone()).is_err());
    }

    #[test]
    fn parses_text_forms() {
        assert_eq!("release".parse::<Tier>().unwrap(), Tier::Release);
        assert!(
            "Release"
                .parse::<Tier>()
                .unwrap_err()
                .to_string()
                .contains("untrusted, build, privileged, release")
        );
        assert_eq!("L2".parse::<Level>().unwrap(), Level::L2);
    }
}
