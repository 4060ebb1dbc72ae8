//! Fast secret and credential-residue scanning for stance.
//!
//! Three parts:
//!
//! - **Patterns** ([`PatternSet::builtin`], listed in `PATTERNS.md`): curated
//!   formats of tokens and keys, each with a stable kebab-case id, a
//!   description and a [`Confidence`].
//! - **Matcher** ([`PatternSet::scan_bytes`], [`PatternSet::is_match`],
//!   [`PatternSet::redact`]): a SIMD literal search (Teddy, from
//!   `aho-corasick`) finds every occurrence of the patterns' anchors (`ghp_`,
//!   `AKIA`, `-----BEGIN `, …); only there does the pattern's regex run, on a
//!   window of at most a few KiB.
//!   Matches then pass a validation (entropy, base64 structure, JWT header,
//!   placeholder rejection). Input is bytes; nothing assumes UTF-8.
//! - **Walk** ([`scan_paths`]): a parallel, symlink-proof, never-blocking,
//!   budgeted scan of files and directory trees (see the `walk` module docs).
//!
//! # What a match reveals
//!
//! A [`Match`] never holds the secret: only the pattern id, position, length
//! and, for secrets of 16 bytes or more, the first 8 hex digits of the
//! secret's SHA-256 (`sha256:1a2b3c4d`) to tell secrets apart.
//!
//! # Overlaps
//!
//! When matches overlap (a GitHub token inside a URL with credentials, a JWT in
//! an `Authorization` header), one is reported: higher confidence first, then
//! the longer secret, then the earlier row of the table. [`PatternSet::redact`]
//! replaces the union of overlapping spans, labelled with that winner.
//!
//! # What the walk skips, and why
//!
//! - Symlinks (below a root, always; a root only unless
//!   [`ScanOptions::follow_root_symlinks`]); FIFOs, sockets and devices.
//! - Files over [`ScanOptions::max_file_size`] (16 MiB), unread.
//! - Binary files: a NUL byte in the first 8 KiB, except files of at most
//!   1 MiB whose sample is otherwise text with at most one NUL in eight bytes
//!   (saved `/proc/PID/environ`, `env -0` dumps, which hold secrets).
//! - `objects/` and `lfs/` inside a git directory (one with `HEAD`, `refs/` and
//!   `objects/`): zlib-compressed blobs, no plain text. Everything else in
//!   `.git` is scanned, notably `config`, where `actions/checkout` persists
//!   credentials as `http.<url>.extraheader`.
//! - Other file systems than a root's, with [`ScanOptions::same_file_system`]
//!   (the default), checked without triggering automounts.
//! - Directories deeper than [`ScanOptions::max_depth`] (64).
//!
//! Nothing else is skipped: no ignore files, hidden files included, since
//! residue hides exactly there.

mod checks;
mod engine;
mod patterns;
mod walk;

pub use engine::{Match, PatternSet};
pub use patterns::{Confidence, Pattern};
pub use walk::{FileHit, RootError, ScanOptions, ScanReport, ScanStats, scan_paths};
