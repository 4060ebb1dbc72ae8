//! `stance key`, `stance attest` and `stance verify` through the real binary.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Output;

/// A scratch directory removed on drop (this crate has no tempfile dependency).
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("stance-attest-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stance(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = stance_testkit::clean_command(env!("CARGO_BIN_EXE_stance"));
    cmd.current_dir(dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The base64 body of a PEM, joined (to look for it in output).
fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// A real probe report (of an empty offline root) whose findings are set so that the
/// computed posture level is `level`: controls required above it fail, the rest pass.
fn report(dir: &Path, level: &str) -> String {
    let root = dir.join("empty-root");
    std::fs::create_dir_all(&root).unwrap();
    let path = dir.join(format!("report-{level}.json"));
    let out = stance(
        dir,
        &["probe", "--root", root.to_str().unwrap(), "--format", "json", "-o", path.to_str().unwrap()],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for f in v["findings"].as_array_mut().unwrap() {
        let above = f["level"].as_str().is_some_and(|l| l > level);
        f["outcome"] = if above { "fail" } else { "pass" }.into();
        f.as_object_mut().unwrap().remove("reason");
    }
    v["posture"] = serde_json::json!({ "level": level });
    std::fs::write(&path, v.to_string()).unwrap();
    path.file_name().unwrap().to_str().unwrap().to_string()
}

#[test]
fn key_generate_writes_private_key_0600_and_never_prints_it() {
    let dir = Scratch::new("keys");
    for alg in ["ed25519", "ecdsa-p256"] {
        let out = stance(
            dir.path(),
            &["key", "generate", "--algorithm", alg, "--out", alg, "--format", "json"],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let private = std::fs::read_to_string(dir.path().join(format!("{alg}.key"))).unwrap();
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
        let mode =
            std::fs::metadata(dir.path().join(format!("{alg}.key"))).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let body = pem_body(&private);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(&body[..24]), "private material printed");
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let public = std::fs::read_to_string(dir.path().join(format!("{alg}.pub"))).unwrap();
        assert_eq!(info["public_key_pem"], public);
        let key_id = info["key_id"].as_str().unwrap().to_string();

        // `key show` gives the same id from the private key, the public key and the JWK.
        for source in [
            ["--key", &format!("{alg}.key")],
            ["--public", &format!("{alg}.pub")],
            ["--public", &format!("{alg}.pub.jwk")],
        ] {
            let out = stance(dir.path(), &["key", "show", source[0], source[1], "--format", "json"], &[]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(shown["key_id"], key_id.as_str());
            assert!(!text(&out.stdout).contains(&body[..24]));
        }
    }
    // Existing files are kept unless --force.
    let out = stance(dir.path(), &["key", "generate", "--out", "ed25519"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("already exists"));
}

#[test]
fn open_key_files_are_refused_with_the_fix() {
    let dir = Scratch::new("perm");
    assert!(stance(dir.path(), &["key", "generate", "--out", "k"], &[]).status.success());
    std::fs::set_permissions(dir.path().join("k.key"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let r = report(dir.path(), "L2");
    let out = stance(dir.path(), &["attest", "--report", &r, "--key", "k.key"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("accessible to group or others") && err.contains("chmod 600 k.key"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn attest_then_verify_with_exit_codes() {
    let dir = Scratch::new("flow");
    assert!(
        stance(dir.path(), &["key", "generate", "--algorithm", "ecdsa-p256", "--out", "ci"], &[])
            .status
            .success()
    );
    let pem = std::fs::read_to_string(dir.path().join("ci.key")).unwrap();
    std::fs::write(dir.path().join("app.tar.gz"), b"release artifact").unwrap();
    std::fs::write(dir.path().join("other.bin"), b"something else").unwrap();
    let r = report(dir.path(), "L2");

    // The key comes from an environment variable, as in CI.
    let out = stance(
        dir.path(),
        &[
            "attest",
            "--report",
            &r,
            "--key-env",
            "STANCE_SIGNING_KEY",
            "--tier",
            "build",
            "--subject",
            "app.tar.gz",
            "-o",
            "att.intoto.jsonl",
            "--bundle",
            "att.bundle.json",
        ],
        &[("STANCE_SIGNING_KEY", &pem)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains(&pem_body(&pem)[..24]));
    let line = std::fs::read_to_string(dir.path().join("att.intoto.jsonl")).unwrap();
    assert_eq!(line.lines().count(), 1);

    let ok = |args: &[&str]| {
        let out = stance(dir.path(), args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let shown = ok(&[
        "verify",
        "att.intoto.jsonl",
        "--key",
        "ci.pub",
        "--max-age",
        "1h",
        "--tier",
        "build",
        "--subject",
        "app.tar.gz",
    ]);
    assert!(shown.starts_with("verified: att.intoto.jsonl"), "{shown}");
    assert!(shown.contains("ok  subject: app.tar.gz matches by digest"), "{shown}");
    ok(&["verify", "att.bundle.json", "--key", "ci.pub.jwk"]);

    let rejected = |args: &[&str], code: &str| {
        let out = stance(dir.path(), args, &[]);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(err.contains(&format!("[{code}]")), "{args:?}: {err}");
    };
    rejected(&["verify", "att.intoto.jsonl", "--key", "ci.pub", "--tier", "release"], "tier-not-satisfied");
    rejected(
        &["verify", "att.intoto.jsonl", "--key", "ci.pub", "--subject", "other.bin"],
        "subject-digest-mismatch",
    );
    assert!(stance(dir.path(), &["key", "generate", "--out", "other"], &[]).status.success());
    rejected(&["verify", "att.intoto.jsonl", "--key", "other.pub"], "signature-does-not-verify");

    // A tampered envelope, with JSON output.
    let mut env: serde_json::Value = serde_json::from_str(&line).unwrap();
    env["payloadType"] = serde_json::json!("application/json");
    std::fs::write(dir.path().join("bad.json"), env.to_string()).unwrap();
    let out = stance(dir.path(), &["verify", "bad.json", "--key", "ci.pub", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(5));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (j["verified"].as_bool(), j["code"].as_str()),
        (Some(false), Some("signature-does-not-verify"))
    );

    // Usage errors are exit 2.
    let out = stance(dir.path(), &["verify", "missing.jsonl", "--key", "ci.pub"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = stance(dir.path(), &["verify", "att.intoto.jsonl", "--key", "ci.key"], &[]);
    assert_eq!(out.status.code(), Some(2), "a private key is not a trusted public key");
    let out = stance(dir.path(), &["attest", "--report", &r, "--key-env", "NO_SUCH_VAR_FOR_STANCE"], &[]);
    assert_eq!(out.status.code(), Some(2));
}
