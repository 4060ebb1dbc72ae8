//! in-toto Statement v1 and resource descriptors, plus artifact digests.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::hex;

/// The DSSE payload type of in-toto attestations.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// An in-toto Statement v1. Unknown members are refused (see docs/attestation.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub type_: String,
    /// The artifacts (or the report) this statement is about.
    pub subject: Vec<ResourceDescriptor>,
    /// The URI naming the predicate's schema.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate, interpreted by `predicate_type`.
    pub predicate: serde_json::Value,
}

/// An in-toto ResourceDescriptor (the members a subject may carry).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceDescriptor {
    /// A name for the artifact, e.g. its file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A URI for the artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Algorithm name → lowercase hex digest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    /// The artifact's content (base64), for small artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Where the artifact can be downloaded.
    #[serde(default, rename = "downloadLocation", skip_serializing_if = "Option::is_none")]
    pub download_location: Option<String>,
    /// The artifact's media type.
    #[serde(default, rename = "mediaType", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Free-form annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The hex length of the digests stance checks; other algorithms are carried but not checked.
pub fn digest_hex_len(algorithm: &str) -> Option<usize> {
    match algorithm {
        "sha256" => Some(64),
        "sha512" => Some(128),
        _ => None,
    }
}

/// Members a ResourceDescriptor may have, with the JSON type each must be.
const DESCRIPTOR_MEMBERS: &[(&str, Kind)] = &[
    ("name", Kind::String),
    ("uri", Kind::String),
    ("digest", Kind::StringMap),
    ("content", Kind::String),
    ("downloadLocation", Kind::String),
    ("mediaType", Kind::String),
    ("annotations", Kind::Object),
];

#[derive(Clone, Copy)]
enum Kind {
    String,
    StringMap,
    Object,
}

impl Statement {
    /// Reads a statement from JSON, exactly: only the four statement members, all
    /// present; subjects only with ResourceDescriptor members of the right JSON
    /// types (no `null` for an absent member, no arrays in place of objects).
    /// The value is moved, not copied: the predicate may be a large report.
    pub fn from_value(value: serde_json::Value) -> Result<Statement, String> {
        use crate::strict_json::{check_members, type_name};
        use serde_json::Value;
        let Value::Object(mut obj) = value else {
            return Err(format!("the statement is {}, not an object", type_name(&value)));
        };
        let members = ["_type", "subject", "predicateType", "predicate"];
        check_members(&obj, "the statement", &members, &members)?;
        let type_ = match obj.remove("_type") {
            Some(Value::String(s)) => s,
            _ => return Err("`_type` is not a string".into()),
        };
        let predicate_type = match obj.remove("predicateType") {
            Some(Value::String(s)) => s,
            _ => return Err("`predicateType` is not a string".into()),
        };
        let predicate = obj.remove("predicate").unwrap_or_default();
        let Some(Value::Array(raw_subjects)) = obj.remove("subject") else {
            return Err("`subject` is not an array".into());
        };
        let mut subject = Vec::with_capacity(raw_subjects.len());
        for (i, raw) in raw_subjects.into_iter().enumerate() {
            let Value::Object(d) = &raw else {
                return Err(format!("subject[{i}] is {}, not an object", type_name(&raw)));
            };
            let allowed: Vec<&str> = DESCRIPTOR_MEMBERS.iter().map(|(n, _)| *n).collect();
            check_members(d, &format!("subject[{i}]"), &allowed, &[])?;
            for (name, kind) in DESCRIPTOR_MEMBERS {
                let Some(v) = d.get(*name) else { continue };
                let ok = match kind {
                    Kind::String => v.is_string(),
                    Kind::Object => v.is_object(),
                    Kind::StringMap => v.as_object().is_some_and(|m| m.values().all(Value::is_string)),
                };
                if !ok {
                    return Err(format!(
                        "subject[{i}].{name} is {}, which is not allowed there",
                        type_name(v)
                    ));
                }
            }
            subject.push(serde_json::from_value(raw).map_err(|e| format!("subject[{i}]: {e}"))?);
        }
        Ok(Statement { type_, subject, predicate_type, predicate })
    }

    /// Checks the shape in-toto requires: `_type`, at least one subject, each with
    /// a non-empty digest set of lowercase hex (right length for sha256/sha512),
    /// and a predicate type. Returns a one-line reason.
    pub fn check_shape(&self) -> Result<(), String> {
        if self.subject.is_empty() {
            return Err("statement has no subject".into());
        }
        for (i, s) in self.subject.iter().enumerate() {
            if s.digest.is_empty() {
                return Err(format!("subject[{i}] has no digest"));
            }
            for (alg, value) in &s.digest {
                if !hex::is_lower_hex(value) {
                    return Err(format!("subject[{i}] digest `{alg}` is not lowercase hex"));
                }
                if let Some(len) = digest_hex_len(alg)
                    && value.len() != len
                {
                    return Err(format!("subject[{i}] digest `{alg}` must be {len} hex digits"));
                }
            }
        }
        if self.predicate_type.is_empty() {
            return Err("statement has no predicateType".into());
        }
        Ok(())
    }
}

/// The digests of one artifact, for binding (`attest --subject`) or checking (`verify --subject`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactDigest {
    /// The name as given (a path on the command line).
    pub name: String,
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// Lowercase hex SHA-512.
    pub sha512: String,
}

impl ArtifactDigest {
    /// Digests of in-memory bytes.
    pub fn of_bytes(name: impl Into<String>, bytes: &[u8]) -> ArtifactDigest {
        ArtifactDigest {
            name: name.into(),
            sha256: hex::encode(&sha2::Sha256::digest(bytes)),
            sha512: hex::encode(&sha2::Sha512::digest(bytes)),
        }
    }

    /// Digests of a regular file, streamed. Refuses FIFOs, devices and directories
    /// (never opened) and names that are not UTF-8.
    pub fn of_file(path: &Path) -> std::io::Result<ArtifactDigest> {
        let name = path
            .to_str()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "path is not UTF-8"))?
            .to_string();
        let (mut file, _) = stance_core::fsread::open_regular(path, true)?;
        let mut s256 = sha2::Sha256::new();
        let mut s512 = sha2::Sha512::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            s256.update(&buf[..n]);
            s512.update(&buf[..n]);
        }
        Ok(ArtifactDigest {
            name,
            sha256: hex::encode(&s256.finalize()),
            sha512: hex::encode(&s512.finalize()),
        })
    }

    /// The subject for this artifact: its name and both digests.
    pub fn to_subject(&self) -> ResourceDescriptor {
        let mut digest = BTreeMap::new();
        digest.insert("sha256".to_string(), self.sha256.clone());
        digest.insert("sha512".to_string(), self.sha512.clone());
        ResourceDescriptor { name: Some(self.name.clone()), digest, ..ResourceDescriptor::default() }
    }

    /// Whether `subject` names these bytes: it carries sha256 or sha512, and every
    /// one of those two it carries is equal. Other algorithms are ignored.
    pub fn matches(&self, subject: &ResourceDescriptor) -> bool {
        let mut compared = false;
        for (alg, ours) in [("sha256", &self.sha256), ("sha512", &self.sha512)] {
            if let Some(theirs) = subject.digest.get(alg) {
                if theirs != ours {
                    return false;
                }
                compared = true;
            }
        }
        compared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_digests_match_known_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc.txt");
        std::fs::write(&path, b"abc").unwrap();
        let d = ArtifactDigest::of_file(&path).unwrap();
        // FIPS 180-2 examples for "abc".
        assert_eq!(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(d.sha512.starts_with("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"));
        assert_eq!(d, ArtifactDigest::of_bytes(path.to_str().unwrap(), b"abc"));
        assert!(ArtifactDigest::of_file(dir.path()).is_err());
    }

    #[test]
    fn matching_needs_a_common_algorithm_and_no_disagreement() {
        let d = ArtifactDigest::of_bytes("a", b"abc");
        let mut s = d.to_subject();
        assert!(d.matches(&s));
        s.digest.remove("sha512");
        assert!(d.matches(&s));
        s.digest.insert("sha512".into(), "00".repeat(64));
        assert!(!d.matches(&s));
        s.digest.clear();
        s.digest.insert("gitCommit".into(), "ab".into());
        assert!(!d.matches(&s));
    }

    #[test]
    fn shape_rules() {
        let d = ArtifactDigest::of_bytes("a", b"abc");
        let mut st = Statement {
            type_: STATEMENT_TYPE.into(),
            subject: vec![d.to_subject()],
            predicate_type: "x".into(),
            predicate: serde_json::json!({}),
        };
        assert!(st.check_shape().is_ok());
        st.subject[0].digest.insert("sha256".into(), "AB".repeat(32));
        assert!(st.check_shape().is_err());
        st.subject[0].digest.insert("sha256".into(), "ab".repeat(31));
        assert!(st.check_shape().is_err());
        st.subject.clear();
        assert!(st.check_shape().is_err());
    }

    #[test]
    fn from_value_is_exact() {
        let d = ArtifactDigest::of_bytes("a", b"abc");
        let good = serde_json::json!({
            "_type": STATEMENT_TYPE,
            "subject": [d.to_subject()],
            "predicateType": "x",
            "predicate": {"k": 1},
        });
        assert_eq!(serde_json::to_value(Statement::from_value(good.clone()).unwrap()).unwrap(), good);
        let edits: &[(&str, serde_json::Value)] = &[
            ("/subject/0", serde_json::json!(["a", null, {}])),
            ("/subject/0/uri", serde_json::Value::Null),
            ("/subject/0/digest", serde_json::json!({"sha256": 1})),
            ("/subject/0/annotations", serde_json::json!([])),
            ("/subject/0/extra", serde_json::json!("x")),
            ("/subject", serde_json::json!({})),
            ("/predicateType", serde_json::json!(7)),
            ("/extra", serde_json::json!(1)),
        ];
        for (path, v) in edits {
            let mut bad = good.clone();
            let (parent, key) = path.rsplit_once('/').unwrap();
            match bad.pointer_mut(parent).unwrap() {
                serde_json::Value::Object(m) => {
                    m.insert(key.to_string(), v.clone());
                }
                serde_json::Value::Array(a) => a[key.parse::<usize>().unwrap()] = v.clone(),
                _ => unreachable!(),
            }
            assert!(Statement::from_value(bad).is_err(), "{path}");
        }
        let mut missing = good;
        missing.as_object_mut().unwrap().remove("predicate");
        assert!(Statement::from_value(missing).unwrap_err().contains("`predicate`"));
    }
}
