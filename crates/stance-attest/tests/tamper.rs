//! The tamper suite: well over 1,000 generated mutations of valid envelopes,
//! deterministic (fixed seed, fixed clock, deterministic keys), no network.
//!
//! Each case knows its expected outcome by construction: accepted, rejected with
//! a given code, or (for raw bit flips of the envelope text) "accepted exactly
//! when the text is still valid JSON and the flip only touched a key id hint".
//! Every accepted case must also yield the authentic statement. No case may panic.
#![allow(clippy::unwrap_used)]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use common::*;
use serde_json::{Value, json};
use stance_attest::*;

/// A named change to a predicate.
type Edit = Box<dyn Fn(&mut Value)>;

#[derive(Debug, Clone)]
enum Expect {
    Accept,
    Reject(&'static str),
}

struct Case {
    name: String,
    input: Vec<u8>,
    opts: VerifyOptions,
    expect: Expect,
    /// When set, an accepted case must yield exactly this statement.
    authentic: Option<Value>,
}

struct Suite {
    cases: Vec<Case>,
}

impl Suite {
    fn push(
        &mut self,
        name: impl Into<String>,
        input: impl Into<Vec<u8>>,
        opts: &VerifyOptions,
        expect: Expect,
    ) {
        self.cases.push(Case {
            name: name.into(),
            input: input.into(),
            opts: opts.clone(),
            expect,
            authentic: None,
        });
    }

    fn push_authentic(
        &mut self,
        name: impl Into<String>,
        input: impl Into<Vec<u8>>,
        opts: &VerifyOptions,
        expect: Expect,
        authentic: &Value,
    ) {
        self.push(name, input, opts, expect);
        if let Some(last) = self.cases.last_mut() {
            last.authentic = Some(authentic.clone());
        }
    }
}

/// The JSON text of an envelope with payload and signatures encoded by `engine`s.
fn encode_with(
    env: &Envelope,
    payload_engine: &base64::engine::GeneralPurpose,
    sig_engine: &base64::engine::GeneralPurpose,
) -> String {
    let sigs: Vec<Value> = env
        .signatures
        .iter()
        .map(|s| {
            let mut o = json!({"sig": sig_engine.encode(&s.sig)});
            if let Some(k) = &s.keyid {
                o["keyid"] = json!(k);
            }
            o
        })
        .collect();
    json!({"payload": payload_engine.encode(&env.payload), "payloadType": env.payload_type, "signatures": sigs}).to_string()
}

/// Signs `statement` (any JSON) with `key`, as a payload of `payload_type`.
fn sign_value(statement: &Value, payload_type: &str, key: &SigningKey) -> String {
    Envelope::sign(payload_type, serde_json::to_vec(statement).unwrap(), &[key]).to_json()
}

/// The byte ranges of key id values (inside the quotes) in envelope JSON text.
fn keyid_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let needle = "\"keyid\":\"";
    let mut from = 0;
    while let Some(i) = text[from..].find(needle) {
        let start = from + i + needle.len();
        let end = start + text[start..].find('"').unwrap();
        out.push(start..end);
        from = end;
    }
    out
}

#[test]
fn tamper_suite() {
    let mut rng = Rng(SEED);
    let mut suite = Suite { cases: Vec::new() };

    let ed = ed_key();
    let ec = ec_key();
    let ed_opts = options(&ed);
    let ec_opts = options(&ec);
    let base_req = request(-60, -120);
    let statement: Value = serde_json::to_value(base_req.statement().unwrap()).unwrap();
    let authentic = serde_json::to_vec(&statement).unwrap();
    let ed_env = base_req.sign(&[&ed]).unwrap();
    let ec_env = base_req.sign(&[&ec]).unwrap();
    let pairs: [(&str, &Envelope, &VerifyOptions, &SigningKey); 2] =
        [("ed25519", &ed_env, &ed_opts, &ed), ("ecdsa", &ec_env, &ec_opts, &ec)];

    // 0. The originals are valid.
    for (alg, env, opts, _) in pairs {
        suite.push_authentic(format!("{alg}/original"), env.to_json(), opts, Expect::Accept, &statement);
    }

    // 1. Bit flips in the payload (re-encoded correctly): signature fails.
    for (alg, env, opts, _) in pairs {
        let n = if alg == "ed25519" { 220 } else { 60 };
        for i in 0..n {
            let mut m = env.clone();
            let bit = rng.below(m.payload.len() * 8);
            m.payload[bit / 8] ^= 1 << (bit % 8);
            suite.push(
                format!("{alg}/payload-flip-{i}-bit{bit}"),
                m.to_json(),
                opts,
                Expect::Reject("signature-does-not-verify"),
            );
        }
    }

    // 2. Bit flips in the signature.
    for (alg, env, opts, _) in pairs {
        let n = if alg == "ed25519" { 160 } else { 60 };
        for i in 0..n {
            let mut m = env.clone();
            let sig = &mut m.signatures[0].sig;
            let bit = rng.below(sig.len() * 8);
            sig[bit / 8] ^= 1 << (bit % 8);
            suite.push(
                format!("{alg}/sig-flip-{i}-bit{bit}"),
                m.to_json(),
                opts,
                Expect::Reject("signature-does-not-verify"),
            );
        }
    }

    // 3. Bit flips in the payload type (low 7 bits, so it stays a JSON-encodable string).
    for (alg, env, opts, _) in pairs {
        let n = if alg == "ed25519" { 60 } else { 20 };
        for i in 0..n {
            let mut bytes = env.payload_type.clone().into_bytes();
            let pos = rng.below(bytes.len());
            bytes[pos] ^= 1 << rng.below(7);
            let mut m = env.clone();
            m.payload_type = String::from_utf8(bytes).unwrap();
            suite.push(
                format!("{alg}/type-flip-{i}"),
                m.to_json(),
                opts,
                Expect::Reject("signature-does-not-verify"),
            );
        }
    }

    // 4. Bit flips anywhere in the envelope text. Only a flip inside a key id (an
    //    unauthenticated hint) that leaves valid JSON may be accepted.
    for (alg, env, opts, _) in pairs {
        let text = env.to_json();
        let hints = keyid_ranges(&text);
        assert_eq!(hints.len(), 1);
        let n = if alg == "ed25519" { 200 } else { 50 };
        for i in 0..n {
            // Every fourth flip lands in the key id so that region is well covered.
            let pos =
                if i % 4 == 0 { hints[0].start + rng.below(hints[0].len()) } else { rng.below(text.len()) };
            let bit = rng.below(8);
            let mut bytes = text.clone().into_bytes();
            bytes[pos] ^= 1 << bit;
            let in_hint = hints.iter().any(|r| r.contains(&pos));
            let still_json = serde_json::from_slice::<Value>(&bytes).is_ok();
            let expect = if in_hint && still_json { Expect::Accept } else { Expect::Reject("*") };
            suite.push_authentic(
                format!("{alg}/text-flip-{i}-at{pos}-bit{bit}"),
                bytes,
                opts,
                expect,
                &statement,
            );
        }
    }

    // 5. Truncation of the JSON Lines form at every kind of place.
    for (alg, env, opts, _) in pairs {
        let line = format!("{}\n", env.to_json());
        let n = if alg == "ed25519" { 80 } else { 25 };
        for i in 0..n {
            let cut = if i == 0 { line.len() - 1 } else { rng.below(line.len() - 1) };
            let expect = if cut == line.len() - 1 { Expect::Accept } else { Expect::Reject("*") };
            suite.push_authentic(
                format!("{alg}/truncate-{cut}"),
                line.as_bytes()[..cut].to_vec(),
                opts,
                expect,
                &statement,
            );
        }
        suite.push(format!("{alg}/truncate-empty"), Vec::new(), opts, Expect::Reject("envelope-malformed"));
    }

    // 6. Oversized input: refused before parsing, also when otherwise valid.
    {
        let text = ed_env.to_json();
        let mut padded = text.clone().into_bytes();
        padded.resize(MAX_ENVELOPE_BYTES + 1, b' ');
        suite.push("oversized/valid-envelope-padded", padded, &ed_opts, Expect::Reject("envelope-too-large"));
        let mut padded = text.into_bytes();
        padded.resize(MAX_ENVELOPE_BYTES, b' ');
        suite.push("oversized/exactly-at-limit", padded, &ed_opts, Expect::Accept);
        let mut big_req = request(-60, -120);
        big_req.report["filler"] = json!("x".repeat(13 * 1024 * 1024));
        // `sign` refuses to make it; sign the statement directly, as an attacker could.
        assert!(matches!(big_req.sign(&[&ed]), Err(AttestError::TooLarge { .. })));
        let big_statement = serde_json::to_vec(&big_req.statement().unwrap()).unwrap();
        let big = Envelope::sign(PAYLOAD_TYPE, big_statement, &[&ed]).to_json();
        assert!(big.len() > MAX_ENVELOPE_BYTES);
        suite.push("oversized/huge-signed-report", big, &ed_opts, Expect::Reject("envelope-too-large"));
        let mut huge = b"{\"payload\":\"".to_vec();
        huge.resize(MAX_ENVELOPE_BYTES + 10, b'A');
        suite.push("oversized/unterminated", huge, &ed_opts, Expect::Reject("envelope-too-large"));
    }

    // 7. Wrong keys.
    let wrong_keys = [
        other_ed_key(),
        other_ec_key(),
        SigningKey::ed25519_from_seed(&[0x55; 32]),
        SigningKey::p256_from_scalar(&[0x66; 32]).unwrap(),
    ];
    for (alg, env, _, right) in pairs {
        for (w, wrong) in wrong_keys.iter().enumerate() {
            let mut opts = options(wrong);
            suite.push(
                format!("{alg}/wrong-key-{w}"),
                env.to_json(),
                &opts,
                Expect::Reject("signature-does-not-verify"),
            );
            // The key id hint pointing at the wrong key changes nothing.
            let mut m = env.clone();
            m.signatures[0].keyid = Some(wrong.key_id().to_string());
            suite.push(
                format!("{alg}/wrong-key-{w}-hinted"),
                m.to_json(),
                &opts,
                Expect::Reject("signature-does-not-verify"),
            );
            // The right key among wrong ones still verifies.
            opts.keys.push(right.public_key().clone());
            suite.push(format!("{alg}/right-among-wrong-{w}"), m.to_json(), &opts, Expect::Accept);
        }
        // A signature made by the wrong key, over the right payload.
        for (w, wrong) in wrong_keys.iter().enumerate() {
            let forged = Envelope::sign(&env.payload_type, env.payload.clone(), &[wrong]);
            let opts = options(right);
            suite.push(
                format!("{alg}/signed-by-wrong-key-{w}"),
                forged.to_json(),
                &opts,
                Expect::Reject("signature-does-not-verify"),
            );
        }
        // An Ed25519 signature handed to an ECDSA key and the reverse.
        let mut m = env.clone();
        m.signatures[0].sig = if alg == "ed25519" {
            ec_env.signatures[0].sig.clone()
        } else {
            ed_env.signatures[0].sig.clone()
        };
        suite.push(
            format!("{alg}/other-algorithm-signature"),
            m.to_json(),
            &options(right),
            Expect::Reject("signature-does-not-verify"),
        );
    }

    // 8. Expired and future attestations, around the boundaries.
    let max = MAX_AGE as i64;
    for (alg, _, opts, key) in pairs {
        let n = if alg == "ed25519" { 24 } else { 8 };
        for i in 0..n {
            let over = 1 + (rng.below(10 * MAX_AGE as usize) as i64);
            let env = request(-max - over, -max - over).sign(&[key]).unwrap();
            suite.push(
                format!("{alg}/expired-by-{over}s"),
                env.to_json(),
                opts,
                Expect::Reject("attestation-too-old"),
            );
            let within = rng.below(MAX_AGE as usize) as i64;
            let env = request(-within, -within).sign(&[key]).unwrap();
            suite.push(format!("{alg}/fresh-{within}s"), env.to_json(), opts, Expect::Accept);
            let old_report = request(-10, -max - over).sign(&[key]).unwrap();
            suite.push(
                format!("{alg}/report-expired-{i}"),
                old_report.to_json(),
                opts,
                Expect::Reject("report-too-old"),
            );
            let ahead = 121 + rng.below(100_000) as i64;
            let env = request(ahead, 0).sign(&[key]).unwrap();
            suite.push(
                format!("{alg}/future-{ahead}s"),
                env.to_json(),
                opts,
                Expect::Reject("timestamp-in-future"),
            );
        }
        let env = request(-max, -max).sign(&[key]).unwrap();
        suite.push(format!("{alg}/age-exactly-max"), env.to_json(), opts, Expect::Accept);
        let env = request(120, 0).sign(&[key]).unwrap();
        suite.push(format!("{alg}/future-within-skew"), env.to_json(), opts, Expect::Accept);
        // Timestamps in forms the parser refuses, correctly signed.
        for (j, bad) in ["2026-09-21 13:46:40Z", "yesterday", "2026-02-30T00:00:00Z", "2026-09-21T13:46:40"]
            .iter()
            .enumerate()
        {
            let mut st = statement.clone();
            st["predicate"]["attested_at"] = json!(bad);
            suite.push(
                format!("{alg}/bad-timestamp-{j}"),
                sign_value(&st, PAYLOAD_TYPE, key),
                opts,
                Expect::Reject("timestamp-invalid"),
            );
        }
    }

    // 9. Subjects.
    let art_a = ArtifactDigest::of_bytes("dist/app.tar.gz", b"the artifact");
    let art_b = ArtifactDigest::of_bytes("dist/app.sbom", b"the sbom");
    for (alg, _, opts, key) in pairs {
        let mut req = request(-5, -5);
        req.subjects = vec![art_a.clone(), art_b.clone()];
        let text = req.sign(&[key]).unwrap().to_json();
        for (j, set) in [vec![art_a.clone()], vec![art_b.clone()], vec![art_a.clone(), art_b.clone()], vec![]]
            .into_iter()
            .enumerate()
        {
            let mut o = opts.clone();
            o.subjects = set;
            suite.push(format!("{alg}/subjects-match-{j}"), text.clone(), &o, Expect::Accept);
        }
        let n = if alg == "ed25519" { 30 } else { 10 };
        for i in 0..n {
            let mut content = b"the artifact".to_vec();
            let bit = rng.below(content.len() * 8);
            content[bit / 8] ^= 1 << (bit % 8);
            let mut o = opts.clone();
            o.subjects = vec![art_b.clone(), ArtifactDigest::of_bytes("dist/app.tar.gz", &content)];
            suite.push(
                format!("{alg}/subject-content-flip-{i}"),
                text.clone(),
                &o,
                Expect::Reject("subject-digest-mismatch"),
            );
        }
        // A subject whose sha256 matches but whose sha512 does not, correctly signed.
        let mut st: Value = serde_json::from_str(
            &String::from_utf8(Envelope::parse(text.as_bytes()).unwrap().payload).unwrap(),
        )
        .unwrap();
        st["subject"][0]["digest"]["sha512"] = json!("0".repeat(128));
        let mut o = opts.clone();
        o.subjects = vec![art_a.clone()];
        suite.push(
            format!("{alg}/subject-sha512-disagrees"),
            sign_value(&st, PAYLOAD_TYPE, key),
            &o,
            Expect::Reject("subject-digest-mismatch"),
        );
        // The report subject must be the report.
        let mut st = statement.clone();
        st["predicate"]["report"]["duration_ms"] = json!(42);
        suite.push(
            format!("{alg}/report-edited-after-digest"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("report-digest-mismatch"),
        );
        let mut st = statement.clone();
        st["subject"][0]["digest"]["sha512"] = json!("ab".repeat(64));
        suite.push(
            format!("{alg}/report-subject-bad-sha512"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("report-digest-mismatch"),
        );
        let mut st = statement.clone();
        st["subject"][0]["digest"]["sha256"] = json!("AB".repeat(32));
        suite.push(
            format!("{alg}/subject-uppercase-hex"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("statement-malformed"),
        );
        let mut st = statement.clone();
        st["subject"] = json!([]);
        suite.push(
            format!("{alg}/no-subject"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("statement-malformed"),
        );
    }

    // 10. Type confusion, correctly signed: other payload types, statement types,
    //     predicate types, and predicates that do not match the schema.
    for (alg, _, opts, key) in pairs {
        for (j, pt) in [
            "application/json",
            "application/vnd.in-toto+json; charset=utf-8",
            "",
            "application/vnd.in-toto+JSON",
            "https://in-toto.io/Statement/v1",
        ]
        .iter()
        .enumerate()
        {
            suite.push(
                format!("{alg}/payload-type-{j}"),
                sign_value(&statement, pt, key),
                opts,
                Expect::Reject("payload-type-unexpected"),
            );
        }
        for (j, ty) in [
            json!("https://in-toto.io/Statement/v0.1"),
            json!("https://in-toto.io/Statement/v1/"),
            json!(1),
            Value::Null,
        ]
        .iter()
        .enumerate()
        {
            let mut st = statement.clone();
            st["_type"] = ty.clone();
            suite.push(
                format!("{alg}/statement-type-{j}"),
                sign_value(&st, PAYLOAD_TYPE, key),
                opts,
                Expect::Reject("statement-type-unexpected"),
            );
        }
        let mut st = statement.clone();
        st.as_object_mut().unwrap().remove("_type");
        suite.push(
            format!("{alg}/statement-type-missing"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("statement-type-unexpected"),
        );
        for (j, p) in [
            "https://slsa.dev/provenance/v1",
            "https://stance.dev/attestation/posture/v2",
            "https://stance.dev/attestation/posture/v1/",
            "https://STANCE.dev/attestation/posture/v1",
            "http://stance.dev/attestation/posture/v1",
            "https://stance.dev/attestation/posture/v1 ",
        ]
        .iter()
        .enumerate()
        {
            let mut st = statement.clone();
            st["predicateType"] = json!(p);
            suite.push(
                format!("{alg}/predicate-type-{j}"),
                sign_value(&st, PAYLOAD_TYPE, key),
                opts,
                Expect::Reject("predicate-type-unexpected"),
            );
        }
        let predicate_edits: Vec<(&str, Edit)> = vec![
            ("level-L4", Box::new(|p: &mut Value| p["level"] = json!("L4"))),
            ("level-number", Box::new(|p: &mut Value| p["level"] = json!(2))),
            ("tier-unknown", Box::new(|p: &mut Value| p["tier"] = json!("admin"))),
            ("no-tier-member", Box::new(|p: &mut Value| drop(p.as_object_mut().unwrap().remove("tier")))),
            ("no-policy-member", Box::new(|p: &mut Value| drop(p.as_object_mut().unwrap().remove("policy")))),
            ("no-report", Box::new(|p: &mut Value| drop(p.as_object_mut().unwrap().remove("report")))),
            ("report-array", Box::new(|p: &mut Value| p["report"] = json!([]))),
            ("extra-member", Box::new(|p: &mut Value| p["trust_me"] = json!(true))),
            ("policy-as-array", Box::new(|p: &mut Value| p["policy"] = json!(["allow", "build", "L1", []]))),
            (
                "policy-bad-decision",
                Box::new(|p: &mut Value| {
                    p["policy"] =
                        json!({"decision": "maybe", "tier": "build", "required_level": "L1", "reasons": []})
                }),
            ),
            ("predicate-array", Box::new(|p: &mut Value| *p = json!([]))),
            ("version-number", Box::new(|p: &mut Value| p["stance_version"] = json!(1))),
        ];
        for (name, edit) in &predicate_edits {
            let mut st = statement.clone();
            edit(&mut st["predicate"]);
            suite.push(
                format!("{alg}/predicate-{name}"),
                sign_value(&st, PAYLOAD_TYPE, key),
                opts,
                Expect::Reject("predicate-malformed"),
            );
        }
        // The predicate claims more than the report it carries (subject digest kept honest).
        let mut req = request(-5, -5);
        req.report["posture"]["level"] = json!("L1");
        let mut st: Value = serde_json::to_value(req.statement().unwrap()).unwrap();
        st["predicate"]["level"] = json!("L3");
        suite.push(
            format!("{alg}/level-above-report"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("level-disagrees-with-report"),
        );
        // Statement-level shape.
        let mut st = statement.clone();
        st["extra"] = json!(1);
        suite.push(
            format!("{alg}/statement-extra-member"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("statement-malformed"),
        );
        let mut st = statement.clone();
        st["subject"][0]["surprise"] = json!(1);
        suite.push(
            format!("{alg}/subject-extra-member"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("statement-malformed"),
        );
        let mut st = statement.clone();
        st["subject"] = json!({"name": "x"});
        suite.push(
            format!("{alg}/subject-not-array"),
            sign_value(&st, PAYLOAD_TYPE, key),
            opts,
            Expect::Reject("statement-malformed"),
        );
        // Payloads that are not JSON, or repeat a member (a parser-confusion attempt).
        let text = String::from_utf8(authentic.clone()).unwrap();
        let dup = text.replacen(
            "\"predicateType\":",
            "\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicateType\":",
            1,
        );
        for (j, body) in [
            dup.into_bytes(),
            b"not json".to_vec(),
            authentic[..authentic.len() - 1].to_vec(),
            vec![0xff, 0xfe],
            Vec::new(),
        ]
        .into_iter()
        .enumerate()
        {
            let env = Envelope::sign(PAYLOAD_TYPE, body, &[key]);
            suite.push(
                format!("{alg}/payload-not-json-{j}"),
                env.to_json(),
                opts,
                Expect::Reject("payload-not-json"),
            );
        }
        let env = Envelope::sign(PAYLOAD_TYPE, b"[1,2]".to_vec(), &[key]);
        suite.push(
            format!("{alg}/payload-array"),
            env.to_json(),
            opts,
            Expect::Reject("statement-malformed"),
        );
    }

    // 11. Both base64 alphabets, padded or not, must be accepted when valid.
    let engines = [
        ("std", &STANDARD),
        ("std-nopad", &STANDARD_NO_PAD),
        ("url", &URL_SAFE),
        ("url-nopad", &URL_SAFE_NO_PAD),
    ];
    let mut alphabet_differs = false;
    for (alg, _, opts, key) in pairs {
        for v in 0..3 {
            let env = request(-(v as i64) - 1, -5).sign(&[key]).unwrap();
            for (pn, pe) in engines {
                for (sn, se) in engines {
                    let text = encode_with(&env, pe, se);
                    alphabet_differs |= pn == "url" && text.contains('_') | text.contains('-');
                    suite.push(format!("{alg}/b64-{v}-payload-{pn}-sig-{sn}"), text, opts, Expect::Accept);
                }
            }
        }
    }
    assert!(alphabet_differs, "the fixtures must exercise the URL-safe characters");

    // 12. Base64 that must be refused.
    for (alg, env, opts, _) in pairs {
        let std_payload = STANDARD.encode(&env.payload);
        let url_payload = URL_SAFE.encode(&env.payload);
        let sig = STANDARD.encode(&env.signatures[0].sig);
        let with = |payload: &str, sig: &str| {
            json!({"payload": payload, "payloadType": env.payload_type, "signatures": [{"sig": sig}]})
                .to_string()
        };
        // Mixed alphabets: swap one URL-safe character back to its standard spelling.
        if let Some(i) = url_payload.find(['-', '_']) {
            let mut mixed = url_payload.clone().into_bytes();
            mixed[i] = if mixed[i] == b'-' { b'+' } else { b'/' };
            if std::str::from_utf8(&mixed).unwrap().contains(['-', '_']) {
                suite.push(
                    format!("{alg}/b64-mixed-alphabets"),
                    with(std::str::from_utf8(&mixed).unwrap(), &sig),
                    opts,
                    Expect::Reject("base64-invalid"),
                );
            }
        }
        let n = if alg == "ed25519" { 20 } else { 8 };
        for i in 0..n {
            let pos = rng.below(std_payload.len() - 4);
            let mut spaced = std_payload.clone();
            spaced.insert(pos, [' ', '\n', '\t', '.'][i % 4]);
            suite.push(
                format!("{alg}/b64-junk-{i}"),
                with(&spaced, &sig),
                opts,
                Expect::Reject("base64-invalid"),
            );
        }
        // One `=` where two belong, or where none belong, is refused; one where one
        // belongs is the original spelling.
        let one_pad = format!("{}=", sig.trim_end_matches('='));
        let expect = if sig.ends_with('=') && !sig.ends_with("==") {
            Expect::Accept
        } else {
            Expect::Reject("base64-invalid")
        };
        suite.push(format!("{alg}/b64-one-padding-char"), with(&std_payload, &one_pad), opts, expect);
        // Stray bits: Ed25519 and DER signatures have lengths with unused bits at the end.
        let sig_np = STANDARD_NO_PAD.encode(&env.signatures[0].sig);
        if env.signatures[0].sig.len() % 3 != 0 {
            let mut bytes = sig_np.clone().into_bytes();
            let last = bytes.len() - 1;
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let idx = alphabet.iter().position(|c| *c == bytes[last]).unwrap();
            bytes[last] = alphabet[idx | 1];
            if bytes[last] != sig_np.as_bytes()[last] {
                suite.push(
                    format!("{alg}/b64-stray-bits"),
                    with(&std_payload, std::str::from_utf8(&bytes).unwrap()),
                    opts,
                    Expect::Reject("base64-invalid"),
                );
            }
        }
    }

    // 13. Envelope forms that stay valid (and must yield the authentic statement).
    let first_valid_form = suite.cases.len();
    for (alg, env, opts, key) in pairs {
        let v = env.to_value();
        suite.push(format!("{alg}/pretty"), serde_json::to_string_pretty(&v).unwrap(), opts, Expect::Accept);
        let reordered = format!(
            "{{\"signatures\":{},\"payloadType\":{},\"payload\":{}}}",
            v["signatures"], v["payloadType"], v["payload"]
        );
        suite.push(format!("{alg}/reordered"), reordered, opts, Expect::Accept);
        let mut m = env.clone();
        m.signatures[0].keyid = None;
        suite.push(format!("{alg}/no-keyid"), m.to_json(), opts, Expect::Accept);
        m.signatures[0].keyid = Some("not-the-key-id".into());
        suite.push(format!("{alg}/foreign-keyid"), m.to_json(), opts, Expect::Accept);
        let mut m = env.clone();
        let other = Envelope::sign(&env.payload_type, env.payload.clone(), &[&other_ed_key()]);
        m.signatures.insert(0, other.signatures[0].clone());
        suite.push(format!("{alg}/untrusted-cosigner-first"), m.to_json(), opts, Expect::Accept);
        let mut m = env.clone();
        let mut garbage = env.signatures[0].clone();
        garbage.sig = vec![0; 7];
        m.signatures.insert(0, garbage);
        suite.push(format!("{alg}/garbage-signature-first"), m.to_json(), opts, Expect::Accept);
        let mut m = env.clone();
        m.signatures.push(env.signatures[0].clone());
        suite.push(format!("{alg}/signed-twice"), m.to_json(), opts, Expect::Accept);
        suite.push(
            format!("{alg}/bundle"),
            bundle::to_bundle(env, key.key_id()).to_string(),
            opts,
            Expect::Accept,
        );
        suite.push(format!("{alg}/jsonl-crlf"), format!("{}\r\n", env.to_json()), opts, Expect::Accept);
        suite.push(
            format!("{alg}/jsonl-second-line"),
            format!("{{}}\n{}\n", env.to_json()),
            opts,
            Expect::Accept,
        );
    }

    for case in &mut suite.cases[first_valid_form..] {
        case.authentic = Some(statement.clone());
    }

    // 14. Envelope forms that must be refused.
    for (alg, env, opts, _) in pairs {
        let v = env.to_value();
        let other_payload = STANDARD.encode(b"{\"_type\":\"evil\"}");
        let dup = format!(
            "{{\"payload\":{},\"payload\":\"{other_payload}\",\"payloadType\":{},\"signatures\":{}}}",
            v["payload"], v["payloadType"], v["signatures"]
        );
        suite.push(format!("{alg}/duplicate-payload"), dup, opts, Expect::Reject("envelope-malformed"));
        let dup_first_evil = format!(
            "{{\"payload\":\"{other_payload}\",\"payload\":{},\"payloadType\":{},\"signatures\":{}}}",
            v["payload"], v["payloadType"], v["signatures"]
        );
        suite.push(
            format!("{alg}/duplicate-payload-evil-first"),
            dup_first_evil,
            opts,
            Expect::Reject("envelope-malformed"),
        );
        let mut x = v.clone();
        x["payloadtype"] = x["payloadType"].clone();
        suite.push(
            format!("{alg}/unknown-member"),
            x.to_string(),
            opts,
            Expect::Reject("envelope-malformed"),
        );
        let mut x = v.clone();
        x["signatures"][0]["cert"] = json!("");
        suite.push(
            format!("{alg}/signature-unknown-member"),
            x.to_string(),
            opts,
            Expect::Reject("envelope-malformed"),
        );
        let mut x = v.clone();
        x["signatures"] = json!([]);
        suite.push(format!("{alg}/no-signatures"), x.to_string(), opts, Expect::Reject("no-signatures"));
        let mut x = v.clone();
        x["signatures"] = Value::Array(vec![v["signatures"][0].clone(); MAX_SIGNATURES + 1]);
        suite.push(
            format!("{alg}/too-many-signatures"),
            x.to_string(),
            opts,
            Expect::Reject("too-many-signatures"),
        );
        let mut x = v.clone();
        x["signatures"] = Value::Array(vec![v["signatures"][0].clone(); MAX_SIGNATURES]);
        suite.push(format!("{alg}/max-signatures"), x.to_string(), opts, Expect::Accept);
        let mut x = v.clone();
        x["payloadType"] = json!(null);
        suite.push(
            format!("{alg}/payload-type-null"),
            x.to_string(),
            opts,
            Expect::Reject("envelope-malformed"),
        );
        let mut o = opts.clone();
        o.threshold = 2;
        o.keys.push(other_ec_key().public_key().clone());
        suite.push(format!("{alg}/threshold-two"), env.to_json(), &o, Expect::Reject("threshold-not-met"));
        let mut padded = env.to_json().into_bytes();
        padded.splice(0..0, b"\xef\xbb\xbf".iter().copied());
        suite.push(format!("{alg}/utf8-bom"), padded, opts, Expect::Reject("envelope-malformed"));
        let mut m = env.clone();
        m.payload = b"{\"_type\":\"https://in-toto.io/Statement/v1\"}".to_vec();
        suite.push(
            format!("{alg}/payload-swapped"),
            m.to_json(),
            opts,
            Expect::Reject("signature-does-not-verify"),
        );
    }

    // Run every case.
    let total = suite.cases.len();
    assert!(total >= 1000, "only {total} cases");
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0usize, 0usize);
    for case in &suite.cases {
        let outcome = catch_unwind(AssertUnwindSafe(|| verify(&case.input, &case.opts)));
        let Ok(result) = outcome else {
            failures.push(format!("{}: PANIC", case.name));
            continue;
        };
        match (&case.expect, &result) {
            (Expect::Accept, Ok(v)) => {
                accepted += 1;
                if let Some(want) = &case.authentic
                    && v.statement_json() != *want
                {
                    failures.push(format!(
                        "{}: accepted a statement that differs from the signed one",
                        case.name
                    ));
                }
            }
            (Expect::Reject(code), Err(r)) => {
                rejected += 1;
                if *code != "*" && r.code() != *code {
                    failures.push(format!("{}: rejected as {} ({r}), expected {code}", case.name, r.code()));
                }
            }
            (Expect::Accept, Err(r)) => {
                failures.push(format!("{}: rejected as {} ({r}), expected acceptance", case.name, r.code()))
            }
            (Expect::Reject(code), Ok(_)) => {
                failures.push(format!("{}: accepted, expected rejection {code}", case.name))
            }
        }
    }
    eprintln!(
        "tamper suite: {total} cases, {accepted} accepted as expected, {rejected} rejected, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{} of {total} cases failed:\n{}", failures.len(), failures.join("\n"));
}

/// The fixed seed of the suite.
const SEED: u64 = 0x5eed_0000_0000_0001;
