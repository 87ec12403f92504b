//! The source layout rule that files import one another one way: no file
//! reaches, through `use` paths and `crate::`/`super::` paths in code, back
//! to itself. A circle means two concepts that cannot be read apart; the fix
//! is to move what both need into a file of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates' source roots, relative to the workspace.
const ROOTS: [&str; 5] = [
    "src",
    "checkers/src",
    "cluster/src",
    "nemeses/src",
    "workloads/src",
];

#[test]
fn no_source_file_imports_itself_through_others() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut circles = Vec::new();
    for root in ROOTS {
        let graph = import_graph(&workspace.join(root));
        assert!(graph.len() > 5, "{root}: too few files found");
        for circle in circles_of(&graph) {
            circles.push(
                circle
                    .iter()
                    .map(|f| format!("{root}/{f}"))
                    .collect::<Vec<_>>()
                    .join(" → "),
            );
        }
    }
    assert!(
        circles.is_empty(),
        "files that import one another in a circle:\n{}",
        circles.join("\n")
    );
}

/// A made-up crate with a circle is found, and one without is not: the
/// scan sees `use` lists, `super::` and paths in code.
#[test]
fn the_scan_finds_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let write = |p: &str, text: &str| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod a;\nmod b;\nmod c;\n");
    write("a.rs", "use super::{b::B, b::g as _};\n");
    write("b.rs", "// use super::a; (a comment)\npub struct B;\n");
    write("c.rs", "fn f() { crate::b::g(); }\n");
    assert!(circles_of(&import_graph(dir.path())).is_empty());
    write("b.rs", "pub fn g() { super::a::h() }\n");
    let circles = circles_of(&import_graph(dir.path()));
    assert_eq!(circles, vec![vec!["a.rs".to_string(), "b.rs".to_string()]]);
}

/// Each file (relative to `root`) and the files it imports.
fn import_graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    collect(root, &mut files);
    let modules: BTreeMap<Vec<String>, String> =
        files.iter().map(|f| (module_of(f), f.clone())).collect();
    files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            let here = module_of(file);
            let targets = paths_in(&code_of(&text))
                .into_iter()
                .filter_map(|p| resolve(&here, &p, &modules))
                .filter(|t| t != file)
                .collect();
            (file.clone(), targets)
        })
        .collect()
}

/// The `.rs` files under `dir`, relative to the root, without the separate
/// crates of `bin/`.
fn collect(dir: &Path, out: &mut Vec<String>) {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "bin") {
                    walk(root, &path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    walk(dir, dir, out);
}

/// `run/config/mod.rs` → `[run, config]`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text before the tests, without comment lines.
fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path that starts at `crate`, `super` or `self`, with each item of
/// a `{...}` list as a path of its own.
fn paths_in(code: &str) -> Vec<String> {
    let bytes: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        if starts_word
            && (rest.starts_with("crate::")
                || rest.starts_with("super::")
                || rest.starts_with("self::"))
        {
            let (paths, end) = path_at(&bytes, i, String::new());
            out.extend(paths);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// The path(s) starting at `i` under `prefix`, and where they end.
fn path_at(s: &[char], mut i: usize, prefix: String) -> (Vec<String>, usize) {
    let mut path = prefix;
    loop {
        let start = i;
        while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
            i += 1;
        }
        let word: String = s[start..i].iter().collect();
        if !word.is_empty() {
            if !path.is_empty() {
                path.push_str("::");
            }
            path.push_str(&word);
        }
        if s.get(i) == Some(&':') && s.get(i + 1) == Some(&':') {
            i += 2;
            if s.get(i) == Some(&'{') {
                let mut paths = vec![path.clone()];
                i += 1;
                loop {
                    while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                        i += 1;
                    }
                    if i >= s.len() || s[i] == '}' {
                        return (paths, i + 1);
                    }
                    let (inner, end) = path_at(s, i, path.clone());
                    paths.extend(inner);
                    i = end;
                    // Skip `as name` and anything else up to the next item.
                    while i < s.len() && s[i] != ',' && s[i] != '}' {
                        i += 1;
                    }
                }
            }
            continue;
        }
        return (vec![path], i.max(start + 1));
    }
}

/// The file a path leads to: the longest prefix that is a module.
fn resolve(here: &[String], path: &str, modules: &BTreeMap<Vec<String>, String>) -> Option<String> {
    let mut parts = path.split("::").peekable();
    // `super` is one level up from the module: from `a/b.rs` (a::b) it is
    // `a`, from `a/mod.rs` (a) the crate root.
    let mut base: Vec<String> = match parts.peek().copied() {
        Some("crate") => {
            parts.next();
            Vec::new()
        }
        Some("self") => {
            parts.next();
            here.to_vec()
        }
        Some("super") => {
            let mut b = here.to_vec();
            while parts.peek() == Some(&"super") {
                parts.next();
                b.pop();
            }
            b
        }
        _ => return None,
    };
    let mut best = None;
    if let Some(f) = modules.get(&base) {
        best = Some(f.clone());
    }
    for part in parts {
        base.push(part.to_string());
        if let Some(f) = modules.get(&base) {
            best = Some(f.clone());
        }
    }
    best
}

/// The circles of the graph (its strongly connected parts of two or more
/// files), each sorted.
fn circles_of(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Files that reach each other both ways are in one circle.
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(f) = stack.pop() {
            for t in graph.get(&f).into_iter().flatten() {
                if seen.insert(t.clone()) {
                    stack.push(t.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|f| (f, reach(f))).collect();
    let mut circles: Vec<Vec<String>> = Vec::new();
    for (f, r) in &reached {
        if !r.contains(*f) || circles.iter().any(|c| c.contains(f)) {
            continue;
        }
        let circle: Vec<String> = r
            .iter()
            .filter(|g| reached.get(g).is_some_and(|back| back.contains(*f)))
            .cloned()
            .collect();
        circles.push(circle);
    }
    circles
}
