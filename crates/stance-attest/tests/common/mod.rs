//! Fixtures shared by the integration tests (and the bench example).
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::{Value, json};
use stance_attest::{AttestRequest, SigningKey, Timestamp, VerifyOptions};

/// A fixed "now" so every run makes the same envelopes (2026-09-21T13:46:40Z).
pub const NOW: i64 = 1_790_000_000;

/// Maximum age used by the suites.
pub const MAX_AGE: u64 = 3600;

/// The deterministic Ed25519 key of the suites.
pub fn ed_key() -> SigningKey {
    SigningKey::ed25519_from_seed(&[0x11; 32])
}

/// Another Ed25519 key (the wrong key).
pub fn other_ed_key() -> SigningKey {
    SigningKey::ed25519_from_seed(&[0x22; 32])
}

/// The deterministic ECDSA P-256 key of the suites.
pub fn ec_key() -> SigningKey {
    SigningKey::p256_from_scalar(&[0x33; 32]).unwrap()
}

/// Another P-256 key (the wrong key).
pub fn other_ec_key() -> SigningKey {
    SigningKey::p256_from_scalar(&[0x44; 32]).unwrap()
}

/// RFC 3339 for `NOW + delta` seconds.
pub fn at(delta: i64) -> String {
    Timestamp::from_unix(NOW + delta).to_rfc3339()
}

/// A report shaped like `stance probe --format json` output, with `findings` findings.
pub fn sample_report(generated_at: &str, level: &str, findings: usize) -> Value {
    let dims = [
        "hardening",
        "patching",
        "isolation",
        "ephemerality",
        "network",
        "logging",
        "integrity",
        "secrets",
        "context",
    ];
    let outcomes = ["pass", "fail", "warn", "not-applicable", "unknown"];
    let list: Vec<Value> = (0..findings)
        .map(|i| {
            let outcome = outcomes[i % outcomes.len()];
            let severity = ["info", "low", "medium", "high", "critical"][i % 5];
            let confidence = ["low", "medium", "high"][i % 3];
            let level = ["L1", "L2", "L3"][i % 3];
            let mut f = json!({
                "id": format!("control-{i:03}"),
                "title": format!("Control number {i} holds on this runner"),
                "dimension": dims[i % dims.len()],
                "outcome": outcome,
                "severity": severity,
                "confidence": confidence,
                "level": level,
                "message": format!("Observed state {i} of the runner (no secret values are ever shown)."),
                "evidence": [
                    {"kind": "path", "subject": format!("/etc/stance/fixture/{i}.conf"), "detail": "mode 0644, owner root"},
                    {"kind": "setting", "subject": format!("kernel.fixture_{i}"), "detail": "1"}
                ]
            });
            if outcome == "unknown" {
                f["reason"] = json!("the probe could not read the setting");
            }
            f
        })
        .collect();
    json!({
        "schema_version": 1,
        "kind": "probe",
        "tool": {"name": "stance", "version": "0.1.0"},
        "generated_at": generated_at,
        "duration_ms": 41,
        "host": {"root": "/", "live": true, "hostname": "runner-7", "os": "Debian GNU/Linux 12 (bookworm)", "kernel": "6.1.0-18-amd64", "arch": "x86_64", "user": "runner"},
        "context": {
            "platform": "github-actions",
            "runner": {"kind": "self-hosted", "labels": ["self-hosted", "linux", "x64"], "ephemeral": true},
            "repository": "example/app",
            "trigger": {"event": "push", "from_fork": false, "privileged_trigger": false},
            "access": {"oidc": true, "secret_variables": ["NPM_TOKEN"]}
        },
        "posture": {"level": level, "blockers": []},
        "summary": {"counts": {"pass": 13, "fail": 13, "warn": 13, "not_applicable": 13, "unknown": 13}},
        "findings": list,
        "notes": ["café — ✓ non-ASCII survives canonicalisation", "ratio 0.1 and 1e-7 and 1e21 as numbers"],
        "x_numbers": [0.1, 1e-7, 1e21, -0.0, 12345.678, 9007199254740991_i64]
    })
}

/// A request for the sample report, attested `attested_delta` seconds from NOW,
/// the report generated `report_delta` seconds from NOW.
pub fn request(attested_delta: i64, report_delta: i64) -> AttestRequest {
    let mut req = AttestRequest::new(sample_report(&at(report_delta), "L2", 20));
    req.attested_at = Timestamp::from_unix(NOW + attested_delta);
    req.stance_version = "0.1.0-test".into();
    req
}

/// Verify options at NOW with `key`, max age [`MAX_AGE`].
pub fn options(key: &SigningKey) -> VerifyOptions {
    let mut opts = VerifyOptions::new(vec![key.public_key().clone()]);
    opts.now = Timestamp::from_unix(NOW);
    opts.max_age = Some(MAX_AGE);
    opts
}

/// A small deterministic generator (SplitMix64), so the suites need no RNG crate.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
