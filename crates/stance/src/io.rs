//! Everything the commands write goes through [`Io`], which scrubs known secret
//! values from it first: the last line of defence behind evidence that never
//! carries values.

use std::io::{IsTerminal, Write};

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
        let clean = self.scrub(text);
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(clean.as_bytes()).and_then(|()| stdout.flush()) {
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

    /// Scrubs text without writing it (for files the command writes): known values first,
    /// then anything the secret patterns recognise (a token given only as an argument).
    pub fn scrub<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match self.scrubber.scrub(text) {
            std::borrow::Cow::Borrowed(b) => stance_secrets::PatternSet::builtin().redact(b),
            std::borrow::Cow::Owned(o) => {
                std::borrow::Cow::Owned(stance_secrets::PatternSet::builtin().redact(&o).into_owned())
            }
        }
    }
}
