//! The framework's layout: `sim/src` is folders by concern (net, disk, time, knobs,
//! system, clients, faults, checks, engine), and no import circle runs between files
//! of different concerns. A circle inside one concern is its own business.
//!
//! The import graph is read from the sources: a file imports the module files its
//! `crate::` and `super::` paths name (a path names the deepest module file that
//! exists along it). Re-exports at the crate root (`crate::Thing`) are not followed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;

/// Every module file under `src`, by module path (`net/mod.rs` is `[net]`).
fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let Some(rel) = path.strip_prefix(src).unwrap().to_str() else {
                continue;
            };
            let Some(rel) = rel.strip_suffix(".rs") else {
                continue;
            };
            let mut m: Module = rel.split('/').map(String::from).collect();
            if m.last().is_some_and(|l| l == "mod" || l == "lib") {
                m.pop();
            }
            out.insert(m, std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The source without `//` comments (doc comments mention paths freely).
fn code(src: &str) -> String {
    src.lines()
        .map(|l| l.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths after `crate::` or `super::` in `src`, with `{a, b::c}` groups expanded
/// to their first segments, relative to module `at`.
fn imported_paths(at: &Module, src: &str) -> Vec<Module> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let src = code(src);
    for (start, kw) in src
        .match_indices("crate::")
        .chain(src.match_indices("super::"))
    {
        if start > 0 && src[..start].ends_with(ident) {
            continue;
        }
        let mut base: Module = if kw == "crate::" {
            Vec::new()
        } else {
            at[..at.len().saturating_sub(1)].to_vec()
        };
        let mut rest = &src[start + kw.len()..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        let mut path = base;
        loop {
            let seg: String = rest.chars().take_while(|&c| ident(c)).collect();
            if seg.is_empty() {
                break;
            }
            rest = &rest[seg.len()..];
            path.push(seg);
            match rest.strip_prefix("::") {
                Some(r) => rest = r,
                None => break,
            }
        }
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let first: String = item.trim().chars().take_while(|&c| ident(c)).collect();
                if !first.is_empty() && first != "self" {
                    let mut p = path.clone();
                    p.push(first);
                    out.push(p);
                }
            }
        }
        out.push(path);
    }
    out
}

/// Strongly connected components (Tarjan), as lists of modules.
fn components(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit(s: &mut State, v: &Module) {
        let i = s.index.len();
        s.index.insert(v.clone(), i);
        s.low.insert(v.clone(), i);
        s.stack.push(v.clone());
        for w in s.edges[v].clone() {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let lw = s.low[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                let done = &w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            s.out.push(comp);
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_import_circle_runs_between_concerns() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mods = modules(&src);
    let mut edges = BTreeMap::new();
    for (m, text) in &mods {
        let mut deps = BTreeSet::new();
        for mut p in imported_paths(m, text) {
            while !p.is_empty() && !mods.contains_key(&p) {
                p.pop();
            }
            if !p.is_empty() && &p != m {
                deps.insert(p);
            }
        }
        edges.insert(m.clone(), deps);
    }
    let concerns: BTreeSet<&String> = mods.keys().filter_map(|m| m.first()).collect();
    for concern in [
        "net", "disk", "time", "knobs", "system", "clients", "faults", "checks",
    ] {
        assert!(
            concerns.contains(&concern.to_string()),
            "sim/src has a `{concern}` module"
        );
    }
    assert!(
        edges.values().map(BTreeSet::len).sum::<usize>() > 50,
        "the import graph was read"
    );
    for comp in components(&edges) {
        let tops: BTreeSet<&String> = comp.iter().filter_map(|m| m.first()).collect();
        assert!(
            tops.len() <= 1,
            "an import circle between concerns: {}",
            comp.iter()
                .map(|m| m.join("/"))
                .collect::<Vec<_>>()
                .join(" -> ")
        );
    }
}
