//! `stance scan` (not built yet: see the issue tracker).

use crate::exit::{CliError, CmdResult};
use crate::io::Io;

/// Flags of `stance scan`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `stance scan`.
pub fn run(_args: Args, _io: &mut Io) -> CmdResult {
    Err(CliError::usage("`stance scan` is not available in this build yet"))
}
