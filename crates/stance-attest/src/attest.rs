//! Building and signing posture attestations.

use serde_json::Value;

use crate::canonical;
use crate::dsse::{Envelope, MAX_ENVELOPE_BYTES};
use crate::keys::SigningKey;
use crate::predicate::{Level, PREDICATE_TYPE, PolicyResult, PosturePredicate, REPORT_SUBJECT_NAME, Tier};
use crate::statement::{ArtifactDigest, PAYLOAD_TYPE, ResourceDescriptor, STATEMENT_TYPE, Statement};
use crate::time::Timestamp;

/// Why an attestation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestError {
    /// The report is not a JSON object.
    #[error("the report is not a JSON object")]
    ReportNotObject,
    /// No level was given and the report states none at `posture.level`.
    #[error(
        "the report states no posture level (posture.level); attest a report of `stance probe --format json`"
    )]
    NoLevel,
    /// The report's `posture.level` is not L0–L3.
    #[error("{0}")]
    BadReportLevel(String),
    /// The given level differs from the report's own.
    #[error("the given level {given} differs from the report's posture level {report}")]
    LevelDisagrees {
        /// The level given.
        given: Level,
        /// The report's level.
        report: Level,
    },
    /// The policy result was evaluated for another tier than the one given.
    #[error("the policy result is for tier {policy} but the job tier is {tier}")]
    PolicyTierDisagrees {
        /// The policy result's tier.
        policy: Tier,
        /// The job tier given.
        tier: Tier,
    },
    /// The envelope would exceed what verifiers accept.
    #[error(
        "the attestation would be {size} bytes, over the {max}-byte envelope limit; the report is too large"
    )]
    TooLarge {
        /// The envelope size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// An artifact uses the name reserved for the report subject.
    #[error(
        "artifact name `{REPORT_SUBJECT_NAME}` is reserved for the report subject; rename or move the file"
    )]
    ReservedSubjectName,
}

/// What goes into an attestation.
#[derive(Debug, Clone)]
pub struct AttestRequest {
    /// The posture report (any JSON object).
    pub report: Value,
    /// The posture level; `None` takes the report's `posture.level`.
    pub level: Option<Level>,
    /// The job tier, if known.
    pub tier: Option<Tier>,
    /// The policy result, if a policy was evaluated.
    pub policy: Option<PolicyResult>,
    /// Artifacts to bind; when empty, the report itself is the subject.
    pub subjects: Vec<ArtifactDigest>,
    /// The attestation time (normally now).
    pub attested_at: Timestamp,
    /// The stance version recorded in the predicate.
    pub stance_version: String,
}

impl AttestRequest {
    /// A request for `report`, attested now by this crate's version, no tier, policy or subjects.
    pub fn new(report: Value) -> AttestRequest {
        AttestRequest {
            report,
            level: None,
            tier: None,
            policy: None,
            subjects: Vec::new(),
            attested_at: Timestamp::now(),
            stance_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// The in-toto Statement for this request.
    pub fn statement(&self) -> Result<Statement, AttestError> {
        let Value::Object(report) = &self.report else { return Err(AttestError::ReportNotObject) };
        let report_level = PosturePredicate::report_level(report).map_err(AttestError::BadReportLevel)?;
        let level = match (self.level, report_level) {
            (Some(given), Some(report)) if given != report => {
                return Err(AttestError::LevelDisagrees { given, report });
            }
            (Some(l), _) | (None, Some(l)) => l,
            (None, None) => return Err(AttestError::NoLevel),
        };
        if let (Some(p), Some(tier)) = (&self.policy, self.tier)
            && p.tier != tier
        {
            return Err(AttestError::PolicyTierDisagrees { policy: p.tier, tier });
        }
        let subject = if self.subjects.is_empty() {
            vec![report_subject(&self.report)]
        } else {
            if self.subjects.iter().any(|s| s.name == REPORT_SUBJECT_NAME) {
                return Err(AttestError::ReservedSubjectName);
            }
            self.subjects.iter().map(ArtifactDigest::to_subject).collect()
        };
        let predicate = PosturePredicate {
            report: report.clone(),
            level,
            tier: self.tier,
            policy: self.policy.clone(),
            stance_version: self.stance_version.clone(),
            attested_at: self.attested_at.to_rfc3339(),
        };
        Ok(Statement {
            type_: STATEMENT_TYPE.to_string(),
            subject,
            predicate_type: PREDICATE_TYPE.to_string(),
            // Serializing plain data cannot fail.
            predicate: serde_json::to_value(&predicate).unwrap_or_default(),
        })
    }

    /// Builds the statement and signs it into a DSSE envelope with every key.
    ///
    /// Refuses to make an envelope larger than [`MAX_ENVELOPE_BYTES`], which no
    /// verifier here would read.
    pub fn sign(&self, keys: &[&SigningKey]) -> Result<Envelope, AttestError> {
        let statement = self.statement()?;
        let payload = serde_json::to_vec(&statement).unwrap_or_default();
        // base64 grows the payload by 4/3; signatures and members add well under 4 KiB.
        let size = payload.len().div_ceil(3) * 4 + 4096;
        if size > MAX_ENVELOPE_BYTES {
            return Err(AttestError::TooLarge { size, max: MAX_ENVELOPE_BYTES });
        }
        Ok(Envelope::sign(PAYLOAD_TYPE, payload, keys))
    }
}

/// The subject that binds a report: name [`REPORT_SUBJECT_NAME`], sha256 of the
/// report's RFC 8785 canonical bytes.
pub fn report_subject(report: &Value) -> ResourceDescriptor {
    let mut digest = std::collections::BTreeMap::new();
    digest.insert("sha256".to_string(), canonical::sha256_hex(report));
    ResourceDescriptor {
        name: Some(REPORT_SUBJECT_NAME.to_string()),
        digest,
        ..ResourceDescriptor::default()
    }
}
