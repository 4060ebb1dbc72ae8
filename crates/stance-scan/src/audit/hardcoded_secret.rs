//! Credentials written into a CI file.

use stance_core::model::{Confidence, Finding, Severity};

use super::{Audit, Cx, audit_meta, finding};

audit_meta!(
    HardcodedSecret,
    id: "hardcoded-secret",
    title: "Credential written in a CI file",
    severity: High,
    dimension: Secrets,
    rationale: "A token, key or password written into a workflow or pipeline file can be read by everyone who can read the repository (on a public project, the whole world) and by every fork. It also stays in every clone and in git history after the line is deleted. Whoever copies it acts with that credential's rights, from anywhere, without running a job.",
    remediation: "Revoke and rotate the credential first: deleting the line does not remove it from history. Then keep it in the CI system's secret store (`${{ secrets.NAME }}`, a masked and protected GitLab variable), or better, replace it with short-lived OIDC federation.",
    refs: { nhi: ["NHI2:2025"], csf: ["PR.AA-01", "PR.DS-01"], cicd: ["CICD-SEC-6"], cis: [], slsa: [] }
);

/// How likely the match is a real credential sets both how bad and how sure.
fn grade(c: stance_secrets::Confidence) -> (Severity, Confidence) {
    match c {
        stance_secrets::Confidence::High => (Severity::High, Confidence::High),
        stance_secrets::Confidence::Medium => (Severity::Medium, Confidence::Medium),
        stance_secrets::Confidence::Low => (Severity::Low, Confidence::Low),
    }
}

impl Audit for HardcodedSecret {
    fn meta(&self) -> &'static stance_core::catalog::Rule {
        &Self::META
    }

    fn file(&self, cx: &Cx<'_, '_>, out: &mut Vec<Finding>) {
        let src = cx.source();
        // The matches were found once when the file was read (they also redact snippets).
        for m in &src.secrets {
            let (severity, confidence) = grade(m.confidence);
            let what =
                stance_secrets::PatternSet::builtin().get(m.pattern).map_or(m.pattern, |p| p.description);
            let fingerprint =
                if m.fingerprint.is_empty() { String::new() } else { format!(", {}", m.fingerprint) };
            let span = src.span_of(m.offset, m.offset + m.length);
            let route = cx.file().yaml.route_at(m.offset as u32).unwrap_or_else(|| "comment".into());
            // Never the value: its kind, length and a short fingerprint tell it apart.
            out.push(
                finding(&Self::META)
                    .severity(severity)
                    .confidence(confidence)
                    .message(format!(
                        "{what} written in the file ({}, {} bytes{fingerprint}); anyone who can read the repository can use it",
                        m.pattern, m.length
                    ))
                    .at(cx.repo, span, route)
                    .build(),
            );
        }
    }
}
