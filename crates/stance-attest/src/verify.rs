//! Verifying posture attestations: every check, in order, each failure a named [`Rejection`].

use serde_json::{Value, json};

use sha2::Digest as _;

use crate::dsse::{Envelope, MAX_ENVELOPE_BYTES};
use crate::keys::PublicKey;
use crate::predicate::{
    Level, PREDICATE_TYPE, PosturePredicate, REPORT_SUBJECT_NAME, Tier, default_required_level,
};
use crate::statement::{ArtifactDigest, PAYLOAD_TYPE, STATEMENT_TYPE, Statement};
use crate::time::{Timestamp, human_duration};
use crate::{bundle, canonical, hex, strict_json};

/// Why an attestation was refused. Each variant has a stable [`code`](Rejection::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The input is larger than the limit; nothing was parsed.
    #[error("the envelope is {size} bytes, more than the {max}-byte limit")]
    EnvelopeTooLarge {
        /// Input size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not a DSSE JSON envelope (or Sigstore bundle holding one).
    #[error("the envelope is malformed: {detail}")]
    EnvelopeMalformed {
        /// What is wrong.
        detail: String,
    },
    /// A base64 field does not decode.
    #[error("envelope field {field} {detail}")]
    Base64Invalid {
        /// The field.
        field: String,
        /// What is wrong.
        detail: String,
    },
    /// The envelope has no signatures.
    #[error("the envelope has no signatures")]
    NoSignatures,
    /// The envelope has more signatures than the limit.
    #[error("the envelope has {count} signatures, more than the limit of {max}")]
    TooManySignatures {
        /// Signatures present.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// No signature verifies with any of the given keys.
    #[error("no signature verifies with the given key(s) ({signatures} signature(s), {keys} key(s) tried)")]
    SignatureDoesNotVerify {
        /// Signatures in the envelope.
        signatures: usize,
        /// Keys given.
        keys: usize,
    },
    /// Fewer distinct given keys signed than required.
    #[error("only {verified} distinct key(s) signed, {required} required")]
    ThresholdNotMet {
        /// Distinct keys whose signature verified.
        verified: usize,
        /// The threshold.
        required: usize,
    },
    /// The signed payload type is not in-toto's.
    #[error("the payload type is {found:?}, expected {PAYLOAD_TYPE:?}")]
    PayloadTypeUnexpected {
        /// The payload type found (shortened).
        found: String,
    },
    /// The signed payload is not JSON (or repeats a member name).
    #[error("the payload is not valid JSON: {detail}")]
    PayloadNotJson {
        /// What is wrong.
        detail: String,
    },
    /// The payload is not an in-toto Statement v1.
    #[error("the statement _type is {found:?}, expected {STATEMENT_TYPE:?}")]
    StatementTypeUnexpected {
        /// The `_type` found (shortened), or `(none)`.
        found: String,
    },
    /// The statement does not have the in-toto v1 shape.
    #[error("the statement is malformed: {detail}")]
    StatementMalformed {
        /// What is wrong.
        detail: String,
    },
    /// The statement carries another predicate than stance's posture predicate.
    #[error("the predicate type is {found:?}, expected {PREDICATE_TYPE:?}")]
    PredicateTypeUnexpected {
        /// The predicate type found (shortened).
        found: String,
    },
    /// The posture predicate does not match its schema.
    #[error("the posture predicate is malformed: {detail}")]
    PredicateMalformed {
        /// What is wrong.
        detail: String,
    },
    /// The report subject's digest is not the digest of the report in the predicate.
    #[error("subject {REPORT_SUBJECT_NAME} does not carry the digest of the report in the predicate")]
    ReportDigestMismatch,
    /// The predicate's level differs from the report's own.
    #[error("the predicate claims level {predicate} but the report says {report}")]
    LevelDisagreesWithReport {
        /// The predicate's level.
        predicate: Level,
        /// The report's `posture.level`.
        report: Level,
    },
    /// A timestamp does not parse.
    #[error("{field} is not a valid timestamp: {detail}")]
    TimestampInvalid {
        /// `attested_at` or `report.generated_at`.
        field: String,
        /// What is wrong.
        detail: String,
    },
    /// A timestamp lies further in the future than the allowed clock skew.
    #[error("{field} lies {} in the future (allowed clock skew {})", human_duration(*ahead), human_duration(*skew))]
    TimestampInFuture {
        /// `attested_at` or `report.generated_at`.
        field: String,
        /// How far ahead, in seconds.
        ahead: u64,
        /// The allowed skew, in seconds.
        skew: u64,
    },
    /// The attestation is older than the maximum age.
    #[error("the attestation is {} old, more than the maximum age of {}", human_duration(*age), human_duration(*max))]
    AttestationTooOld {
        /// Age in seconds.
        age: u64,
        /// Maximum in seconds.
        max: u64,
    },
    /// The report is older than the maximum age.
    #[error("the attested report is {} old, more than the maximum age of {}", human_duration(*age), human_duration(*max))]
    ReportTooOld {
        /// Age in seconds.
        age: u64,
        /// Maximum in seconds.
        max: u64,
    },
    /// No subject carries the digest of a given artifact.
    #[error("no subject carries the digest of {name}")]
    SubjectDigestMismatch {
        /// The artifact as named on the command line.
        name: String,
    },
    /// The attested level is below what the tier requires.
    #[error("tier {tier} requires posture level {required} or higher, the attestation proves {level}")]
    TierNotSatisfied {
        /// The tier asked for.
        tier: Tier,
        /// The level it requires.
        required: Level,
        /// The attested level.
        level: Level,
    },
    /// A policy file evaluated the attested report and denied it for the tier.
    #[error("the policy denies tier {tier} for the attested posture: {reasons}")]
    PolicyDenies {
        /// The tier asked for.
        tier: Tier,
        /// Why, joined in one line.
        reasons: String,
    },
}

/// Whether a rejection means the attestation is not authentic or well-formed,
/// or authentic but not acceptable for this use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Not an authentic, well-formed stance attestation.
    Invalid,
    /// Authentic and well-formed, but too old, for other artifacts, or too weak for the tier.
    Unacceptable,
}

impl Rejection {
    /// The stable code (kebab-case) for exit codes, JSON output and docs.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::EnvelopeTooLarge { .. } => "envelope-too-large",
            Rejection::EnvelopeMalformed { .. } => "envelope-malformed",
            Rejection::Base64Invalid { .. } => "base64-invalid",
            Rejection::NoSignatures => "no-signatures",
            Rejection::TooManySignatures { .. } => "too-many-signatures",
            Rejection::SignatureDoesNotVerify { .. } => "signature-does-not-verify",
            Rejection::ThresholdNotMet { .. } => "threshold-not-met",
            Rejection::PayloadTypeUnexpected { .. } => "payload-type-unexpected",
            Rejection::PayloadNotJson { .. } => "payload-not-json",
            Rejection::StatementTypeUnexpected { .. } => "statement-type-unexpected",
            Rejection::StatementMalformed { .. } => "statement-malformed",
            Rejection::PredicateTypeUnexpected { .. } => "predicate-type-unexpected",
            Rejection::PredicateMalformed { .. } => "predicate-malformed",
            Rejection::ReportDigestMismatch => "report-digest-mismatch",
            Rejection::LevelDisagreesWithReport { .. } => "level-disagrees-with-report",
            Rejection::TimestampInvalid { .. } => "timestamp-invalid",
            Rejection::TimestampInFuture { .. } => "timestamp-in-future",
            Rejection::AttestationTooOld { .. } => "attestation-too-old",
            Rejection::ReportTooOld { .. } => "report-too-old",
            Rejection::SubjectDigestMismatch { .. } => "subject-digest-mismatch",
            Rejection::TierNotSatisfied { .. } => "tier-not-satisfied",
            Rejection::PolicyDenies { .. } => "policy-denies",
        }
    }

    /// Which of the two kinds this rejection is.
    pub fn kind(&self) -> RejectionKind {
        match self {
            Rejection::TimestampInFuture { .. }
            | Rejection::AttestationTooOld { .. }
            | Rejection::ReportTooOld { .. }
            | Rejection::SubjectDigestMismatch { .. }
            | Rejection::TierNotSatisfied { .. }
            | Rejection::PolicyDenies { .. } => RejectionKind::Unacceptable,
            _ => RejectionKind::Invalid,
        }
    }

    /// How far verification got before this rejection (higher is further), used
    /// to pick the most telling reason among the lines of a JSON Lines file.
    pub fn stage(&self) -> u8 {
        match self {
            Rejection::EnvelopeTooLarge { .. } => 0,
            Rejection::EnvelopeMalformed { .. }
            | Rejection::Base64Invalid { .. }
            | Rejection::NoSignatures
            | Rejection::TooManySignatures { .. } => 1,
            Rejection::SignatureDoesNotVerify { .. } | Rejection::ThresholdNotMet { .. } => 2,
            Rejection::PayloadTypeUnexpected { .. } => 3,
            Rejection::PayloadNotJson { .. }
            | Rejection::StatementTypeUnexpected { .. }
            | Rejection::StatementMalformed { .. } => 4,
            Rejection::PredicateTypeUnexpected { .. } => 5,
            Rejection::PredicateMalformed { .. }
            | Rejection::ReportDigestMismatch
            | Rejection::LevelDisagreesWithReport { .. }
            | Rejection::TimestampInvalid { .. } => 6,
            Rejection::TimestampInFuture { .. }
            | Rejection::AttestationTooOld { .. }
            | Rejection::ReportTooOld { .. } => 7,
            Rejection::SubjectDigestMismatch { .. } => 8,
            Rejection::TierNotSatisfied { .. } | Rejection::PolicyDenies { .. } => 9,
        }
    }

    /// The rejection as JSON: `{"code", "kind", "message"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "code": self.code(),
            "kind": match self.kind() { RejectionKind::Invalid => "invalid", RejectionKind::Unacceptable => "unacceptable" },
            "message": self.to_string(),
        })
    }
}

/// Input text shown in a rejection: at most 80 characters, control characters escaped.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_debug).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// JSON Lines files with more lines than this are refused (bounds verification work).
pub const MAX_LINES: usize = 256;

/// Default allowed clock skew for timestamps in the future.
pub const DEFAULT_MAX_SKEW_SECS: u64 = 120;

/// What to check besides the signature and shape.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Trusted public keys.
    pub keys: Vec<PublicKey>,
    /// Distinct trusted keys that must have signed (at least 1).
    pub threshold: usize,
    /// The time to verify at (normally now).
    pub now: Timestamp,
    /// Maximum age in seconds of the attestation and of the report, if checked.
    pub max_age: Option<u64>,
    /// Allowed clock skew for timestamps in the future, in seconds.
    pub max_skew: u64,
    /// Artifacts that must each match some subject's digests.
    pub subjects: Vec<ArtifactDigest>,
    /// A tier whose required level the attested level must meet.
    pub tier: Option<Tier>,
    /// The tier → required level mapping (swap in the policy crate's here).
    pub required_level: fn(Tier) -> Level,
}

impl VerifyOptions {
    /// Options that check signature and shape only, with `keys`, at the current time.
    pub fn new(keys: Vec<PublicKey>) -> VerifyOptions {
        VerifyOptions {
            keys,
            threshold: 1,
            now: Timestamp::now(),
            max_age: None,
            max_skew: DEFAULT_MAX_SKEW_SECS,
            subjects: Vec::new(),
            tier: None,
            required_level: default_required_level,
        }
    }
}

/// A verified attestation and what was checked.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The statement; its `predicate` member is moved into [`Verified::predicate`]
    /// (and left `null` here) so the report is held once. See [`Verified::statement_json`].
    pub statement: Statement,
    /// The posture predicate.
    pub predicate: PosturePredicate,
    /// Key ids of the trusted keys whose signatures verified.
    pub key_ids: Vec<String>,
    /// When the attestation was made.
    pub attested_at: Timestamp,
    /// Its age at verification time in seconds (0 when within the skew ahead).
    pub age: u64,
    /// Whether the report itself is a subject (and its digest matched).
    pub report_bound: bool,
    /// The 1-based line of a JSON Lines file that verified, if the input had several.
    pub line: Option<usize>,
    /// What was checked, one line each, for people.
    pub checks: Vec<String>,
    /// What was not checked because no option asked for it, one line each.
    pub not_checked: Vec<String>,
}

impl Verified {
    /// The whole statement as JSON, with the predicate put back.
    pub fn statement_json(&self) -> Value {
        let mut st = serde_json::to_value(&self.statement).unwrap_or_default();
        st["predicate"] = serde_json::to_value(&self.predicate).unwrap_or_default();
        st
    }

    /// The result as JSON (for `--format json`).
    pub fn to_json(&self) -> Value {
        json!({
            "verified": true,
            "key_ids": self.key_ids,
            "predicate_type": self.statement.predicate_type,
            "level": self.predicate.level,
            "tier": self.predicate.tier,
            "policy": self.predicate.policy,
            "attested_at": self.predicate.attested_at,
            "age_seconds": self.age,
            "stance_version": self.predicate.stance_version,
            "report_bound": self.report_bound,
            "subjects": self.statement.subject,
            "line": self.line,
            "checks": self.checks,
            "not_checked": self.not_checked,
        })
    }
}

/// Verifies an attestation file: one DSSE JSON envelope, a Sigstore bundle holding
/// one, or JSON Lines of those (accepted when any line verifies fully).
pub fn verify(input: &[u8], opts: &VerifyOptions) -> Result<Verified, Rejection> {
    if input.len() > MAX_ENVELOPE_BYTES {
        return Err(Rejection::EnvelopeTooLarge { size: input.len(), max: MAX_ENVELOPE_BYTES });
    }
    match strict_json::parse(input) {
        Ok(value) => verify_value(value, opts),
        Err(whole_err) => {
            let lines: Vec<(usize, &[u8])> = input
                .split(|&b| b == b'\n')
                .enumerate()
                .filter(|(_, l)| l.iter().any(|b| !b.is_ascii_whitespace()))
                .map(|(i, l)| (i + 1, l))
                .collect();
            if lines.len() < 2 {
                return Err(Rejection::EnvelopeMalformed { detail: whole_err });
            }
            if lines.len() > MAX_LINES {
                return Err(Rejection::EnvelopeMalformed {
                    detail: format!(
                        "{} JSON Lines, more than the {MAX_LINES} verified per file",
                        lines.len()
                    ),
                });
            }
            let mut best: Option<Rejection> = None;
            for (n, line) in lines {
                let outcome = strict_json::parse(line)
                    .map_err(|detail| Rejection::EnvelopeMalformed { detail: format!("line {n}: {detail}") })
                    .and_then(|v| verify_value(v, opts));
                match outcome {
                    Ok(mut v) => {
                        v.line = Some(n);
                        return Ok(v);
                    }
                    Err(r) if best.as_ref().is_none_or(|b| r.stage() > b.stage()) => best = Some(r),
                    Err(_) => {}
                }
            }
            Err(best.unwrap_or(Rejection::EnvelopeMalformed { detail: whole_err }))
        }
    }
}

fn verify_value(value: Value, opts: &VerifyOptions) -> Result<Verified, Rejection> {
    let envelope = Envelope::from_value(bundle::envelope_value(value)?)?;
    verify_envelope(&envelope, opts)
}

/// Verifies a decoded envelope. The order of checks is documented in docs/attestation.md:
/// nothing in the payload is interpreted before a trusted signature covers it.
pub fn verify_envelope(envelope: &Envelope, opts: &VerifyOptions) -> Result<Verified, Rejection> {
    let mut checks = Vec::new();
    let mut not_checked = Vec::new();

    // 1. Signatures over PAE(payloadType, payload).
    let accepted = envelope.verify_signatures(&opts.keys, opts.threshold)?;
    let key_ids: Vec<String> = accepted.iter().map(|&i| opts.keys[i].key_id().to_string()).collect();
    for &i in &accepted {
        checks.push(format!(
            "signature: valid {} signature by key {}",
            opts.keys[i].algorithm(),
            opts.keys[i].key_id()
        ));
    }

    // 2. Payload type.
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(Rejection::PayloadTypeUnexpected { found: shown(&envelope.payload_type) });
    }
    checks.push(format!("payload type: {PAYLOAD_TYPE}"));

    // 3. Statement.
    let value =
        strict_json::parse(&envelope.payload).map_err(|detail| Rejection::PayloadNotJson { detail })?;
    let Value::Object(obj) = &value else {
        return Err(Rejection::StatementMalformed { detail: "the statement is not a JSON object".into() });
    };
    match obj.get("_type") {
        Some(Value::String(t)) if t == STATEMENT_TYPE => {}
        Some(Value::String(t)) => return Err(Rejection::StatementTypeUnexpected { found: shown(t) }),
        Some(_) => return Err(Rejection::StatementTypeUnexpected { found: "(not a string)".into() }),
        None => return Err(Rejection::StatementTypeUnexpected { found: "(none)".into() }),
    }
    let mut statement =
        Statement::from_value(value).map_err(|detail| Rejection::StatementMalformed { detail })?;
    statement.check_shape().map_err(|detail| Rejection::StatementMalformed { detail })?;
    checks.push(format!("statement: {STATEMENT_TYPE} with {} subject(s)", statement.subject.len()));

    // 4. Predicate (moved out of the statement: it holds the whole report).
    if statement.predicate_type != PREDICATE_TYPE {
        return Err(Rejection::PredicateTypeUnexpected { found: shown(&statement.predicate_type) });
    }
    let predicate = PosturePredicate::from_value(std::mem::take(&mut statement.predicate))
        .map_err(|detail| Rejection::PredicateMalformed { detail })?;
    checks.push(format!("predicate: {PREDICATE_TYPE}, level {}", predicate.level));

    // 5. The report subject, if present, must be the report in the predicate.
    let report_subjects: Vec<_> =
        statement.subject.iter().filter(|s| s.name.as_deref() == Some(REPORT_SUBJECT_NAME)).collect();
    let report_bound = !report_subjects.is_empty();
    if report_bound {
        let canonical = canonical::object_to_vec(&predicate.report);
        let sha256 = hex::encode(&sha2::Sha256::digest(&canonical));
        // sha512 only when some subject carries one (stance writes sha256 only).
        let sha512 = report_subjects
            .iter()
            .any(|s| s.digest.contains_key("sha512"))
            .then(|| hex::encode(&sha2::Sha512::digest(&canonical)));
        for s in &report_subjects {
            let sha256_ok = s.digest.get("sha256") == Some(&sha256);
            let sha512_ok = s.digest.get("sha512").is_none_or(|d| Some(d) == sha512.as_ref());
            if !(sha256_ok && sha512_ok) {
                return Err(Rejection::ReportDigestMismatch);
            }
        }
        checks.push(format!(
            "report: digest matches subject {REPORT_SUBJECT_NAME} (sha256 of RFC 8785 canonical JSON)"
        ));
    }

    // 6. The level agrees with the report's own.
    match PosturePredicate::report_level(&predicate.report) {
        Ok(Some(report)) if report != predicate.level => {
            return Err(Rejection::LevelDisagreesWithReport { predicate: predicate.level, report });
        }
        Ok(_) => {}
        Err(detail) => return Err(Rejection::PredicateMalformed { detail }),
    }

    // 7. Time.
    let attested_at = Timestamp::parse_rfc3339(&predicate.attested_at)
        .map_err(|e| Rejection::TimestampInvalid { field: "attested_at".into(), detail: e.reason.into() })?;
    let age = check_time("attested_at", attested_at, opts)?;
    if let Some(max) = opts.max_age {
        if age > max {
            return Err(Rejection::AttestationTooOld { age, max });
        }
        checks.push(format!(
            "freshness: attested {} ago at {}, within {}",
            human_duration(age),
            predicate.attested_at,
            human_duration(max)
        ));
        if let Some(generated) = predicate.report_generated_at() {
            let field = "report.generated_at";
            let text = generated.as_str().ok_or_else(|| Rejection::TimestampInvalid {
                field: field.into(),
                detail: "not a string".into(),
            })?;
            let t = Timestamp::parse_rfc3339(text)
                .map_err(|e| Rejection::TimestampInvalid { field: field.into(), detail: e.reason.into() })?;
            let report_age = check_time(field, t, opts)?;
            if report_age > max {
                return Err(Rejection::ReportTooOld { age: report_age, max });
            }
            checks.push(format!(
                "freshness: report generated {} ago, within {}",
                human_duration(report_age),
                human_duration(max)
            ));
        }
    } else {
        not_checked.push(format!(
            "freshness: no --max-age given (attested {} ago at {})",
            human_duration(age),
            predicate.attested_at
        ));
    }

    // 8. Artifacts.
    if opts.subjects.is_empty() && !report_bound {
        not_checked.push(format!(
            "subjects: no artifact given to compare with the {} subject(s)",
            statement.subject.len()
        ));
    }
    for artifact in &opts.subjects {
        if !statement.subject.iter().any(|s| artifact.matches(s)) {
            return Err(Rejection::SubjectDigestMismatch { name: shown(&artifact.name) });
        }
        checks.push(format!("subject: {} matches by digest", artifact.name));
    }

    // 9. Tier.
    if let Some(tier) = opts.tier {
        let required = (opts.required_level)(tier);
        if predicate.level < required {
            return Err(Rejection::TierNotSatisfied { tier, required, level: predicate.level });
        }
        checks.push(format!("tier: {tier} requires {required}, attested level {} suffices", predicate.level));
    } else {
        let recorded = match &predicate.policy {
            Some(p) => format!("; recorded at attestation: {} for tier {}", p.decision, p.tier),
            None => String::new(),
        };
        not_checked.push(format!("tier: no --tier given (attested level {}{recorded})", predicate.level));
    }

    Ok(Verified {
        statement,
        predicate,
        key_ids,
        attested_at,
        age,
        report_bound,
        line: None,
        checks,
        not_checked,
    })
}

/// Refuses timestamps beyond the skew ahead of `now`; returns the age in seconds.
fn check_time(field: &str, t: Timestamp, opts: &VerifyOptions) -> Result<u64, Rejection> {
    let since = opts.now.seconds_since(t);
    if since < 0 {
        let ahead = since.unsigned_abs();
        if ahead > opts.max_skew {
            return Err(Rejection::TimestampInFuture { field: field.into(), ahead, skew: opts.max_skew });
        }
        return Ok(0);
    }
    Ok(since.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant; the match makes adding a variant without listing it here a compile error.
    fn one_of_each() -> Vec<Rejection> {
        let all = vec![
            Rejection::EnvelopeTooLarge { size: 2, max: 1 },
            Rejection::EnvelopeMalformed { detail: "x".into() },
            Rejection::Base64Invalid { field: "payload".into(), detail: "is not valid base64".into() },
            Rejection::NoSignatures,
            Rejection::TooManySignatures { count: 17, max: 16 },
            Rejection::SignatureDoesNotVerify { signatures: 1, keys: 1 },
            Rejection::ThresholdNotMet { verified: 1, required: 2 },
            Rejection::PayloadTypeUnexpected { found: "x".into() },
            Rejection::PayloadNotJson { detail: "x".into() },
            Rejection::StatementTypeUnexpected { found: "x".into() },
            Rejection::StatementMalformed { detail: "x".into() },
            Rejection::PredicateTypeUnexpected { found: "x".into() },
            Rejection::PredicateMalformed { detail: "x".into() },
            Rejection::ReportDigestMismatch,
            Rejection::LevelDisagreesWithReport { predicate: Level::L3, report: Level::L1 },
            Rejection::TimestampInvalid { field: "attested_at".into(), detail: "x".into() },
            Rejection::TimestampInFuture { field: "attested_at".into(), ahead: 3600, skew: 120 },
            Rejection::AttestationTooOld { age: 7200, max: 3600 },
            Rejection::ReportTooOld { age: 7200, max: 3600 },
            Rejection::SubjectDigestMismatch { name: "a".into() },
            Rejection::TierNotSatisfied { tier: Tier::Release, required: Level::L3, level: Level::L2 },
            Rejection::PolicyDenies { tier: Tier::Release, reasons: "x".into() },
        ];
        for r in &all {
            match r {
                Rejection::EnvelopeTooLarge { .. }
                | Rejection::EnvelopeMalformed { .. }
                | Rejection::Base64Invalid { .. }
                | Rejection::NoSignatures
                | Rejection::TooManySignatures { .. }
                | Rejection::SignatureDoesNotVerify { .. }
                | Rejection::ThresholdNotMet { .. }
                | Rejection::PayloadTypeUnexpected { .. }
                | Rejection::PayloadNotJson { .. }
                | Rejection::StatementTypeUnexpected { .. }
                | Rejection::StatementMalformed { .. }
                | Rejection::PredicateTypeUnexpected { .. }
                | Rejection::PredicateMalformed { .. }
                | Rejection::ReportDigestMismatch
                | Rejection::LevelDisagreesWithReport { .. }
                | Rejection::TimestampInvalid { .. }
                | Rejection::TimestampInFuture { .. }
                | Rejection::AttestationTooOld { .. }
                | Rejection::ReportTooOld { .. }
                | Rejection::SubjectDigestMismatch { .. }
                | Rejection::TierNotSatisfied { .. }
                | Rejection::PolicyDenies { .. } => {}
            }
        }
        all
    }

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        let all = one_of_each();
        let mut codes: Vec<&str> = all.iter().map(Rejection::code).collect();
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n, "duplicate rejection code");
        let doc_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/attestation.md");
        let doc = std::fs::read_to_string(&doc_path).unwrap();
        for code in codes {
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{code}"
            );
            assert!(doc.contains(&format!("`{code}`")), "docs/attestation.md does not document `{code}`");
        }
    }

    #[test]
    fn messages_are_one_line_sentences() {
        for r in one_of_each() {
            let m = r.to_string();
            assert!(!m.contains('\n') && !m.is_empty(), "{m}");
            assert_eq!(r.to_json()["code"], r.code());
        }
        assert_eq!(
            Rejection::AttestationTooOld { age: 7200, max: 3600 }.to_string(),
            "the attestation is 2h old, more than the maximum age of 1h"
        );
    }

    #[test]
    fn shown_escapes_and_shortens() {
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown(&"x".repeat(100)).chars().count(), 81);
    }
}
