//! One module per command: each has `Args` (its flags, with help text) and
//! `run(args, &mut Io) -> CmdResult`.

pub mod attest;
pub mod check;
pub mod controls;
pub mod gate;
pub mod key;
pub mod probe;
pub mod scan;
pub mod verify;

/// Parses a report format name (`text`, `json`, `markdown`, `github`) for clap.
pub fn parse_format(s: &str) -> Result<stance_core::render::Format, String> {
    s.parse().map_err(|e: stance_core::model::UnknownValue| e.to_string())
}
