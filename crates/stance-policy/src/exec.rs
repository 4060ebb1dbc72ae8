//! Running the gated command: inherit stdio and environment, forward SIGHUP,
//! SIGINT, SIGQUIT and SIGTERM to it, wait, and return its exit status as a
//! shell would: its exit code, or 128 + the signal number when a signal ended it.
//!
//! Signals are received with `signal-hook` (safe API, a helper thread) and sent
//! with `rustix`. The child is waited for in two steps — first without reaping
//! it (`waitid` with `WNOWAIT`), then reaped — so that a signal is never
//! forwarded to a process id that a new process may already reuse.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::ExitStatusExt as _;
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError};

use rustix::process::{Pid, Signal, WaitId, WaitIdOptions, kill_process, waitid};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

/// The signals forwarded to the command.
pub const FORWARDED: &[i32] = &[SIGHUP, SIGINT, SIGQUIT, SIGTERM];

/// Exit status when the command cannot be found (as in POSIX shells).
pub const EXIT_NOT_FOUND: u8 = 127;

/// Exit status when the command exists but cannot be executed (as in POSIX shells).
pub const EXIT_NOT_EXECUTABLE: u8 = 126;

/// Why the command did not run.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// No such program (exit 127).
    #[error("`{0}`: command not found")]
    NotFound(String),
    /// Not executable: permissions or format (exit 126).
    #[error("`{0}`: cannot execute: {1}")]
    NotExecutable(String, String),
    /// Anything else (signal setup, wait).
    #[error("{0}")]
    Other(String),
}

impl ExecError {
    /// The exit status a shell would use.
    pub fn exit_code(&self) -> u8 {
        match self {
            ExecError::NotFound(_) => EXIT_NOT_FOUND,
            ExecError::NotExecutable(..) => EXIT_NOT_EXECUTABLE,
            ExecError::Other(_) => 1,
        }
    }
}

#[derive(Default)]
struct State {
    pid: Option<Pid>,
    /// The child has exited (not yet reaped): nothing more is forwarded.
    done: bool,
    /// Signals that arrived before the child existed.
    pending: Vec<i32>,
}

fn send(pid: Pid, sig: i32) {
    if let Some(s) = Signal::from_named_raw(sig) {
        // The child may have exited just now; nothing to do about an error.
        let _ = kill_process(pid, s);
    }
}

/// Runs `program` with `args` and this process's environment minus `remove_env`, forwarding
/// signals, and returns its exit status (its code, or 128 + signal number).
pub fn run(program: &OsStr, args: &[OsString], remove_env: &[String]) -> Result<u8, ExecError> {
    let mut signals = Signals::new(FORWARDED)
        .map_err(|e| ExecError::Other(format!("cannot install signal handlers: {e}")))?;
    let handle = signals.handle();
    let state = Arc::new(Mutex::new(State::default()));
    let forwarder = {
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            for sig in signals.forever() {
                let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
                match (s.pid, s.done) {
                    (_, true) => {}
                    (Some(pid), false) => send(pid, sig),
                    (None, false) => s.pending.push(sig),
                }
            }
        })
    };
    let finish = |handle: signal_hook::iterator::Handle, forwarder: std::thread::JoinHandle<()>| {
        handle.close();
        let _ = forwarder.join();
    };
    let shown = program.to_string_lossy().into_owned();
    let mut command = Command::new(program);
    command.args(args);
    for name in remove_env {
        command.env_remove(name);
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            {
                state.lock().unwrap_or_else(PoisonError::into_inner).done = true;
            }
            finish(handle, forwarder);
            return Err(match e.kind() {
                std::io::ErrorKind::NotFound => ExecError::NotFound(shown),
                std::io::ErrorKind::PermissionDenied => {
                    ExecError::NotExecutable(shown, "permission denied".into())
                }
                // ENOEXEC: not a binary the kernel can run and no `#!` line.
                _ if e.raw_os_error() == Some(8) => {
                    ExecError::NotExecutable(shown, "not an executable format".into())
                }
                _ => ExecError::Other(format!("cannot run `{shown}`: {e}")),
            });
        }
    };
    let pid = i32::try_from(child.id()).ok().and_then(Pid::from_raw);
    {
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        s.pid = pid;
        if let Some(pid) = pid {
            for sig in std::mem::take(&mut s.pending) {
                send(pid, sig);
            }
        }
    }
    // Wait for the exit without reaping, so the pid stays the child's while signals may still be sent.
    if let Some(pid) = pid {
        while let Err(rustix::io::Errno::INTR) =
            waitid(WaitId::Pid(pid), WaitIdOptions::EXITED | WaitIdOptions::NOWAIT)
        {}
    }
    {
        state.lock().unwrap_or_else(PoisonError::into_inner).done = true;
    }
    let status = child.wait();
    finish(handle, forwarder);
    let status = status.map_err(|e| ExecError::Other(format!("cannot wait for `{shown}`: {e}")))?;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
        (None, Some(sig)) => u8::try_from((128 + sig).min(255)).unwrap_or(255),
        (None, None) => 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Result<u8, ExecError> {
        run(OsStr::new("sh"), &[OsString::from("-c"), OsString::from(script)], &[])
    }

    #[test]
    fn exit_codes_pass_through() {
        assert_eq!(sh("exit 0").unwrap(), 0);
        assert_eq!(sh("exit 7").unwrap(), 7);
        assert_eq!(sh("exit 255").unwrap(), 255);
    }

    #[test]
    fn death_by_signal_is_128_plus_the_signal() {
        assert_eq!(sh("kill -KILL $$").unwrap(), 128 + 9);
        assert_eq!(sh("kill -TERM $$").unwrap(), 128 + 15);
    }

    #[test]
    fn missing_and_unexecutable_programs_map_to_shell_codes() {
        let e = run(OsStr::new("/nonexistent/stance-no-such-program"), &[], &[]).unwrap_err();
        assert_eq!(e.exit_code(), 127);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("not-exec");
        std::fs::write(&f, "#!/bin/sh\nexit 0\n").unwrap();
        let e = run(f.as_os_str(), &[], &[]).unwrap_err();
        assert_eq!(e.exit_code(), 126, "{e}");
    }
}
