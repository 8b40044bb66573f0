//! The crate's module graph, read from its source: every file under `src/`
//! is a module; an edge is a `use` of (or an inline `crate::…` path into)
//! another module, resolved through re-exports (`pub use`) to the module that
//! holds the item. Uses inside `mod tests` do not count: tests may reach
//! anywhere.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::PathBuf,
};

use crate::reader::{absolute, code_only, flatten, inline_modules, is_ident, module_at, module_path, root, rust_files};

/// One use of module `to` by module `from` (file modules, as paths from the crate root).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// `file:line` where it is used.
    pub at: String,
}

/// A source file read once: its module, its code, and the paths it names (with their offsets).
struct Source {
    module: Vec<String>,
    name: String,
    code: String,
    /// Absolute paths it uses outside its tests, with where.
    uses: Vec<(usize, Vec<String>)>,
    /// What it re-exports: (name, absolute path).
    exports: Vec<(String, Vec<String>)>,
}

fn read(file: &PathBuf) -> Source {
    let module = module_path(file);
    let code = code_only(&fs::read_to_string(file).expect("readable source"));
    let name = file.strip_prefix(root()).unwrap_or(file).display().to_string();
    let inline = inline_modules(&code);
    let in_tests = |offset: usize| inline.iter().any(|(start, end, name)| name == "tests" && *start < offset && offset < *end);
    let mut uses = Vec::new();
    let mut exports = Vec::new();
    let mut rest = 0;
    while let Some(at) = code[rest..].find("use ").map(|i| i + rest) {
        rest = at + 4;
        if is_ident(code[..at].chars().last()) || in_tests(at) {
            continue;
        }
        let Some(end) = code[at..].find(';') else { break };
        let before = code[..at].trim_end();
        let public = before.ends_with("pub") || before.ends_with("pub(crate)");
        for path in flatten(&code[at + 4..at + end]) {
            let path = path.trim_start_matches("::");
            let (path, alias) = match path.split_once('~') {
                Some((path, alias)) => (path, Some(alias)),
                None => (path, None),
            };
            if let Some(absolute) = absolute(path, &module_at(&module, &inline, at)) {
                if public {
                    let exported = alias.map(str::to_owned).or_else(|| absolute.last().cloned()).unwrap_or_default();
                    exports.push((exported, absolute.clone()));
                }
                uses.push((at, absolute));
            }
        }
    }
    for (at, _) in code.match_indices("crate::") {
        if is_ident(code[..at].chars().last()) || code[..at].ends_with("::") || in_tests(at) {
            continue;
        }
        let mut path = Vec::new();
        let mut tail = &code[at + "crate::".len()..];
        loop {
            let ident: String = tail.chars().take_while(|c| is_ident(Some(*c))).collect();
            if ident.is_empty() {
                break;
            }
            tail = &tail[ident.len()..];
            path.push(ident);
            match tail.strip_prefix("::") {
                Some(after) => tail = after,
                None => break,
            }
        }
        uses.push((at, path));
    }
    Source { module, name, code, uses, exports }
}

/// The whole crate's graph.
pub struct Graph {
    modules: BTreeSet<Vec<String>>,
    exports: BTreeMap<Vec<String>, Vec<(String, Vec<String>)>>,
    pub edges: Vec<Edge>,
}

impl Graph {
    pub fn read() -> Self {
        let mut files = Vec::new();
        rust_files(&root().join("src"), &mut files);
        files.sort();
        let sources: Vec<Source> = files.iter().filter(|file| !file.ends_with("main.rs")).map(read).collect();
        let modules: BTreeSet<Vec<String>> = sources.iter().map(|source| source.module.clone()).collect();
        let exports = sources.iter().map(|source| (source.module.clone(), source.exports.clone())).collect();
        let mut graph = Self { modules, exports, edges: Vec::new() };
        let mut edges = BTreeSet::new();
        for source in &sources {
            let line_of = |offset: usize| source.code[..offset].matches('\n').count() + 1;
            for (at, path) in &source.uses {
                let Some(to) = graph.resolve(path, 0) else { continue };
                if to == source.module || is_within(&to, &source.module) || is_within(&source.module, &to) {
                    continue;
                }
                edges.insert(Edge { from: source.module.clone(), to, at: format!("{}:{}", source.name, line_of(*at)) });
            }
        }
        graph.edges = edges.into_iter().collect();
        graph
    }

    /// The module that holds what `path` names: its longest prefix that is a
    /// module, followed through that module's re-exports.
    fn resolve(&self, path: &[String], depth: usize) -> Option<Vec<String>> {
        let prefix = (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|prefix| self.modules.contains(prefix))?;
        if prefix.is_empty() && path.is_empty() {
            return None;
        }
        let Some(next) = path.get(prefix.len()) else { return Some(prefix) };
        // (The crate re-exports no globs: only named items are followed.)
        if depth < 8
            && let Some((_, target)) = self.exports.get(&prefix).and_then(|exports| exports.iter().find(|(name, _)| name == next))
        {
            let mut followed = target.clone();
            followed.extend(path[prefix.len() + 1..].iter().cloned());
            return self.resolve(&followed, depth + 1).or(Some(prefix));
        }
        Some(prefix)
    }

    /// The edges between distinct modules at `depth` path segments (1: the
    /// crate's top-level modules; 2 under `server`: the server's), with the
    /// shortened module names.
    pub fn edges_at(&self, under: &[&str], depth: usize) -> Vec<(String, String, String)> {
        let within = |module: &[String]| {
            module.len() >= depth && module.iter().zip(under).all(|(part, wanted)| part == wanted) && module.len() > under.len()
        };
        let mut out = BTreeSet::new();
        for edge in &self.edges {
            if within(&edge.from) && within(&edge.to) && edge.from[..depth] != edge.to[..depth] {
                out.insert((edge.from[depth - 1].clone(), edge.to[depth - 1].clone(), edge.at.clone()));
            }
        }
        out.into_iter().collect()
    }
}

/// Whether `inner` is `outer` or a module inside it.
pub fn is_within(inner: &[String], outer: &[String]) -> bool {
    inner.len() >= outer.len() && inner[..outer.len()] == *outer
}

/// A cycle of `graph`, spelled out, if there is one.
pub fn find_cycle<N: Clone + Ord>(graph: &BTreeMap<N, BTreeSet<N>>) -> Option<Vec<N>> {
    fn visit<N: Clone + Ord>(
        node: &N,
        graph: &BTreeMap<N, BTreeSet<N>>,
        path: &mut Vec<N>,
        done: &mut BTreeSet<N>,
    ) -> Option<Vec<N>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// The groups of `graph`'s nodes that depend on each other (strongly
/// connected components of more than one node), each sorted.
pub fn circles<N: Clone + Ord>(graph: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    // Kosaraju: finishing order on the graph, then components on its reverse.
    fn finish<N: Clone + Ord>(node: &N, graph: &BTreeMap<N, BTreeSet<N>>, seen: &mut BTreeSet<N>, order: &mut Vec<N>) {
        if !seen.insert(node.clone()) {
            return;
        }
        for next in graph.get(node).into_iter().flatten() {
            finish(next, graph, seen, order);
        }
        order.push(node.clone());
    }
    let mut nodes: BTreeSet<N> = graph.keys().cloned().collect();
    nodes.extend(graph.values().flatten().cloned());
    let (mut seen, mut order) = (BTreeSet::new(), Vec::new());
    for node in &nodes {
        finish(node, graph, &mut seen, &mut order);
    }
    let mut reverse: BTreeMap<N, BTreeSet<N>> = BTreeMap::new();
    for (from, tos) in graph {
        for to in tos {
            reverse.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut placed = BTreeSet::new();
    let mut found = Vec::new();
    for node in order.iter().rev() {
        let mut component = Vec::new();
        finish(node, &reverse, &mut placed, &mut component);
        if component.len() > 1 {
            component.sort();
            found.push(component);
        }
    }
    found.sort();
    found
}
