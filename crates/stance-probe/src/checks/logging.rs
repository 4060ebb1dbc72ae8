//! Logging: runtime monitoring, forwarding, tamper resistance.

use stance_core::model::{Confidence, Evidence, EvidenceKind};

use crate::ctx::{Ctx, Eval};
use crate::host::Access;

const MONITORS: &[&str] = &[
    "auditd",
    "falco",
    "tetragon",
    "tracee",
    "osqueryd",
    "sysdig",
    "falcon-sensor",
    "cbagentd",
    "cbdaemon",
    "wazuh-agentd",
    "ossec-agentd",
    "elastic-agent",
    "auditbeat",
    "s1-agent",
    "sentinelone",
    "qualys-cloud-ag",
    "ds_agent",
    "wdavdaemon",
    "mdatp",
    "taniumclient",
    "system-probe",
    "aqua-enforcer",
    "defender",
    "datacollector",
    "sysmon",
    "kubearmor",
    "tetragon-oper",
    "cilium-agent",
];

const FORWARDERS: &[&str] = &[
    "systemd-journal-upload",
    "fluent-bit",
    "fluentd",
    "td-agent",
    "td-agent-bit",
    "vector",
    "otelcol",
    "otelcol-contrib",
    "datadog-agent",
    "splunkd",
    "filebeat",
    "promtail",
    "alloy",
    "amazon-cloudwatch-agent",
    "google-fluentd",
    "nxlog",
    "elastic-agent",
    "ops-agent",
    "fluent-bit-agent",
];

fn running(ctx: &Ctx<'_>, names: &[&str]) -> Vec<Evidence> {
    ctx.procs()
        .procs
        .iter()
        .filter(|p| {
            names.iter().any(|n| {
                p.comm == *n || (n.len() >= 15 && p.comm.len() == 15 && n.starts_with(p.comm.as_str()))
            })
        })
        .map(|p| Evidence::new(EvidenceKind::Process, p.label()))
        .collect()
}

/// `runtime-monitoring-absent`.
pub fn runtime_monitoring_absent(ctx: &Ctx<'_>) -> Eval {
    if !ctx.has_procs() {
        return Eval::unknown("no process information (offline root or /proc missing)");
    }
    let mut found = running(ctx, MONITORS);
    if ctx.host.exists("/home/agent/agent") && ctx.procs().procs.iter().any(|p| p.comm == "agent") {
        found.push(
            Evidence::path("/home/agent/agent").with_detail("runtime and egress monitoring agent running"),
        );
    }
    if !found.is_empty() {
        return Eval::pass("a runtime security agent is running").with_all(found);
    }
    if let Some(c) = &ctx.isolation().container {
        return Eval::unknown(format!(
            "no monitoring agent visible from this {c} container; an agent on the host would not be visible"
        ));
    }
    Eval::fail("no audit daemon or runtime security agent is running")
}

/// `log-forwarding-absent`.
pub fn log_forwarding_absent(ctx: &Ctx<'_>) -> Eval {
    if !ctx.has_procs() {
        return Eval::unknown("no process information (offline root or /proc missing)");
    }
    let mut found = running(ctx, FORWARDERS);
    let h = ctx.host;
    if ctx.procs().procs.iter().any(|p| p.comm == "rsyslogd") {
        let mut files = vec!["/etc/rsyslog.conf".to_string()];
        files.extend(
            h.list("/etc/rsyslog.d")
                .into_iter()
                .filter(|(n, _)| n.ends_with(".conf"))
                .map(|(n, _)| format!("/etc/rsyslog.d/{n}")),
        );
        for f in files {
            let Ok(text) = h.read_string(&f) else { continue };
            let remote = text.lines().map(str::trim).filter(|l| !l.starts_with('#')).any(|l| {
                l.contains("omfwd")
                    || l.contains("omrelp")
                    || l.split_whitespace().nth(1).is_some_and(|a| a.starts_with('@'))
            });
            if remote {
                found.push(Evidence::path(f).with_detail("rsyslog forwards to a remote host"));
            }
        }
    }
    if !found.is_empty() {
        return Eval::pass("logs are forwarded off the machine").with_all(found);
    }
    if let Some(c) = &ctx.isolation().container {
        return Eval::unknown(format!(
            "no log forwarder visible from this {c} container; a collector on the host would not be visible"
        ));
    }
    Eval::fail("no log forwarder is running").confidence(Confidence::Medium)
}

/// `logs-tamperable`.
pub fn logs_tamperable(ctx: &Ctx<'_>) -> Eval {
    let h = ctx.host;
    let mut paths: Vec<String> = [
        "/var/log",
        "/var/log/syslog",
        "/var/log/messages",
        "/var/log/auth.log",
        "/var/log/secure",
        "/var/log/audit",
        "/var/log/journal",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(d) = ctx.platform().context.agent.as_ref().and_then(|a| a.diag_dir.clone()) {
        paths.push(d);
    }
    let mut writable = Vec::new();
    let mut undecided = Vec::new();
    let mut checked = 0;
    for p in paths.iter().filter(|p| h.exists(p)) {
        checked += 1;
        match h.can(p, Access::Write) {
            Some(true) => writable.push(Evidence::path(p.clone()).with_detail("writable by the job user")),
            Some(false) => {}
            None => undecided.push(Evidence::path(p.clone()).with_detail("access cannot be determined")),
        }
    }
    if checked == 0 {
        return Eval::unknown("no system or runner log location found");
    }
    if writable.is_empty() && !undecided.is_empty() {
        return Eval::unknown(
            "whether the job user can write the logs cannot be determined (no job identity)",
        )
        .with_all(undecided);
    }
    if writable.is_empty() {
        Eval::pass(format!("{checked} log location(s) are not writable by the job"))
    } else {
        Eval::fail_unless_single_use("logs are writable by the job", ctx.single_use_kernel())
            .with_all(writable)
    }
}
