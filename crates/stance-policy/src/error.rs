//! The errors of the policy layer: every one names the file, and the line and
//! column when the problem is at a place in it.

use std::fmt;

/// What kind of input an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A policy TOML file.
    Policy,
    /// A Rego policy file (parse or evaluation error).
    Rego,
    /// A file or directory that could not be read.
    Io,
}

/// An error in a policy input, located in its file when possible.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// What kind of input.
    pub kind: ErrorKind,
    /// The file, as given.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column (in characters), when known.
    pub column: Option<u32>,
    /// What is wrong, in one line.
    pub message: String,
    /// The source lines around the place, for human output (never used in one-line messages).
    pub snippet: Option<String>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.path, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.path, self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl PolicyError {
    /// An error at byte `offset` of `text` (the contents of `path`).
    pub(crate) fn at(
        kind: ErrorKind,
        path: &str,
        text: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = line_col(text, offset);
        PolicyError {
            kind,
            path: path.to_string(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
            snippet: text.lines().nth(line as usize - 1).map(str::to_string),
        }
    }

    /// An error about a whole file.
    pub(crate) fn file(kind: ErrorKind, path: &str, message: impl Into<String>) -> Self {
        PolicyError {
            kind,
            path: path.to_string(),
            line: None,
            column: None,
            message: message.into(),
            snippet: None,
        }
    }
}

/// The 1-based line and column (counted in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let t = "ab\ncé d\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        // `d` follows a two-byte `é`: byte 7, character column 4.
        assert_eq!(line_col(t, 7), (2, 4));
        assert_eq!(line_col(t, 999), (3, 1));
    }

    #[test]
    fn display_is_file_line_column_message() {
        let e = PolicyError::at(ErrorKind::Policy, "p.toml", "a = 1\nb = 2\n", 6, "bad b");
        assert_eq!(e.to_string(), "p.toml:2:1: bad b");
        assert_eq!(e.snippet.as_deref(), Some("b = 2"));
        assert_eq!(PolicyError::file(ErrorKind::Io, "x", "gone").to_string(), "x: gone");
    }
}
