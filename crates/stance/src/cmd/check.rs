//! `stance check` (not built yet: see the issue tracker).

use crate::exit::{CliError, CmdResult};
use crate::io::Io;

/// Flags of `stance check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `stance check`.
pub fn run(_args: Args, _io: &mut Io) -> CmdResult {
    Err(CliError::usage("`stance check` is not available in this build yet"))
}
