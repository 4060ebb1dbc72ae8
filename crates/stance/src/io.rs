//! Everything the commands write goes through [`Io`], which scrubs known secret
//! values from it first: the last line of defence behind evidence that never
//! carries values.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::Path;

use stance_core::redact::Scrubber;

use crate::exit::CliError;

/// When to use colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Output channels with secret scrubbing.
#[derive(Debug)]
pub struct Io {
    scrubber: Scrubber,
    color: ColorChoice,
}

impl Io {
    /// Output that scrubs the values of every variable of this process's environment that is
    /// secret by name or by format, and then anything shaped like a known secret.
    pub fn from_env(color: ColorChoice) -> Io {
        let set = stance_secrets::PatternSet::builtin();
        let values: Vec<String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, v)| stance_core::redact::is_secret_name(k) || set.is_match(v.as_bytes()))
            .map(|(_, v)| v)
            .collect();
        Io { scrubber: Scrubber::new(values), color }
    }

    /// Whether stdout should get ANSI colours.
    pub fn color_stdout(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
        }
    }

    /// Writes scrubbed text to stdout.
    pub fn out(&self, text: &str) -> Result<(), CliError> {
        self.out_raw(&self.scrub(text))
    }

    /// Writes text to stdout as it is: only for bytes that must not change (a signed
    /// envelope, whose content was checked before signing).
    pub fn out_raw(&self, text: &str) -> Result<(), CliError> {
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
            Ok(()) => Ok(()),
            // A closed pipe (`stance probe | head`) is not an error worth reporting.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(CliError::runtime(format!("cannot write to standard output: {e}"))),
        }
    }

    /// Writes a scrubbed line to stderr (diagnostics, progress).
    pub fn err(&self, line: &str) {
        let clean = self.scrub(line);
        let _ = writeln!(std::io::stderr().lock(), "{clean}");
    }

    /// Writes a command's result, scrubbed once: to FILE when `-o FILE` was given, otherwise to
    /// stdout (`Channel::Out`) or, for `gate`, whose stdout belongs to CMD, stderr.
    pub fn emit(&self, file: Option<&Path>, channel: Channel, text: &str) -> Result<(), CliError> {
        let clean = self.scrub(text);
        match (file, channel) {
            (Some(path), _) => std::fs::write(path, clean.as_bytes())
                .map_err(|e| CliError::runtime(format!("cannot write {}: {e}", path.display()))),
            (None, Channel::Out) => self.out_raw(&clean),
            (None, Channel::Err) => {
                let _ = writeln!(std::io::stderr().lock(), "{}", clean.trim_end());
                Ok(())
            }
        }
    }

    /// Appends scrubbed Markdown to the file named by `$GITHUB_STEP_SUMMARY` (for `--summary`);
    /// without that variable, says so on stderr and writes nothing.
    pub fn append_step_summary(&self, markdown: &str) -> Result<(), CliError> {
        let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
            self.err("stance: note: --summary given but $GITHUB_STEP_SUMMARY is not set; no summary written");
            return Ok(());
        };
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| f.write_all(self.scrub(markdown).as_bytes()))
            .map_err(|e| CliError::runtime(format!("cannot append to $GITHUB_STEP_SUMMARY: {e}")))
    }

    /// Scrubs text without writing it: known values first, then anything the secret patterns
    /// recognise (a token given only as an argument).
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let patterns = stance_secrets::PatternSet::builtin();
        match self.scrubber.scrub(text) {
            Cow::Borrowed(b) => patterns.redact(b),
            Cow::Owned(o) => match patterns.redact(&o) {
                Cow::Borrowed(_) => Cow::Owned(o),
                Cow::Owned(twice) => Cow::Owned(twice),
            },
        }
    }
}

/// Where a command's result goes when it is not written to a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Standard output.
    Out,
    /// Standard error (the result of `gate`, whose standard output is its command's).
    Err,
}

/// Reads a file the user named, or standard input for `-`: at most `limit + 1` bytes (a longer
/// result means the input is larger than `limit`, which the caller reports), and only a regular
/// file (see `stance_core::fsread`).
pub fn read_input(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        use std::io::Read as _;
        let mut buf = Vec::new();
        std::io::stdin().lock().take(limit + 1).read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        stance_core::fsread::read_regular(path, limit)
    }
}
