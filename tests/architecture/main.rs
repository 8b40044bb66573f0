//! The shape of the crate, checked from its source. Every file under `src/`
//! is a module; the test reads every `use` declaration (nested trees
//! flattened, `super::` and `self::` resolved, re-exports followed to the
//! module that holds the item) and every inline `crate::…` path, and fails
//! on any cycle between modules, on any edge that goes up or sideways in
//! [`CRATE_LAYERS`] (the crate's top-level modules) or [`SERVER_LAYERS`] (the
//! server's), and on storage knowing the HTTP boundary. It also keeps every
//! file under `src/` to at most [`MAX_LINES`] lines, and every `src/…` and
//! `tests/…` path the README and `docs/` name pointing at something that exists.

mod graph;
mod reader;

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
};

use graph::{Graph, circles, find_cycle, is_within};
use reader::{absolute, code_only, flatten, inline_modules, module_at, root, rust_files};

/// The crate's top-level modules, from the top (may use any below) to the
/// bottom (uses nothing of the crate). The UI (`app`, `pages`, `components`)
/// is above the browser's state and the server; the server never imports the
/// UI; what both sides share is at the bottom. A new top-level module must be
/// placed here.
const CRATE_LAYERS: &[&[&str]] = &[
    &["app"],
    &["pages"],
    &["components"],
    &["client"],
    &["api"],
    &["chat", "room_counts"],
    &["server"],
    &["entity"],
    &["message_view"],
    &["error", "seen_by", "search_query", "slash_commands"],
    &["protocol", "local_time"],
    &["markup"],
    &["mentions", "paths", "backoff"],
    &["names"],
    &["i18n"],
];

/// The server's top-level modules, from the top to the bottom, as
/// [`CRATE_LAYERS`].
const SERVER_LAYERS: &[&[&str]] = &[
    &["startup"],
    &["http"],
    &["realtime", "push", "integrations", "mail", "sso"],
    &["accounts", "previews"],
    &["storage"],
    &["bus", "policy", "media", "row_cache", "bodies"],
    &["config", "metrics", "tasks", "shutdown"],
];

/// Longest a source file may be.
const MAX_LINES: usize = 500;

/// Every circle of the crate's module graph: one cycle through each group of
/// modules that depend on each other, spelled out with where each step is.
fn circles_of(graph: &Graph) -> Vec<String> {
    let mut adjacency: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for edge in &graph.edges {
        adjacency.entry(edge.from.clone()).or_default().insert(edge.to.clone());
    }
    circles(&adjacency)
        .into_iter()
        .filter_map(|group| {
            let members: BTreeSet<&Vec<String>> = group.iter().collect();
            let within: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = adjacency
                .iter()
                .filter(|(from, _)| members.contains(from))
                .map(|(from, tos)| (from.clone(), tos.iter().filter(|to| members.contains(to)).cloned().collect()))
                .collect();
            let cycle = find_cycle(&within)?;
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|pair| {
                    let at: Vec<&str> =
                        graph.edges.iter().filter(|e| e.from == pair[0] && e.to == pair[1]).map(|e| e.at.as_str()).collect();
                    format!("{} -> {} ({})", pair[0].join("::"), pair[1].join("::"), at.join(", "))
                })
                .collect();
            let names: Vec<String> = group.iter().map(|module| module.join("::")).collect();
            Some(format!("{{{}}}, for one:\n    {}", names.join(", "), steps.join("\n    ")))
        })
        .collect()
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let graph = Graph::read();
    assert!(graph.edges.len() > 200, "the reader found only {} edges: it is not reading the tree", graph.edges.len());
    let found = circles_of(&graph);
    assert!(found.is_empty(), "modules depend on each other in {} circles:\n  {}", found.len(), found.join("\n  "));
}

/// The edges of `edges` that go up or sideways in `layers` (or name a module in none).
fn against(layers: &[&[&str]], edges: Vec<(String, String, String)>, what: &str) -> BTreeSet<String> {
    let layer_of = |module: &str| layers.iter().position(|layer| layer.contains(&module));
    let mut wrong = BTreeSet::new();
    for (from, to, at) in edges {
        let (Some(from_layer), Some(to_layer)) = (layer_of(&from), layer_of(&to)) else {
            let unplaced = if layer_of(&from).is_none() { &from } else { &to };
            wrong.insert(format!("`{unplaced}` is in no layer of {what} ({at})"));
            continue;
        };
        if to_layer <= from_layer {
            let how = if to_layer == from_layer { "sideways" } else { "up" };
            wrong.insert(format!("{from} -> {to} points {how} ({at})"));
        }
    }
    wrong
}

#[test]
fn every_dependency_points_down_the_layers() {
    let graph = Graph::read();
    let mut wrong = against(CRATE_LAYERS, graph.edges_at(&[], 1), "CRATE_LAYERS");
    wrong.extend(against(SERVER_LAYERS, graph.edges_at(&["server"], 2), "SERVER_LAYERS"));
    assert!(wrong.is_empty(), "dependencies against the layers:\n  {}", wrong.into_iter().collect::<Vec<_>>().join("\n  "));
}

#[test]
fn storage_never_knows_the_http_boundary() {
    let graph = Graph::read();
    let storage: Vec<String> = ["server", "storage"].map(String::from).to_vec();
    let http: Vec<String> = ["server", "http"].map(String::from).to_vec();
    let wrong: Vec<String> = graph
        .edges
        .iter()
        .filter(|edge| is_within(&edge.from, &storage))
        .filter(|edge| edge.to == ["error"] || is_within(&edge.to, &http))
        .map(|edge| format!("{} -> {} ({})", edge.from.join("::"), edge.to.join("::"), edge.at))
        .collect();
    assert!(wrong.is_empty(), "storage uses the HTTP boundary (its error is `StoreError`):\n  {}", wrong.join("\n  "));
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
fn every_source_path_the_docs_name_exists() {
    let mut documents = vec![root().join("README.md")];
    for entry in fs::read_dir(root().join("docs")).expect("docs/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|ext| ext == "md") {
            documents.push(path);
        }
    }
    let mut missing = Vec::new();
    for document in &documents {
        let text = fs::read_to_string(document).expect("readable document");
        for (at, _) in text.match_indices("src/").chain(text.match_indices("tests/")) {
            let before = text[..at].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '_' || c == '-' || c == '.') {
                continue;
            }
            let path: String =
                text[at..].chars().take_while(|c| c.is_alphanumeric() || matches!(c, '/' | '_' | '-' | '.')).collect();
            let path = path.trim_end_matches(['.', '/']);
            if path.contains('*') || path.ends_with('-') {
                continue;
            }
            if !root().join(path).exists() {
                missing.push(format!("{} names {path}", document.strip_prefix(root()).unwrap_or(document).display()));
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "the docs name paths that do not exist:\n  {}", missing.join("\n  "));
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
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"].map(String::from));
    graph.entry("d".into()).or_default().insert("e".into());
    graph.entry("e".into()).or_default().insert("d".into());
    assert_eq!(circles(&graph), [["a", "b", "c"].map(String::from).to_vec(), ["d", "e"].map(String::from).to_vec()]);
    graph.get_mut("c").unwrap().clear();
    graph.get_mut("e").unwrap().clear();
    assert_eq!(find_cycle(&graph), None);
    assert!(circles(&graph).is_empty());
}
