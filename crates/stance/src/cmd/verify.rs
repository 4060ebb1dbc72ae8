//! `stance verify` (not built yet: see the issue tracker).

use crate::exit::{CliError, CmdResult};
use crate::io::Io;

/// Flags of `stance verify`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `stance verify`.
pub fn run(_args: Args, _io: &mut Io) -> CmdResult {
    Err(CliError::usage("`stance verify` is not available in this build yet"))
}
