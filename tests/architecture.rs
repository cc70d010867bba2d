//! The module graph of src/ runs one way: no module depends, directly or through others, on
//! a module that depends on it.
//!
//! The graph is read from the source itself: every path the code names through `crate::`,
//! `super::` or `self::` (in `use` lines, `use` trees and paths inside code alike) is
//! resolved to the module it points into. Code under `#[cfg(test)]` is left out: a test may
//! borrow a helper from anywhere without that shaping the crate. Two levels are checked:
//! - the top level: one node per file or folder directly under src/ (`runner`, `report`,
//!   `backend`, …), an edge wherever a file of one names something in another;
//! - inside every folder: one node per direct child (`report/charts`, `report/view`, …), an
//!   edge wherever one child names something in a sibling (references to the folder's own
//!   `mod.rs` are the folder's business and not counted).
//!
//! A second test holds the top level to the order ARCHITECTURE.md gives (its table lists the
//! modules from the bottom up): a module names only modules listed above it or in its own row.
//!
//! See the graph: `cargo test --test architecture -- --nocapture`. On a cycle the test fails
//! and prints the graph with every cycle found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for e in entries {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The module a file defines: src/a/b.rs and src/a/b/mod.rs → ["a", "b"]; lib.rs → [].
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// `src` with comments removed and the contents of string and char literals blanked, so
/// that only code is left to read paths and braces from.
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && is_raw_start(&b, i) {
            // r"…", r#"…"#, br"…": skip to the matching closing quote and hashes.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            j += 1; // the opening quote
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), else a lifetime or label.
            let end = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&j| b[j] == '\'')
            } else {
                (b.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            match end {
                Some(e) => {
                    out.push_str("' '");
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether the `r` at `i` opens a raw string rather than ending an identifier.
fn is_raw_start(b: &[char], i: usize) -> bool {
    let before = if i == 0 { ' ' } else { b[i - 1] };
    let ident_before = before.is_alphanumeric() || before == '_';
    // `br"…"` is a raw byte string: the `b` is part of the literal.
    let byte_raw = before == 'b' && (i < 2 || !(b[i - 2].is_alphanumeric() || b[i - 2] == '_'));
    if ident_before && !byte_raw {
        return false;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&'#') {
        j += 1;
    }
    b.get(j) == Some(&'"')
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path, // ::
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Other,
}

fn tokens(code: &str) -> Vec<Tok> {
    let b: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_alphabetic() || c == '_' {
            let s = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(b[s..i].iter().collect()));
            continue;
        }
        out.push(match c {
            ':' if b.get(i + 1) == Some(&':') => {
                i += 1;
                Tok::Path
            }
            '{' => Tok::Open,
            '}' => Tok::Close,
            ',' => Tok::Comma,
            ';' => Tok::Semi,
            '*' => Tok::Star,
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            _ => Tok::Other,
        });
        i += 1;
    }
    out
}

/// Parse what follows a path prefix (`a::b`, `{a, b::{c, d}}`, `*`) starting at `toks[i]`
/// (just after a `::`); every complete path goes to `out`. Returns the index after it.
fn path_tail(toks: &[Tok], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut prefix = prefix.to_vec();
    loop {
        match toks.get(i) {
            Some(Tok::Ident(name)) if name == "super" => {
                prefix.pop();
            }
            Some(Tok::Ident(name)) if name == "self" => {}
            Some(Tok::Ident(name)) => prefix.push(name.clone()),
            Some(Tok::Open) => {
                i += 1;
                loop {
                    match toks.get(i) {
                        Some(Tok::Close) => return i + 1,
                        Some(Tok::Comma) => i += 1,
                        None => return i,
                        Some(_) => i = path_tail(toks, i, &prefix, out),
                    }
                }
            }
            _ => {
                // `*`, or a path that ends in something that is not a name (generics).
                out.push(prefix);
                return i + usize::from(matches!(toks.get(i), Some(Tok::Star)));
            }
        }
        i += 1;
        if toks.get(i) == Some(&Tok::Path) {
            i += 1;
        } else {
            if let (Some(Tok::Ident(kw)), Some(Tok::Ident(_))) = (toks.get(i), toks.get(i + 1))
                && kw == "as"
            {
                i += 2;
            }
            out.push(prefix);
            return i;
        }
    }
}

/// What one file names: the absolute paths (as segments) its code names through `crate::`,
/// `super::` or `self::`, inline `mod name { … }` blocks taken into account, and the child
/// modules it declares for tests only (`#[cfg(test)] mod name;`).
#[derive(Debug, Default)]
struct Names {
    paths: Vec<Vec<String>>,
    test_children: Vec<String>,
}

/// Read `src`, the file of module `file_mod`. Code under `#[cfg(test)]` (a test module, a
/// test-only `use`) is left out: tests may reach anywhere without shaping the crate.
fn references(file_mod: &[String], src: &str) -> Names {
    let toks = tokens(&strip(src));
    let mut out = Names::default();
    // Inline modules open at this brace depth: (name, depth outside it, test-only).
    let mut inline: Vec<(String, usize, bool)> = Vec::new();
    let mut depth = 0usize;
    // Set by `#[cfg(test)]` for the item that follows.
    let mut cfg_test = false;
    let mut i = 0;
    while i < toks.len() {
        let in_test = inline.iter().any(|(_, _, t)| *t);
        match &toks[i] {
            Tok::Ident(kw)
                if kw == "cfg"
                    && toks.get(i + 2) == Some(&Tok::Ident("test".into()))
                    && toks.get(i + 3) == Some(&Tok::Other) =>
            {
                cfg_test = true;
                i += 4;
                continue;
            }
            Tok::Ident(kw) if kw == "mod" => {
                match (toks.get(i + 1), toks.get(i + 2)) {
                    (Some(Tok::Ident(name)), Some(Tok::Open)) => {
                        inline.push((name.clone(), depth, cfg_test));
                        cfg_test = false;
                        depth += 1;
                        i += 3;
                        continue;
                    }
                    (Some(Tok::Ident(name)), _) if cfg_test && inline.is_empty() => {
                        out.test_children.push(name.clone());
                    }
                    _ => {}
                }
                cfg_test = false;
            }
            Tok::Open => {
                depth += 1;
                cfg_test = false;
            }
            Tok::Close => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d, _)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(root)
                if matches!(root.as_str(), "crate" | "super" | "self")
                    && toks.get(i + 1) == Some(&Tok::Path)
                    // `a::super::b` is not a root; only a path's first segment is.
                    && !(i > 0 && toks[i - 1] == Tok::Path) =>
            {
                let mut here: Vec<String> = file_mod.to_vec();
                here.extend(inline.iter().map(|(n, _, _)| n.clone()));
                let base = match root.as_str() {
                    "crate" => Vec::new(),
                    "super" => here[..here.len().saturating_sub(1)].to_vec(),
                    _ => here,
                };
                let mut found = Vec::new();
                // A `use` tree's own braces are read (and balanced) inside path_tail.
                i = path_tail(&toks, i + 2, &base, &mut found);
                if !(in_test || cfg_test) {
                    out.paths.extend(found);
                }
                continue;
            }
            // The item under `#[cfg(test)]` ends at its `;` (or opened its block above).
            Tok::Semi => cfg_test = false,
            _ => {}
        }
        i += 1;
    }
    out
}

/// The module graphs of the crate under `src`: "" for the top level, and one per folder
/// (e.g. "report", "backend/http") over its direct children.
fn graphs(src: &Path) -> BTreeMap<String, Graph> {
    let files = rust_files(src);
    let modules: BTreeSet<Vec<String>> = files
        .iter()
        .map(|f| module_of(f.strip_prefix(src).expect("under src")))
        .collect();
    let read: Vec<(Vec<String>, Names)> = files
        .iter()
        .map(|f| {
            let from = module_of(f.strip_prefix(src).expect("under src"));
            let text =
                std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let names = references(&from, &text);
            (from, names)
        })
        .collect();
    // Modules declared `#[cfg(test)] mod name;`: their files are test code.
    let test_only: BTreeSet<Vec<String>> = read
        .iter()
        .flat_map(|(m, n)| {
            n.test_children.iter().map(move |c| {
                let mut p = m.clone();
                p.push(c.clone());
                p
            })
        })
        .collect();
    let mut g: BTreeMap<String, Graph> = BTreeMap::new();
    for (from, names) in read {
        // lib.rs and main.rs (the crate root) declare modules; they are no node.
        if from.is_empty() || (1..=from.len()).any(|n| test_only.contains(&from[..n])) {
            continue;
        }
        // Nodes exist even without edges, so that the printed graph lists every module.
        for level in 0..from.len() {
            g.entry(from[..level].join("/"))
                .or_default()
                .entry(from[level].clone())
                .or_default();
        }
        for to in names.paths {
            // The longest known module the path points into.
            let Some(to) = (1..=to.len())
                .rev()
                .map(|n| to[..n].to_vec())
                .find(|m| modules.contains(m))
            else {
                continue;
            };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            // Siblings under the common parent; a module naming its own parent or its
            // own descendants is not an edge between siblings.
            if common < from.len() && common < to.len() {
                g.entry(from[..common].join("/"))
                    .or_default()
                    .entry(from[common].clone())
                    .or_default()
                    .insert(to[common].clone());
            }
        }
    }
    g
}

/// Every cycle of `g`, as the strongly connected components with more than one node (or
/// a node depending on itself), each sorted.
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    // Kosaraju: order by finish time on g, then collect components on the reversed graph.
    fn visit(n: &str, g: &Graph, seen: &mut BTreeSet<String>, order: &mut Vec<String>) {
        if !seen.insert(n.to_string()) {
            return;
        }
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, seen, order);
        }
        order.push(n.to_string());
    }
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for n in g.keys() {
        visit(n, g, &mut seen, &mut order);
    }
    let mut rev: Graph = BTreeMap::new();
    for (a, bs) in g {
        for b in bs {
            rev.entry(b.clone()).or_default().insert(a.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut out = Vec::new();
    for n in order.iter().rev() {
        if assigned.contains(n) {
            continue;
        }
        let mut comp = Vec::new();
        visit(n, &rev, &mut assigned, &mut comp);
        comp.sort();
        let self_loop = g.get(n).is_some_and(|s| s.contains(n));
        if comp.len() > 1 || self_loop {
            out.push(comp);
        }
    }
    out
}

fn render(graphs: &BTreeMap<String, Graph>) -> String {
    let mut s = String::new();
    for (scope, g) in graphs {
        let title = if scope.is_empty() { "src/" } else { scope };
        s.push_str(&format!("{title}\n"));
        for (a, bs) in g {
            let deps: Vec<&str> = bs.iter().map(String::as_str).collect();
            s.push_str(&format!("  {a} -> {}\n", deps.join(", ")));
        }
    }
    s
}

#[test]
fn the_module_graph_has_no_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graphs = graphs(&src);
    let picture = render(&graphs);
    println!("{picture}");
    let mut found = Vec::new();
    for (scope, g) in &graphs {
        for c in cycles(g) {
            let at = if scope.is_empty() { "src/" } else { scope };
            found.push(format!("in {at}: {}", c.join(" <-> ")));
        }
    }
    assert!(
        found.is_empty(),
        "import cycles:\n  {}\n\nthe module graph (module -> what it names):\n{picture}\nhelp: move what both sides need into a module below both (see ARCHITECTURE.md)",
        found.join("\n  ")
    );
    // The walk saw the crate: the pipeline's stages are there and linked as expected.
    let top = &graphs[""];
    assert!(top["runner"].contains("plan"), "runner -> plan\n{picture}");
    assert!(
        top["report"].contains("verdict"),
        "report -> verdict\n{picture}"
    );
}

/// The top-level modules in ARCHITECTURE.md's table, row by row from the bottom up: the
/// backquoted names in the first column of each row.
fn documented_layers() -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|row| {
            let first = row.split(" |").next().unwrap_or("");
            format!("`{first}")
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[test]
fn modules_depend_only_on_those_documented_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graphs = graphs(&src);
    let top = &graphs[""];
    let layers = documented_layers();
    let layer_of = |m: &str| layers.iter().position(|row| row.iter().any(|x| x == m));
    let mut problems = Vec::new();
    for (module, deps) in top {
        let Some(mine) = layer_of(module) else {
            problems.push(format!(
                "`{module}` is not in ARCHITECTURE.md's table: add a row saying what it owns, below everything it uses"
            ));
            continue;
        };
        for d in deps {
            match layer_of(d) {
                Some(theirs) if theirs > mine => problems.push(format!(
                    "`{module}` uses `{d}`, which ARCHITECTURE.md lists after it (a later stage)"
                )),
                _ => {}
            }
        }
    }
    for row in &layers {
        for m in row {
            if !top.contains_key(m) {
                problems.push(format!(
                    "ARCHITECTURE.md lists `{m}`, which src/ does not have"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nthe module graph (module -> what it names):\n{}",
        problems.join("\n"),
        render(&graphs)
    );
}

#[test]
fn paths_resolve_through_use_trees_super_and_inline_modules() {
    let src = r#"
        use crate::{a::{b, c::D}, e};
        use super::sibling::Thing as Other;
        // use crate::in_a_comment;
        const S: &str = "crate::in_a_string";
        fn f() { let _ = crate::g::h(); let _ = '{'; }
        mod inner {
            use super::*;
            use super::super::up;
        }
        #[cfg(test)]
        use crate::only_for_tests;
        use crate::after_a_test_use;
        #[cfg(test)]
        mod tests {
            use crate::in_tests;
        }
        #[cfg(test)]
        mod more_tests;
        use crate::last;
    "#;
    let names = references(&["x".into(), "y".into()], src);
    let show: Vec<String> = names.paths.iter().map(|r| r.join("::")).collect();
    assert_eq!(
        show,
        [
            "a::b",
            "a::c::D",
            "e",
            "x::sibling::Thing",
            "g::h",
            "x::y",
            "x::up",
            "after_a_test_use",
            "last"
        ]
    );
    assert_eq!(names.test_children, ["more_tests"]);
}

#[test]
fn a_cycle_is_found_and_a_chain_is_not() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: Graph = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert!(cycles(&graph(&[("a", "b"), ("b", "c")])).is_empty());
    assert_eq!(
        cycles(&graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])),
        [vec!["a".to_string(), "b".into(), "c".into()]]
    );
}
