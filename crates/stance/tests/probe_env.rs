//! `stance probe` in real environments that each test builds itself as root: network
//! namespaces with veth links and nftables rules, a fake cloud metadata service, residue
//! of an earlier job in a private mount and PID namespace, capability dropping with
//! no_new_privs and seccomp, and a fake runner installation (in place, in a chroot and
//! as an offline root). Every expected outcome follows from how the environment was
//! built; the real binary's JSON report is checked against it.
//!
//! Traffic goes only to 10.200.x.x addresses inside namespaces these tests create.

#![allow(clippy::unwrap_used)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use support::*;

/// Short connect timeout: a dropped SYN costs this much per target.
const CONNECT_MS: &str = "400";

// --- (a) and (b): egress -------------------------------------------------------------

/// (a) A job namespace with loopback only: the egress target has no route, so the
/// active check finds it blocked and egress counts as restricted.
#[test]
fn egress_is_blocked_in_a_namespace_without_routes() {
    if !require_root_and(&["ip"]) {
        return;
    }
    let job = Netns::new();
    let r = probe_json(&mut job.probe(&[
        "--no-secret-scan",
        "--connect-timeout",
        CONNECT_MS,
        "--egress-target",
        "10.200.1.2:8080",
    ]));
    assert_outcome(&r, "egress-open", "pass");
    assert_evidence(&r, "egress-open", "10.200.1.2:8080");
    assert_evidence(&r, "egress-open", "blocked");
    assert_outcome(&r, "egress-unrestricted", "pass");
    assert_evidence(&r, "egress-unrestricted", "10.200.1.2:8080");
    // Nothing listens in the job namespace but what the host shares with it: none.
    assert_outcome(&r, "non-loopback-listeners", "pass");
    // The other active checks were not asked for.
    assert_outcome(&r, "metadata-endpoint-reachable", "not-applicable");
    assert_outcome(&r, "private-network-reachable", "not-applicable");
}

/// (b) The same job namespace linked by veth to an "internet" namespace with a TCP
/// listener: egress is open. An nftables output drop rule in the job namespace then
/// blocks it (and is seen as an egress policy even without active targets); a reject
/// rule makes the target answer with a reset, which is only a warning.
#[test]
fn egress_to_a_reachable_internet_host_and_its_nftables_block() {
    if !require_root_and(&["ip", "nft", "python3"]) {
        return;
    }
    let job = Netns::new();
    let internet = Netns::new();
    job.link("10.200.2.1/24", &internet, "10.200.2.2/24");
    let _server = http_server(&internet, "10.200.2.2", 8080, 200);
    let target = ["--no-secret-scan", "--connect-timeout", CONNECT_MS, "--egress-target", "10.200.2.2:8080"];

    // No policy: connected.
    let r = probe_json(&mut job.probe(&target));
    assert_outcome(&r, "egress-open", "fail");
    assert_evidence(&r, "egress-open", "10.200.2.2:8080: connected");
    assert_outcome(&r, "egress-unrestricted", "fail");
    assert_evidence(&r, "egress-unrestricted", "connected");

    // Without an active target there is no proof either way: with no output filter in
    // the job namespace it is a failure (bare host) or unknown (inside a container,
    // where a policy could still sit outside) — never a pass.
    let r = probe_json(&mut job.probe(&["--no-secret-scan"]));
    assert_outcome_in(&r, "egress-unrestricted", &["fail", "unknown"]);
    assert_outcome(&r, "egress-open", "not-applicable");

    // An output drop rule: blocked.
    job.nft(
        "table inet stance_egress {\n\
           chain out { type filter hook output priority 0; policy accept;\n\
             ip daddr 10.200.2.2 drop\n\
           }\n\
         }\n",
    );
    let r = probe_json(&mut job.probe(&target));
    assert_outcome(&r, "egress-open", "pass");
    assert_evidence(&r, "egress-open", "blocked");
    assert_outcome(&r, "egress-unrestricted", "pass");

    // Read from the ruleset alone (no target), a rule in an accepting chain proves nothing
    // about egress in general: unknown, with the chain as evidence.
    let r = probe_json(&mut job.probe(&["--no-secret-scan"]));
    assert_outcome(&r, "egress-unrestricted", "unknown");
    assert_evidence(&r, "egress-unrestricted", "nftables inet stance_egress out");
    assert_evidence(&r, "egress-unrestricted", "hook 3, 1 rule(s), policy accept");

    // A default-drop output policy (IPv4 and IPv6, inet family) is read as restricted egress.
    job.nft(
        "table inet stance_deny {\n\
           chain out { type filter hook output priority 10; policy drop;\n\
             oif lo accept\n\
           }\n\
         }\n",
    );
    let r = probe_json(&mut job.probe(&["--no-secret-scan"]));
    assert_outcome(&r, "egress-unrestricted", "pass");
    assert_evidence(&r, "egress-unrestricted", "nftables inet stance_deny out");
    job.nft("delete table inet stance_deny\n");

    // A reject rule answers with a reset: reachable-or-rejected, a warning.
    job.nft(
        "flush chain inet stance_egress out\n\
         add rule inet stance_egress out ip daddr 10.200.2.2 tcp dport 8080 reject with tcp reset\n",
    );
    let r = probe_json(&mut job.probe(&target));
    assert_outcome(&r, "egress-open", "warn");
    assert_evidence(&r, "egress-open", "refused");
    // A reset is neither a connection nor a block, and an accepting chain proves nothing.
    assert_outcome(&r, "egress-unrestricted", "unknown");
    assert_evidence(&r, "egress-unrestricted", "nftables inet stance_egress out");
}

// --- (c): cloud metadata service -----------------------------------------------------

/// (c) A fake metadata service on a namespace host answers the probe's unauthenticated
/// GET with 200 (IMDSv1-style): fail. One that wants a session token (401) is still
/// reachable: fail. An nftables drop rule in the job namespace: pass.
#[test]
fn metadata_service_reachable_then_blocked_by_nftables() {
    if !require_root_and(&["ip", "nft", "python3"]) {
        return;
    }
    let job = Netns::new();
    let cloud = Netns::new();
    job.link("10.200.3.1/24", &cloud, "10.200.3.254/24");
    let _imds_v1 = http_server(&cloud, "10.200.3.254", 80, 200);
    let _imds_v2 = http_server(&cloud, "10.200.3.254", 8080, 401);
    let base = ["--no-secret-scan", "--connect-timeout", CONNECT_MS];

    let mut args = base.to_vec();
    args.extend(["--metadata-target", "10.200.3.254"]);
    let r = probe_json(&mut job.probe(&args));
    assert_outcome(&r, "metadata-endpoint-reachable", "fail");
    assert_evidence(&r, "metadata-endpoint-reachable", "10.200.3.254:80");
    assert_evidence(&r, "metadata-endpoint-reachable", "HTTP 200");

    let mut args = base.to_vec();
    args.extend(["--metadata-target", "10.200.3.254:8080"]);
    let r = probe_json(&mut job.probe(&args));
    assert_outcome(&r, "metadata-endpoint-reachable", "fail");
    let f = finding(&r, "metadata-endpoint-reachable");
    assert!(f["message"].as_str().unwrap().contains("HTTP 401"), "{f:#}");
    assert_eq!(f["severity"], "high", "{f:#}");

    job.nft(
        "table inet stance_imds {\n\
           chain out { type filter hook output priority 0; policy accept;\n\
             ip daddr 10.200.3.254 drop\n\
           }\n\
         }\n",
    );
    let mut args = base.to_vec();
    args.extend(["--metadata-target", "10.200.3.254"]);
    let r = probe_json(&mut job.probe(&args));
    assert_outcome(&r, "metadata-endpoint-reachable", "pass");
    assert_evidence(&r, "metadata-endpoint-reachable", "blocked");
}

// --- (d): residue of an earlier job --------------------------------------------------

/// Builds a self-hosted GitHub runner layout in a private mount namespace (tmpfs over
/// /tmp, /var/tmp and /var/spool, so nothing touches the host), optionally plants what
/// an earlier job would leave, and runs the probe as the unprivileged job user in a
/// fresh PID namespace. Prints the report on stdout.
///
/// The residue window of the probe is (boot + 2 min, job start − 30 s); planted files
/// get an mtime 90 s before the job start, and the job start is pushed past boot + 4 min
/// on a freshly booted machine so that the window is never empty.
const RESIDUE_SCRIPT: &str = r#"
set -eu
R=/tmp/r
# The binary stays reachable through this descriptor even when the checkout (and so the
# binary) lies under /tmp, which the next mount hides.
exec 9< "$STANCE"
mount -t tmpfs -o mode=1777,size=64m stance-tmp /tmp
mount -t tmpfs -o mode=1777,size=16m stance-vartmp /var/tmp
mount -t tmpfs -o mode=0755,size=16m stance-spool /var/spool
mkdir -p /var/spool/cron/crontabs
mkdir -p $R/_work/app/app/.git $R/_work/_temp $R/home
echo 'ref: refs/heads/main' > $R/_work/app/app/.git/HEAD
boot=$(awk '/^btime /{print $2}' /proc/stat)
if [ "$VARIANT" = dirty ]; then
  mkdir -p $R/_work/other/other/.git
  echo 'ref: refs/heads/main' > $R/_work/other/other/.git/HEAD
  printf '*/5 * * * * sh /tmp/.x\n' > /var/spool/cron/crontabs/$JOB_USER
  printf 'https://x-access-token:%s@github.com\n' "$FAKE_TOKEN" > $R/home/.git-credentials
  printf 'output of an earlier job\n' > /tmp/earlier-build.log
  setpriv --reuid=65534 --regid=65534 --clear-groups sleep 600 &
  # Lingering means started more than 2 s before the job: let the clock move on.
  sleep 3
elif [ "$VARIANT" = closed ]; then
  # As on Debian (1730 root:crontab): the job user cannot look into the spool.
  chmod 0730 /var/spool/cron/crontabs
fi
chown -R 65534:65534 $R
js=$(date +%s)
if [ "$js" -lt $((boot + 240)) ]; then js=$((boot + 240)); fi
if [ "$VARIANT" = dirty ]; then
  touch -d "@$((js - 90))" $R/home/.git-credentials /tmp/earlier-build.log
fi
setpriv --reuid=65534 --regid=65534 --clear-groups \
  env -i PATH=/usr/bin:/bin HOME=$R/home \
  GITHUB_ACTIONS=true RUNNER_ENVIRONMENT=self-hosted GITHUB_REPOSITORY=acme/app \
  RUNNER_WORKSPACE=$R/_work/app GITHUB_WORKSPACE=$R/_work/app/app RUNNER_TEMP=$R/_work/_temp \
  /proc/self/fd/9 probe --format json --color never --no-secret-scan --job-start "$js"
"#;

/// The name of uid 65534 in /etc/passwd (`nobody` on Debian and Fedora).
fn nobody_name() -> String {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.get(2) == Some(&"65534"))
        .map(|f| f[0].to_string())
        .expect("/etc/passwd has no uid 65534")
}

fn residue_probe(variant: &str, fake_token: &str) -> Run {
    let mut cmd = clean("unshare");
    cmd.args(["--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", RESIDUE_SCRIPT])
        .env("STANCE", stance())
        .env("VARIANT", variant)
        .env("FAKE_TOKEN", fake_token)
        .env("JOB_USER", nobody_name());
    run_with_timeout(&mut cmd, PROBE_TIMEOUT)
}

/// (d) Another repository in the work directory, a crontab, a git credential store and
/// a process of the job user started before the job: each residue control fails and
/// names what was planted.
#[test]
fn residue_of_an_earlier_job_is_found() {
    if !require_root_and(&["unshare", "setpriv"]) {
        return;
    }
    let token = format!("ghp_{}", random_alnum(36));
    let run = residue_probe("dirty", &token);
    let r = run.json();
    assert_eq!(r["context"]["platform"], "github-actions", "{:#}", r["context"]);
    assert_eq!(r["context"]["runner"]["kind"], "self-hosted");
    let user = nobody_name();
    assert_eq!(r["host"]["user"], format!("{user} (uid 65534)"));

    assert_outcome(&r, "workspace-residue", "fail");
    assert_evidence(&r, "workspace-residue", "/tmp/r/_work/other/other: checkout of another job");
    assert_no_evidence(&r, "workspace-residue", "/tmp/r/_work/app/app");

    assert_outcome(&r, "persistence-mechanisms", "fail");
    assert_evidence(
        &r,
        "persistence-mechanisms",
        &format!("/var/spool/cron/crontabs/{user}: crontab of {user}"),
    );

    assert_outcome(&r, "persisted-git-credentials", "fail");
    assert_evidence(&r, "persisted-git-credentials", "/tmp/r/home/.git-credentials");
    assert_outcome(&r, "credential-files-present", "fail");
    assert_evidence(&r, "credential-files-present", "/tmp/r/home/.git-credentials: git credential store");

    assert_outcome(&r, "lingering-processes", "fail");
    assert_evidence(&r, "lingering-processes", "(sleep)");
    assert_evidence(&r, "lingering-processes", "--job-start");

    assert_outcome(&r, "home-residue", "fail");
    assert_evidence(&r, "home-residue", "/tmp/r/home/.git-credentials");
    assert_outcome(&r, "temp-residue", "fail");
    assert_evidence(&r, "temp-residue", "/tmp/earlier-build.log");

    // The planted token is evidence of a finding, never part of one.
    assert!(!run.stdout.contains(&token[4..]) && !run.stderr.contains(&token[4..]), "token leaked");
}

/// (d, clean) The same layout with nothing left behind: every residue control passes.
#[test]
fn clean_job_environment_has_no_residue() {
    if !require_root_and(&["unshare", "setpriv"]) {
        return;
    }
    let r = residue_probe("clean", "unused").json();
    for id in [
        "workspace-residue",
        "persisted-git-credentials",
        "credential-files-present",
        "lingering-processes",
        "home-residue",
        "temp-residue",
        "persistence-mechanisms",
    ] {
        assert_outcome(&r, id, "pass");
    }
    assert_evidence(&r, "workspace-residue", "/tmp/r/_work");
}

/// (d, closed spool) When the crontab spool is closed to the job user (as on Debian, 1730
/// root:crontab) on a runner that is not single-use, a user crontab cannot be ruled out:
/// unknown, with the reason, never pass.
#[test]
fn closed_crontab_spool_is_unknown_not_pass() {
    if !require_root_and(&["unshare", "setpriv"]) {
        return;
    }
    let r = residue_probe("closed", "unused").json();
    assert_outcome(&r, "persistence-mechanisms", "unknown");
    assert_evidence(&r, "persistence-mechanisms", "/var/spool/cron/crontabs: not readable");
}

// --- (e): capabilities, no_new_privs, seccomp ----------------------------------------

const DANGEROUS_CAPS: &[u32] = &[2, 12, 16, 17, 19, 21, 22, 33, 38, 39];

/// (e) The test process as it is (root, usually every capability): the probe reports
/// exactly what /proc/self/status of this process says.
#[test]
fn plain_root_process_holds_its_capabilities() {
    if !require_root_and(&[]) {
        return;
    }
    let r = probe_json(&mut probe_cmd(&["--no-secret-scan"]));
    let cap_eff = u64::from_str_radix(&own_status("CapEff").unwrap(), 16).unwrap();
    let dangerous = DANGEROUS_CAPS.iter().any(|c| cap_eff & (1 << c) != 0);
    // Root in the initial user namespace on a machine not known to be single-use.
    assert_outcome(&r, "dangerous-capabilities", if dangerous { "fail" } else { "pass" });
    assert_evidence(&r, "dangerous-capabilities", &format!("CapEff: {cap_eff:016x}"));
    let nnp = own_status("NoNewPrivs").unwrap();
    assert_outcome(&r, "no-new-privs-unset", if nnp == "1" { "pass" } else { "fail" });
    let seccomp = own_status("Seccomp").unwrap();
    assert_outcome(&r, "seccomp-disabled", if seccomp == "0" { "fail" } else { "pass" });
    assert_outcome(&r, "job-runs-as-root", "fail");
    // On a typical root test run all three fail; make sure this run tested the fail path
    // at least once, or say why not.
    if !dangerous || nnp == "1" || seccomp != "0" {
        eprintln!(
            "note: this test process is already confined (CapEff {cap_eff:x}, NoNewPrivs {nnp}, Seccomp {seccomp})"
        );
    }
}

/// (e) Capabilities dropped from every set, no_new_privs, and a seccomp filter installed
/// before exec: all three controls pass, uid 0 is still reported.
#[test]
fn dropped_capabilities_no_new_privs_and_seccomp_are_seen() {
    if !require_root_and(&["setpriv", "python3"]) {
        return;
    }
    let confined = |seccomp: bool| {
        let mut c = clean("setpriv");
        c.args(["--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]);
        if seccomp {
            c.args(["python3", "-c", support::SECCOMP_EXEC]);
        }
        c.arg(stance()).args(["probe", "--format", "json", "--color", "never", "--no-secret-scan"]);
        probe_json(&mut c)
    };

    let r = confined(true);
    assert_outcome(&r, "dangerous-capabilities", "pass");
    assert_evidence(&r, "dangerous-capabilities", "CapEff: 0000000000000000");
    assert_outcome(&r, "no-new-privs-unset", "pass");
    assert_evidence(&r, "no-new-privs-unset", "NoNewPrivs: 1");
    assert_outcome(&r, "seccomp-disabled", "pass");
    assert_evidence(&r, "seccomp-disabled", "Seccomp: 2 (filter)");
    assert_outcome(&r, "kernel-modules-loadable", "pass");
    assert_outcome(&r, "job-runs-as-root", "fail");

    // Without the filter only seccomp changes (unless this test itself runs under one).
    let r = confined(false);
    assert_outcome(&r, "dangerous-capabilities", "pass");
    assert_outcome(&r, "no-new-privs-unset", "pass");
    let seccomp = own_status("Seccomp").unwrap();
    assert_outcome(&r, "seccomp-disabled", if seccomp == "0" { "fail" } else { "pass" });
}

// --- (f): runner registration credentials --------------------------------------------

/// A fake GitHub runner installation: `.runner` settings (readable, not secret) and the
/// two credential files with `cred_mode`.
fn fake_runner(tree: &TempTree, dir: &str, cred_mode: u32, rsa_mode: u32) {
    tree.mkdir(&format!("{dir}/_diag"));
    tree.mkdir(&format!("{dir}/bin"));
    tree.write(
        &format!("{dir}/.runner"),
        r#"{"agentId": 7, "agentName": "fake-runner", "poolId": 1, "serverUrl": "https://pipelines.example.invalid/x", "gitHubUrl": "https://github.com/acme", "workFolder": "_work", "ephemeral": false}"#,
        0o644,
    );
    tree.write(
        &format!("{dir}/.credentials"),
        r#"{"scheme": "OAuth", "data": {"clientId": "00000000-0000-0000-0000-000000000000", "authorizationUrl": "https://pipelines.example.invalid/_apis/oauth2/token", "requireFipsCryptography": "False"}}"#,
        cred_mode,
    );
    tree.write(
        &format!("{dir}/.credentials_rsaparams"),
        r#"{"d": "ZmFrZQ==", "dp": "ZmFrZQ==", "dq": "ZmFrZQ==", "exponent": "AQAB", "inverseQ": "ZmFrZQ==", "modulus": "ZmFrZQ==", "p": "ZmFrZQ==", "q": "ZmFrZQ=="}"#,
        rsa_mode,
    );
}

/// (f) The probe as the job user (uid 65534) against a root-owned runner installation:
/// 0600 credentials are not readable (pass), 0644 ones are (fail), and root can read
/// even 0600 ones (fail).
#[test]
fn runner_credentials_readable_by_the_job_user_or_not() {
    if !require_root_and(&["setpriv"]) {
        return;
    }
    let probe_as = |nobody: bool, dir: &Path| {
        let mut c = if nobody {
            let v = as_nobody();
            let mut c = clean(&v[0]);
            c.args(&v[1..]).arg(stance());
            c
        } else {
            clean(stance())
        };
        c.args(["probe", "--format", "json", "--color", "never", "--no-secret-scan", "--runner-dir"])
            .arg(dir);
        probe_json(&mut c)
    };

    let closed = TempTree::new("runner-closed");
    fake_runner(&closed, "actions-runner", 0o600, 0o600);
    let dir = closed.join("actions-runner");
    let r = probe_as(true, &dir);
    assert_eq!(r["host"]["user"], "nobody (uid 65534)");
    assert_outcome(&r, "runner-credentials-readable", "pass");
    assert_evidence(&r, "runner-credentials-readable", ".credentials: not readable by the job user");
    assert_evidence(
        &r,
        "runner-credentials-readable",
        ".credentials_rsaparams: not readable by the job user",
    );
    // `.runner` holds settings, not secrets: never counted.
    assert_no_evidence(&r, "runner-credentials-readable", ".runner:");
    assert_eq!(r["context"]["agent"]["install_dir"], dir.to_str().unwrap(), "{:#}", r["context"]);

    let r = probe_as(false, &dir);
    assert_outcome(&r, "runner-credentials-readable", "fail");
    assert_evidence(&r, "runner-credentials-readable", ".credentials: readable by the job user");

    let open = TempTree::new("runner-open");
    fake_runner(&open, "actions-runner", 0o644, 0o600);
    let r = probe_as(true, &open.join("actions-runner"));
    assert_outcome(&r, "runner-credentials-readable", "fail");
    assert_evidence(&r, "runner-credentials-readable", ".credentials: readable by the job user");
    assert_no_evidence(&r, "runner-credentials-readable", ".credentials_rsaparams");
}

/// The shared libraries `ldd` lists for `bin` (absolute paths).
fn shared_libs(bin: &Path) -> Vec<String> {
    let out = std::process::Command::new("ldd").arg(bin).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|t| t.starts_with('/'))
        .map(str::to_string)
        .collect()
}

/// (f, chroot) A minimal root holding only the probe, its libraries, a passwd file and a
/// runner installation at /actions-runner, with /proc of a fresh PID namespace. The
/// probe runs in it as uid 65534 and finds the runner on its own.
#[test]
fn runner_credentials_in_a_chroot() {
    if !require_root_and(&["unshare", "chroot", "ldd"]) {
        return;
    }
    for (mode, expected) in [(0o600, "pass"), (0o644, "fail")] {
        let root = TempTree::new("chroot");
        for lib in shared_libs(&stance()) {
            let dest = root.path().join(lib.trim_start_matches('/'));
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&lib, &dest).unwrap();
        }
        root.write(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
            0o644,
        );
        root.write("etc/group", "root:x:0:\nnogroup:x:65534:\n", 0o644);
        root.mkdir("proc");
        let tmp = root.mkdir("tmp");
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
        root.write("stance", "", 0o755);
        fake_runner(&root, "actions-runner", mode, mode);

        let mut cmd = clean("unshare");
        cmd.args(["--mount", "--pid", "--fork", "--kill-child"])
            .arg(format!("--mount-proc={}", root.join("proc").display()))
            .args([
                "sh",
                "-c",
                r#"mount --bind "$STANCE" "$ROOT/stance" && chroot --userspec=65534:65534 "$ROOT" /stance probe --format json --color never --no-secret-scan"#,
            ])
            .env("STANCE", stance())
            .env("ROOT", root.path());
        let r = run_with_timeout(&mut cmd, PROBE_TIMEOUT).json();
        assert_eq!(r["host"]["user"], "nobody (uid 65534)");
        assert_eq!(r["context"]["agent"]["install_dir"], "/actions-runner", "{:#}", r["context"]);
        assert_outcome(&r, "runner-credentials-readable", expected);
        assert_evidence(&r, "runner-credentials-readable", "/actions-runner/.credentials");
        // The runner's files belong to root: the job cannot replace the agent.
        assert_outcome(&r, "runner-agent-writable", "pass");
    }
}

/// (f, offline) The same installation probed with `--root DIR`: with an identity in the
/// tree (`proc/self/status` of uid 65534) permission bits decide; without one the probe
/// cannot tell who the job user is, so it must not claim the files are safe.
#[test]
fn runner_credentials_in_an_offline_root() {
    let status = "Name:\tbash\nUid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t\nCapEff:\t0000000000000000\n";
    for (mode, expected) in [(0o600, "pass"), (0o644, "fail")] {
        let root = TempTree::new("offline");
        fake_runner(&root, "actions-runner", mode, mode);
        root.write("proc/self/status", status, 0o644);
        let r = probe_json(&mut probe_cmd(&["--no-secret-scan", "--root", root.str()]));
        assert_eq!(r["host"]["live"], false);
        assert_outcome(&r, "runner-credentials-readable", expected);
        assert_evidence(&r, "runner-credentials-readable", "/actions-runner/.credentials");
    }

    let root = TempTree::new("offline-noid");
    fake_runner(&root, "actions-runner", 0o644, 0o644);
    let r = probe_json(&mut probe_cmd(&["--no-secret-scan", "--root", root.str()]));
    assert_outcome(&r, "job-runs-as-root", "unknown");
    // Without the job user's identity, access cannot be decided: unknown, never pass.
    assert_outcome(&r, "runner-credentials-readable", "unknown");
    assert_outcome(&r, "runner-agent-writable", "unknown");
}

/// (f) A `--runner-dir` that does not exist (a typo, a wrong mount) proves nothing about
/// the runner's credentials.
#[test]
fn runner_dir_that_does_not_exist_is_not_a_pass() {
    let tree = TempTree::new("runner-missing");
    let dir = tree.join("no-such-runner");
    let r = probe_json(&mut probe_cmd(&["--no-secret-scan", "--runner-dir", dir.to_str().unwrap()]));
    assert_outcome(&r, "runner-credentials-readable", "unknown");
}

/// Active checks against a black hole (the far side drops every packet, so each attempt
/// waits for its full timeout) run in parallel: four targets cost about one timeout.
#[test]
fn active_checks_against_a_black_hole_run_in_parallel() {
    if !require_root_and(&["ip", "nft"]) {
        return;
    }
    let job = Netns::new();
    let far = Netns::new();
    job.link("10.200.4.1/24", &far, "10.200.4.2/24");
    far.nft("table inet stance_hole {\n chain in { type filter hook input priority 0; policy drop; }\n}\n");
    let base = probe_json(&mut job.probe(&["--no-secret-scan"]));
    let r = probe_json(&mut job.probe(&[
        "--no-secret-scan",
        "--connect-timeout",
        "1000",
        "--egress-target",
        "10.200.4.2:443",
        "--egress-target",
        "10.200.4.2:80",
        "--internal-target",
        "10.200.4.2:5432",
        "--metadata-target",
        "10.200.4.2",
    ]));
    let extra = r["duration_ms"].as_u64().unwrap().saturating_sub(base["duration_ms"].as_u64().unwrap());
    // At least one full timeout (the SYNs really went unanswered), far less than four.
    assert!((900..2500).contains(&extra), "active checks added {extra} ms");
    assert_outcome(&r, "egress-open", "pass");
    assert_evidence(&r, "egress-open", "10.200.4.2:443: blocked");
    assert_evidence(&r, "egress-open", "10.200.4.2:80: blocked");
    assert_outcome(&r, "private-network-reachable", "pass");
    assert_outcome(&r, "metadata-endpoint-reachable", "pass");
    assert_outcome(&r, "egress-unrestricted", "pass");
    assert_evidence(&r, "egress-unrestricted", "10.200.4.2:443");
}
