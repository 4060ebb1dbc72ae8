//! A small YAML tree with source spans, built from `saphyr-parser` events, with
//! hard limits so hostile input ends quickly with one clear error.
//!
//! Aliases are not copied: an alias points at the anchored node (the tree is a
//! DAG), and every node records its *expanded* size so that an alias bomb is
//! refused before anything walks it. Merge keys (`<<`) are resolved when their
//! mapping closes. Every node has a start and end [`Pos`] (line, column, byte).

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

/// Limits applied while reading a file.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of collections.
    pub max_depth: usize,
    /// Largest accepted size of one node with every alias expanded.
    pub max_expanded: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 4 * 1024 * 1024, max_depth: 256, max_expanded: 1_000_000 }
    }
}

/// Why a file could not be read as YAML.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    /// The file is larger than [`Limits::max_bytes`].
    #[error("file is {size} bytes, larger than the {limit}-byte limit; not scanned")]
    TooLarge {
        /// The file size.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// The bytes are not UTF-8.
    #[error("file is not valid UTF-8 (first invalid byte at offset {offset}, line {line})")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// Its 1-based line.
        line: u32,
    },
    /// The YAML syntax is invalid.
    #[error("invalid YAML: {message}")]
    Syntax {
        /// What the parser said.
        message: String,
        /// Where.
        line: u32,
        /// Column (1-based).
        column: u32,
    },
    /// Collections nest deeper than [`Limits::max_depth`].
    #[error("YAML nests deeper than {limit} levels; not scanned")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Where the limit was crossed.
        line: u32,
    },
    /// Aliases expand to more nodes than [`Limits::max_expanded`] (an alias bomb).
    #[error("YAML aliases expand to more than {limit} nodes (alias bomb?); not scanned")]
    AliasBomb {
        /// The limit.
        limit: u64,
        /// Where the limit was crossed.
        line: u32,
    },
    /// An alias names an anchor that does not exist.
    #[error("YAML alias refers to an unknown anchor")]
    UnknownAnchor {
        /// Where.
        line: u32,
    },
}

impl YamlError {
    /// The line (1-based) the error refers to, when known.
    pub fn line(&self) -> Option<u32> {
        match self {
            YamlError::TooLarge { .. } => None,
            YamlError::NotUtf8 { line, .. }
            | YamlError::Syntax { line, .. }
            | YamlError::TooDeep { line, .. }
            | YamlError::AliasBomb { line, .. }
            | YamlError::UnknownAnchor { line } => Some(*line),
        }
    }

    /// The column (1-based), when known.
    pub fn column(&self) -> Option<u32> {
        match self {
            YamlError::Syntax { column, .. } => Some(*column),
            _ => None,
        }
    }
}

/// Checks the size and encoding of raw file bytes and returns the text.
pub fn decode<'a>(bytes: &'a [u8], limits: &Limits) -> Result<&'a str, YamlError> {
    if bytes.len() > limits.max_bytes {
        return Err(YamlError::TooLarge { size: bytes.len() as u64, limit: limits.max_bytes });
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = memchr::memchr_iter(b'\n', &bytes[..offset]).count() as u32 + 1;
        YamlError::NotUtf8 { offset, line }
    })
}

/// A place in the source: 1-based line and column (characters), 0-based byte offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column in characters.
    pub column: u32,
    /// 0-based byte offset.
    pub byte: u32,
}

/// The index of a scanned file (see [`Yaml::set_file`]); 0 for a lone parse.
pub type FileId = u32;

/// A region of one file: start inclusive, end exclusive, and the file it is in.
///
/// The file travels with the span so that a value reached through another file
/// (a GitLab `extends:` template or `default:` in an included file) is shown in
/// the file it was written in, not in the file that used it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Start.
    pub start: Pos,
    /// End.
    pub end: Pos,
    /// The file.
    pub file: FileId,
}

/// The index of a node in a [`Yaml`] arena.
pub type NodeId = u32;

/// What a node is, as stored: ranges into the tree's text and child arenas, so a
/// file's nodes cost no allocation each.
#[derive(Clone, Copy, Debug)]
enum Repr {
    /// A scalar: `text[start..start+len]`, and whether it was written plain (unquoted).
    Scalar { start: u32, len: u32, plain: bool },
    /// A sequence: `children[start..start+len]`.
    Seq { start: u32, len: u32 },
    /// A mapping: `children[start..start+2*len]` as key, value pairs, merge keys resolved.
    Map { start: u32, len: u32 },
}

/// One node of the tree.
#[derive(Clone, Debug)]
pub struct Node {
    repr: Repr,
    /// Where it is.
    pub span: Span,
    expanded: u64,
}

/// A parsed YAML file: every document's root, and the node arena.
#[derive(Clone, Debug, Default)]
pub struct Yaml {
    nodes: Vec<Node>,
    text: String,
    children: Vec<NodeId>,
    /// The root node of each document, in order.
    pub docs: Vec<NodeId>,
    /// Whether any alias (`*name`) was used: then a node's subtree may lie outside its span.
    pub has_aliases: bool,
    /// The file every span of this tree is in.
    file: FileId,
}

impl Yaml {
    /// Parses `text` within `limits`.
    pub fn parse(text: &str, limits: &Limits) -> Result<Yaml, YamlError> {
        if text.len() > limits.max_bytes {
            return Err(YamlError::TooLarge { size: text.len() as u64, limit: limits.max_bytes });
        }
        let first = match Builder::new(text, *limits).run() {
            Ok(y) => return Ok(y),
            Err(e) => e,
        };
        // libyaml and go-yaml (which GitHub uses) accept a flow collection whose closing
        // bracket sits at the parent's indentation; strict YAML does not. Move such a
        // bracket to the end of the line before it, keeping every byte offset, and retry.
        let mut fixed = text.to_string();
        let mut err = first.clone();
        for _ in 0..64 {
            let YamlError::Syntax { line, .. } = &err else { break };
            if !relocate_closing_bracket(&mut fixed, *line) {
                break;
            }
            match Builder::new(&fixed, *limits).run() {
                Ok(y) => return Ok(y),
                Err(e) => err = e,
            }
        }
        Err(first)
    }

    /// Marks every node as coming from scanned file `file`.
    pub fn set_file(&mut self, file: FileId) {
        self.file = file;
        for n in &mut self.nodes {
            n.span.file = file;
        }
    }

    /// The file this tree was read from.
    pub fn file(&self) -> FileId {
        self.file
    }

    /// The first document's root.
    pub fn root(&self) -> Option<Value<'_>> {
        self.docs.first().map(|id| Value { yaml: self, id: *id })
    }

    /// Every document's root.
    pub fn documents(&self) -> impl Iterator<Item = Value<'_>> {
        self.docs.iter().map(move |id| Value { yaml: self, id: *id })
    }

    /// The node with `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// A handle on node `id`.
    pub fn value(&self, id: NodeId) -> Value<'_> {
        Value { yaml: self, id }
    }

    /// Number of nodes stored (aliases not expanded).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node was stored.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

impl Yaml {
    /// The route (`jobs.build.env.TOKEN`, `steps[2].run`) of the innermost value
    /// whose text holds byte `byte`; `None` when no value does (a comment).
    pub fn route_at(&self, byte: u32) -> Option<String> {
        let holds = |v: &Value<'_>| v.span().start.byte <= byte && byte < v.span().end.byte;
        let mut doc = self.documents().filter(|d| holds(d));
        let mut v = doc.next()?;
        let mut route = String::new();
        // Only nodes written around `byte` are entered (an alias's target is not), so
        // this descends once through at most `max_depth` levels.
        'down: loop {
            if v.is_map() {
                for (k, key, val) in v.entries() {
                    if holds(&key) {
                        push_key(&mut route, k);
                        return Some(route);
                    }
                    if holds(&val) {
                        push_key(&mut route, k);
                        v = val;
                        continue 'down;
                    }
                }
            } else if v.is_seq() {
                for (i, item) in v.items().enumerate() {
                    if holds(&item) {
                        route.push_str(&format!("[{i}]"));
                        v = item;
                        continue 'down;
                    }
                }
            }
            return (!route.is_empty()).then_some(route);
        }
    }
}

fn push_key(route: &mut String, key: &str) {
    if !route.is_empty() {
        route.push('.');
    }
    route.push_str(key);
}

/// A borrowed handle on one node.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    yaml: &'a Yaml,
    id: NodeId,
}

impl std::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.node().repr {
            Repr::Scalar { .. } => write!(f, "{:?}", self.as_scalar().unwrap_or("")),
            Repr::Seq { len, .. } => write!(f, "[{len} items]"),
            Repr::Map { len, .. } => write!(f, "{{{len} entries}}"),
        }
    }
}

impl<'a> Value<'a> {
    /// The node.
    pub fn node(&self) -> &'a Node {
        self.yaml.node(self.id)
    }

    /// The node id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The span.
    pub fn span(&self) -> Span {
        self.node().span
    }

    fn scalar(&self) -> Option<(&'a str, bool)> {
        match self.node().repr {
            Repr::Scalar { start, len, plain } => {
                Some((self.yaml.text.get(start as usize..(start + len) as usize).unwrap_or(""), plain))
            }
            _ => None,
        }
    }

    fn pairs(&self) -> &'a [NodeId] {
        match self.node().repr {
            Repr::Map { start, len } => {
                self.yaml.children.get(start as usize..(start + 2 * len) as usize).unwrap_or(&[])
            }
            _ => &[],
        }
    }

    /// The scalar text, if this is a scalar that is not null.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.scalar() {
            Some((value, plain)) if !(plain && is_null(value)) => Some(value),
            _ => None,
        }
    }

    /// The scalar text including nulls (an empty plain scalar gives `""`).
    pub fn as_scalar(&self) -> Option<&'a str> {
        self.scalar().map(|(v, _)| v)
    }

    /// Whether this is a null scalar (`~`, `null`, empty).
    pub fn is_null(&self) -> bool {
        matches!(self.scalar(), Some((value, true)) if is_null(value))
    }

    /// A plain `true`/`false` scalar as a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_scalar()? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// Whether this is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.node().repr, Repr::Map { .. })
    }

    /// Whether this is a sequence.
    pub fn is_seq(&self) -> bool {
        matches!(self.node().repr, Repr::Seq { .. })
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.pairs()
            .chunks_exact(2)
            .find(|kv| self.yaml.value(kv[0]).as_scalar() == Some(key))
            .map(|kv| self.yaml.value(kv[1]))
    }

    /// The key node of `key` in a mapping (for locations that point at the key).
    pub fn key_node(&self, key: &str) -> Option<Value<'a>> {
        self.pairs()
            .chunks_exact(2)
            .find(|kv| self.yaml.value(kv[0]).as_scalar() == Some(key))
            .map(|kv| self.yaml.value(kv[0]))
    }

    /// The string value of `key`.
    pub fn get_str(&self, key: &str) -> Option<&'a str> {
        self.get(key).and_then(|v| v.as_str())
    }

    /// The entries of a mapping (empty for other nodes), as (key text, key, value).
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Value<'a>, Value<'a>)> + 'a {
        let yaml = self.yaml;
        self.pairs().chunks_exact(2).map(move |kv| {
            let key = yaml.value(kv[0]);
            (key.as_scalar().unwrap_or(""), key, yaml.value(kv[1]))
        })
    }

    /// The items of a sequence (empty for other nodes).
    pub fn items(&self) -> impl Iterator<Item = Value<'a>> + 'a {
        let yaml = self.yaml;
        let items: &'a [NodeId] = match self.node().repr {
            Repr::Seq { start, len } => {
                yaml.children.get(start as usize..(start + len) as usize).unwrap_or(&[])
            }
            _ => &[],
        };
        items.iter().map(move |id| yaml.value(*id))
    }

    /// A scalar as one string, or a sequence of scalars as several (for
    /// fields that accept either, like `runs-on` or `tags`).
    pub fn strings(&self) -> Vec<(&'a str, Span)> {
        if let Some(s) = self.as_str() {
            return vec![(s, self.span())];
        }
        self.items().filter_map(|i| i.as_str().map(|s| (s, i.span()))).collect()
    }

    /// Calls `f` on every scalar below this node (aliases visited once per reference).
    ///
    /// The walk is bounded by the alias-expansion limit checked at parse time.
    pub fn for_each_scalar(&self, f: &mut dyn FnMut(Value<'a>, &'a str)) {
        let mut stack = vec![self.id];
        while let Some(id) = stack.pop() {
            let v = self.yaml.value(id);
            match v.node().repr {
                Repr::Scalar { .. } => f(v, v.as_scalar().unwrap_or("")),
                Repr::Seq { start, len } => {
                    let items = self.yaml.children.get(start as usize..(start + len) as usize).unwrap_or(&[]);
                    stack.extend(items.iter().rev());
                }
                Repr::Map { .. } => stack.extend(v.pairs().iter().rev()),
            }
        }
    }
}

/// Moves a lone closing `]`/`}` on 1-based `line` to the end of the previous line
/// (same byte length, same offsets afterwards). False when the line is not such a line.
fn relocate_closing_bracket(text: &mut String, line: u32) -> bool {
    let starts: Vec<usize> =
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)).collect();
    let Some(&ls) = starts.get(line.saturating_sub(1) as usize) else { return false };
    if line < 2 {
        return false;
    }
    let le = starts.get(line as usize).map(|e| e - 1).unwrap_or(text.len());
    let this = &text[ls..le];
    let trimmed = this.trim_start();
    let Some(bracket) = trimmed.chars().next().filter(|c| *c == ']' || *c == '}') else { return false };
    let at = ls + (this.len() - trimmed.len());
    if at == ls {
        return false;
    }
    // The previous line must end in content (no comment that would swallow the bracket).
    let ps = starts[line as usize - 2];
    let prev = &text[ps..ls - 1];
    if prev.contains('#') || prev.trim().is_empty() || prev.ends_with('\r') {
        return false;
    }
    let mut bytes = std::mem::take(text).into_bytes();
    // prev + bracket, newline, indentation shifted by one space.
    bytes.copy_within(ls - 1..at, ls);
    bytes[ls - 1] = bracket as u8;
    *text = String::from_utf8(bytes).unwrap_or_default();
    true
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// Maps parser character indexes to byte offsets.
struct Offsets {
    /// (first char index after a multi-byte char, byte-minus-char delta from there on).
    deltas: Vec<(u32, u32)>,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let mut deltas = Vec::new();
        if !text.is_ascii() {
            let mut delta = 0u32;
            for (ci, (bi, ch)) in text.char_indices().enumerate() {
                let len = ch.len_utf8() as u32;
                if len > 1 {
                    delta = (bi as u32 + len) - (ci as u32 + 1);
                    deltas.push((ci as u32 + 1, delta));
                }
            }
            let _ = delta;
        }
        Offsets { deltas }
    }

    fn byte(&self, char_index: usize) -> u32 {
        let c = char_index as u32;
        if self.deltas.is_empty() {
            return c;
        }
        let i = self.deltas.partition_point(|(ci, _)| *ci <= c);
        if i == 0 { c } else { c + self.deltas[i - 1].1 }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Seq,
    Map,
}

/// An open collection: its children so far are `pending[base..]`.
struct Frame {
    kind: FrameKind,
    start: Pos,
    anchor: usize,
    base: usize,
    size: u64,
}

struct Builder<'t> {
    text: &'t str,
    limits: Limits,
    offsets: Offsets,
    yaml: Yaml,
    stack: Vec<Frame>,
    /// Children of every open collection, innermost last (no allocation per collection).
    pending: Vec<NodeId>,
    anchors: std::collections::HashMap<usize, NodeId>,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, limits: Limits) -> Self {
        Builder {
            text,
            limits,
            offsets: Offsets::new(text),
            // Sized from the corpus (about one node per 27 bytes of YAML, scalars two thirds of
            // the text): most files are built without growing, and so without copying, the arenas.
            yaml: Yaml {
                text: String::with_capacity(text.len() * 3 / 4 + 16),
                nodes: Vec::with_capacity(text.len() / 24 + 16),
                children: Vec::with_capacity(text.len() / 24 + 16),
                ..Yaml::default()
            },
            stack: Vec::new(),
            pending: Vec::new(),
            anchors: std::collections::HashMap::new(),
        }
    }

    fn pos(&self, m: &Marker) -> Pos {
        Pos { line: m.line() as u32, column: m.col() as u32 + 1, byte: self.offsets.byte(m.index()) }
    }

    fn run(mut self) -> Result<Yaml, YamlError> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(event) = parser.next_event() {
            let (event, span) = event.map_err(|e| YamlError::Syntax {
                message: e.info().to_string(),
                line: e.marker().line() as u32,
                column: e.marker().col() as u32 + 1,
            })?;
            let start = self.pos(&span.start);
            let end = self.pos(&span.end);
            match event {
                Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {}
                Event::DocumentStart(_) => {
                    self.stack.clear();
                    self.pending.clear();
                }
                Event::Alias(anchor) => {
                    let Some(&target) = self.anchors.get(&anchor) else {
                        return Err(YamlError::UnknownAnchor { line: start.line });
                    };
                    let size = self.yaml.nodes[target as usize].expanded;
                    self.yaml.has_aliases = true;
                    self.complete(target, size, start.line)?;
                }
                Event::Scalar(value, style, anchor, _tag) => {
                    let plain = style == ScalarStyle::Plain;
                    let at = self.yaml.text.len() as u32;
                    self.yaml.text.push_str(&value);
                    let repr = Repr::Scalar { start: at, len: value.len() as u32, plain };
                    let id = self.push(repr, Span { start, end, file: 0 }, 1);
                    if anchor > 0 {
                        self.anchors.insert(anchor, id);
                    }
                    self.complete(id, 1, start.line)?;
                }
                Event::SequenceStart(anchor, _) => self.open(FrameKind::Seq, start, anchor)?,
                Event::MappingStart(anchor, _) => self.open(FrameKind::Map, start, anchor)?,
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(frame) = self.stack.pop() else { continue };
                    let (id, size) = self.close(frame, end);
                    self.complete(id, size, end.line)?;
                }
            }
        }
        Ok(self.yaml)
    }

    fn open(&mut self, kind: FrameKind, start: Pos, anchor: usize) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(YamlError::TooDeep { limit: self.limits.max_depth, line: start.line });
        }
        self.stack.push(Frame { kind, start, anchor, base: self.pending.len(), size: 1 });
        Ok(())
    }

    fn push(&mut self, repr: Repr, span: Span, expanded: u64) -> NodeId {
        let id = self.yaml.nodes.len() as NodeId;
        self.yaml.nodes.push(Node { repr, span, expanded });
        id
    }

    fn scalar_text(&self, id: NodeId) -> Option<(&str, bool)> {
        match self.yaml.nodes[id as usize].repr {
            Repr::Scalar { start, len, plain } => {
                Some((self.yaml.text.get(start as usize..(start + len) as usize).unwrap_or(""), plain))
            }
            _ => None,
        }
    }

    fn close(&mut self, frame: Frame, end_marker: Pos) -> (NodeId, u64) {
        let closing = match frame.kind {
            FrameKind::Seq => b']',
            FrameKind::Map => b'}',
        };
        if frame.kind == FrameKind::Map && (self.pending.len() - frame.base) % 2 == 1 {
            // A key without a value cannot come from the parser; drop it defensively.
            self.pending.pop();
        }
        if frame.kind == FrameKind::Map {
            self.resolve_merges(frame.base);
        }
        let start_child = self.yaml.children.len() as u32;
        let count = (self.pending.len() - frame.base) as u32;
        let last = self.pending.last().copied().filter(|_| count > 0);
        self.yaml.children.extend(self.pending.drain(frame.base..));
        let end = last.map(|i| self.yaml.nodes[i as usize].span.end).unwrap_or(end_marker);
        let end = if end_marker.byte > end.byte
            && self.text.as_bytes().get(end_marker.byte as usize - 1) == Some(&closing)
        {
            end_marker
        } else {
            end
        };
        let repr = match frame.kind {
            FrameKind::Seq => Repr::Seq { start: start_child, len: count },
            FrameKind::Map => Repr::Map { start: start_child, len: count / 2 },
        };
        let id = self.push(repr, Span { start: frame.start, end, file: 0 }, frame.size);
        if frame.anchor > 0 {
            self.anchors.insert(frame.anchor, id);
        }
        (id, frame.size)
    }

    /// Replaces `<<` entries of the mapping being closed (`pending[base..]`) by the
    /// entries of the mapping(s) they name; keys written explicitly win over merged ones.
    fn resolve_merges(&mut self, base: usize) {
        let is_merge = |b: &Builder<'_>, k: NodeId| matches!(b.scalar_text(k), Some(("<<", true)));
        let has_merge = self.pending[base..].chunks_exact(2).any(|kv| is_merge(self, kv[0]));
        if !has_merge {
            return;
        }
        let entries: Vec<NodeId> = self.pending.drain(base..).collect();
        let mut out: Vec<NodeId> = Vec::with_capacity(entries.len());
        for kv in entries.chunks_exact(2).filter(|kv| !is_merge(self, kv[0])) {
            out.extend_from_slice(kv);
        }
        for kv in entries.chunks_exact(2).filter(|kv| is_merge(self, kv[0])) {
            let sources: Vec<NodeId> = match self.yaml.nodes[kv[1] as usize].repr {
                Repr::Map { .. } => vec![kv[1]],
                Repr::Seq { start, len } => {
                    self.yaml.children[start as usize..(start + len) as usize].to_vec()
                }
                Repr::Scalar { .. } => vec![],
            };
            for src in sources {
                if let Repr::Map { start, len } = self.yaml.nodes[src as usize].repr {
                    for i in 0..len as usize {
                        let k = self.yaml.children[start as usize + 2 * i];
                        let v = self.yaml.children[start as usize + 2 * i + 1];
                        let text = self.scalar_text(k).map(|(t, _)| t);
                        let present = text.is_some()
                            && out.chunks_exact(2).any(|o| self.scalar_text(o[0]).map(|(t, _)| t) == text);
                        if !present {
                            out.push(k);
                            out.push(v);
                        }
                    }
                }
            }
        }
        self.pending.extend(out);
    }

    fn complete(&mut self, id: NodeId, size: u64, line: u32) -> Result<(), YamlError> {
        let limit = self.limits.max_expanded;
        match self.stack.last_mut() {
            None => {
                if size > limit {
                    return Err(YamlError::AliasBomb { limit, line });
                }
                self.yaml.docs.push(id);
            }
            Some(frame) => {
                frame.size = frame.size.saturating_add(size);
                if frame.size > limit {
                    return Err(YamlError::AliasBomb { limit, line });
                }
                self.pending.push(id);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Yaml {
        Yaml::parse(s, &Limits::default()).unwrap()
    }

    #[test]
    fn spans_point_at_scalars() {
        let text = "on: push\njobs:\n  build:\n    runs-on: [self-hosted, linux]\n";
        let y = parse(text);
        let root = y.root().unwrap();
        let runs_on = root.get("jobs").unwrap().get("build").unwrap().get("runs-on").unwrap();
        let items = runs_on.strings();
        assert_eq!(items[0].0, "self-hosted");
        let sp = items[0].1;
        assert_eq!((sp.start.line, sp.start.column), (4, 15));
        assert_eq!(&text[sp.start.byte as usize..sp.end.byte as usize], "self-hosted");
        assert_eq!(
            &text[runs_on.span().start.byte as usize..runs_on.span().end.byte as usize],
            "[self-hosted, linux]"
        );
    }

    #[test]
    fn byte_offsets_account_for_multibyte_characters() {
        let text = "name: \"é🚀\"\nrun: echo\n";
        let y = parse(text);
        let run = y.root().unwrap().get("run").unwrap();
        let sp = run.span();
        assert_eq!(&text[sp.start.byte as usize..sp.end.byte as usize], "echo");
        assert_eq!(sp.start.column, 6);
    }

    #[test]
    fn anchors_aliases_and_merge_keys_resolve() {
        let y =
            parse("base: &b {runs-on: self-hosted, timeout: 5}\njob:\n  <<: *b\n  timeout: 9\nother: *b\n");
        let root = y.root().unwrap();
        let job = root.get("job").unwrap();
        assert_eq!(job.get_str("runs-on"), Some("self-hosted"));
        assert_eq!(job.get_str("timeout"), Some("9"));
        assert_eq!(root.get("other").unwrap().get_str("timeout"), Some("5"));
    }

    #[test]
    fn closing_bracket_at_parent_indentation_is_accepted() {
        let text = "jobs:\n  a:\n    matrix:\n      x: [\n        \"0\",\n        \"1\"\n      ]\n    runs-on: linux\n";
        let y = parse(text);
        let a = y.root().unwrap().get("jobs").unwrap().get("a").unwrap();
        assert_eq!(a.get("matrix").unwrap().get("x").unwrap().strings().len(), 2);
        let r = a.get("runs-on").unwrap().span();
        assert_eq!(&text[r.start.byte as usize..r.end.byte as usize], "linux");
    }

    #[test]
    fn set_file_marks_every_span_and_route_at_finds_the_value() {
        let text = "jobs:\n  a:\n    env:\n      T: abc\n    steps: [x, y]\n# note\n";
        let mut y = parse(text);
        y.set_file(7);
        let root = y.root().unwrap();
        assert_eq!(root.get("jobs").unwrap().get("a").unwrap().span().file, 7);
        assert_eq!(y.file(), 7);
        let at = |needle: &str| y.route_at(text.find(needle).unwrap() as u32);
        assert_eq!(at("abc").as_deref(), Some("jobs.a.env.T"));
        assert_eq!(at("y]").as_deref(), Some("jobs.a.steps[1]"));
        assert_eq!(at("note"), None);
    }

    #[test]
    fn multiple_documents_are_kept() {
        let y = parse("a: 1\n---\nb: 2\n");
        assert_eq!(y.docs.len(), 2);
        assert_eq!(y.documents().nth(1).unwrap().get_str("b"), Some("2"));
    }

    #[test]
    fn nulls_are_not_strings() {
        let y = parse("a: ~\nb:\nc: 'null'\n");
        let r = y.root().unwrap();
        assert!(r.get("a").unwrap().is_null() && r.get("b").unwrap().is_null());
        assert_eq!(r.get_str("c"), Some("null"));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(matches!(Yaml::parse(&s, &Limits::default()), Err(YamlError::AliasBomb { .. })));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let limits = Limits { max_depth: 64, ..Limits::default() };
        assert!(matches!(Yaml::parse(&s, &limits), Err(YamlError::TooDeep { .. })));
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(matches!(Yaml::parse(&block, &Limits::default()), Err(YamlError::TooDeep { .. })));
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let e = Yaml::parse("a: [1, 2\nb: c\n", &Limits::default()).unwrap_err();
        assert!(matches!(e, YamlError::Syntax { .. }), "{e:?}");
        assert!(e.line().is_some());
    }

    #[test]
    fn non_utf8_and_oversized_input_is_refused() {
        let e = decode(b"a: 1\nb: \xff\n", &Limits::default()).unwrap_err();
        assert_eq!(e, YamlError::NotUtf8 { offset: 8, line: 2 });
        let big = vec![b'a'; 100];
        let limits = Limits { max_bytes: 10, ..Limits::default() };
        assert!(matches!(decode(&big, &limits), Err(YamlError::TooLarge { .. })));
    }
}
