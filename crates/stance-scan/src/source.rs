//! A scanned file's text: line table, snippets, concrete locations and inline
//! ignore comments (`# stance: ignore[audit-id] reason`).

use stance_core::model::{Location, Position};

use crate::yaml::{Pos, Span};

/// One inline ignore comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineIgnore {
    /// The 1-based line of the comment.
    pub line: u32,
    /// The audit ids it names.
    pub ids: Vec<String>,
    /// The reason written after it (may be empty).
    pub reason: String,
}

/// A file's text and what is derived from it.
#[derive(Clone, Debug)]
pub struct Source {
    /// The path shown in output (relative to the scanned root, `/`-separated).
    pub path: String,
    /// The text.
    pub text: String,
    line_starts: Vec<u32>,
    /// The inline ignore comments in the file.
    pub ignores: Vec<InlineIgnore>,
}

impl Source {
    /// A source for `text` shown as `path`.
    pub fn new(path: impl Into<String>, text: String) -> Source {
        let mut line_starts = vec![0u32];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        let ignores = find_ignores(&text);
        Source { path: path.into(), text, line_starts, ignores }
    }

    /// The text of 1-based `line` without its line break.
    pub fn line(&self, line: u32) -> &str {
        let i = line.saturating_sub(1) as usize;
        let Some(&start) = self.line_starts.get(i) else { return "" };
        let end = self.line_starts.get(i + 1).map(|e| *e as usize).unwrap_or(self.text.len());
        self.text.get(start as usize..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }

    /// The text under `span`.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start.byte as usize..span.end.byte as usize).unwrap_or("")
    }

    /// The position of a byte offset.
    pub fn pos_of(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|s| (*s as usize) <= byte);
        let start = self.line_starts[line - 1] as usize;
        let column = self.text.get(start..byte).map(|s| s.chars().count()).unwrap_or(0) as u32 + 1;
        Pos { line: line as u32, column, byte: byte as u32 }
    }

    /// The span of the first occurrence of `needle` inside `span`, if any.
    pub fn find_in(&self, span: Span, needle: &str) -> Option<Span> {
        if needle.is_empty() {
            return None;
        }
        let hay = self.text.get(span.start.byte as usize..span.end.byte as usize)?;
        let i = hay.find(needle)?;
        let s = span.start.byte as usize + i;
        Some(Span { start: self.pos_of(s), end: self.pos_of(s + needle.len()) })
    }

    /// A concrete location for `span`, with a route and a snippet of at most five lines.
    pub fn location(&self, span: Span, route: impl Into<String>) -> Location {
        let mut end = span.end;
        // A block value's span may end at the start of the next line; show the lines it covers.
        if end.line > span.start.line && end.column == 1 {
            let prev = end.line - 1;
            end = Pos { line: prev, column: self.line(prev).chars().count() as u32 + 1, byte: end.byte };
        }
        let last = end.line.min(span.start.line + 4);
        let snippet: Vec<&str> = (span.start.line..=last).map(|l| self.line(l)).collect();
        Location {
            path: self.path.clone(),
            start: position(span.start),
            end: position(end),
            route: Some(route.into()),
            snippet: Some(snippet.join("\n")),
        }
    }

    /// The inline ignore that covers a finding of `id` whose location starts on
    /// `line`: a comment on that line or on the line just above it.
    pub fn ignored(&self, id: &str, start_line: u32, end_line: u32) -> Option<&InlineIgnore> {
        self.ignores.iter().find(|ig| {
            (ig.line + 1 >= start_line && ig.line <= end_line.max(start_line))
                && ig.ids.iter().any(|i| i == id || i == "*")
        })
    }
}

fn position(p: Pos) -> Position {
    Position { line: p.line, column: p.column, offset: p.byte as usize }
}

fn find_ignores(text: &str) -> Vec<InlineIgnore> {
    let mut out = Vec::new();
    if memchr::memmem::find(text.as_bytes(), b"stance: ignore[").is_none() {
        return out;
    }
    for (i, line) in text.lines().enumerate() {
        let Some(hash) = line.find('#') else { continue };
        let comment = line[hash + 1..].trim_start();
        let Some(rest) = comment.strip_prefix("stance: ignore[") else { continue };
        let Some(close) = rest.find(']') else { continue };
        let ids = rest[..close].split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        out.push(InlineIgnore { line: i as u32 + 1, ids, reason: rest[close + 1..].trim().to_string() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_ignores_and_matches_lines() {
        let s = Source::new(
            "w.yml",
            "jobs:\n  a:\n    # stance: ignore[self-hosted-untrusted-trigger, generic-self-hosted-label] lab only\n    runs-on: self-hosted\n".into(),
        );
        assert_eq!(s.ignores.len(), 1);
        assert_eq!(s.ignores[0].reason, "lab only");
        assert!(s.ignored("generic-self-hosted-label", 4, 4).is_some());
        assert!(s.ignored("privileged-container", 4, 4).is_none());
        assert!(s.ignored("generic-self-hosted-label", 9, 9).is_none());
    }

    #[test]
    fn positions_and_lines() {
        let s = Source::new("x", "ab\ncdé\nf".into());
        assert_eq!(s.line(2), "cdé");
        let p = s.pos_of(8);
        assert_eq!((p.line, p.column), (3, 1));
    }
}
