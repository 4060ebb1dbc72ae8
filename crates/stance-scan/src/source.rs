//! A scanned file's text: line table, snippets, concrete locations, inline
//! ignore comments (`# stance: ignore[audit-id] reason`) and the secrets
//! written in it (found once, redacted from every snippet).

use stance_core::model::{Location, Position};

use crate::yaml::{FileId, Pos, Span};

/// One inline ignore comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineIgnore {
    /// The 1-based line of the comment.
    pub line: u32,
    /// The 1-based column of `stance:`.
    pub column: u32,
    /// The audit ids it names.
    pub ids: Vec<String>,
    /// The reason written after it (required: an ignore without one is not honoured).
    pub reason: String,
}

/// An inline ignore comment that is not honoured, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreProblem {
    /// The 1-based line of the comment.
    pub line: u32,
    /// The 1-based column of `stance:`.
    pub column: u32,
    /// What is wrong, in one line.
    pub message: String,
}

/// A file's text and what is derived from it.
#[derive(Clone, Debug)]
pub struct Source {
    /// The path shown in output (relative to the scanned root, `/`-separated).
    pub path: String,
    /// The text.
    pub text: String,
    /// The index of this file in the scan (the `file` of its spans).
    pub file: FileId,
    line_starts: Vec<u32>,
    /// The inline ignore comments in the file that are honoured.
    pub ignores: Vec<InlineIgnore>,
    /// Inline ignore comments that are not honoured (malformed, no reason, unknown audit).
    pub ignore_problems: Vec<IgnoreProblem>,
    /// Secrets written in the text (kind, place, length, fingerprint; never the value).
    pub secrets: Vec<stance_secrets::Match>,
}

impl Source {
    /// A source for `text` shown as `path` (file 0; see [`Source::with_file`]).
    pub fn new(path: impl Into<String>, text: String) -> Source {
        let mut line_starts = vec![0u32];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        let (ignores, ignore_problems) = find_ignores(&text);
        let secrets = stance_secrets::PatternSet::builtin().scan_bytes(text.as_bytes());
        Source { path: path.into(), text, file: 0, line_starts, ignores, ignore_problems, secrets }
    }

    /// The same source as file `file` of a scan.
    pub fn with_file(mut self, file: FileId) -> Source {
        self.file = file;
        self
    }

    /// Keeps only inline ignores whose ids all name audits (`known`) and that
    /// give a reason; each refused comment becomes an [`IgnoreProblem`].
    pub fn check_ignores(&mut self, known: impl Fn(&str) -> bool) {
        let mut kept = Vec::with_capacity(self.ignores.len());
        for ig in std::mem::take(&mut self.ignores) {
            let unknown: Vec<&str> = ig.ids.iter().map(String::as_str).filter(|id| !known(id)).collect();
            let problem = |message: String| IgnoreProblem { line: ig.line, column: ig.column, message };
            if !unknown.is_empty() {
                let list = unknown.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ");
                self.ignore_problems.push(problem(format!(
                    "inline ignore names unknown audit {list}; it ignores nothing (see docs/audits.md for the ids)"
                )));
            } else if ig.reason.is_empty() {
                self.ignore_problems.push(problem(
                    "inline ignore without a reason is not honoured (write `# stance: ignore[audit-id] reason`)"
                        .into(),
                ));
            } else {
                kept.push(ig);
            }
        }
        self.ignores = kept;
        self.ignore_problems.sort_by_key(|p| (p.line, p.column));
    }

    /// The text of 1-based `line` without its line break.
    pub fn line(&self, line: u32) -> &str {
        let (start, end) = self.line_range(line);
        self.text.get(start..end).unwrap_or("")
    }

    /// The byte range of 1-based `line` without its line break.
    fn line_range(&self, line: u32) -> (usize, usize) {
        let i = line.saturating_sub(1) as usize;
        let Some(&start) = self.line_starts.get(i) else { return (self.text.len(), self.text.len()) };
        let end = self.line_starts.get(i + 1).map(|e| *e as usize).unwrap_or(self.text.len());
        let line = self.text.get(start as usize..end).unwrap_or("");
        (start as usize, start as usize + line.trim_end_matches(['\n', '\r']).len())
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

    /// The span of bytes `start..end` of this file.
    pub fn span_of(&self, start: usize, end: usize) -> Span {
        Span { start: self.pos_of(start), end: self.pos_of(end.max(start)), file: self.file }
    }

    /// The span of the first occurrence of `needle` inside `span`, if any.
    pub fn find_in(&self, span: Span, needle: &str) -> Option<Span> {
        if needle.is_empty() || span.file != self.file {
            return None;
        }
        let hay = self.text.get(span.start.byte as usize..span.end.byte as usize)?;
        let i = hay.find(needle)?;
        let s = span.start.byte as usize + i;
        Some(self.span_of(s, s + needle.len()))
    }

    /// A concrete location for `span`, with a route and a snippet of at most five
    /// lines in which every secret is redacted.
    pub fn location(&self, span: Span, route: impl Into<String>) -> Location {
        debug_assert_eq!(span.file, self.file, "a span of file {} located in {}", span.file, self.path);
        let mut end = span.end;
        // A block value's span may end at the start of the next line; show the lines it covers.
        if end.line > span.start.line && end.column == 1 {
            let prev = end.line - 1;
            end = Pos { line: prev, column: self.line(prev).chars().count() as u32 + 1, byte: end.byte };
        }
        let last = end.line.min(span.start.line + 4);
        let from = self.line_range(span.start.line).0;
        let to = self.line_range(last).1.max(from);
        Location {
            path: self.path.clone(),
            start: position(span.start),
            end: position(end),
            route: Some(route.into()),
            snippet: Some(self.redacted(from, to)),
        }
    }

    /// Bytes `from..to` with every secret that overlaps them replaced by
    /// `[REDACTED:<kind>]` (a secret that starts before `from` or ends after `to`
    /// included: a private key cut by the snippet's edge is still hidden).
    fn redacted(&self, from: usize, to: usize) -> String {
        let mut out = String::with_capacity(to - from);
        let mut pos = from;
        for m in &self.secrets {
            let (s, e) = (m.offset, m.offset + m.length);
            if e <= pos || s >= to {
                continue;
            }
            out.push_str(self.text.get(pos..s.max(pos)).unwrap_or(""));
            out.push_str("[REDACTED:");
            out.push_str(m.pattern);
            out.push(']');
            pos = e.min(to);
        }
        out.push_str(self.text.get(pos..to).unwrap_or(""));
        out
    }

    /// The inline ignore that covers a finding of `id` whose location starts on
    /// `line`: a comment on that line or on the line just above it.
    pub fn ignored(&self, id: &str, start_line: u32, end_line: u32) -> Option<&InlineIgnore> {
        self.ignores.iter().find(|ig| {
            (ig.line + 1 >= start_line && ig.line <= end_line.max(start_line))
                && ig.ids.iter().any(|i| i == id)
        })
    }
}

fn position(p: Pos) -> Position {
    Position { line: p.line, column: p.column, offset: p.byte as usize }
}

/// The inline ignore comments of `text`, and the ones too malformed to read.
fn find_ignores(text: &str) -> (Vec<InlineIgnore>, Vec<IgnoreProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    if memchr::memmem::find(text.as_bytes(), b"stance: ignore").is_none() {
        return (out, problems);
    }
    for (i, line) in text.lines().enumerate() {
        // `stance: ignore` right after a `#` (other `#`s may come earlier on the line).
        let Some(at) = line.find("stance: ignore") else { continue };
        if !line[..at].trim_end().ends_with('#') {
            continue;
        }
        let rest = &line[at + "stance: ignore".len()..];
        let column = line[..at].chars().count() as u32 + 1;
        let line_no = i as u32 + 1;
        let mut problem = |message: &str| {
            problems.push(IgnoreProblem { line: line_no, column, message: message.to_string() })
        };
        let Some(list) = rest.strip_prefix('[') else {
            problem("malformed inline ignore: expected `# stance: ignore[audit-id] reason`");
            continue;
        };
        let Some(close) = list.find(']') else {
            problem("malformed inline ignore: no closing `]` (expected `# stance: ignore[audit-id] reason`)");
            continue;
        };
        let ids: Vec<String> =
            list[..close].split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if ids.is_empty() {
            problem("inline ignore names no audit; it ignores nothing");
            continue;
        }
        let reason = list[close + 1..].trim().to_string();
        out.push(InlineIgnore { line: line_no, column, ids, reason });
    }
    (out, problems)
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
    fn snippets_hide_secrets_even_when_cut_by_the_snippet_edge() {
        // A private key whose block is longer than a snippet: the visible part is hidden too.
        let body: String = (0..8)
            .map(|i| format!("      {}\n", format!("MIIEv{i}QIBADANBgkqhkiG9w0BAQEFAASC").repeat(2)))
            .collect();
        let text = format!(
            "jobs:\n  a:\n    env:\n      KEY: |\n      -----BEGIN PRIVATE KEY-----\n{body}      -----END PRIVATE KEY-----\n"
        );
        let s = Source::new("w.yml", text.clone());
        assert_eq!(s.secrets.len(), 1, "{:?}", s.secrets);
        let at = text.find("KEY: |").unwrap();
        // The whole value: its first five lines hold the BEGIN line and the start of the body.
        let loc = s.location(s.span_of(at, text.len()), "jobs.a.env.KEY");
        let snippet = loc.snippet.unwrap();
        assert!(snippet.contains("[REDACTED:private-key]"), "{snippet}");
        assert!(!snippet.contains("MIIEv") && !snippet.contains("BEGIN"), "{snippet}");
        // A snippet that starts inside the key hides it as well.
        let inner = text.find("MIIEv3").unwrap();
        let snippet = s.location(s.span_of(inner, inner + 4), "x").snippet.unwrap();
        assert!(!snippet.contains("MIIEv"), "{snippet}");
    }

    #[test]
    fn inline_ignores_are_checked_against_known_ids() {
        let mut s = Source::new(
            "w.yml",
            "a: 1 # stance: ignore[known] why\nb: 2 # stance: ignore[knwon] why\nc: 3 # stance: ignore[known]\n# stance: ignore[known\n# stance: ignore\n".into(),
        );
        s.check_ignores(|id| id == "known");
        assert_eq!(s.ignores.len(), 1);
        assert_eq!(s.ignores[0].line, 1);
        let lines: Vec<u32> = s.ignore_problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert_eq!(s.ignore_problems[0].column, 8);
        assert!(s.ignore_problems[0].message.contains("`knwon`"));
    }

    #[test]
    fn positions_and_lines() {
        let s = Source::new("x", "ab\ncdé\nf".into());
        assert_eq!(s.line(2), "cdé");
        let p = s.pos_of(8);
        assert_eq!((p.line, p.column), (3, 1));
    }
}
