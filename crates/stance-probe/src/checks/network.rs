//! Network: listeners, egress policy, and the opt-in active checks.

use stance_core::model::{Confidence, Evidence, EvidenceKind};

use crate::active::{Attempt, Reach};
use crate::ctx::{Ctx, Eval};
use crate::facts::net::{BaseChain, NftError};

fn net(subject: impl Into<String>, detail: impl Into<String>) -> Evidence {
    Evidence::new(EvidenceKind::Network, subject).with_detail(detail)
}

fn describe(a: &Attempt) -> Evidence {
    let d = match &a.reach {
        Reach::Connected => "connected".to_string(),
        Reach::Refused => "refused (reachable, or rejected by a firewall)".to_string(),
        Reach::Blocked(why) => format!("blocked ({why})"),
        Reach::Invalid(why) => format!("not tried: {why}"),
    };
    net(a.target.clone(), d)
}

/// `non-loopback-listeners`.
pub fn non_loopback_listeners(ctx: &Ctx<'_>) -> Eval {
    let Some(ls) = ctx.listeners() else { return Eval::unknown("/proc/net is not available (offline root)") };
    // DHCP clients bind their port on every interface; they are not services.
    let open: Vec<Evidence> = ls
        .iter()
        .filter(|l| !(l.is_loopback() || l.proto.starts_with("udp") && matches!(l.port, 68 | 546)))
        .map(|l| net(format!("{} {}:{}", l.proto, l.addr, l.port), format!("listening, uid {}", l.uid)))
        .collect();
    if open.is_empty() {
        Eval::pass(format!("{} listening socket(s), all on loopback", ls.len()))
    } else {
        Eval::fail(format!("{} socket(s) listen beyond loopback", open.len())).with_all(open)
    }
}

/// `egress-unrestricted`.
pub fn egress_unrestricted(ctx: &Ctx<'_>) -> Eval {
    // Direct proof first: the active canaries, when the user asked for them.
    let active = ctx.active();
    let tried: Vec<&Attempt> =
        active.egress.iter().filter(|a| !matches!(a.reach, Reach::Invalid(_))).collect();
    if tried.iter().any(|a| a.reach == Reach::Connected) {
        return Eval::fail("outbound connections to egress test targets succeed")
            .with_all(tried.iter().map(|a| describe(a)));
    }
    if !tried.is_empty()
        && tried.len() == active.egress.len()
        && tried.iter().all(|a| matches!(a.reach, Reach::Blocked(_)))
    {
        return Eval::pass("every egress test target was blocked")
            .with_all(tried.iter().map(|a| describe(a)));
    }
    if ctx.host.exists("/home/agent/agent") && ctx.procs().procs.iter().any(|p| p.comm == "agent") {
        return Eval::pass("an egress-filtering agent runs on the runner")
            .with(Evidence::path("/home/agent/agent").with_detail("agent binary present and running"))
            .confidence(Confidence::Medium);
    }
    match ctx.nft() {
        Ok(chains) => {
            let egress: Vec<&BaseChain> = chains.iter().filter(|c| c.is_egress_filter()).collect();
            let ev: Vec<Evidence> = egress
                .iter()
                .map(|c| {
                    Evidence::setting(
                        format!("nftables {}", c.label()),
                        format!(
                            "hook {}, {} rule(s), policy {}",
                            c.hook,
                            c.rules,
                            if c.policy_drop { "drop" } else { "accept" }
                        ),
                    )
                })
                .collect();
            // Default-deny is the only thing a rule count can prove: firewall managers add rules
            // to output chains that accept everything.
            let (v4, v6) = egress
                .iter()
                .map(|c| c.drops_by_default())
                .fold((false, false), |a, b| (a.0 || b.0, a.1 || b.1));
            if v4 && v6 {
                return Eval::pass("nftables drops outbound traffic by default (IPv4 and IPv6)")
                    .with_all(ev)
                    .confidence(Confidence::Medium);
            }
            if !egress.is_empty() {
                let why = if v4 || v6 {
                    "outbound traffic is dropped by default for one address family only"
                } else {
                    "output chains have rules but accept by default; stance cannot tell whether they restrict egress"
                };
                return Eval::unknown(format!("{why} (pass --egress-target to test)")).with_all(ev);
            }
            let legacy = ctx.host.read_string("/proc/net/ip_tables_names").unwrap_or_default();
            if legacy.lines().any(|l| l.trim() == "filter") {
                return Eval::unknown(
                    "legacy iptables tables are loaded; their rules cannot be read without the iptables tool",
                )
                .with(
                    Evidence::path("/proc/net/ip_tables_names")
                        .with_detail(legacy.split_whitespace().collect::<Vec<_>>().join(",")),
                );
            }
            if let Some(c) = &ctx.isolation().container {
                return Eval::unknown(format!(
                    "no egress rules in this {c} container's network namespace; a policy may still apply outside it (pass --egress-target to test)"
                ));
            }
            Eval::fail("no nftables output filtering, egress agent or enforced proxy found").with(
                Evidence::observation(format!(
                    "{} nftables base chain(s), none filters output",
                    chains.len()
                )),
            )
        }
        Err(NftError::PermissionDenied) => Eval::unknown(
            "reading the nftables ruleset needs CAP_NET_ADMIN; pass --egress-target to test egress directly",
        ),
        Err(NftError::NotLive) => Eval::unknown("an offline root has no live network policy"),
        Err(NftError::Other(e)) => Eval::unknown(format!("the nftables ruleset could not be read: {e}")),
    }
}

fn active_targets(attempts: &[Attempt], what: &str, flag: &str) -> Eval {
    if attempts.is_empty() {
        return Eval::na(format!("active check not requested ({flag})"));
    }
    let ev: Vec<Evidence> = attempts.iter().map(describe).collect();
    let connected = attempts.iter().filter(|a| a.reach == Reach::Connected).count();
    let refused = attempts.iter().filter(|a| a.reach == Reach::Refused).count();
    let invalid = attempts.iter().filter(|a| matches!(a.reach, Reach::Invalid(_))).count();
    if connected > 0 {
        Eval::fail(format!("{connected} of {} {what} target(s) accepted a connection", attempts.len()))
            .with_all(ev)
    } else if refused > 0 {
        Eval::warn(format!(
            "{refused} {what} target(s) answered with a reset: reachable, or rejected by a firewall"
        ))
        .with_all(ev)
    } else if invalid == attempts.len() {
        Eval::unknown(format!("no {what} target could be tried")).with_all(ev)
    } else if invalid > 0 {
        Eval::unknown(format!(
            "{invalid} of {} {what} target(s) could not be tried; the others were unreachable",
            attempts.len()
        ))
        .with_all(ev)
    } else {
        Eval::pass(format!("every {what} target was unreachable")).with_all(ev)
    }
}

/// `egress-open` (active, opt-in).
pub fn egress_open(ctx: &Ctx<'_>) -> Eval {
    active_targets(&ctx.active().egress, "egress", "--egress-target")
}

/// `metadata-endpoint-reachable` (active, opt-in).
pub fn metadata_endpoint_reachable(ctx: &Ctx<'_>) -> Eval {
    let Some(a) = &ctx.active().metadata else {
        return Eval::na("active check not requested (--metadata-target)");
    };
    let ev = describe(a);
    match (&a.reach, a.http_status) {
        (Reach::Connected, Some(200)) => {
            Eval::fail("the metadata service answers without a session token (IMDSv1-style)")
                .with(ev.with_detail("connected; HTTP 200 to an unauthenticated request"))
        }
        (Reach::Connected, Some(code)) => {
            Eval::fail(format!("the metadata service is reachable (HTTP {code} without a token)"))
                .with(ev)
                .severity(stance_core::model::Severity::High)
        }
        (Reach::Connected, None) => Eval::fail("the metadata address accepts connections")
            .with(ev)
            .severity(stance_core::model::Severity::High),
        (Reach::Refused, _) => Eval::warn("the metadata address answered with a reset").with(ev),
        (Reach::Blocked(_), _) => Eval::pass("the metadata service is not reachable").with(ev),
        (Reach::Invalid(why), _) => Eval::unknown(why.clone()).with(ev),
    }
}

/// `private-network-reachable` (active, opt-in).
pub fn private_network_reachable(ctx: &Ctx<'_>) -> Eval {
    active_targets(&ctx.active().internal, "internal", "--internal-target")
}

const PROXY_VARS: &[&str] = &[
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "all_proxy",
    "FTP_PROXY",
    "ftp_proxy",
];

fn has_userinfo(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.contains('@')
}

/// `proxy-credentials-exposed`.
pub fn proxy_credentials_exposed(ctx: &Ctx<'_>) -> Eval {
    let mut found: Vec<Evidence> = PROXY_VARS
        .iter()
        .filter(|v| ctx.host.env(v).is_some_and(has_userinfo))
        .map(|v| Evidence::env(*v).with_detail("proxy URL with embedded credentials (user:password@)"))
        .collect();
    if let Ok(text) = ctx.host.read_string("/etc/environment") {
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=')
                && PROXY_VARS.contains(&k.trim())
                && has_userinfo(v.trim().trim_matches('"'))
            {
                found.push(
                    Evidence::path("/etc/environment")
                        .with_detail(format!("{} carries embedded credentials", k.trim())),
                );
            }
        }
    }
    if found.is_empty() && !ctx.host.env_known() {
        Eval::pass("/etc/environment sets no proxy with credentials (an offline tree has no job environment)")
            .confidence(Confidence::Medium)
    } else if found.is_empty() {
        Eval::pass("no proxy setting carries credentials")
    } else {
        Eval::fail("proxy settings carry embedded credentials").with_all(found)
    }
}
