//! GitHub Actions expressions (`${{ … }}`): finding them in strings, parsing
//! them, listing the contexts they read, and evaluating the few forms whose
//! value is known statically (literals, `matrix.*` and `inputs.*` with known
//! values, `a && 'x' || 'y'`, `fromJSON('…')`).

/// One `${{ … }}` occurrence in a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence<'a> {
    /// Byte range of the whole `${{ … }}` in the string.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// The text between the braces, trimmed.
    pub inner: &'a str,
}

/// Every `${{ … }}` in `text`, in order. An unterminated one is ignored.
pub fn occurrences(text: &str) -> Vec<Occurrence<'_>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(rel) = memchr::memmem::find(&bytes[from..], b"${{") {
        let start = from + rel;
        let mut i = start + 3;
        let mut in_string = false;
        let mut end = None;
        while i < bytes.len() {
            let b = bytes[i];
            if in_string {
                if b == b'\'' {
                    // '' is an escaped quote inside a string literal.
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    in_string = false;
                }
            } else if b == b'\'' {
                in_string = true;
            } else if b == b'}' && bytes.get(i + 1) == Some(&b'}') {
                end = Some(i + 2);
                break;
            }
            i += 1;
        }
        let Some(end) = end else { break };
        out.push(Occurrence { start, end, inner: text[start + 3..end - 2].trim() });
        from = end;
    }
    out
}

/// Whether `text` holds at least one expression.
pub fn has_expression(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"${{").is_some()
}

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A string literal.
    Str(String),
    /// A number literal.
    Num(f64),
    /// `true`/`false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A context path, normalised: `github.event.pull_request.head.ref`, `*` for
    /// wildcards, `[…]` with a non-literal index as `*`.
    Path(String),
    /// A function call (name lowercased).
    Call(String, Vec<Expr>),
    /// `!x`.
    Not(Box<Expr>),
    /// A binary operator.
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`, `<=`, `>`, `>=`
    Cmp,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Str(String),
    Num(f64),
    Ident(String),
    Dot,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Not,
    Op(BinOp),
    Star,
}

fn lex(s: &str) -> Option<Vec<Tok>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    let start = i;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                    if i >= b.len() {
                        return None;
                    }
                    v.push_str(&s[start..i]);
                    if b.get(i + 1) == Some(&b'\'') {
                        v.push('\'');
                        i += 2;
                    } else {
                        i += 1;
                        break;
                    }
                }
                out.push(Tok::Str(v));
            }
            b'.' => {
                i += 1;
                out.push(Tok::Dot)
            }
            b'[' => {
                i += 1;
                out.push(Tok::LBracket)
            }
            b']' => {
                i += 1;
                out.push(Tok::RBracket)
            }
            b'(' => {
                i += 1;
                out.push(Tok::LParen)
            }
            b')' => {
                i += 1;
                out.push(Tok::RParen)
            }
            b',' => {
                i += 1;
                out.push(Tok::Comma)
            }
            b'*' => {
                i += 1;
                out.push(Tok::Star)
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                out.push(Tok::Op(BinOp::Ne))
            }
            b'!' => {
                i += 1;
                out.push(Tok::Not)
            }
            b'=' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                out.push(Tok::Op(BinOp::Eq))
            }
            b'&' if b.get(i + 1) == Some(&b'&') => {
                i += 2;
                out.push(Tok::Op(BinOp::And))
            }
            b'|' if b.get(i + 1) == Some(&b'|') => {
                i += 2;
                out.push(Tok::Op(BinOp::Or))
            }
            b'<' | b'>' => {
                i += if b.get(i + 1) == Some(&b'=') { 2 } else { 1 };
                out.push(Tok::Op(BinOp::Cmp))
            }
            b'0'..=b'9' | b'-' => {
                let start = i;
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                out.push(Tok::Num(s[start..i].parse().unwrap_or(0.0)));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                    i += 1;
                }
                out.push(Tok::Ident(s[start..i].to_string()));
            }
            _ => return None,
        }
    }
    Some(out)
}

struct P {
    toks: Vec<Tok>,
    i: usize,
    depth: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }
    fn expr(&mut self, min_prec: u8) -> Option<Expr> {
        self.depth += 1;
        if self.depth > 64 {
            return None;
        }
        let mut lhs = self.unary()?;
        while let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            let prec = match op {
                BinOp::Or => 1,
                BinOp::And => 2,
                BinOp::Eq | BinOp::Ne => 3,
                BinOp::Cmp => 4,
            };
            if prec < min_prec {
                break;
            }
            self.i += 1;
            let rhs = self.expr(prec + 1)?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        self.depth -= 1;
        Some(lhs)
    }
    fn unary(&mut self) -> Option<Expr> {
        match self.next()? {
            Tok::Not => Some(Expr::Not(Box::new(self.unary()?))),
            Tok::LParen => {
                let e = self.expr(0)?;
                (self.next()? == Tok::RParen).then_some(e)
            }
            Tok::Str(s) => Some(Expr::Str(s)),
            Tok::Num(n) => Some(Expr::Num(n)),
            Tok::Ident(id) => match id.as_str() {
                "true" => Some(Expr::Bool(true)),
                "false" => Some(Expr::Bool(false)),
                "null" => Some(Expr::Null),
                _ if self.peek() == Some(&Tok::LParen) => {
                    self.i += 1;
                    let mut args = Vec::new();
                    if self.peek() == Some(&Tok::RParen) {
                        self.i += 1;
                    } else {
                        loop {
                            args.push(self.expr(0)?);
                            match self.next()? {
                                Tok::Comma => continue,
                                Tok::RParen => break,
                                _ => return None,
                            }
                        }
                    }
                    let call = Expr::Call(id.to_ascii_lowercase(), args);
                    // `fromJSON(x).field` — keep the call, drop the accessor.
                    self.skip_accessors();
                    Some(call)
                }
                _ => {
                    let mut path = id;
                    loop {
                        match self.peek() {
                            Some(Tok::Dot) => {
                                self.i += 1;
                                match self.next()? {
                                    Tok::Ident(s) => {
                                        path.push('.');
                                        path.push_str(&s);
                                    }
                                    Tok::Star => path.push_str(".*"),
                                    _ => return None,
                                }
                            }
                            Some(Tok::LBracket) => {
                                self.i += 1;
                                let idx = self.expr(0)?;
                                if self.next()? != Tok::RBracket {
                                    return None;
                                }
                                match idx {
                                    Expr::Str(s) => {
                                        path.push('.');
                                        path.push_str(&s);
                                    }
                                    _ => path.push_str(".*"),
                                }
                            }
                            _ => break,
                        }
                    }
                    Some(Expr::Path(path))
                }
            },
            _ => None,
        }
    }
    fn skip_accessors(&mut self) {
        while let Some(Tok::Dot | Tok::LBracket) = self.peek() {
            if self.peek() == Some(&Tok::Dot) {
                self.i += 2;
            } else {
                let mut depth = 0;
                while let Some(t) = self.next() {
                    match t {
                        Tok::LBracket => depth += 1,
                        Tok::RBracket => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Parses the inside of a `${{ … }}`.
pub fn parse(inner: &str) -> Option<Expr> {
    let toks = lex(inner)?;
    let mut p = P { toks, i: 0, depth: 0 };
    let e = p.expr(0)?;
    (p.i == p.toks.len()).then_some(e)
}

impl Expr {
    /// Every context path the expression reads (including inside function calls).
    pub fn paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Path(p) => out.push(p),
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect_paths(out)),
            Expr::Not(e) => e.collect_paths(out),
            Expr::Bin(_, a, b) => {
                a.collect_paths(out);
                b.collect_paths(out);
            }
            _ => {}
        }
    }

    /// The paths whose value can flow into the result (not those only compared
    /// or tested): in `a == 'x' && b || c` that is `b` and `c`.
    pub fn value_paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_value_paths(&mut out);
        out
    }

    fn collect_value_paths<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Path(p) => out.push(p),
            Expr::Call(name, args) => match name.as_str() {
                "format" | "join" | "tojson" | "fromjson" => {
                    args.iter().for_each(|a| a.collect_value_paths(out))
                }
                _ => {}
            },
            Expr::Bin(BinOp::And, _, b) => b.collect_value_paths(out),
            Expr::Bin(BinOp::Or, a, b) => {
                a.collect_value_paths(out);
                b.collect_value_paths(out);
            }
            _ => {}
        }
    }
}

/// A statically known value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// A string (numbers and booleans as text).
    Str(String),
    /// A list of strings.
    List(Vec<String>),
    /// An object with `group` and/or `labels` (the `runs-on` object form).
    Runner {
        /// Runner group.
        group: Option<String>,
        /// Labels.
        labels: Vec<String>,
    },
}

/// The result of evaluating an expression statically.
#[derive(Clone, Debug, PartialEq)]
pub enum Eval {
    /// One of these values (several when a branch cannot be decided).
    OneOf(Vec<Val>),
    /// Not knowable from the file; the paths that block it.
    Unknown(Vec<String>),
}

/// Resolves a context path to its possible values, or `None` when unknown.
pub trait Resolver {
    /// The values `path` can take.
    fn resolve(&self, path: &str) -> Option<Vec<Val>>;
}

impl<F: Fn(&str) -> Option<Vec<Val>>> Resolver for F {
    fn resolve(&self, path: &str) -> Option<Vec<Val>> {
        self(path)
    }
}

/// Evaluates an expression to its possible values.
pub fn eval(e: &Expr, r: &dyn Resolver) -> Eval {
    match e {
        Expr::Str(s) => Eval::OneOf(vec![Val::Str(s.clone())]),
        Expr::Num(n) => Eval::OneOf(vec![Val::Str(n.to_string())]),
        Expr::Bool(_) | Expr::Null => Eval::OneOf(vec![]),
        Expr::Path(p) => match r.resolve(p) {
            Some(v) => Eval::OneOf(v),
            None => Eval::Unknown(vec![p.clone()]),
        },
        Expr::Bin(BinOp::Or, a, b) => merge(eval(a, r), eval(b, r)),
        // `cond && x` is x or a falsy value, and a falsy value is never a label.
        Expr::Bin(BinOp::And, _, b) => eval(b, r),
        Expr::Bin(..) | Expr::Not(_) => Eval::OneOf(vec![]),
        Expr::Call(name, args) if name == "fromjson" => match args.first() {
            Some(Expr::Str(s)) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(v) => Eval::OneOf(json_val(&v).into_iter().collect()),
                Err(_) => Eval::Unknown(vec!["fromJSON(invalid)".into()]),
            },
            Some(other) => match eval(other, r) {
                Eval::OneOf(vals) => Eval::OneOf(
                    vals.into_iter()
                        .filter_map(|v| match v {
                            Val::Str(s) => {
                                serde_json::from_str::<serde_json::Value>(&s).ok().and_then(|j| json_val(&j))
                            }
                            other => Some(other),
                        })
                        .collect(),
                ),
                unknown => unknown,
            },
            None => Eval::Unknown(vec!["fromJSON()".into()]),
        },
        Expr::Call(name, args) if name == "format" => {
            let Some(Expr::Str(fmt)) = args.first() else { return Eval::Unknown(vec!["format()".into()]) };
            let mut parts = Vec::new();
            for a in &args[1..] {
                match eval(a, r) {
                    Eval::OneOf(v) if v.len() == 1 => match &v[0] {
                        Val::Str(s) => parts.push(s.clone()),
                        _ => return Eval::Unknown(vec!["format()".into()]),
                    },
                    Eval::Unknown(p) => return Eval::Unknown(p),
                    _ => return Eval::Unknown(vec!["format()".into()]),
                }
            }
            let mut s = fmt.clone();
            for (i, p) in parts.iter().enumerate() {
                s = s.replace(&format!("{{{i}}}"), p);
            }
            Eval::OneOf(vec![Val::Str(s)])
        }
        Expr::Call(name, _) => Eval::Unknown(vec![format!("{name}()")]),
    }
}

fn merge(a: Eval, b: Eval) -> Eval {
    match (a, b) {
        (Eval::OneOf(mut x), Eval::OneOf(y)) => {
            for v in y {
                if !x.contains(&v) {
                    x.push(v);
                }
            }
            Eval::OneOf(x)
        }
        (Eval::Unknown(mut x), Eval::Unknown(y)) => {
            x.extend(y);
            Eval::Unknown(x)
        }
        (Eval::Unknown(x), _) | (_, Eval::Unknown(x)) => Eval::Unknown(x),
    }
}

/// Converts a JSON value to a [`Val`] when it has the shape of a runner spec.
pub fn json_val(v: &serde_json::Value) -> Option<Val> {
    match v {
        serde_json::Value::String(s) => Some(Val::Str(s.clone())),
        serde_json::Value::Array(a) => {
            Some(Val::List(a.iter().filter_map(|x| x.as_str().map(String::from)).collect()))
        }
        serde_json::Value::Object(o) => {
            let group = o.get("group").and_then(|g| g.as_str()).map(String::from);
            let labels = match o.get("labels") {
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                Some(serde_json::Value::Array(a)) => {
                    a.iter().filter_map(|x| x.as_str().map(String::from)).collect()
                }
                _ => vec![],
            };
            Some(Val::Runner { group, labels })
        }
        serde_json::Value::Number(n) => Some(Val::Str(n.to_string())),
        _ => None,
    }
}

/// Evaluates a string that may embed expressions (`linux-${{ matrix.arch }}`):
/// the possible resulting strings, or the paths that keep it unknown.
pub fn eval_template(text: &str, r: &dyn Resolver) -> Eval {
    let occ = occurrences(text);
    if occ.is_empty() {
        return Eval::OneOf(vec![Val::Str(text.to_string())]);
    }
    // A string that is exactly one expression keeps the expression's value type.
    if occ.len() == 1 && occ[0].start == 0 && occ[0].end == text.len() {
        return match parse(occ[0].inner) {
            Some(e) => eval(&e, r),
            None => Eval::Unknown(vec![occ[0].inner.to_string()]),
        };
    }
    let mut results = vec![String::new()];
    let mut last = 0;
    for o in &occ {
        let lit = &text[last..o.start];
        results.iter_mut().for_each(|s| s.push_str(lit));
        let Some(e) = parse(o.inner) else { return Eval::Unknown(vec![o.inner.to_string()]) };
        match eval(&e, r) {
            Eval::OneOf(vals) => {
                let strs: Vec<String> = vals
                    .into_iter()
                    .filter_map(|v| match v {
                        Val::Str(s) => Some(s),
                        _ => None,
                    })
                    .collect();
                if strs.is_empty() {
                    return Eval::Unknown(vec![o.inner.to_string()]);
                }
                let mut next = Vec::new();
                for base in &results {
                    for s in &strs {
                        if next.len() < 256 {
                            next.push(format!("{base}{s}"));
                        }
                    }
                }
                results = next;
            }
            unknown => return unknown,
        }
        last = o.end;
    }
    let tail = &text[last..];
    Eval::OneOf(results.into_iter().map(|s| Val::Str(format!("{s}{tail}"))).collect())
}

/// Contexts an outside contributor can set (pull request titles, branch names,
/// comment bodies, …). Interpolating them into a script is code injection.
pub fn is_attacker_controlled(path: &str) -> bool {
    const EXACT: &[&str] = &["github.head_ref", "github.event.workflow_run.head_branch"];
    const PREFIXES: &[&str] = &[
        "github.event.issue.title",
        "github.event.issue.body",
        "github.event.pull_request.title",
        "github.event.pull_request.body",
        "github.event.pull_request.head.ref",
        "github.event.pull_request.head.label",
        "github.event.pull_request.head.repo.default_branch",
        "github.event.pull_request.head.repo.description",
        "github.event.pull_request.head.repo.homepage",
        "github.event.comment.body",
        "github.event.review.body",
        "github.event.review_comment.body",
        "github.event.discussion.title",
        "github.event.discussion.body",
        "github.event.pages.",
        "github.event.commits.",
        "github.event.head_commit.message",
        "github.event.head_commit.author.",
        "github.event.head_commit.committer.",
        "github.event.workflow_run.head_commit.",
        "github.event.workflow_run.display_title",
        "github.event.workflow_run.pull_requests.",
        "github.event.client_payload.",
        "github.event.inputs.",
    ];
    EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p) || p.strip_suffix('.') == Some(path))
}

/// Contexts that name fork code (the head of a pull request, of a triggering
/// workflow run): checking them out under a privileged trigger runs untrusted code.
pub fn names_untrusted_code(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "github.head_ref",
        "github.event.pull_request.head.sha",
        "github.event.pull_request.head.ref",
        "github.event.pull_request.head.repo.full_name",
        "github.event.pull_request.head.repo.clone_url",
        "github.event.pull_request.merge_commit_sha",
        "github.event.pull_request.number",
        "github.event.pull_request.id",
        "github.event.workflow_run.head_sha",
        "github.event.workflow_run.head_branch",
        "github.event.workflow_run.head_repository",
        "github.event.workflow_run.pull_requests",
        "github.event.issue.number",
        "github.event.number",
        "github.event.client_payload.",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<Vec<Val>> {
        None
    }

    #[test]
    fn finds_expressions_with_braces_in_strings() {
        let t = "a ${{ format('{0}}}', x) }} b ${{ y }}";
        let o = occurrences(t);
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].inner, "format('{0}}}', x)");
        assert_eq!(o[1].inner, "y");
    }

    #[test]
    fn parses_paths_calls_and_operators() {
        let e = parse(
            "github.event_name == 'pull_request_target' && github.event.pull_request.head.sha || github.sha",
        )
        .unwrap();
        assert_eq!(e.paths(), ["github.event_name", "github.event.pull_request.head.sha", "github.sha"]);
        assert_eq!(e.value_paths(), ["github.event.pull_request.head.sha", "github.sha"]);
        let e = parse("contains(github.event.pull_request.labels.*.name, 'ok')").unwrap();
        assert_eq!(e.paths(), ["github.event.pull_request.labels.*.name"]);
        let e = parse("matrix['os']").unwrap();
        assert_eq!(e, Expr::Path("matrix.os".into()));
        assert!(parse("a ==").is_none());
    }

    #[test]
    fn evaluates_static_forms() {
        let e = parse("github.repository == 'x/y' && 'self-hosted' || 'ubuntu-latest'").unwrap();
        assert_eq!(
            eval(&e, &none),
            Eval::OneOf(vec![Val::Str("self-hosted".into()), Val::Str("ubuntu-latest".into())])
        );
        let e = parse("fromJSON('[\"self-hosted\", \"gpu\"]')").unwrap();
        assert_eq!(eval(&e, &none), Eval::OneOf(vec![Val::List(vec!["self-hosted".into(), "gpu".into()])]));
        let e = parse("github.event.client_payload.agentSpec").unwrap();
        assert!(matches!(eval(&e, &none), Eval::Unknown(_)));
        let m =
            |p: &str| (p == "matrix.arch").then(|| vec![Val::Str("x64".into()), Val::Str("arm64".into())]);
        assert_eq!(
            eval_template("linux-${{ matrix.arch }}", &m),
            Eval::OneOf(vec![Val::Str("linux-x64".into()), Val::Str("linux-arm64".into())])
        );
    }

    #[test]
    fn classifies_attacker_controlled_contexts() {
        assert!(is_attacker_controlled("github.head_ref"));
        assert!(is_attacker_controlled("github.event.pull_request.title"));
        assert!(!is_attacker_controlled("github.event.pull_request.number"));
        assert!(names_untrusted_code("github.event.pull_request.head.sha"));
        assert!(!names_untrusted_code("github.sha"));
    }
}
