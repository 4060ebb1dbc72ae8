//! `stance key` (not built yet: see the issue tracker).

use crate::exit::{CliError, CmdResult};
use crate::io::Io;

/// Flags of `stance key`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `stance key`.
pub fn run(_args: Args, _io: &mut Io) -> CmdResult {
    Err(CliError::usage("`stance key` is not available in this build yet"))
}
