//! `stance probe` (wired up when the probe crate lands).

use crate::exit::{CliError, CmdResult};
use crate::io::Io;

/// Flags of `stance probe`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `stance probe`.
pub fn run(_args: Args, _io: &mut Io) -> CmdResult {
    Err(CliError::usage("`stance probe` is not available in this build yet"))
}
