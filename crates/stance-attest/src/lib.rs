//! Signed posture attestations.
//!
//! A posture report is wrapped with its posture level, the job tier and the
//! policy result in an in-toto Statement v1 whose predicate type is
//! [`PREDICATE_TYPE`], serialized as JSON and signed in a DSSE envelope with an
//! Ed25519 or ECDSA P-256 key. [`verify()`] checks such an envelope step by step and
//! names the first failed check as a [`Rejection`] with a stable code.
//!
//! The format is specified for third parties in `docs/attestation.md` and
//! `schema/attestation-predicate.schema.json`.
//!
//! ```
//! use stance_attest::{Algorithm, AttestRequest, SigningKey, VerifyOptions, verify};
//! let key = SigningKey::generate(Algorithm::Ed25519).unwrap();
//! let report = serde_json::json!({"posture": {"level": "L2"}});
//! let envelope = AttestRequest::new(report).sign(&[&key]).unwrap();
//! let opts = VerifyOptions::new(vec![key.public_key().clone()]);
//! let verified = verify(envelope.to_json().as_bytes(), &opts).unwrap();
//! assert_eq!(verified.predicate.level.as_str(), "L2");
//! ```

pub mod attest;
pub mod b64;
pub mod bundle;
pub mod canonical;
pub mod dsse;
pub mod hex;
pub mod keys;
pub mod predicate;
pub mod statement;
pub mod strict_json;
pub mod time;
pub mod verify;

pub use attest::{AttestError, AttestRequest};
pub use dsse::{Envelope, EnvelopeSignature, MAX_ENVELOPE_BYTES, MAX_SIGNATURES, pae};
pub use keys::{Algorithm, KeyError, PublicKey, SigningKey};
pub use predicate::{
    Decision, Level, PREDICATE_TYPE, PolicyResult, PosturePredicate, REPORT_SUBJECT_NAME, Tier,
    default_policy_result, default_required_level,
};
pub use statement::{ArtifactDigest, PAYLOAD_TYPE, ResourceDescriptor, STATEMENT_TYPE, Statement};
pub use time::Timestamp;
pub use verify::{Rejection, RejectionKind, Verified, VerifyOptions, verify, verify_envelope};
