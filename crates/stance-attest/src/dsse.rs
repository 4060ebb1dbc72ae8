//! DSSE v1: the pre-authentication encoding, the JSON envelope, signing and
//! signature verification (with thresholds over distinct keys).

use serde::Serialize;

use crate::keys::{PublicKey, SigningKey};
use crate::verify::Rejection;
use crate::{b64, strict_json};

/// Envelopes larger than this are refused before any parsing.
pub const MAX_ENVELOPE_BYTES: usize = 16 * 1024 * 1024;

/// Envelopes with more signatures than this are refused (bounds verification work).
pub const MAX_SIGNATURES: usize = 16;

/// `PAE(type, body)` exactly as DSSE v1 defines it:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in bytes as
/// ASCII decimal without leading zeros.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let t = payload_type.as_bytes();
    let mut out = Vec::with_capacity(payload.len() + t.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(t.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(t);
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// One signature of an envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// The unauthenticated key hint, if any (never trusted for a decision).
    pub keyid: Option<String>,
    /// The raw signature bytes.
    pub sig: Vec<u8>,
}

/// A decoded DSSE envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The payload type (authenticated through the PAE).
    pub payload_type: String,
    /// The serialized body (authenticated through the PAE).
    pub payload: Vec<u8>,
    /// The signatures, in envelope order.
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Serialize)]
struct RawEnvelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<RawSignature>,
}

#[derive(Serialize)]
struct RawSignature {
    #[serde(skip_serializing_if = "Option::is_none")]
    keyid: Option<String>,
    sig: String,
}

/// A member name from the input, shortened for a one-line message.
fn shorten(s: &str) -> String {
    s.chars().take(64).flat_map(char::escape_debug).collect()
}

impl Envelope {
    /// Signs `payload` as `payload_type` with each key (key ids set as hints).
    pub fn sign(payload_type: &str, payload: Vec<u8>, keys: &[&SigningKey]) -> Envelope {
        let message = pae(payload_type, &payload);
        let signatures = keys
            .iter()
            .map(|k| EnvelopeSignature { keyid: Some(k.key_id().to_string()), sig: k.sign(&message) })
            .collect();
        Envelope { payload_type: payload_type.to_string(), payload, signatures }
    }

    /// The PAE bytes the signatures cover.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }

    /// The JSON envelope, compact, standard padded base64, on one line.
    pub fn to_json(&self) -> String {
        let raw = self.to_raw();
        // Serializing plain strings and vectors cannot fail.
        serde_json::to_string(&raw).unwrap_or_default()
    }

    /// The JSON envelope as a value (for embedding, e.g. in a Sigstore bundle).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self.to_raw()).unwrap_or_default()
    }

    fn to_raw(&self) -> RawEnvelope {
        RawEnvelope {
            payload: b64::encode(&self.payload),
            payload_type: self.payload_type.clone(),
            signatures: self
                .signatures
                .iter()
                .map(|s| RawSignature { keyid: s.keyid.clone(), sig: b64::encode(&s.sig) })
                .collect(),
        }
    }

    /// Parses a JSON envelope, strictly: size limit first, then no unknown or
    /// duplicate members, base64 in either alphabet, at most [`MAX_SIGNATURES`].
    pub fn parse(bytes: &[u8]) -> Result<Envelope, Rejection> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(Rejection::EnvelopeTooLarge { size: bytes.len(), max: MAX_ENVELOPE_BYTES });
        }
        // Reject duplicate members anywhere before the typed pass, which only sees one.
        let value = strict_json::parse(bytes).map_err(|detail| Rejection::EnvelopeMalformed { detail })?;
        Self::from_value(value)
    }

    /// Decodes an already parsed JSON envelope (see [`Envelope::parse`]; duplicate
    /// members must have been refused by the parser that made `value`).
    pub fn from_value(value: serde_json::Value) -> Result<Envelope, Rejection> {
        use serde_json::Value;
        let malformed = |detail: String| Rejection::EnvelopeMalformed { detail };
        let Value::Object(obj) = value else {
            return Err(malformed("the envelope is not a JSON object".into()));
        };
        if let Some(k) = obj.keys().find(|k| !matches!(k.as_str(), "payload" | "payloadType" | "signatures"))
        {
            return Err(malformed(format!("unknown member `{}`", shorten(k))));
        }
        // DSSE: "empty fields may be omitted".
        let text = |name: &str| match obj.get(name) {
            None => Ok(""),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(malformed(format!("`{name}` is not a string"))),
        };
        let payload_b64 = text("payload")?;
        let payload_type = text("payloadType")?.to_string();
        let raw_sigs: &[Value] = match obj.get("signatures") {
            None => &[],
            Some(Value::Array(a)) => a,
            Some(_) => return Err(malformed("`signatures` is not an array".into())),
        };
        if raw_sigs.is_empty() {
            return Err(Rejection::NoSignatures);
        }
        if raw_sigs.len() > MAX_SIGNATURES {
            return Err(Rejection::TooManySignatures { count: raw_sigs.len(), max: MAX_SIGNATURES });
        }
        let payload = b64::decode(payload_b64)
            .map_err(|e| Rejection::Base64Invalid { field: "payload".into(), detail: e.to_string() })?;
        let mut signatures = Vec::with_capacity(raw_sigs.len());
        for (i, raw) in raw_sigs.iter().enumerate() {
            let Value::Object(sig_obj) = raw else {
                return Err(malformed(format!("signatures[{i}] is not an object")));
            };
            if let Some(k) = sig_obj.keys().find(|k| !matches!(k.as_str(), "keyid" | "sig")) {
                return Err(malformed(format!("signatures[{i}] has unknown member `{}`", shorten(k))));
            }
            let sig_b64 = match sig_obj.get("sig") {
                Some(Value::String(s)) => s,
                Some(_) => return Err(malformed(format!("signatures[{i}].sig is not a string"))),
                None => return Err(malformed(format!("signatures[{i}] has no `sig`"))),
            };
            // An empty or null key id is the same as none.
            let keyid = match sig_obj.get("keyid") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.is_empty() => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(malformed(format!("signatures[{i}].keyid is not a string"))),
            };
            let sig = b64::decode(sig_b64).map_err(|e| Rejection::Base64Invalid {
                field: format!("signatures[{i}].sig"),
                detail: e.to_string(),
            })?;
            signatures.push(EnvelopeSignature { keyid, sig });
        }
        Ok(Envelope { payload_type, payload, signatures })
    }

    /// Verifies the signatures against `keys`; succeeds when at least `threshold`
    /// distinct keys each verified some signature. Returns those keys' indexes.
    ///
    /// A signature's key id only orders which keys are tried first; every key is
    /// tried in the end, because DSSE key ids are unauthenticated hints (and other
    /// signers derive them differently). Work is bounded by signatures × keys.
    pub fn verify_signatures(&self, keys: &[PublicKey], threshold: usize) -> Result<Vec<usize>, Rejection> {
        let threshold = threshold.max(1);
        if keys.len() < threshold {
            return Err(Rejection::ThresholdNotMet { verified: 0, required: threshold });
        }
        let message = self.pae();
        let mut accepted: Vec<usize> = Vec::new();
        for sig in &self.signatures {
            // Keys the hint names go first; the others follow, since a hint may be
            // wrong (or planted) and must never make a good signature fail.
            let hinted = |i: &usize| sig.keyid.as_deref() == Some(keys[*i].key_id());
            let candidates = (0..keys.len()).filter(hinted).chain((0..keys.len()).filter(|i| !hinted(i)));
            for i in candidates {
                if accepted.contains(&i) {
                    continue;
                }
                if keys[i].verify(&message, &sig.sig) {
                    accepted.push(i);
                    break;
                }
            }
            if accepted.len() >= threshold {
                return Ok(accepted);
            }
        }
        if accepted.is_empty() {
            Err(Rejection::SignatureDoesNotVerify { signatures: self.signatures.len(), keys: keys.len() })
        } else {
            Err(Rejection::ThresholdNotMet { verified: accepted.len(), required: threshold })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Algorithm;

    #[test]
    fn pae_matches_the_spec_example() {
        // DSSE protocol.md, "Test Vectors".
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn pae_counts_bytes_and_keeps_the_trailing_space_of_an_empty_body() {
        assert_eq!(pae("application/vnd.in-toto+json", b""), b"DSSEv1 28 application/vnd.in-toto+json 0 ");
        assert_eq!(pae("", b"x"), b"DSSEv1 0  1 x");
        // "ä" is two bytes in UTF-8.
        assert_eq!(pae("ä", b"0123456789"), "DSSEv1 2 ä 10 0123456789".as_bytes());
    }

    #[test]
    fn spec_ecdsa_vector_verifies_as_fixed_r_s() {
        // DSSE protocol.md test vector: ECDSA P-256/SHA-256, RFC 6979 nonces, raw
        // r||s signature. The spec gives X, Y and d in decimal; these are the same
        // numbers in hex.
        let x = "67cd390f77aa359cb08c2235f652270493a9ed832b0abcc01f70954c0390d238";
        let y = "0c782bd54e269125a44f4433aff1432ce94e12bca73aa67ac80cea12608ddf74";
        let d = "d73ec437fd6346e3619c5ebfdfff0f6916804955ad32ac9ac492b0ede1f6ffb7";
        let key = SigningKey::p256_from_scalar(&crate::hex::decode(d).unwrap().try_into().unwrap()).unwrap();
        let jwk = key.public_key().to_jwk();
        assert_eq!(crate::hex::encode(&b64::decode(jwk["x"].as_str().unwrap()).unwrap()), x);
        assert_eq!(crate::hex::encode(&b64::decode(jwk["y"].as_str().unwrap()).unwrap()), y);
        let spec = br#"{"payload": "aGVsbG8gd29ybGQ=",
 "payloadType": "http://example.com/HelloWorld",
 "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}"#;
        let env = Envelope::parse(spec).unwrap();
        assert_eq!(env.signatures[0].sig.len(), 64);
        assert_eq!(env.verify_signatures(&[key.public_key().clone()], 1).unwrap(), vec![0]);
        // RFC 6979 makes our own signature over the same PAE the same (r, s), in DER.
        let ours = Envelope::sign("http://example.com/HelloWorld", b"hello world".to_vec(), &[&key]);
        let fixed = p256::ecdsa::Signature::from_der(&ours.signatures[0].sig).unwrap().to_bytes();
        assert_eq!(fixed.to_vec(), env.signatures[0].sig);
    }

    #[test]
    fn sign_parse_verify_round_trip() {
        let a = SigningKey::generate(Algorithm::Ed25519).unwrap();
        let b = SigningKey::generate(Algorithm::EcdsaP256).unwrap();
        let env = Envelope::sign("application/x-test", b"body".to_vec(), &[&a, &b]);
        let parsed = Envelope::parse(env.to_json().as_bytes()).unwrap();
        assert_eq!(parsed, env);
        let keys = [a.public_key().clone(), b.public_key().clone()];
        assert_eq!(parsed.verify_signatures(&keys, 2).unwrap(), vec![0, 1]);
        assert_eq!(parsed.verify_signatures(&keys[1..], 1).unwrap(), vec![0]);
        let other = SigningKey::generate(Algorithm::Ed25519).unwrap();
        assert!(matches!(
            parsed.verify_signatures(&[other.public_key().clone()], 1),
            Err(Rejection::SignatureDoesNotVerify { .. })
        ));
        assert!(matches!(
            parsed.verify_signatures(&[keys[0].clone(), other.public_key().clone()], 2),
            Err(Rejection::ThresholdNotMet { verified: 1, required: 2 })
        ));
    }

    #[test]
    fn one_key_signing_twice_counts_once() {
        let a = SigningKey::generate(Algorithm::Ed25519).unwrap();
        let b = SigningKey::generate(Algorithm::Ed25519).unwrap();
        let env = Envelope::sign("t", b"x".to_vec(), &[&a, &a]);
        let keys = [a.public_key().clone(), b.public_key().clone()];
        assert!(matches!(
            env.verify_signatures(&keys, 2),
            Err(Rejection::ThresholdNotMet { verified: 1, required: 2 })
        ));
    }

    #[test]
    fn keyid_is_only_a_hint() {
        let a = SigningKey::generate(Algorithm::Ed25519).unwrap();
        let b = SigningKey::generate(Algorithm::Ed25519).unwrap();
        let mut env = Envelope::sign("t", b"x".to_vec(), &[&a]);
        // Regression: a hint naming another trusted key must not stop `a` from being tried.
        env.signatures[0].keyid = Some(b.key_id().to_string());
        assert!(env.verify_signatures(&[b.public_key().clone(), a.public_key().clone()], 1).is_ok());
        env.signatures[0].keyid = Some("someone-else".into());
        assert!(env.verify_signatures(&[a.public_key().clone()], 1).is_ok());
        env.signatures[0].keyid = None;
        assert!(env.verify_signatures(&[a.public_key().clone()], 1).is_ok());
    }

    #[test]
    fn parse_is_strict() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"payload":"","payloadType":"t","signatures":[{"sig":"AA=="}],"extra":1}"#,
                "envelope-malformed",
            ),
            (
                r#"{"payload":"","payload":"","payloadType":"t","signatures":[{"sig":"AA=="}]}"#,
                "envelope-malformed",
            ),
            (
                r#"{"payload":"","payloadType":"t","signatures":[{"sig":"AA==","cert":""}]}"#,
                "envelope-malformed",
            ),
            (
                r#"{"payload":"","payloadType":"t","signatures":[{"sig":"AA==","sig":"AA=="}]}"#,
                "envelope-malformed",
            ),
            (r#"{"payload":"","payloadType":"t","signatures":[]}"#, "no-signatures"),
            (r#"{"payload":"","payloadType":"t"}"#, "no-signatures"),
            (r#"{"payload":"@@","payloadType":"t","signatures":[{"sig":"AA=="}]}"#, "base64-invalid"),
            (r#"{"payload":"","payloadType":"t","signatures":[{"sig":"A+_="}]}"#, "base64-invalid"),
            (r#"{"payload":"","payloadType":"t","signatures":[{"sig":"AA=="}]} x"#, "envelope-malformed"),
            (r#"[]"#, "envelope-malformed"),
            (r#"{"payload":"","payloadType":"t","signatures":[["AA=="]]}"#, "envelope-malformed"),
            (r#"{"payload":"","payloadType":"t","signatures":{"sig":"AA=="}}"#, "envelope-malformed"),
            (r#"{"payload":"","payloadType":"t","signatures":[{"keyid":"k"}]}"#, "envelope-malformed"),
            (
                r#"{"payload":"","payloadType":"t","signatures":[{"keyid":7,"sig":"AA=="}]}"#,
                "envelope-malformed",
            ),
            (r#"{"payload":"","payloadType":null,"signatures":[{"sig":"AA=="}]}"#, "envelope-malformed"),
            (r#"{"payload":1,"payloadType":"t","signatures":[{"sig":"AA=="}]}"#, "envelope-malformed"),
            ("", "envelope-malformed"),
        ];
        for (text, code) in cases {
            let err = Envelope::parse(text.as_bytes()).unwrap_err();
            assert_eq!(err.code(), *code, "{text}");
        }
        let many = format!(
            r#"{{"payload":"","payloadType":"t","signatures":[{}]}}"#,
            vec![r#"{"sig":"AA=="}"#; MAX_SIGNATURES + 1].join(",")
        );
        assert_eq!(Envelope::parse(many.as_bytes()).unwrap_err().code(), "too-many-signatures");
        let big = vec![b' '; MAX_ENVELOPE_BYTES + 1];
        assert_eq!(Envelope::parse(&big).unwrap_err().code(), "envelope-too-large");
        // Whitespace around the envelope and an empty key id are fine.
        let ok =
            Envelope::parse(b" {\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"AA\"}]}\n")
                .unwrap();
        assert_eq!(ok.signatures[0], EnvelopeSignature { keyid: None, sig: vec![0] });
        assert!(ok.payload.is_empty());
    }
}
