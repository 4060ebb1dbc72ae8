//! Sign and verify throughput on one thread: `attest_bench [N] [--out DIR] [--only ALG-SIZE]`.
//!
//! For each report size and algorithm: N full attestations (statement, JSON, signature) and N full
//! verifications of one envelope (parse, signature, statement, predicate, report
//! digest, freshness, tier), then N bare DSSE signature checks. With `--out DIR`,
//! writes the envelope and public key of each algorithm for a reference verifier.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use stance_attest::{Algorithm, AttestRequest, SigningKey, Tier, Timestamp, VerifyOptions, verify};

fn main() {
    let mut n: usize = 20_000;
    let mut out: Option<std::path::PathBuf> = None;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(Into::into),
            "--only" => only = args.next(),
            other => {
                n = other.parse().unwrap_or_else(|_| {
                    panic!("usage: attest_bench [N] [--out DIR] [--only ALG-SIZE], got {other}")
                })
            }
        }
    }
    let now = Timestamp::now();
    // "probe": about the size of a real probe report (~65 controls with evidence);
    // "small": a report with a handful of findings.
    for (size, findings) in [("small", 3), ("probe", 65)] {
        let report = common::sample_report(&now.to_rfc3339(), "L2", findings);
        for alg in Algorithm::ALL {
            if only.as_ref().is_none_or(|o| *o == format!("{alg}-{size}")) {
                run(*alg, size, &report, n, out.as_deref());
            }
        }
    }
}

fn run(alg: Algorithm, size: &str, report: &serde_json::Value, n: usize, out: Option<&std::path::Path>) {
    let key = SigningKey::generate(alg).unwrap();
    let mut req = AttestRequest::new(report.clone());
    req.tier = Some(Tier::Build);

    let t = Instant::now();
    let mut last = None;
    for _ in 0..n {
        last = Some(black_box(req.sign(&[&key]).unwrap()));
    }
    let sign_rate = n as f64 / t.elapsed().as_secs_f64();
    let envelope = last.unwrap();
    let text = envelope.to_json();

    let mut opts = VerifyOptions::new(vec![key.public_key().clone()]);
    opts.max_age = Some(3600);
    opts.tier = Some(Tier::Build);
    let t = Instant::now();
    for _ in 0..n {
        black_box(verify(black_box(text.as_bytes()), &opts).unwrap());
    }
    let verify_rate = n as f64 / t.elapsed().as_secs_f64();

    let keys = [key.public_key().clone()];
    let t = Instant::now();
    for _ in 0..n {
        black_box(envelope.verify_signatures(&keys, 1).unwrap());
    }
    let sig_rate = n as f64 / t.elapsed().as_secs_f64();

    println!(
        "{alg} {size}: envelope {} bytes; attest {sign_rate:.0}/s; verify {verify_rate:.0}/s; signature only {sig_rate:.0}/s",
        text.len()
    );
    if let Some(dir) = out {
        std::fs::write(dir.join(format!("{alg}-{size}.intoto.jsonl")), format!("{text}\n")).unwrap();
        std::fs::write(dir.join(format!("{alg}-{size}.pub")), key.public_key().to_pem()).unwrap();
    }
}
