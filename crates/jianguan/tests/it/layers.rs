//! The wall that keeps the application's shape (issue 13, `../shared/LAYERS.md`):
//! computed from the source, it fails when a cycle of imports spans two
//! top-level modules, or when the platform's core names anything above it.
//!
//! Nodes are the top-level modules of `src/`, with `platform` split into
//! its core (`db`, `clock`, `error`, `config`, `keys`, `blobs`), `auth` and
//! `web`, and each context's HTTP files (`routes.rs`, `views.rs`,
//! `pages.rs`) apart from the rest of it (handlers sit above the stores
//! they call). An edge is a `crate::…` path in code (comments and string
//! literals do not count). No build time, no crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const HTTP: [&str; 3] = ["routes", "views", "pages"];

/// The one knot the layers allow: the organisation and the shell are one
/// line of LAYERS.md ("org · platform::{auth, web}"): sign-in reads
/// accounts, and the organisation's pages use the shell.
const ONE_LINE: [&str; 3] = ["org", "platform::auth", "platform::web"];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn node_of(rel: &[String]) -> String {
    let top = rel[0].trim_end_matches(".rs").to_string();
    if top == "platform" {
        let sub = rel.get(1).map(|s| s.trim_end_matches(".rs")).unwrap_or("mod");
        return match sub {
            "auth" | "web" => format!("platform::{sub}"),
            _ => "platform::core".into(),
        };
    }
    let stem = rel[rel.len() - 1].trim_end_matches(".rs");
    if rel.len() > 1 && HTTP.contains(&stem) {
        format!("{top}::http")
    } else {
        top
    }
}

/// The code of a file without comments and string literals.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_str = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_str {
                if c == '"' && prev != '\\' {
                    in_str = false;
                }
                prev = if prev == '\\' && c == '\\' { ' ' } else { c };
                continue;
            }
            if c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' {
                in_str = true;
                prev = ' ';
                continue;
            }
            out.push(c);
        }
        out.push('\n');
    }
    out
}

/// `crate::a::b` paths: (a, b).
fn paths(code: &str) -> Vec<(String, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        let a = ident(rest);
        let b = rest[a.len()..].strip_prefix("::").map(ident).unwrap_or_default();
        if !a.is_empty() {
            out.push((a, b));
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut nodes = BTreeSet::new();
    let mut raw: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for f in &all {
        let rel: Vec<String> = f
            .strip_prefix(&src)
            .unwrap()
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        if rel.len() == 1 && matches!(rel[0].as_str(), "lib.rs" | "main.rs") {
            continue;
        }
        let n = node_of(&rel);
        nodes.insert(n.clone());
        raw.push((n, paths(&code(&std::fs::read_to_string(f).unwrap()))));
    }
    let mut g: BTreeMap<String, BTreeSet<String>> = nodes.iter().map(|n| (n.clone(), BTreeSet::new())).collect();
    for (n, ps) in raw {
        for (a, b) in ps {
            let t = if a == "platform" {
                match b.as_str() {
                    "auth" | "web" => format!("platform::{b}"),
                    _ => "platform::core".into(),
                }
            } else if HTTP.contains(&b.as_str()) {
                format!("{a}::http")
            } else {
                a
            };
            if t != n && nodes.contains(&t) {
                g.get_mut(&n).unwrap().insert(t);
            }
        }
    }
    g
}

/// Strongly connected components of more than one node (Tarjan).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        for w in &t.g[v] {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut c = BTreeSet::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                c.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                t.out.push(c);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn the_platform_core_names_nothing_above_it() {
    let g = graph();
    assert!(
        g["platform::core"].is_empty(),
        "platform core names {:?}",
        g["platform::core"]
    );
    // The shell names no context either: the route table, the OpenAPI
    // document and the state's parts are the root's (`crate::app`).
    let contexts = [
        "registry",
        "catalog",
        "inspection",
        "enforcement",
        "draws",
        "risk",
        "portal",
        "app",
    ];
    for shell in ["platform::web", "platform::auth"] {
        let named: Vec<&String> = g[shell]
            .iter()
            .filter(|t| contexts.iter().any(|c| t.starts_with(c)))
            .collect();
        assert!(named.is_empty(), "{shell} names {named:?}");
    }
}

#[test]
fn no_import_cycle_spans_two_modules_but_the_shells_line() {
    let g = graph();
    let allowed: BTreeSet<String> = ONE_LINE.iter().map(|s| s.to_string()).collect();
    let bad: Vec<BTreeSet<String>> = cycles(&g).into_iter().filter(|c| *c != allowed).collect();
    assert!(bad.is_empty(), "import cycles across modules: {bad:?}");
    // The wall sees what it claims to: the graph has the contexts and the
    // root's edges down to them.
    assert!(g["app"].contains("enforcement") && g["enforcement"].contains("inspection"));
}

/// Handlers parse, call and answer: SQL lives in stores and use cases,
/// never in a context's `routes.rs`, `views.rs` or `pages.rs`.
#[test]
fn handler_files_run_no_sql() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let offenders: Vec<String> = all
        .iter()
        .filter(|f| {
            f.file_stem()
                .is_some_and(|s| HTTP.contains(&s.to_string_lossy().as_ref()))
        })
        .filter(|f| {
            let c = code(&std::fs::read_to_string(f).unwrap());
            c.contains("sqlx::") || c.contains("on_db!") || c.contains("on_tx!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "SQL in handler files: {offenders:?}");
}
