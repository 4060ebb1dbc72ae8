//! Every control's check, one function each, grouped by dimension, listed once in
//! [`CHECKS`]. A test asserts that this list and the catalog match one to one.

pub mod context;
pub mod ephemerality;
pub mod hardening;
pub mod integrity;
pub mod isolation;
pub mod logging;
pub mod network;
pub mod patching;
pub mod secrets;

use std::time::{Duration, SystemTime};

use crate::ctx::{Ctx, Eval};

/// A control id and the function that evaluates it.
#[derive(Clone, Copy)]
pub struct Check {
    /// The catalog id.
    pub id: &'static str,
    /// The evaluation.
    pub run: fn(&Ctx<'_>) -> Eval,
    /// The function's path, for the test that ties ids to function names.
    pub func: &'static str,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

macro_rules! checks {
    ($($id:literal => $module:ident :: $func:ident),+ $(,)?) => {
        /// Every check, in catalog order.
        pub static CHECKS: &[Check] = &[
            $(Check { id: $id, run: $module::$func, func: stringify!($func) }),+
        ];
    };
}

// One line per control: its id, and the function (named after the id) that evaluates it.
checks! {
    "kernel-sysctl-hardening" => hardening::kernel_sysctl_hardening,
    "lsm-enforcing" => hardening::lsm_enforcing,
    "kernel-lockdown" => hardening::kernel_lockdown,
    "passwordless-sudo" => hardening::passwordless_sudo,
    "sshd-exposed" => hardening::sshd_exposed,
    "unexpected-setuid" => hardening::unexpected_setuid,
    "tmp-mount-options" => hardening::tmp_mount_options,
    "core-dumps-exposed" => hardening::core_dumps_exposed,
    "unprivileged-userns" => hardening::unprivileged_userns,
    "os-end-of-life" => patching::os_end_of_life,
    "kernel-stale" => patching::kernel_stale,
    "packages-stale" => patching::packages_stale,
    "runner-agent-outdated" => patching::runner_agent_outdated,
    "image-age" => patching::image_age,
    "isolation-boundary" => isolation::isolation_boundary,
    "job-runs-as-root" => isolation::job_runs_as_root,
    "privileged-container" => isolation::privileged_container,
    "dangerous-capabilities" => isolation::dangerous_capabilities,
    "no-new-privs-unset" => isolation::no_new_privs_unset,
    "seccomp-disabled" => isolation::seccomp_disabled,
    "container-socket-accessible" => isolation::container_socket_accessible,
    "host-namespaces-shared" => isolation::host_namespaces_shared,
    "sensitive-host-mounts" => isolation::sensitive_host_mounts,
    "kubernetes-token-mounted" => isolation::kubernetes_token_mounted,
    "concurrent-jobs-visible" => isolation::concurrent_jobs_visible,
    "resource-limits-absent" => isolation::resource_limits_absent,
    "runner-not-single-use" => ephemerality::runner_not_single_use,
    "workspace-residue" => ephemerality::workspace_residue,
    "temp-residue" => ephemerality::temp_residue,
    "home-residue" => ephemerality::home_residue,
    "lingering-processes" => ephemerality::lingering_processes,
    "persistence-mechanisms" => ephemerality::persistence_mechanisms,
    "shared-tool-cache-writable" => ephemerality::shared_tool_cache_writable,
    "non-loopback-listeners" => network::non_loopback_listeners,
    "egress-unrestricted" => network::egress_unrestricted,
    "egress-open" => network::egress_open,
    "metadata-endpoint-reachable" => network::metadata_endpoint_reachable,
    "private-network-reachable" => network::private_network_reachable,
    "proxy-credentials-exposed" => network::proxy_credentials_exposed,
    "runtime-monitoring-absent" => logging::runtime_monitoring_absent,
    "log-forwarding-absent" => logging::log_forwarding_absent,
    "logs-tamperable" => logging::logs_tamperable,
    "root-fs-writable" => integrity::root_fs_writable,
    "image-identity-unknown" => integrity::image_identity_unknown,
    "runner-agent-writable" => integrity::runner_agent_writable,
    "path-hijack" => integrity::path_hijack,
    "preload-injection" => integrity::preload_injection,
    "kernel-modules-loadable" => integrity::kernel_modules_loadable,
    "measured-boot-unavailable" => integrity::measured_boot_unavailable,
    "system-files-exposed" => integrity::system_files_exposed,
    "long-lived-secrets-in-env" => secrets::long_lived_secrets_in_env,
    "credential-files-present" => secrets::credential_files_present,
    "runner-credentials-readable" => secrets::runner_credentials_readable,
    "secrets-in-workspace" => secrets::secrets_in_workspace,
    "secrets-in-logs" => secrets::secrets_in_logs,
    "persisted-git-credentials" => secrets::persisted_git_credentials,
    "other-process-memory-readable" => secrets::other_process_memory_readable,
    "ssh-agent-forwarded" => secrets::ssh_agent_forwarded,
    "ci-platform" => context::ci_platform,
    "self-hosted-public-repo" => context::self_hosted_public_repo,
    "untrusted-trigger" => context::untrusted_trigger,
    "job-privileges" => context::job_privileges,
}

/// How long ago `t` was, saturating at zero for future times.
pub(crate) fn age(now: SystemTime, t: SystemTime) -> Duration {
    now.duration_since(t).unwrap_or_default()
}

/// Whole days in a duration.
pub(crate) fn days(d: Duration) -> u64 {
    d.as_secs() / 86_400
}

/// At most `n` evidence items, and a note of how many more there were.
pub(crate) fn capped<T>(items: Vec<T>, n: usize, more: impl Fn(usize) -> T) -> Vec<T> {
    let total = items.len();
    let mut v: Vec<T> = items.into_iter().take(n).collect();
    if total > n {
        v.push(more(total - n));
    }
    v
}

/// The modification time of a path, if it can be read.
pub(crate) fn mtime(ctx: &Ctx<'_>, path: &str) -> Option<SystemTime> {
    ctx.host.lstat(path).ok()?.modified().ok()
}
