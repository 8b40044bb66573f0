//! The shape of the server, checked from its source: the top-level modules of
//! `src/server/` depend on each other in one direction only. The test reads
//! every `use` declaration (nested trees flattened, `super::` and `self::`
//! resolved) and every inline `crate::server::…` path, and fails on any cycle
//! between top-level modules, and on any edge that goes up or sideways in
//! [`LAYERS`]. It also keeps every file under `src/` to at most
//! [`MAX_LINES`] lines.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// The server's top-level modules, from the top (may use any below) to the
/// bottom (uses nothing of the server). A module may use only modules of
/// lower layers; a new top-level module must be placed here.
const LAYERS: &[&[&str]] = &[
    &["startup"],
    &["http"],
    &["realtime", "push", "integrations", "mail", "sso"],
    &["accounts", "previews"],
    &["storage"],
    &["bus", "policy", "media", "rows", "bodies"],
    &["config", "metrics", "tasks", "shutdown"],
];

/// Longest a source file may be.
const MAX_LINES: usize = 500;

/// One use of module `to` by a file of module `from`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    /// `file:line` where it is used.
    at: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`: `src/server/storage/events/mod.rs`
/// is `["server", "storage", "events"]`.
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(root().join("src")).expect("a file under src/");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The source without comments, and without the contents of string and char
/// literals (so that neither a doc sentence nor an SQL string counts as a
/// use). Line breaks are kept, so line numbers stay right.
fn code_only(source: &str) -> String {
    let bytes: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i] == '/' && bytes.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == '*' && bytes.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if bytes[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !is_ident(bytes.get(i.wrapping_sub(1)).copied()) {
            // A raw string: r"…", r#"…"#, ….
            let mut j = i + 1;
            let mut hashes = 0;
            while bytes.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if bytes.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let closing: Vec<char> = closing.chars().collect();
            while j < bytes.len() && bytes[j..].iter().take(closing.len()).ne(closing.iter()) {
                if bytes[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j + closing.len();
        } else if c == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                if bytes.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            out.push_str("\"\"");
            i += 1;
        } else if c == '\'' && next.is_some() && bytes.get(i + 2) == Some(&'\'') {
            // A char literal 'x' (a lifetime has no closing quote there).
            out.push_str("' '");
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            let mut j = i + 2;
            while j < bytes.len() && bytes[j] != '\'' {
                j += 1;
            }
            out.push_str("' '");
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The paths a `use` tree names: `crate::{a, b::{c, d}}` is `crate::a`,
/// `crate::b::c` and `crate::b::d`.
fn flatten(tree: &str) -> Vec<String> {
    // `metrics as m` keeps its name (`metrics`): the alias is marked, then cut.
    let tree = tree.split_whitespace().collect::<Vec<_>>().join(" ").replace(" as ", "~");
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    flatten_into(&tree, "", &mut out);
    out
}

fn flatten_into(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let Some(open) = tree.find('{') else {
        out.push(format!("{prefix}{tree}"));
        return;
    };
    let head = &tree[..open];
    let body = tree[open + 1..].strip_suffix('}').unwrap_or(&tree[open + 1..]);
    let mut depth = 0;
    let mut start = 0;
    let mut items = Vec::new();
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&body[start..]);
    for item in items.into_iter().filter(|item| !item.is_empty()) {
        flatten_into(item, &format!("{prefix}{head}"), out);
    }
}

/// A path as seen from module `here`, made absolute (from the crate root);
/// `None` for paths into other crates.
fn absolute(path: &str, here: &[String]) -> Option<Vec<String>> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = match parts.first()? {
        &"crate" => {
            parts.remove(0);
            Vec::new()
        }
        &"super" | &"self" => here.to_vec(),
        _ => return None,
    };
    while let Some(&first) = parts.first() {
        match first {
            "super" => {
                base.pop();
            }
            "self" => {}
            _ => break,
        }
        parts.remove(0);
    }
    base.extend(parts.iter().map(|p| (*p).to_owned()));
    Some(base)
}

/// The inline modules (`mod tests { … }`) of `code`: where each begins and
/// ends, and its name.
fn inline_modules(code: &str) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("mod ") {
        if is_ident(code[..at].chars().last()) {
            continue;
        }
        let rest = &code[at + 4..];
        let name: String = rest.chars().take_while(|c| is_ident(Some(*c))).collect();
        let after = rest[name.len()..].trim_start();
        if name.is_empty() || !after.starts_with('{') {
            continue;
        }
        let open = at + 4 + name.len() + (rest[name.len()..].len() - after.len());
        let mut depth = 0;
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        found.push((open, open + i, name.clone()));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// The module that the code at `offset` of a file of module `file_module` is in.
fn module_at(file_module: &[String], inline: &[(usize, usize, String)], offset: usize) -> Vec<String> {
    let mut here = file_module.to_vec();
    let mut around: Vec<&(usize, usize, String)> =
        inline.iter().filter(|(start, end, _)| *start < offset && offset < *end).collect();
    around.sort();
    here.extend(around.into_iter().map(|(_, _, name)| name.clone()));
    here
}

/// Every use of one top-level server module by another, with where it is.
fn server_edges() -> Vec<Edge> {
    let mut files = Vec::new();
    rust_files(&root().join("src/server"), &mut files);
    files.sort();
    let mut edges = BTreeSet::new();
    for file in files {
        let here = module_path(&file);
        let Some(from) = here.get(1).cloned() else { continue };
        let code = code_only(&fs::read_to_string(&file).expect("readable source"));
        let name = file.strip_prefix(root()).unwrap_or(&file).display().to_string();
        let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;
        let inline = inline_modules(&code);
        let mut found: Vec<(usize, Vec<String>)> = Vec::new();
        let mut rest = 0;
        while let Some(at) = code[rest..].find("use ").map(|i| i + rest) {
            rest = at + 4;
            if is_ident(code[..at].chars().last()) {
                continue;
            }
            let Some(end) = code[at..].find(';') else { break };
            for path in flatten(&code[at + 4..at + end]) {
                let path = path.trim_start_matches("::").split('~').next().unwrap_or_default().to_owned();
                if let Some(absolute) = absolute(&path, &module_at(&here, &inline, at)) {
                    found.push((at, absolute));
                }
            }
        }
        for (at, _) in code.match_indices("crate::server::") {
            let tail: String = code[at + "crate::server::".len()..].chars().take_while(|c| is_ident(Some(*c))).collect();
            found.push((at, vec!["server".to_owned(), tail]));
        }
        for (at, path) in found {
            if path.first().map(String::as_str) == Some("server")
                && let Some(to) = path.get(1)
                && *to != from
                && !to.is_empty()
            {
                edges.insert(Edge { from: from.clone(), to: to.clone(), at: format!("{name}:{}", line_of(at)) });
            }
        }
    }
    edges.into_iter().collect()
}

/// The modules on a cycle of `graph`, if any, as one cycle spelled out.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn evidence(edges: &[Edge], from: &str, to: &str) -> String {
    let places: Vec<&str> = edges.iter().filter(|e| e.from == from && e.to == to).map(|e| e.at.as_str()).collect();
    format!("{from} -> {to} ({})", places.join(", "))
}

#[test]
fn the_servers_top_level_modules_have_no_cycle() {
    let edges = server_edges();
    assert!(edges.len() > 10, "the reader found only {} edges: it is not reading the tree", edges.len());
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for edge in &edges {
        graph.entry(edge.from.clone()).or_default().insert(edge.to.clone());
    }
    if let Some(cycle) = find_cycle(&graph) {
        let steps: Vec<String> = cycle.windows(2).map(|pair| evidence(&edges, &pair[0], &pair[1])).collect();
        panic!("the server's modules depend on each other in a circle:\n  {}", steps.join("\n  "));
    }
}

#[test]
fn every_dependency_points_down_the_layers() {
    let layer_of = |module: &str| LAYERS.iter().position(|layer| layer.contains(&module));
    let mut wrong = BTreeSet::new();
    for edge in server_edges() {
        let (Some(from), Some(to)) = (layer_of(&edge.from), layer_of(&edge.to)) else {
            let unplaced = if layer_of(&edge.from).is_none() { &edge.from } else { &edge.to };
            wrong.insert(format!("`{unplaced}` is in no layer of LAYERS ({})", edge.at));
            continue;
        };
        if to <= from {
            wrong.insert(format!(
                "{} -> {} points {} ({})",
                edge.from,
                edge.to,
                if to == from { "sideways" } else { "up" },
                edge.at
            ));
        }
    }
    assert!(wrong.is_empty(), "dependencies against the layers:\n  {}", wrong.into_iter().collect::<Vec<_>>().join("\n  "));
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = fs::read_to_string(file).expect("readable source").lines().count();
            (lines > MAX_LINES).then(|| format!("{} has {lines} lines", file.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines:\n  {}", long.join("\n  "));
}

#[test]
fn the_reader_understands_use_trees_and_relative_paths() {
    let tree = flatten("crate::{ a, b::{c, d::{e}}, server::{storage::Store, bus, metrics as m} }");
    assert_eq!(
        tree,
        [
            "crate::a",
            "crate::b::c",
            "crate::b::d::e",
            "crate::server::storage::Store",
            "crate::server::bus",
            "crate::server::metrics~m"
        ]
    );
    let here: Vec<String> = ["server", "storage", "events"].map(String::from).to_vec();
    assert_eq!(absolute("super::super::bus::Event", &here).unwrap(), ["server", "bus", "Event"]);
    assert_eq!(absolute("self::batch::Slot", &here).unwrap(), ["server", "storage", "events", "batch", "Slot"]);
    assert_eq!(absolute("sea_orm::DbErr", &here), None);
    let code = "use super::a;\nmod tests {\n    use super::*;\n    mod deeper { use super::super::b; }\n}\n";
    let inline = inline_modules(code);
    let at = |needle: &str| code.find(needle).unwrap();
    assert_eq!(module_at(&here, &inline, at("super::a")), here);
    assert_eq!(absolute("super::*", &module_at(&here, &inline, at("super::*"))).unwrap(), ["server", "storage", "events", "*"]);
    assert_eq!(
        absolute("super::super::b", &module_at(&here, &inline, at("super::super::b"))).unwrap(),
        ["server", "storage", "events", "b"]
    );
    let code = code_only(
        "// use crate::server::http;\nlet s = \"crate::server::http\"; /* crate::server::http */ use crate::server::bus;",
    );
    assert!(!code.contains("http"), "{code}");
    assert!(code.contains("crate::server::bus"));
    assert_eq!(code.lines().count(), 2, "line breaks are kept");
    // A cycle is found and spelled out.
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    graph.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&graph), None);
}
