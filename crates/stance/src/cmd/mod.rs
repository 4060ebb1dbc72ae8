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
