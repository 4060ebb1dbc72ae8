//! `stance gate` (not built yet: see the issue tracker).

use crate::exit::{CliError, CmdResult};
use crate::io::Io;

/// Flags of `stance gate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `stance gate`.
pub fn run(_args: Args, _io: &mut Io) -> CmdResult {
    Err(CliError::usage("`stance gate` is not available in this build yet"))
}
