//! Parlor's bundle under a content-hashed folder. At start-up every file of
//! `pkg/` (the JavaScript, the WASM and its lazily loaded chunks, the
//! stylesheet) and `/register-sw.js` are hashed together (SHA-256, 16 hex
//! digits); pages load them from `/pkg/HASH/` (`/pkg/HASH/parlor.js`,
//! `/pkg/HASH/parlor.wasm`, `/pkg/HASH/parlor.css`, `/pkg/HASH/register-sw.js`),
//! where everything is served `Cache-Control: public, max-age=31536000,
//! immutable` (brotli and gzip copies as built): a browser keeps them until a
//! new build names a new folder. A folder, not hashed file names: the bundle's
//! files name each other by plain relative names (the JavaScript imports the
//! chunks' loader, which imports the JavaScript back and fetches the chunks),
//! and inside one folder those resolve to the same hashed files.
//! The plain names `/pkg/FILE` still answer, asked again each time
//! (`no-cache`); so do the other files of the site (icons, the manifest, the
//! service worker), which keep stable names because other files name them.

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use axum::{
    extract::{Path as UrlPath, Request},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// The files every page loads: (URL path, where it is under the site root).
const BUNDLE: [(&str, &str); 4] = [
    ("/pkg/parlor.js", "pkg/parlor.js"),
    ("/pkg/parlor.wasm", "pkg/parlor.wasm"),
    ("/pkg/parlor.css", "pkg/parlor.css"),
    ("/register-sw.js", "register-sw.js"),
];

/// The loader of the lazily loaded chunks (cargo-leptos `--split` names it so).
const CHUNK_LOADER_PREFIX: &str = "__wasm_split.";

/// The bundle's hashed folder, read once per process (every server of a
/// process serves the same site).
pub struct Assets {
    /// The output name pages load the bundle by: `HASH/parlor` (or `parlor`
    /// when the site is not built, as in some tests).
    pub output_name: String,
    /// The folder's hash (empty when the site is not built).
    hash: String,
    /// The plain files of `pkg/`, sorted.
    names: Vec<String>,
    /// The site root.
    root: PathBuf,
}

static ASSETS: OnceLock<Assets> = OnceLock::new();

impl Assets {
    /// Hashes the bundle under `site_root` (first call only).
    pub fn load(site_root: &str) -> &'static Assets {
        ASSETS.get_or_init(|| {
            let assets = Self::hash(Path::new(site_root));
            crate::paths::set_bundle_urls(assets.urls());
            assets
        })
    }

    fn hash(site_root: &Path) -> Self {
        let unbuilt =
            || Self { output_name: "parlor".into(), hash: String::new(), names: Vec::new(), root: site_root.to_path_buf() };
        for (_, file) in BUNDLE {
            if !site_root.join(file).is_file() {
                tracing::warn!(file, "the site is not built: the bundle is served under its plain names");
                return unbuilt();
            }
        }
        let names = pkg_files(&site_root.join("pkg"));
        let mut files: Vec<PathBuf> = names.iter().map(|name| site_root.join("pkg").join(name)).collect();
        files.push(site_root.join("register-sw.js"));
        let mut digest = Sha256::new();
        for file in &files {
            let Ok(bytes) = std::fs::read(file) else { return unbuilt() };
            digest.update(file.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
            digest.update(&bytes);
        }
        let hash: String = digest.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
        Self { output_name: format!("{hash}/parlor"), hash, names, root: site_root.to_path_buf() }
    }

    /// Plain URL path -> hashed one, for the pages: the four files every page
    /// loads, and the lazily loaded chunks' loader (under its plain URL).
    fn urls(&self) -> crate::paths::BundleUrls {
        if self.hash.is_empty() {
            return crate::paths::BundleUrls::default();
        }
        let hashed = |name: &str| format!("/pkg/{}/{name}", self.hash);
        let names = &self.names;
        crate::paths::BundleUrls {
            files: BUNDLE.iter().map(|(path, _)| (*path, hashed(path.rsplit('/').next().unwrap_or(path)))).collect(),
            chunk_loader: names.iter().find(|name| is_chunk_loader(name)).map(|name| hashed(name)),
            chunks: names
                .iter()
                .filter(|name| name.ends_with(".wasm") && *name != "parlor.wasm")
                .map(|name| hashed(name))
                .collect(),
        }
    }

    /// The file `name` of the bundle's folder `hash` (the current one only).
    fn file(&self, hash: &str, name: &str) -> Option<PathBuf> {
        if self.hash.is_empty() || hash != self.hash || !plain_name(name) {
            return None;
        }
        Some(if name == "register-sw.js" { self.root.join(name) } else { self.root.join("pkg").join(name) })
    }
}

/// The plain files of `pkg/` (not their compressed copies nor type
/// declarations), sorted so that the hash does not depend on the file system.
fn pkg_files(pkg: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(pkg)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.ends_with(".br") && !name.ends_with(".gz") && !name.ends_with(".d.ts"))
        .collect();
    names.sort();
    names
}

fn is_chunk_loader(name: &str) -> bool {
    name.starts_with(CHUNK_LOADER_PREFIX) && name.ends_with(".js")
}

/// A single file name (no folder, nothing hidden).
fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.')
}

/// `GET /pkg/{hash}/{file}`: a file of the bundle's hashed folder, kept for a year.
pub async fn hashed(UrlPath((hash, file)): UrlPath<(String, String)>, request: Request) -> Response {
    let Some(path) = ASSETS.get().and_then(|assets| assets.file(&hash, &file)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    serve(path, "public, max-age=31536000, immutable", request).await
}

/// `GET /pkg/{file}`: any file of `pkg/` by its plain name (asked again each time).
pub async fn pkg(UrlPath(file): UrlPath<String>, request: Request) -> Response {
    let Some(assets) = ASSETS.get() else { return StatusCode::NOT_FOUND.into_response() };
    if !plain_name(&file) {
        return StatusCode::NOT_FOUND.into_response();
    }
    serve(assets.root.join("pkg").join(file), "no-cache", request).await
}

async fn serve(path: PathBuf, cache: &'static str, request: Request) -> Response {
    let served = ServeFile::new(path).precompressed_br().precompressed_gzip().oneshot(request).await;
    let mut response = match served {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    };
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_gets_one_folder_whose_hash_changes_with_any_file_chunks_too() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("pkg")).unwrap();
        for (_, file) in BUNDLE {
            std::fs::write(site.path().join(file), file).unwrap();
        }
        std::fs::write(site.path().join("pkg/__wasm_split.____.js"), "loader").unwrap();
        std::fs::write(site.path().join("pkg/split_panel_1.wasm"), "chunk").unwrap();
        std::fs::write(site.path().join("pkg/split_panel_1.wasm.br"), "compressed").unwrap();
        let first = Assets::hash(site.path());
        let hash = first.hash.clone();
        assert_eq!(hash.len(), 16);
        assert_eq!(first.output_name, format!("{hash}/parlor"));
        let urls = first.urls();
        assert_eq!(urls.files[&"/pkg/parlor.wasm"], format!("/pkg/{hash}/parlor.wasm"));
        assert_eq!(urls.files[&"/register-sw.js"], format!("/pkg/{hash}/register-sw.js"));
        assert_eq!(urls.chunk_loader, Some(format!("/pkg/{hash}/__wasm_split.____.js")));
        assert_eq!(urls.chunks, vec![format!("/pkg/{hash}/split_panel_1.wasm")]);
        assert_eq!(first.file(&hash, "parlor.css"), Some(site.path().join("pkg/parlor.css")));
        assert_eq!(first.file(&hash, "register-sw.js"), Some(site.path().join("register-sw.js")));
        assert_eq!(first.file("0000000000000000", "parlor.css"), None, "another build's folder");
        assert_eq!(first.file(&hash, "../Cargo.toml"), None);
        std::fs::write(site.path().join("pkg/split_panel_1.wasm"), "changed").unwrap();
        assert_ne!(Assets::hash(site.path()).hash, hash, "a chunk is part of the hash");
        std::fs::write(site.path().join("pkg/split_panel_1.wasm.br"), "recompressed").unwrap();
        let unbuilt = Assets::hash(&site.path().join("nowhere"));
        assert_eq!(unbuilt.output_name, "parlor");
        assert!(unbuilt.urls().files.is_empty());
    }
}
