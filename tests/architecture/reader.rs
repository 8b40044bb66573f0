//! Reading Rust source as the architecture test needs it: the files of a
//! tree and their module paths, code without comments and string contents,
//! `use` trees flattened, relative paths made absolute, inline modules.

use std::{
    fs,
    path::{Path, PathBuf},
};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
pub fn module_path(file: &Path) -> Vec<String> {
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
pub fn code_only(source: &str) -> String {
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

pub fn is_ident(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The paths a `use` tree names: `crate::{a, b::{c, d}}` is `crate::a`,
/// `crate::b::c` and `crate::b::d`.
pub fn flatten(tree: &str) -> Vec<String> {
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
pub fn absolute(path: &str, here: &[String]) -> Option<Vec<String>> {
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
pub fn inline_modules(code: &str) -> Vec<(usize, usize, String)> {
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
pub fn module_at(file_module: &[String], inline: &[(usize, usize, String)], offset: usize) -> Vec<String> {
    let mut here = file_module.to_vec();
    let mut around: Vec<&(usize, usize, String)> =
        inline.iter().filter(|(start, end, _)| *start < offset && offset < *end).collect();
    around.sort();
    here.extend(around.into_iter().map(|(_, _, name)| name.clone()));
    here
}
