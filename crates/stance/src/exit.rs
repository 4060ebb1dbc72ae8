//! Exit codes and the error type of the command line. The codes are stable and
//! documented in docs/cli.md (generated from [`CODES`]).

use std::fmt;
use std::process::ExitCode;

/// An exit status of `stance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit(pub u8);

impl Exit {
    /// The command did what was asked and nothing crossed a threshold.
    pub const OK: Exit = Exit(0);
    /// A runtime error: I/O, an unexpected state; the message says what.
    pub const ERROR: Exit = Exit(1);
    /// A usage error: bad flags or arguments, unreadable or invalid input.
    pub const USAGE: Exit = Exit(2);
    /// Posture or policy not met: `probe --min-level`, `check` denied, `gate` refused.
    pub const POSTURE: Exit = Exit(3);
    /// `scan` reported findings at or above the requested severity and confidence.
    pub const FINDINGS: Exit = Exit(4);
    /// `verify` rejected the attestation.
    pub const REJECTED: Exit = Exit(5);
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.0)
    }
}

/// Every exit code with its meaning, for the docs.
pub const CODES: &[(u8, &str)] = &[
    (0, "success: the command did what was asked and no threshold was crossed"),
    (1, "runtime error (I/O failure, unexpected state); the message says what"),
    (2, "usage error: bad flags or arguments, unreadable or invalid input"),
    (3, "posture or policy not met: `probe --min-level`, `check` denied, `gate` refused"),
    (4, "`scan` reported findings at or above `--fail-severity`/`--min-confidence`"),
    (5, "`verify` rejected the attestation (the message names the reason)"),
];

/// An error that ends the command: one line of message, an optional hint, an exit code.
#[derive(Debug)]
pub struct CliError {
    /// The exit code to use.
    pub exit: Exit,
    /// What went wrong, in one line.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { exit: Exit::USAGE, message: message.into(), hint: None }
    }

    /// A runtime error (exit 1).
    pub fn runtime(message: impl Into<String>) -> Self {
        CliError { exit: Exit::ERROR, message: message.into(), hint: None }
    }

    /// An error with a specific exit code.
    pub fn with_exit(exit: Exit, message: impl Into<String>) -> Self {
        CliError { exit, message: message.into(), hint: None }
    }

    /// Adds a hint line.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of a command: an exit status or an error.
pub type CmdResult = Result<Exit, CliError>;
