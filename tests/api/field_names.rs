//! Every field name a BAD_USER_INPUT or CONFLICT error can carry names something the caller
//! sent: an argument of the operation that raised it, or a field inside its input object
//! (`input.name`, or `name` as the services write it; `charges.quantity`). The names are collected
//! from the source itself (every `AppError::bad_input` / `AppError::conflict` call, and every
//! helper that passes its `field` parameter on to one), and each is followed back through the
//! calls to the resolvers that can reach it; where none is known (the HTTP layer, the database
//! error conversion) the name must still be an argument path of some field. A wrong name written
//! later fails here without anyone remembering to add a case.
use crate::helpers::*;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Parts of the GraphQL-over-HTTP request itself, not of any schema argument: the transport
/// and the request checks name these (the body, its members, the multipart parts, a header).
const REQUEST_FIELDS: &[&str] = &[
    "body",
    "Content-Type",
    "query",
    "variables",
    "operationName",
    "extensions",
    "extensions.persistedQuery",
    "operations",
    "map",
];

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
    /// Numbers, lifetimes, char literals: nothing a field name is made of.
    Other,
}

/// A small Rust lexer: enough to tell code from comments, strings and char literals.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let (mut i, mut line, mut out) = (0usize, 1usize, Vec::new());
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else if i >= c.len() {
                    break;
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' {
            let start = line;
            let mut s = String::new();
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    s.push(c[i]);
                    i += 1;
                }
                line += usize::from(at(i) == '\n');
                s.push(at(i));
                i += 1;
            }
            i += 1;
            out.push((Tok::Str(s), start));
        } else if ch == '\'' {
            // A char literal ('a', '\n', '"') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while at(i).is_alphanumeric() || at(i) == '_' {
                    i += 1;
                }
            }
            out.push((Tok::Other, line));
        } else if ch.is_alphabetic() || ch == '_' {
            let s0 = i;
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
            let word: String = c[s0..i].iter().collect();
            // Raw and byte strings: r"..", r#".."#, b"..", br"..".
            if matches!(word.as_str(), "r" | "br" | "cr") && (at(i) == '"' || at(i) == '#') {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                if at(i) == '"' {
                    let start = line;
                    i += 1;
                    let mut s = String::new();
                    while i < c.len() && !(c[i] == '"' && (0..hashes).all(|h| at(i + 1 + h) == '#'))
                    {
                        line += usize::from(c[i] == '\n');
                        s.push(c[i]);
                        i += 1;
                    }
                    i += 1 + hashes;
                    out.push((Tok::Str(s), start));
                    continue;
                }
            }
            if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                continue; // the string itself is lexed next
            }
            out.push((Tok::Ident(word), line));
        } else if ch.is_ascii_digit() {
            while at(i).is_alphanumeric()
                || at(i) == '_'
                || (at(i) == '.' && at(i + 1).is_ascii_digit())
            {
                i += 1;
            }
            out.push((Tok::Other, line));
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// The tokens without `#[cfg(test)] mod .. { .. }`: unit tests call the helpers with names of
/// their own.
fn without_test_modules(t: Vec<(Tok, usize)>) -> Vec<(Tok, usize)> {
    let word = |k: usize, w: &str| t.get(k).is_some_and(|x| ident(&x.0) == Some(w));
    let punct = |k: usize, c: char| t.get(k).is_some_and(|x| is_p(&x.0, c));
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        let attr = punct(i, '#')
            && punct(i + 1, '[')
            && word(i + 2, "cfg")
            && punct(i + 3, '(')
            && word(i + 4, "test")
            && punct(i + 5, ')')
            && punct(i + 6, ']');
        if attr && word(i + 7, "mod") && punct(i + 9, '{') {
            i = closing(&t, i + 9) + 1;
            continue;
        }
        out.push(t[i].clone());
        i += 1;
    }
    out
}

fn is_p(t: &Tok, ch: char) -> bool {
    *t == Tok::Punct(ch)
}

fn ident(t: &Tok) -> Option<&str> {
    match t {
        Tok::Ident(s) => Some(s),
        _ => None,
    }
}

/// Index of the bracket closing the one at `open`.
fn closing(t: &[(Tok, usize)], open: usize) -> usize {
    let mut depth = 0i32;
    for (j, (tok, _)) in t.iter().enumerate().skip(open) {
        match tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    t.len() - 1
}

/// The top-level comma-separated parts between `open` and its closing bracket.
fn split_args(t: &[(Tok, usize)], open: usize) -> Vec<std::ops::Range<usize>> {
    let close = closing(t, open);
    let (mut parts, mut start, mut depth) = (vec![], open + 1, 0i32);
    let mut j = open + 1;
    while j < close {
        match &t[j].0 {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            // A closure's parameters (`|a, b|`, after `(`, `,` or `move`): their commas are not ours.
            Tok::Punct('|')
                if depth == 0
                    && (is_p(&t[j - 1].0, '(')
                        || is_p(&t[j - 1].0, ',')
                        || ident(&t[j - 1].0) == Some("move")) =>
            {
                j = (j + 1..close).find(|&k| is_p(&t[k].0, '|')).unwrap_or(j);
            }
            Tok::Punct(',') if depth == 0 => {
                parts.push(start..j);
                start = j + 1;
            }
            _ => {}
        }
        j += 1;
    }
    if start < close {
        parts.push(start..close);
    }
    parts
}

/// One function definition: where it lives and what its parameters are called.
struct FnDef {
    file: usize,
    /// The type of the `impl` block it is in, or `mod:<file>` for a free function.
    owner: String,
    name: String,
    /// Parameter names in order, `self` left out.
    params: Vec<String>,
    /// A method (takes `self`): what `x.name(..)` calls.
    method: bool,
    /// A named closure (`let f = |..| ..`), part of the function around it.
    closure: bool,
    body: std::ops::Range<usize>,
}

struct Source {
    path: PathBuf,
    toks: Vec<(Tok, usize)>,
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn definitions(file: usize, t: &[(Tok, usize)]) -> Vec<FnDef> {
    // Where each impl block's body is, and its self type.
    let mut impls: Vec<(std::ops::Range<usize>, String)> = vec![];
    let mut defs = vec![];
    for i in 0..t.len() {
        // An impl block (not `impl Trait` in a type): it starts an item.
        let item_start = i == 0
            || matches!(t[i - 1].0, Tok::Punct('}' | ';' | ']' | '{'))
            || ident(&t[i - 1].0) == Some("unsafe");
        if ident(&t[i].0) == Some("impl") && item_start {
            let Some(open) = (i + 1..t.len()).find(|&j| is_p(&t[j].0, '{') || is_p(&t[j].0, ';'))
            else {
                continue;
            };
            if !is_p(&t[open].0, '{') {
                continue;
            }
            let head = &t[i + 1..open];
            let from = head
                .iter()
                .position(|(x, _)| ident(x) == Some("for"))
                .map_or(0, |p| p + 1);
            let mut angle = 0i32;
            let mut last = None;
            for (k, (x, _)) in head.iter().enumerate().skip(from) {
                match x {
                    Tok::Punct('<') => angle += 1,
                    Tok::Punct('>') if k == 0 || !is_p(&head[k - 1].0, '-') => angle -= 1,
                    Tok::Ident(s) if angle == 0 && s != "where" => last = Some(s.clone()),
                    Tok::Ident(s) if s == "where" => break,
                    _ => {}
                }
            }
            if let Some(owner) = last {
                impls.push((open..closing(t, open), owner));
            }
        }
        // A closure bound to a name (`let size = |field: &str, v| ...;`) is called like a free
        // function of its file.
        if ident(&t[i].0) == Some("let") && t.get(i + 2).is_some_and(|x| is_p(&x.0, '=')) {
            let Some(name) = t.get(i + 1).and_then(|x| ident(&x.0)) else {
                continue;
            };
            let bar = if t.get(i + 3).is_some_and(|x| ident(&x.0) == Some("move")) {
                i + 4
            } else {
                i + 3
            };
            if !t.get(bar).is_some_and(|x| is_p(&x.0, '|')) {
                continue;
            }
            let Some(end) = (bar + 1..t.len()).find(|&k| is_p(&t[k].0, '|')) else {
                continue;
            };
            let mut params = vec![];
            let mut depth = 0i32;
            let mut expect_name = true;
            for (x, _) in &t[bar + 1..end] {
                match x {
                    Tok::Punct('(' | '[' | '<') => depth += 1,
                    Tok::Punct(')' | ']' | '>') => depth -= 1,
                    Tok::Punct(',') if depth == 0 => expect_name = true,
                    Tok::Ident(w) if expect_name && depth == 0 && w != "mut" => {
                        params.push(w.clone());
                        expect_name = false;
                    }
                    _ => {}
                }
            }
            let mut depth = 0i32;
            let stop = (end + 1..t.len())
                .find(|&k| {
                    match t[k].0 {
                        Tok::Punct('(' | '[' | '{') => depth += 1,
                        Tok::Punct(')' | ']' | '}') => depth -= 1,
                        _ => {}
                    }
                    depth < 0 || (depth == 0 && is_p(&t[k].0, ';'))
                })
                .unwrap_or(t.len());
            defs.push(FnDef {
                file,
                owner: format!("mod:{file}"),
                name: name.to_owned(),
                params,
                method: false,
                closure: true,
                body: end + 1..stop,
            });
        }
        if ident(&t[i].0) == Some("fn") {
            let Some(name) = t.get(i + 1).and_then(|x| ident(&x.0)) else {
                continue;
            };
            let Some(open) = (i + 2..t.len()).find(|&j| is_p(&t[j].0, '(')) else {
                continue;
            };
            let mut params: Vec<String> = split_args(t, open)
                .into_iter()
                .filter_map(|r| {
                    let p = &t[r];
                    if p.iter().any(|(x, _)| ident(x) == Some("self"))
                        && !p.iter().any(|(x, _)| is_p(x, ':'))
                    {
                        return Some("self".to_owned());
                    }
                    let colon = p.iter().position(|(x, _)| is_p(x, ':'))?;
                    p[..colon]
                        .iter()
                        .rev()
                        .find_map(|(x, _)| ident(x).filter(|s| *s != "mut").map(str::to_owned))
                })
                .collect();
            let method = params.first().is_some_and(|p| p == "self");
            params.retain(|n| n != "self");
            let after = closing(t, open);
            let Some(body) = (after..t.len()).find(|&j| is_p(&t[j].0, '{') || is_p(&t[j].0, ';'))
            else {
                continue;
            };
            if !is_p(&t[body].0, '{') {
                continue;
            }
            let owner = impls
                .iter()
                .filter(|(r, _)| r.contains(&i))
                .min_by_key(|(r, _)| r.len())
                .map_or(format!("mod:{file}"), |(_, o)| o.clone());
            defs.push(FnDef {
                file,
                owner,
                name: name.to_owned(),
                params,
                method,
                closure: false,
                body: body..closing(t, body),
            });
        }
    }
    defs
}

/// The names a loop variable takes in `for name in ["a", "b"]` (before `call`, in `body`).
fn loop_literals(
    t: &[(Tok, usize)],
    body: std::ops::Range<usize>,
    call: usize,
    var: &str,
) -> Option<Vec<String>> {
    let start = (body.start..call).rev().find(|&k| {
        ident(&t[k].0) == Some("for")
            && ident(&t[k + 1].0) == Some(var)
            && ident(&t[k + 2].0) == Some("in")
            && is_p(&t[k + 3].0, '[')
    })?;
    let close = closing(t, start + 3);
    let list: Vec<String> = t[start + 4..close]
        .iter()
        .filter_map(|(x, _)| {
            if let Tok::Str(s) = x {
                Some(s.clone())
            } else {
                None
            }
        })
        .collect();
    (!list.is_empty()
        && t[start + 4..close]
            .iter()
            .all(|(x, _)| matches!(x, Tok::Str(_) | Tok::Punct(','))))
    .then_some(list)
}

/// Where a field name comes from.
#[derive(Debug)]
struct Site {
    name: String,
    at: String,
    /// The resolvers (schema type, field) whose calls can reach it; empty when none is known.
    reach: Vec<(String, String)>,
}

/// Every field name the source can put in a BAD_USER_INPUT / CONFLICT error, and every call
/// whose name could not be followed back to a string literal.
fn field_names() -> (Vec<Site>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = vec![];
    sources(&root, &mut paths);
    // The text check names the caller's own variable paths and arguments, copied from the
    // request as sent: right by construction, and built at run time.
    paths.retain(|p| !p.ends_with("graphql/text.rs"));
    paths.sort();
    let files: Vec<Source> = paths
        .into_iter()
        .map(|p| Source {
            toks: without_test_modules(lex(&std::fs::read_to_string(&p).unwrap())),
            path: p,
        })
        .collect();
    let defs: Vec<FnDef> = files
        .iter()
        .enumerate()
        .flat_map(|(n, f)| definitions(n, &f.toks))
        .collect();

    // (owner, name) -> positions of arguments that become an error's field name.
    let mut forwards: HashMap<(String, String), BTreeSet<usize>> = HashMap::new();
    forwards
        .entry(("AppError".into(), "bad_input".into()))
        .or_default()
        .insert(0);
    forwards
        .entry(("AppError".into(), "conflict".into()))
        .or_default()
        .insert(0);

    // Which definitions a call names: `Type::f(` one of Type's, `x.f(` any method, `module::f(`
    // any free function, `f(` the free function of the same file if it has one, else any.
    // Free functions are keyed by their file, so two modules' `text` helpers stay apart.
    let callees = |file: usize,
                   t: &[(Tok, usize)],
                   i: usize,
                   enclosing: Option<&FnDef>|
     -> Vec<(String, String)> {
        let name = ident(&t[i].0).unwrap().to_owned();
        let free = |d: &&FnDef| d.name == name && d.owner.starts_with("mod:");
        if i >= 3 && is_p(&t[i - 1].0, ':') && is_p(&t[i - 2].0, ':') {
            let q = ident(&t[i - 3].0).unwrap_or("");
            let q = if q == "Self" {
                enclosing.map(|d| d.owner.clone()).unwrap_or_default()
            } else {
                q.to_owned()
            };
            if q.starts_with(|c: char| c.is_uppercase()) {
                return vec![(q, name)];
            }
        } else if i >= 1 && is_p(&t[i - 1].0, '.') {
            return defs
                .iter()
                .filter(|d| d.name == name && d.method)
                .map(|d| (d.owner.clone(), name.clone()))
                .collect();
        } else if let Some(d) = defs.iter().filter(free).find(|d| d.file == file) {
            return vec![(d.owner.clone(), name)];
        }
        defs.iter()
            .filter(free)
            .map(|d| (d.owner.clone(), name.clone()))
            .collect()
    };
    let enclosing = |file: usize, i: usize| {
        defs.iter()
            .filter(|d| d.file == file && d.body.contains(&i))
            .min_by_key(|d| d.body.len())
    };
    // The innermost function or named closure around `i` with a parameter called `word`
    // (a closure sees its function's parameters too).
    let binder = |file: usize, i: usize, word: &str| {
        defs.iter()
            .filter(|d| d.file == file && d.body.contains(&i) && d.params.iter().any(|p| p == word))
            .min_by_key(|d| d.body.len())
    };

    // Every call site of a forwarding function: (file, token index, positions).
    let sites = |forwards: &HashMap<(String, String), BTreeSet<usize>>| {
        let mut out = vec![];
        for (n, f) in files.iter().enumerate() {
            let t = &f.toks;
            for i in 1..t.len().saturating_sub(1) {
                if ident(&t[i].0).is_none()
                    || !is_p(&t[i + 1].0, '(')
                    || ident(&t[i - 1].0) == Some("fn")
                {
                    continue;
                }
                let enc = enclosing(n, i);
                // A call of a parameter (`id_of: impl Fn(&M) -> i64`) is not the function of that name.
                if enc.is_some_and(|d| d.params.iter().any(|p| Some(p.as_str()) == ident(&t[i].0)))
                    && !is_p(&t[i - 1].0, ':')
                    && !is_p(&t[i - 1].0, '.')
                {
                    continue;
                }
                for key in callees(n, t, i, enc) {
                    if let Some(pos) = forwards.get(&key) {
                        out.push((n, i, pos.clone()));
                    }
                }
            }
        }
        out
    };
    // A function that hands one of its own parameters on as a field name forwards it too.
    loop {
        let mut grew = false;
        for (n, i, pos) in sites(&forwards) {
            let t = &files[n].toks;
            let args = split_args(t, i + 1);
            for p in pos {
                let Some(r) = args.get(p) else { continue };
                let words: Vec<&str> = t[r.clone()].iter().filter_map(|(x, _)| ident(x)).collect();
                let literal = t[r.clone()].iter().any(|(x, _)| matches!(x, Tok::Str(_)));
                let Some(enc) = words
                    .first()
                    .filter(|_| !literal)
                    .and_then(|w| binder(n, i, w))
                else {
                    continue;
                };
                if let Some(k) = words
                    .first()
                    .and_then(|w| enc.params.iter().position(|q| q == w))
                {
                    if std::env::var("FIELD_NAMES_DEBUG").is_ok() {
                        eprintln!(
                            "{}::{} forwards #{k} via {}:{} {:?}",
                            enc.owner,
                            enc.name,
                            files[n].path.display(),
                            t[i].1,
                            ident(&t[i].0)
                        );
                    }
                    grew |= forwards
                        .entry((enc.owner.clone(), enc.name.clone()))
                        .or_default()
                        .insert(k);
                }
            }
        }
        if !grew {
            break;
        }
    }

    if std::env::var("FIELD_NAMES_DEBUG").is_ok() {
        let mut f: Vec<_> = forwards.iter().collect();
        f.sort();
        eprintln!("{f:#?}");
    }
    // Resolvers: methods of the GraphQL layer taking the request context; the schema field is
    // the camel-cased name on the root (XQuery, XMutation are merged) or on the object itself.
    let resolver = |d: &FnDef| -> Option<(String, String)> {
        let in_graphql = files[d.file]
            .path
            .components()
            .any(|c| c.as_os_str() == "graphql");
        if !in_graphql
            || d.owner.starts_with("mod:")
            || d.closure
            || !d.params.iter().any(|p| p == "ctx")
        {
            return None;
        }
        let ty = ["Query", "Mutation", "Subscription"]
            .into_iter()
            .find(|r| d.owner.ends_with(r))
            .map_or(d.owner.clone(), str::to_owned);
        let mut field = String::new();
        let mut up = false;
        for ch in d.name.chars() {
            if ch == '_' {
                up = true;
            } else {
                field.extend(if up {
                    ch.to_uppercase().collect::<Vec<_>>()
                } else {
                    vec![ch]
                });
                up = false;
            }
        }
        Some((ty, field))
    };
    // What each function calls, as (how, name): `T:Type` for `Type::f(`, `.` for `x.f(`, `::`
    // for `module::f(`, `f@<file>` for a plain `f(`; followed backwards from a site to the
    // resolvers, with the same reading of a call as `callees`.
    let calls: Vec<HashSet<(String, String)>> = defs
        .iter()
        .map(|d| {
            let t = &files[d.file].toks;
            let mut out = HashSet::new();
            for k in d.body.clone() {
                let Some(name) = ident(&t[k].0) else { continue };
                if k + 1 >= t.len()
                    || !is_p(&t[k + 1].0, '(')
                    || k < 1
                    || ident(&t[k - 1].0) == Some("fn")
                {
                    continue;
                }
                let how = if k >= 3 && is_p(&t[k - 1].0, ':') && is_p(&t[k - 2].0, ':') {
                    match ident(&t[k - 3].0) {
                        Some("Self") => format!("T:{}", d.owner),
                        Some(q) if q.starts_with(|c: char| c.is_uppercase()) => format!("T:{q}"),
                        _ => "::".to_owned(),
                    }
                } else if is_p(&t[k - 1].0, '.') {
                    ".".to_owned()
                } else {
                    format!("f@{}", d.file)
                };
                out.insert((how, name.to_owned()));
            }
            out
        })
        .collect();
    let free_in_file: HashSet<(usize, &str)> = defs
        .iter()
        .filter(|d| d.owner.starts_with("mod:"))
        .map(|d| (d.file, d.name.as_str()))
        .collect();
    let calls_def = |c: &HashSet<(String, String)>, d: &FnDef| {
        if d.owner.starts_with("mod:") {
            // A plain call is to its own file's function of that name if it has one, else to an
            // imported one.
            c.contains(&("::".to_owned(), d.name.clone()))
                || c.iter().any(|(how, name)| {
                    *name == d.name
                        && how
                            .strip_prefix("f@")
                            .and_then(|f| f.parse::<usize>().ok())
                            .is_some_and(|f| {
                                f == d.file || !free_in_file.contains(&(f, name.as_str()))
                            })
                })
        } else {
            c.contains(&(format!("T:{}", d.owner), d.name.clone()))
                || (d.method && c.contains(&(".".to_owned(), d.name.clone())))
        }
    };
    let reach = |n: usize, i: usize| -> Vec<(String, String)> {
        let Some(start) = defs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.file == n && !d.closure && d.body.contains(&i))
            .min_by_key(|(_, d)| d.body.len())
            .map(|(k, _)| k)
        else {
            return vec![];
        };
        // A conversion (`From<DbErr>`) runs wherever `?` does: there is no call to follow.
        if defs[start].name == "from" {
            return vec![];
        }
        let (mut seen, mut queue, mut out) = (HashSet::from([start]), vec![start], BTreeSet::new());
        while let Some(k) = queue.pop() {
            if let Some(r) = resolver(&defs[k]) {
                out.insert(r);
                continue;
            }
            for (j, c) in calls.iter().enumerate() {
                if !defs[j].closure && calls_def(c, &defs[k]) && seen.insert(j) {
                    queue.push(j);
                }
            }
        }
        out.into_iter().collect()
    };
    let (mut names, mut unresolved) = (vec![], vec![]);
    for (n, i, pos) in sites(&forwards) {
        let t = &files[n].toks;
        let args = split_args(t, i + 1);
        let at = format!(
            "{}:{}",
            files[n].path.strip_prefix(&root).unwrap().display(),
            t[i].1
        );
        let enc = enclosing(n, i);
        for p in pos {
            let Some(r) = args.get(p) else { continue };
            let arg = &t[r.clone()];
            let literals: Vec<&String> = arg
                .iter()
                .filter_map(|(x, _)| if let Tok::Str(s) = x { Some(s) } else { None })
                .collect();
            let words: Vec<&str> = arg.iter().filter_map(|(x, _)| ident(x)).collect();
            if words.contains(&"format") {
                unresolved.push(format!("{at}: a field name built at run time"));
            } else if !literals.is_empty() {
                names.extend(literals.into_iter().map(|s| Site {
                    name: s.clone(),
                    at: at.clone(),
                    reach: reach(n, i),
                }));
            } else if words.first().is_some_and(|w| binder(n, i, w).is_some()) {
                // Forwarded: the enclosing function's callers name it.
            } else if let Some(list) = words
                .first()
                .and_then(|w| loop_literals(t, enc.map_or(0..0, |d| d.body.clone()), i, w))
            {
                names.extend(list.into_iter().map(|s| Site {
                    name: s,
                    at: at.clone(),
                    reach: reach(n, i),
                }));
            } else {
                unresolved.push(format!("{at}: {}", words.join(" ")));
            }
        }
    }
    (names, unresolved)
}

/// Every argument path of the served schema: `arg`, `arg.field`, `arg.field.inner` ... and,
/// as the errors name fields of a mutation's input object, the same paths without the argument
/// (`name` for `input.name`).
async fn argument_paths(
    app: &TestApp,
) -> (HashSet<String>, HashMap<(String, String), HashSet<String>>) {
    let q = "{ __schema { types { name kind fields { name args { name type { ...T } } } inputFields { name type { ...T } } } } }
             fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";
    let body = app.gql(None, q, json!({})).await;
    let types = body["data"]["__schema"]["types"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    fn named(t: &Value) -> (String, String) {
        if t["ofType"].is_null() {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["kind"].as_str().unwrap().to_owned(),
            )
        } else {
            named(&t["ofType"])
        }
    }
    let inputs: HashMap<String, Vec<(String, Value)>> = types
        .iter()
        .filter(|t| t["kind"] == "INPUT_OBJECT")
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["inputFields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| (f["name"].as_str().unwrap().to_owned(), f["type"].clone()))
                    .collect(),
            )
        })
        .collect();
    fn walk(
        prefix: &str,
        ty: &Value,
        inputs: &HashMap<String, Vec<(String, Value)>>,
        depth: usize,
        out: &mut HashSet<String>,
    ) {
        let (name, kind) = named(ty);
        if kind != "INPUT_OBJECT" || depth > 4 {
            return;
        }
        for (f, t) in &inputs[&name] {
            let path = if prefix.is_empty() {
                f.clone()
            } else {
                format!("{prefix}.{f}")
            };
            out.insert(path.clone());
            walk(&path, t, inputs, depth + 1, out);
        }
    }
    let (mut out, mut by_field) = (HashSet::new(), HashMap::new());
    for t in types {
        for f in t["fields"].as_array().into_iter().flatten() {
            let mut mine = HashSet::new();
            for a in f["args"].as_array().unwrap() {
                let arg = a["name"].as_str().unwrap();
                mine.insert(arg.to_owned());
                walk(arg, &a["type"], &inputs, 0, &mut mine);
                walk("", &a["type"], &inputs, 0, &mut mine);
            }
            out.extend(mine.iter().cloned());
            by_field.insert(
                (
                    t["name"].as_str().unwrap().to_owned(),
                    f["name"].as_str().unwrap().to_owned(),
                ),
                mine,
            );
        }
    }
    (out, by_field)
}

#[tokio::test]
async fn every_error_field_name_is_an_argument_path_of_the_schema() {
    let (names, unresolved) = field_names();
    // The scan must keep seeing the calls it is there for (a lexer that lost them would pass).
    for known in [
        "holderMemberId",
        "withinHours",
        "period",
        "communityId",
        "charges.servicePriceId",
    ] {
        assert!(
            names.iter().any(|s| s.name == known),
            "the scan no longer finds {known:?}; found {}",
            names.len()
        );
    }
    assert!(
        unresolved.is_empty(),
        "field names the test cannot check (pass a string literal):\n{}",
        unresolved.join("\n")
    );

    let app = spawn_app_with(|c| {
        c.limits.max_depth = 16;
    })
    .await;
    let (paths, by_field) = argument_paths(&app).await;
    assert!(
        paths.contains("holderMemberId") && paths.contains("input.name") && paths.contains("name"),
        "introspection walked too little: {} paths",
        paths.len()
    );
    // A name must be an argument path of an operation that can reach it (found by following
    // calls back to the resolvers), or, where no resolver is known, of some field.
    let mut checked_per_operation = 0;
    if std::env::var("FIELD_NAMES_DEBUG").is_ok() {
        for s in &names {
            eprintln!(
                "SITE {} {:?} -> {}",
                s.at,
                s.name,
                s.reach
                    .iter()
                    .map(|(t, f)| format!("{t}.{f}"))
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
    }
    let wrong: Vec<String> = names
        .iter()
        .filter(|s| {
            if REQUEST_FIELDS.contains(&s.name.as_str()) {
                return false;
            }
            let known: Vec<&HashSet<String>> =
                s.reach.iter().filter_map(|r| by_field.get(r)).collect();
            if known.is_empty() {
                return !paths.contains(&s.name);
            }
            checked_per_operation += 1;
            !known.iter().any(|p| p.contains(&s.name))
        })
        .map(|s| {
            format!(
                "{}: {:?} (reached from {})",
                s.at,
                s.name,
                s.reach
                    .iter()
                    .map(|(t, f)| format!("{t}.{f}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "errors name fields the operations reaching them do not have:\n{}",
        wrong.join("\n")
    );
    assert!(
        checked_per_operation * 2 > names.len(),
        "only {checked_per_operation} of {} names were traced to their operations",
        names.len()
    );
}

/// The two names the walk found wrong, as a client meets them.
#[tokio::test]
async fn a_holder_of_another_house_and_a_past_proposed_time_name_the_argument_sent() {
    let app = spawn_app().await;
    let (owner, reception) = (app.login(OWNER1).await, app.login(RECEPTION).await);
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let other = app.house_id("CUIHU", "1栋", "1单元", "201").await;
    let members = app.gql(Some(&owner), "query($h: ID!) { node(id: $h) { ... on House { members { edges { node { id isMe } } } } } }", json!({ "h": house })).await;
    let me = members["data"]["node"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["isMe"] == true)
        .unwrap()["node"]["id"]
        .clone();
    let issue = "mutation($h: ID!, $m: ID!) { issueCard(houseId: $h, holderMemberId: $m, kind: ACCESS, number: \"F0001\") { id } }";
    let out = app
        .gql(Some(&reception), issue, json!({ "h": other, "m": me }))
        .await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
    assert_eq!(
        out["errors"][0]["extensions"]["field"], "holderMemberId",
        "{out}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM cards").await,
        0,
        "nothing issued"
    );

    let (order, _) = crate::repairs::booked(&app, "f-1").await;
    let tech_staff = crate::repairs::technician_staff_id(&app).await;
    let dispatch = "mutation($o: ID!, $t: ID!, $at: DateTime!) { dispatchRepair(orderId: $o, technicianId: $t, appointmentAt: $at) { state } }";
    app.gql(
        Some(&reception),
        dispatch,
        json!({ "o": order, "t": tech_staff, "at": crate::repairs::in_hours(1) }),
    )
    .await;
    let propose = "mutation($o: ID!, $at: DateTime!) { proposeRepairTime(orderId: $o, at: $at) { proposedAt } }";
    let out = app
        .gql(
            Some(&app.login(TECHNICIAN).await),
            propose,
            json!({ "o": order, "at": crate::repairs::in_hours(-1) }),
        )
        .await;
    assert_eq!(error_code(&out), "BAD_USER_INPUT", "{out}");
    assert_eq!(out["errors"][0]["extensions"]["field"], "at", "{out}");
}
