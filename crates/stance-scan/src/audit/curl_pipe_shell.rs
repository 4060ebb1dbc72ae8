//! Remote scripts piped straight into a shell.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, Script, audit_meta, finding};

audit_meta!(
    CurlPipeShell,
    id: "curl-pipe-shell",
    title: "Remote script piped into a shell",
    severity: Medium,
    dimension: Integrity,
    rationale: "`curl … | bash` runs whatever the server returns at that moment, unverified, with the job's access; a compromised host, DNS or CDN becomes code execution in the job. On a self-hosted runner it runs on the organisation's machine; the Codecov bash uploader compromise went exactly this way.",
    remediation: "Download to a file, verify a pinned checksum or signature, then run it; better, use a pinned package or action.",
    refs: { nhi: ["NHI3:2025"], csf: ["GV.SC-05", "PR.PS-01"], cicd: ["CICD-SEC-3", "CICD-SEC-9"], cis: [], slsa: [] }
);

impl Audit for CurlPipeShell {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn script(&self, cx: &Cx<'_, '_>, script: &Script<'_>, out: &mut Vec<Finding>) {
        let lines = crate::shell::pipes_download_to_shell(script.text);
        let Some(first) = lines.first() else { return };
        let severity = if script.self_hosted() || script.privileges.is_some_and(|p| p.privileged()) {
            Severity::Medium
        } else {
            Severity::Low
        };
        let line = first.trim();
        let shown: String = line.chars().take(100).collect();
        out.push(
            finding(&Self::META)
                .severity(severity)
                .confidence(Confidence::High)
                .message(format!("a script pipes a download into an interpreter: `{shown}`"))
                .at(cx.repo, cx.find_in(script.span, line).unwrap_or(script.span), script.route.clone())
                .build(),
        );
    }
}
