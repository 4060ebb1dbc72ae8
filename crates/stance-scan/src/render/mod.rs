//! Renderers that need audit metadata: SARIF 2.1.0 (GitHub code scanning) and
//! GitLab Code Quality JSON. Text, JSON, Markdown and GitHub annotations come
//! from `stance_core::render`.

pub mod gitlab;
pub mod sarif;

use stance_core::model::Finding;

/// A stable fingerprint of a finding: audit id, path, route and message, not the line
/// (so unrelated edits above it do not reopen it).
pub fn fingerprint(f: &Finding) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(f.id.as_bytes());
    if let Some(l) = f.primary_location() {
        h.update([0]);
        h.update(l.path.as_bytes());
        h.update([0]);
        h.update(l.route.as_deref().unwrap_or("").as_bytes());
    }
    h.update([0]);
    h.update(f.message.as_bytes());
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}
