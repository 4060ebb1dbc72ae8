//! The matcher: a literal prefilter finds the patterns' anchors, then each
//! candidate pattern's regex runs on a small window at the hit.
//!
//! Cost model: bytes without any anchor cost only the prefilter (two or three
//! SIMD passes, each over a group of anchors). Each anchor hit costs one
//! bounded, usually anchored regex search over at most `max_len` bytes; most
//! fail within a few bytes. Nothing is allocated until something is found.

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex_automata::meta::{Cache, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::checks;
use crate::patterns::{Confidence, Extend, PATTERNS, Pattern};

/// One secret found in a byte string. Never contains the secret itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Match {
    /// The id of the pattern that matched.
    pub pattern: &'static str,
    /// How likely the match is to be a real credential.
    pub confidence: Confidence,
    /// Byte offset of the secret from the start of the input.
    pub offset: usize,
    /// 1-based line of the secret's first byte.
    pub line: u32,
    /// 1-based column of the secret's first byte, in characters (UTF-8 scalar
    /// values; each invalid byte counts as one).
    pub column: u32,
    /// Length of the secret in bytes.
    pub length: usize,
    /// `sha256:` and the first 8 hex digits of the secret's SHA-256, to tell
    /// secrets apart across files and runs; empty for secrets under 16 bytes,
    /// whose short hash would help guess them.
    pub fingerprint: String,
}

/// A compiled set of patterns. Build once ([`PatternSet::builtin`]), share freely.
pub struct PatternSet {
    patterns: &'static [Pattern],
    /// Each pattern's regex and the capture index of its `secret` group, compiled on the
    /// pattern's first prefilter hit: most inputs (an environment, a log line) hit few
    /// anchors, and compiling all of them up front costs tens of milliseconds.
    regexes: Vec<OnceLock<(Regex, Option<usize>)>>,
    /// The prefilter: every pattern's anchors are in exactly one group.
    groups: Vec<AnchorGroup>,
}

/// Anchors per prefilter group. Measured on the benchmark tree: one pass over
/// all ~90 anchors is 2-3x slower than two or three passes over ~45 (Teddy's
/// bucket fingerprints collide on most text once a pass holds too many).
const GROUP_ANCHORS: usize = 48;

impl std::fmt::Debug for PatternSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatternSet").field("patterns", &self.patterns.len()).finish_non_exhaustive()
    }
}

/// A pattern table that cannot be compiled (a bug in the table, caught by tests).
#[derive(Debug)]
pub(crate) struct BuildError(String);

/// A confirmed match before overlap resolution: pattern index and secret span.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawMatch {
    pattern: usize,
    start: usize,
    end: usize,
}

/// Reusable per-thread state, so a scan allocates nothing until it finds
/// something, and regex caches are built once per thread, not per call.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The set the caches below belong to (its address).
    owner: usize,
    /// Per pattern: end of its last match; hits before it are inside that match.
    last_end: Vec<usize>,
    /// Per pattern: regex cache and capture slots, created on its first hit.
    engines: Vec<Option<(Cache, Captures)>>,
    raw: Vec<RawMatch>,
}

thread_local! {
    /// Scratch for the one-shot API (`scan_bytes`, `redact`, …), so a redactor
    /// called per log line does not rebuild regex caches each time.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl PatternSet {
    /// The built-in pattern set, compiled on first use.
    pub fn builtin() -> &'static PatternSet {
        static SET: OnceLock<PatternSet> = OnceLock::new();
        SET.get_or_init(|| {
            // The table is part of this crate; `builtin_table_compiles` tests it.
            PatternSet::new(PATTERNS).unwrap_or_else(|e| panic!("built-in pattern table: {}", e.0))
        })
    }

    pub(crate) fn new(patterns: &'static [Pattern]) -> Result<PatternSet, BuildError> {
        let regexes = patterns.iter().map(|_| OnceLock::new()).collect();

        if let Some(p) = patterns.iter().find(|p| p.anchors.is_empty()) {
            return Err(BuildError(format!("{}: no anchors", p.id)));
        }
        // Patterns (with all their anchors) go into groups of at most
        // GROUP_ANCHORS anchors, in anchor order so similar prefixes share a
        // group: one SIMD pass per group is much faster than one pass over all
        // anchors, whose fingerprints would then collide on most text.
        let mut order: Vec<usize> = (0..patterns.len()).collect();
        // Three-byte anchors get a group of their own: a group's fingerprint
        // is as long as its shortest anchor, and four bytes filter far better.
        let short = |pi: usize| patterns[pi].anchors.iter().any(|a| a.len() < 4);
        order.sort_by_key(|&pi| (short(pi), patterns[pi].anchors[0]));
        let mut groups = Vec::new();
        let mut members: Vec<usize> = Vec::new();
        let mut n_anchors = 0;
        for pi in order {
            let n = patterns[pi].anchors.len();
            let split = members.last().is_some_and(|&last| short(last) != short(pi));
            if (split || n_anchors + n > GROUP_ANCHORS) && !members.is_empty() {
                groups.push(AnchorGroup::new(patterns, &members)?);
                members.clear();
                n_anchors = 0;
            }
            members.push(pi);
            n_anchors += n;
        }
        if !members.is_empty() {
            groups.push(AnchorGroup::new(patterns, &members)?);
        }
        Ok(PatternSet { patterns, regexes, groups })
    }

    /// Compiles one pattern's regex (bytes, Unicode off).
    fn compile(p: &Pattern) -> Result<(Regex, Option<usize>), BuildError> {
        let syntax = syntax::Config::new().unicode(false).utf8(false);
        let re = Regex::builder()
            .syntax(syntax)
            // No one-pass DFA: it is the costliest part to build (regexes are compiled on a
            // pattern's first anchor hit, in every run), and confirming a hit in a small
            // window is as fast without it (measured: 4 ms less per run over the scan corpus,
            // 10% less CPU on the secret-scan benchmark, the same matches).
            .configure(Regex::config().utf8_empty(false).onepass(false))
            .build(p.regex)
            .map_err(|e| BuildError(format!("{}: {e}", p.id)))?;
        let group = re.group_info().to_index(regex_automata::PatternID::ZERO, "secret");
        Ok((re, group))
    }

    /// Pattern `pi`'s regex and secret group, compiled on first use.
    fn regex(&self, pi: usize) -> &(Regex, Option<usize>) {
        self.regexes[pi].get_or_init(|| {
            // The table is part of this crate; `builtin_table_compiles` compiles every entry.
            PatternSet::compile(&self.patterns[pi])
                .unwrap_or_else(|e| panic!("built-in pattern table: {}", e.0))
        })
    }

    /// The patterns of this set, in table order.
    pub fn patterns(&self) -> &[Pattern] {
        self.patterns
    }

    /// The pattern ids, in table order.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.patterns.iter().map(|p| p.id)
    }

    /// The pattern with this id, if any.
    pub fn get(&self, id: &str) -> Option<&Pattern> {
        self.patterns.iter().find(|p| p.id == id)
    }

    /// All secrets in `data`, in offset order, overlaps resolved (see crate docs).
    pub fn scan_bytes(&self, data: &[u8]) -> Vec<Match> {
        self.with_scratch(|s| self.scan_with(data, s, usize::MAX).0)
    }

    /// Whether `data` contains at least one secret. Stops at the first.
    pub fn is_match(&self, data: &[u8]) -> bool {
        self.with_scratch(|s| {
            self.find_raw(data, s, 1);
            !s.raw.is_empty()
        })
    }

    /// Runs `f` with this thread's scratch, or a fresh one if that is in use
    /// or gone (thread teardown).
    fn with_scratch<T>(&self, f: impl FnOnce(&mut Scratch) -> T) -> T {
        let mut f = Some(f);
        let done = SCRATCH.try_with(|cell| {
            let mut scratch = cell.try_borrow_mut().ok()?;
            f.take().map(|f| f(&mut scratch))
        });
        match (done, f) {
            (Ok(Some(v)), _) => v,
            (_, Some(f)) => f(&mut Scratch::default()),
            (_, None) => unreachable!("f ran, so its value was returned"),
        }
    }

    /// `text` with every secret replaced by `[REDACTED:<pattern-id>]`; borrowed
    /// (no copy) when there is nothing to redact.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let spans = self.redaction_spans(text.as_bytes());
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut pos = 0;
        for (mut start, mut end, id) in spans {
            // Secrets are delimited by ASCII, but never split a character.
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let start = start.max(pos);
            out.push_str(&text[pos..start]);
            push_marker(&mut out, id);
            pos = end.max(pos);
        }
        out.push_str(&text[pos..]);
        Cow::Owned(out)
    }

    /// Like [`PatternSet::redact`] for bytes that may not be UTF-8.
    pub fn redact_bytes<'a>(&self, data: &'a [u8]) -> Cow<'a, [u8]> {
        let spans = self.redaction_spans(data);
        if spans.is_empty() {
            return Cow::Borrowed(data);
        }
        let mut out = Vec::with_capacity(data.len());
        let mut marker = String::new();
        let mut pos = 0;
        for (start, end, id) in spans {
            out.extend_from_slice(&data[pos..start.max(pos)]);
            marker.clear();
            push_marker(&mut marker, id);
            out.extend_from_slice(marker.as_bytes());
            pos = end.max(pos);
        }
        out.extend_from_slice(&data[pos..]);
        Cow::Owned(out)
    }

    /// The pattern set as regexes `rg -f` accepts, one per line (for the
    /// benchmark and for cross-checking with other tools). Checks that `rg`
    /// cannot express (entropy, decoding, placeholders) are not included.
    pub fn to_rg_patterns(&self) -> String {
        let mut out = String::new();
        for p in self.patterns {
            // rg joins patterns into one regex: group names must be unique,
            // and Unicode is switched off per pattern to match this engine.
            out.push_str("(?-u:");
            out.push_str(&p.regex.replace("(?P<secret>", "("));
            out.push_str(")\n");
        }
        out
    }

    /// Merged spans to redact: overlapping matches become one span, labelled
    /// with the pattern that wins overlap resolution.
    fn redaction_spans(&self, data: &[u8]) -> Vec<(usize, usize, &'static str)> {
        self.with_scratch(|scratch| {
            self.find_raw(data, scratch, usize::MAX);
            self.merge_spans(&mut scratch.raw)
        })
    }

    fn merge_spans(&self, raw: &mut [RawMatch]) -> Vec<(usize, usize, &'static str)> {
        raw.sort_unstable_by_key(|m| (m.start, Reverse(m.end)));
        let mut spans: Vec<(usize, usize, &'static str)> = Vec::new();
        let mut best: Option<RawMatch> = None;
        for m in raw.iter().copied() {
            match spans.last_mut() {
                Some(last) if m.start < last.1 => {
                    last.1 = last.1.max(m.end);
                    if best.is_none_or(|b| self.priority(m) < self.priority(b)) {
                        best = Some(m);
                        last.2 = self.patterns[m.pattern].id;
                    }
                }
                _ => {
                    spans.push((m.start, m.end, self.patterns[m.pattern].id));
                    best = Some(m);
                }
            }
        }
        spans
    }

    /// Sort key for overlap resolution: higher confidence, then longer, then
    /// earlier in the table wins.
    fn priority(&self, m: RawMatch) -> (Reverse<Confidence>, Reverse<usize>, usize) {
        (Reverse(self.patterns[m.pattern].confidence), Reverse(m.end - m.start), m.pattern)
    }

    /// Finds, resolves and describes matches; keeps at most `limit`. The bool
    /// is true when matches were dropped because of the limit.
    pub(crate) fn scan_with(&self, data: &[u8], scratch: &mut Scratch, limit: usize) -> (Vec<Match>, bool) {
        // Overlaps are resolved after collection, so collect a margin past the limit.
        let raw_limit = limit.saturating_mul(4).saturating_add(16);
        self.find_raw(data, scratch, raw_limit);
        if scratch.raw.is_empty() {
            return (Vec::new(), false);
        }
        let mut kept = self.resolve_overlaps(&mut scratch.raw);
        let dropped = kept.len() > limit || scratch.raw.len() >= raw_limit;
        kept.truncate(limit);

        let mut matches = Vec::with_capacity(kept.len());
        let mut cursor = LineCursor::default();
        for m in kept {
            let (line, column) = cursor.advance(data, m.start);
            let secret = &data[m.start..m.end];
            let p = &self.patterns[m.pattern];
            // Human-chosen passwords are guessable: a hash prefix would let anyone confirm a
            // guess offline. Only machine-generated tokens get a fingerprint.
            let human = matches!(
                p.id,
                "url-basic-auth"
                    | "netrc-credentials"
                    | "http-basic-auth-header"
                    | "docker-config-auth"
                    | "npmrc-auth"
            );
            let fingerprint = if secret.len() >= 16 && !human { fingerprint(secret) } else { String::new() };
            matches.push(Match {
                pattern: p.id,
                confidence: p.confidence,
                offset: m.start,
                line,
                column,
                length: m.end - m.start,
                fingerprint,
            });
        }
        (matches, dropped)
    }

    /// Keeps, among overlapping matches, the best by [`Self::priority`];
    /// returns the kept ones in offset order.
    fn resolve_overlaps(&self, raw: &mut [RawMatch]) -> Vec<RawMatch> {
        raw.sort_unstable_by_key(|m| (m.start, Reverse(m.end)));
        let mut kept = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            // A cluster is a maximal run of transitively overlapping matches.
            let mut j = i + 1;
            let mut end = raw[i].end;
            while j < raw.len() && raw[j].start < end {
                end = end.max(raw[j].end);
                j += 1;
            }
            let cluster = &mut raw[i..j];
            if cluster.len() == 1 {
                kept.push(cluster[0]);
            } else {
                cluster.sort_unstable_by_key(|&m| self.priority(m));
                let first = kept.len();
                for &m in cluster.iter() {
                    if kept[first..].iter().all(|k: &RawMatch| m.end <= k.start || k.end <= m.start) {
                        kept.push(m);
                    }
                }
                kept[first..].sort_unstable_by_key(|m| m.start);
            }
            i = j;
        }
        kept
    }

    /// Collects confirmed matches into `scratch.raw` (cleared first), stopping
    /// once it holds `limit`. Groups are searched one after the other; each
    /// pattern lives in one group, so its hits still arrive in order.
    fn find_raw(&self, data: &[u8], scratch: &mut Scratch, limit: usize) {
        scratch.raw.clear();
        let mut first_hit = true;
        for group in &self.groups {
            let mut pos = 0;
            while pos < data.len() {
                let Some(hit) = group.searcher.find(data, pos) else {
                    break;
                };
                if first_hit {
                    // Lazily, so inputs without any anchor cost no allocation.
                    first_hit = false;
                    scratch.last_end.clear();
                    scratch.last_end.resize(self.patterns.len(), 0);
                    let owner = std::ptr::from_ref(self) as usize;
                    if scratch.owner != owner || scratch.engines.len() != self.patterns.len() {
                        scratch.owner = owner;
                        scratch.engines = (0..self.patterns.len()).map(|_| None).collect();
                    }
                }
                let anchor = hit.pattern().as_usize();
                pos = hit.start() + group.resume[anchor];
                for &pi in &group.candidates[anchor] {
                    if hit.start() < scratch.last_end[pi] {
                        continue; // inside this pattern's previous match
                    }
                    let engine = &mut scratch.engines[pi];
                    if let Some(m) = self.confirm(pi, data, hit.start(), hit.end(), engine) {
                        scratch.last_end[pi] = m.end;
                        scratch.raw.push(m);
                        if scratch.raw.len() >= limit {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Runs pattern `pi` at an anchor hit `[at, anchor_end)`.
    fn confirm(
        &self,
        pi: usize,
        data: &[u8],
        at: usize,
        anchor_end: usize,
        engine: &mut Option<(Cache, Captures)>,
    ) -> Option<RawMatch> {
        let p = &self.patterns[pi];
        let (re, secret_group) = self.regex(pi);
        let start = at.saturating_sub(p.back);
        let end = at.saturating_add(p.max_len).min(data.len());
        // The span bounds the work; look-around (`\b`, `$`) still sees the
        // bytes outside it, so a window edge never fakes a token boundary.
        let input = Input::new(data).span(start..end).anchored(if p.back == 0 {
            Anchored::Yes
        } else {
            Anchored::No
        });
        let (cache, caps) = engine.get_or_insert_with(|| (re.create_cache(), re.create_captures()));
        re.search_captures_with(cache, &input, caps);
        let mut full = caps.get_match()?;
        // A `back` search may first find a match that ends before the anchor
        // (that one has its own anchor hit); look past it.
        while full.end() < anchor_end && full.end() < end && !full.is_empty() {
            re.search_captures_with(cache, &input.clone().span(full.end()..end), caps);
            full = caps.get_match()?;
        }
        if full.start() > at || full.end() < anchor_end {
            return None; // no match covers this anchor
        }
        let secret = match *secret_group {
            Some(g) => caps.get_group(g)?,
            None => full.span(),
        };
        if !checks::passes(p.check, &data[full.range()], &data[secret.range()]) {
            return None;
        }
        let end = match p.extend {
            Extend::None => secret.end,
            Extend::Until { marker, terminator, limit } => {
                extend_until(data, secret.end, marker.as_bytes(), terminator.as_bytes(), limit)
            }
        };
        Some(RawMatch { pattern: pi, start: secret.start, end })
    }
}

/// The smallest step after a hit on `anchor` at which another anchor could
/// start: an offset where the rest of `anchor` begins some anchor, or some
/// anchor begins with it. Usually the anchor's length (no overlap possible).
fn resume_offset(anchor: &str, anchors: &[&str]) -> usize {
    let a = anchor.as_bytes();
    (1..a.len())
        .find(|&k| {
            let rest = &a[k..];
            anchors.iter().any(|b| {
                let b = b.as_bytes();
                b.starts_with(rest) || rest.starts_with(b)
            })
        })
        .unwrap_or(a.len())
}

/// One prefilter pass: some patterns' anchors and what to do at a hit.
struct AnchorGroup {
    searcher: Searcher,
    /// Per anchor: the patterns to confirm at a hit.
    candidates: Vec<Vec<usize>>,
    /// Per anchor: how far past a hit's start the next search may begin
    /// without skipping an anchor that starts inside this one.
    resume: Vec<usize>,
}

impl AnchorGroup {
    fn new(patterns: &[Pattern], members: &[usize]) -> Result<AnchorGroup, BuildError> {
        let mut anchors: Vec<&'static str> = Vec::new();
        let mut direct: Vec<Vec<usize>> = Vec::new();
        for &pi in members {
            for &a in patterns[pi].anchors {
                let ai = anchors.iter().position(|&x| x == a).unwrap_or_else(|| {
                    anchors.push(a);
                    direct.push(Vec::new());
                    anchors.len() - 1
                });
                if !direct[ai].contains(&pi) {
                    direct[ai].push(pi);
                }
            }
        }
        // Leftmost-longest reports only the longest anchor starting at a
        // position, so an anchor also carries the patterns of the group's
        // anchors that are its prefixes.
        let candidates = anchors
            .iter()
            .map(|a| {
                let mut c: Vec<usize> = anchors
                    .iter()
                    .zip(&direct)
                    .filter(|(b, _)| a.starts_with(**b))
                    .flat_map(|(_, c)| c.iter().copied())
                    .collect();
                c.sort_unstable();
                c.dedup();
                c
            })
            .collect();
        let resume = anchors.iter().map(|a| resume_offset(a, &anchors)).collect();
        Ok(AnchorGroup { searcher: Searcher::new(&anchors)?, candidates, resume })
    }
}

/// Finds the leftmost-longest anchor at or after a position: Teddy (SIMD,
/// from `aho_corasick::packed`) where the CPU has it, else an Aho-Corasick
/// automaton.
enum Searcher {
    Teddy(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Searcher {
    fn new(anchors: &[&str]) -> Result<Searcher, BuildError> {
        let teddy = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(anchors)
            .build();
        if let Some(t) = teddy {
            return Ok(Searcher::Teddy(t));
        }
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(anchors)
            .map(Searcher::Automaton)
            .map_err(|e| BuildError(format!("prefilter: {e}")))
    }

    fn find(&self, data: &[u8], pos: usize) -> Option<aho_corasick::Match> {
        match self {
            Searcher::Teddy(t) => t.find_in(data, aho_corasick::Span::from(pos..data.len())),
            Searcher::Automaton(ac) => ac.find(aho_corasick::Input::new(data).span(pos..data.len())),
        }
    }
}

/// End of `terminator` after the first `marker` within `limit` bytes of `from`;
/// `from` itself when either is missing (the confirmed prefix is still reported).
fn extend_until(data: &[u8], from: usize, marker: &[u8], terminator: &[u8], limit: usize) -> usize {
    let window = &data[from..data.len().min(from.saturating_add(limit))];
    let Some(m) = memchr::memmem::find(window, marker) else {
        return from;
    };
    let after = from + m + marker.len();
    let tail = &data[after..data.len().min(after + 256)];
    match memchr::memmem::find(tail, terminator) {
        Some(t) => after + t + terminator.len(),
        None => from,
    }
}

fn push_marker(out: &mut String, id: &str) {
    out.push_str("[REDACTED:");
    out.push_str(id);
    out.push(']');
}

/// `sha256:` plus the first 8 hex digits of the digest.
fn fingerprint(secret: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(secret);
    let mut s = String::from("sha256:");
    for b in &digest[..4] {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Turns increasing byte offsets into line and column in one forward pass
/// (linear in the input even for many matches on one long line).
#[derive(Default)]
struct LineCursor {
    offset: usize,
    /// Newlines before `offset`.
    line: u32,
    /// Characters between the last newline and `offset`.
    column: usize,
}

impl LineCursor {
    fn advance(&mut self, data: &[u8], to: usize) -> (u32, u32) {
        if to < self.offset {
            *self = LineCursor::default();
        }
        let seg = &data[self.offset..to];
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        let chars = |b: &[u8]| b.iter().filter(|&&c| (c & 0xC0) != 0x80).count();
        match memchr::memrchr(b'\n', seg) {
            Some(last) => {
                let newlines = memchr::memchr_iter(b'\n', seg).count();
                self.line = self.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
                self.column = chars(&seg[last + 1..]);
            }
            None => self.column += chars(seg),
        }
        self.offset = to;
        let column = u32::try_from(self.column).unwrap_or(u32::MAX).saturating_add(1);
        (self.line.saturating_add(1), column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_compiles() {
        let set = PatternSet::new(PATTERNS).unwrap();
        assert_eq!(set.patterns().len(), PATTERNS.len());
        for p in PATTERNS {
            PatternSet::compile(p).unwrap();
        }
    }

    #[test]
    fn line_cursor_counts_lines_and_chars() {
        let data = "ab\nçd\nxyz".as_bytes();
        let mut c = LineCursor::default();
        assert_eq!(c.advance(data, 1), (1, 2));
        assert_eq!(c.advance(data, 5), (2, 2)); // after the two-byte ç
        assert_eq!(c.advance(data, 8), (3, 2));
        assert_eq!(c.advance(data, 0), (1, 1));
    }

    #[test]
    fn window_edge_does_not_fake_a_boundary() {
        // A 300-char run after ghp_ exceeds the pattern's 251 maximum: no
        // match may be cut out of it, even though the window ends inside it.
        let long = format!("ghp_{}", "aZ3".repeat(100));
        assert!(PatternSet::builtin().scan_bytes(long.as_bytes()).is_empty());
    }

    #[test]
    fn extend_until_stops_at_terminator() {
        let d = b"HEAD body -----END X----- tail";
        assert_eq!(extend_until(d, 4, b"-----END ", b"-----", 100), 25);
        assert_eq!(extend_until(d, 4, b"nope", b"-----", 100), 4);
    }
}
