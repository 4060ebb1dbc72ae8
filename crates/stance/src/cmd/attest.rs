//! `stance attest` (not built yet: see the issue tracker).

use crate::exit::{CliError, CmdResult};
use crate::io::Io;

/// Flags of `stance attest`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `stance attest`.
pub fn run(_args: Args, _io: &mut Io) -> CmdResult {
    Err(CliError::usage("`stance attest` is not available in this build yet"))
}
