//! Context: platform, runner type, repository visibility, trigger, job privileges.

use stance_core::model::Evidence;
use stance_core::report::{Platform, RunnerKind, Visibility};

use crate::ctx::{Ctx, Eval};

/// `ci-platform`.
pub fn ci_platform(ctx: &Ctx<'_>) -> Eval {
    let c = &ctx.platform().context;
    if c.platform == Platform::None {
        return Eval::na("not running in a CI job");
    }
    let line = stance_core::render::context_line(c);
    if c.runner.kind == RunnerKind::Unknown {
        Eval::warn(format!("{line}; the runner type could not be identified"))
    } else {
        Eval::pass(line)
    }
}

fn self_hosted(kind: RunnerKind) -> bool {
    matches!(kind, RunnerKind::SelfHosted | RunnerKind::Arc)
}

/// `self-hosted-public-repo`.
pub fn self_hosted_public_repo(ctx: &Ctx<'_>) -> Eval {
    let c = &ctx.platform().context;
    if c.platform == Platform::None {
        return Eval::na("not running in a CI job");
    }
    match (self_hosted(c.runner.kind), c.visibility) {
        (true, Some(Visibility::Public)) => {
            Eval::fail("a self-hosted runner runs jobs of a public repository").with(Evidence::observation(
                format!("{} is public", c.repository.as_deref().unwrap_or("the repository")),
            ))
        }
        (true, Some(_)) => Eval::pass("the self-hosted runner serves a private or internal repository"),
        (true, None) => Eval::unknown("the repository's visibility is not visible to the job"),
        (false, _) if c.runner.kind == RunnerKind::Unknown => Eval::unknown("the runner type is not known"),
        (false, _) => Eval::pass("the runner is hosted, not self-hosted"),
    }
}

/// `untrusted-trigger`.
pub fn untrusted_trigger(ctx: &Ctx<'_>) -> Eval {
    let c = &ctx.platform().context;
    if c.platform == Platform::None {
        return Eval::na("not running in a CI job");
    }
    let t = &c.trigger;
    let event = t.event.clone().unwrap_or_else(|| "unknown".into());
    let ev = Evidence::setting("event", event.clone());
    if t.untrusted_code == Some(true) || (t.privileged_trigger && t.from_fork == Some(true)) {
        let what = if t.privileged_trigger {
            format!("a privileged trigger ({event}) runs with code or input from a fork")
        } else {
            format!("the job runs code from a fork ({event})")
        };
        return Eval::fail_unless_single_use(what, ctx.single_use_kernel()).with(ev);
    }
    if t.privileged_trigger {
        return Eval::warn(format!(
            "{event} runs with the base repository's secrets on input outsiders can influence"
        ))
        .with(ev);
    }
    match t.untrusted_code {
        Some(false) => Eval::pass(format!("the trigger ({event}) runs trusted code")).with(ev),
        _ => {
            Eval::unknown(format!("whether the {event} trigger runs untrusted code is not visible")).with(ev)
        }
    }
}

/// `job-privileges`.
pub fn job_privileges(ctx: &Ctx<'_>) -> Eval {
    let c = &ctx.platform().context;
    if c.platform == Platform::None {
        return Eval::na("not running in a CI job");
    }
    let a = &c.access;
    let mut what = Vec::new();
    let mut ev = Vec::new();
    if a.oidc {
        what.push("an OIDC token".to_string());
        ev.push(Evidence::observation("an OIDC token can be requested"));
    }
    if !a.secret_variables.is_empty() {
        what.push(format!("{} secret variable(s)", a.secret_variables.len()));
        ev.extend(
            a.secret_variables
                .iter()
                .map(|n| Evidence::env(n.clone()).with_detail("secret-named variable (value not shown)")),
        );
    }
    if let Some(e) = &a.environment {
        what.push(format!("deployment environment {e}"));
    }
    if what.is_empty() {
        Eval::pass("the job holds no OIDC token, secret variable or deployment environment")
    } else {
        Eval::warn(format!("the job holds {}", what.join(", "))).with_all(ev)
    }
}
