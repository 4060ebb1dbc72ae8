//! Sigstore bundle v0.3 carrying a DSSE envelope and a public-key hint.
//!
//! Keyless Sigstore signing needs a network (Fulcio, Rekor) that stance must not
//! assume, so the bundle names the key by its id in
//! `verificationMaterial.publicKey.hint` and carries no transparency-log entry.

use serde_json::{Value, json};

use crate::dsse::Envelope;
use crate::verify::Rejection;

/// The media type of the bundles stance writes.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// Media types of Sigstore bundles start with this; verification accepts any version
/// that carries a `dsseEnvelope`.
const BUNDLE_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";

/// The bundle JSON for `envelope`, hinting at `key_id`.
pub fn to_bundle(envelope: &Envelope, key_id: &str) -> Value {
    json!({
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {
            "publicKey": { "hint": key_id },
            "tlogEntries": [],
        },
        "dsseEnvelope": envelope.to_value(),
    })
}

/// The DSSE envelope JSON inside `value`: the value itself when it is a plain
/// envelope, or its `dsseEnvelope` when it is a Sigstore bundle.
pub fn envelope_value(value: Value) -> Result<Value, Rejection> {
    let malformed = |detail: &str| Rejection::EnvelopeMalformed { detail: detail.to_string() };
    let Value::Object(mut obj) = value else {
        return Err(malformed("expected a JSON object (a DSSE envelope or a Sigstore bundle)"));
    };
    let Some(media_type) = obj.get("mediaType") else {
        return Ok(Value::Object(obj));
    };
    if !media_type.as_str().is_some_and(|m| m.starts_with(BUNDLE_MEDIA_TYPE_PREFIX)) {
        return Err(malformed("mediaType is not a Sigstore bundle media type"));
    }
    match obj.remove("dsseEnvelope") {
        Some(inner @ Value::Object(_)) => Ok(inner),
        Some(_) => Err(malformed("the bundle's dsseEnvelope is not an object")),
        None => Err(malformed("the Sigstore bundle carries no dsseEnvelope")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, SigningKey};

    #[test]
    fn bundle_round_trip() {
        let k = SigningKey::generate(Algorithm::Ed25519).unwrap();
        let env = Envelope::sign("t", b"x".to_vec(), &[&k]);
        let b = to_bundle(&env, k.key_id());
        assert_eq!(b["verificationMaterial"]["publicKey"]["hint"], k.key_id());
        let inner = envelope_value(b).unwrap();
        assert_eq!(Envelope::from_value(inner).unwrap(), env);
        let plain = envelope_value(env.to_value()).unwrap();
        assert_eq!(Envelope::from_value(plain).unwrap(), env);
        assert!(envelope_value(json!({"mediaType": "application/json"})).is_err());
        assert!(envelope_value(json!({"mediaType": BUNDLE_MEDIA_TYPE, "messageSignature": {}})).is_err());
        assert!(envelope_value(json!([])).is_err());
    }
}
