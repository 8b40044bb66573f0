//! Parlor's bundle under content-hashed names. At start-up the files every
//! page loads — `/pkg/parlor.js`, `/pkg/parlor.wasm`, `/pkg/parlor.css` and
//! `/register-sw.js` — are hashed together (SHA-256, 16 hex digits); pages link
//! them as `/pkg/parlor.HASH.js`, `/pkg/parlor.HASH.wasm`,
//! `/pkg/parlor.HASH.css` and `/pkg/register-sw.HASH.js`, which are served
//! `Cache-Control: public, max-age=31536000, immutable` (their brotli and gzip
//! copies as built): a browser keeps them until a new build names new ones.
//! The plain names still answer, asked again each time (`no-cache`); so do the
//! other files of the site (icons, the manifest, the service worker), which
//! keep stable names because other files name them.

use std::{
    collections::HashMap,
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

/// The bundle's files: (URL path, where it is under the site root).
const BUNDLE: [(&str, &str); 4] = [
    ("/pkg/parlor.js", "pkg/parlor.js"),
    ("/pkg/parlor.wasm", "pkg/parlor.wasm"),
    ("/pkg/parlor.css", "pkg/parlor.css"),
    ("/register-sw.js", "register-sw.js"),
];

/// The bundle's hashed names, read once per process (every server of a
/// process serves the same site).
pub struct Assets {
    /// The output name pages load the bundle by: `parlor.HASH` (or `parlor`
    /// when the site is not built, as in some tests).
    pub output_name: String,
    /// Plain URL path -> hashed one.
    hashed: HashMap<&'static str, String>,
    /// Hashed file name under `/pkg/` -> the file.
    files: HashMap<String, PathBuf>,
}

static ASSETS: OnceLock<Assets> = OnceLock::new();

impl Assets {
    /// Hashes the bundle under `site_root` (first call only).
    pub fn load(site_root: &str) -> &'static Assets {
        ASSETS.get_or_init(|| {
            let assets = Self::hash(Path::new(site_root));
            crate::paths::set_bundle_urls(assets.hashed.clone());
            assets
        })
    }

    fn hash(site_root: &Path) -> Self {
        let mut digest = Sha256::new();
        for (_, file) in BUNDLE {
            match std::fs::read(site_root.join(file)) {
                Ok(bytes) => digest.update(&bytes),
                Err(_) => {
                    tracing::warn!(file, "the site is not built: the bundle is served under its plain names");
                    return Self { output_name: "parlor".into(), hashed: HashMap::new(), files: HashMap::new() };
                }
            }
        }
        let hash: String = digest.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
        let mut hashed = HashMap::new();
        let mut files = HashMap::new();
        for (path, file) in BUNDLE {
            let name = path.rsplit('/').next().unwrap_or(path);
            let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
            let hashed_name = format!("{stem}.{hash}.{extension}");
            hashed.insert(path, format!("/pkg/{hashed_name}"));
            files.insert(hashed_name, site_root.join(file));
        }
        Self { output_name: format!("parlor.{hash}"), hashed, files }
    }

    /// The URL pages should use for the bundle file at `path` (its plain URL).
    pub fn href(&self, path: &'static str) -> &str {
        self.hashed.get(path).map_or(path, String::as_str)
    }
}

/// `GET /pkg/{file}`: a bundle file by its hashed name (kept for a year), or
/// any file of `pkg/` by its plain name (asked again each time).
pub async fn pkg(UrlPath(file): UrlPath<String>, request: Request) -> Response {
    let Some(assets) = ASSETS.get() else { return StatusCode::NOT_FOUND.into_response() };
    let (path, cache) = match assets.files.get(&file) {
        Some(path) => (path.clone(), "public, max-age=31536000, immutable"),
        None if !file.contains(['/', '\\']) && !file.starts_with('.') => match site_pkg(assets) {
            Some(pkg) => (pkg.join(&file), "no-cache"),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
        None => return StatusCode::NOT_FOUND.into_response(),
    };
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

/// The site's `pkg/` folder (beside the bundle's JavaScript).
fn site_pkg(assets: &Assets) -> Option<PathBuf> {
    let js = assets.files.iter().find(|(name, _)| name.starts_with("parlor.") && name.ends_with(".js"))?.1;
    js.parent().map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_gets_one_hash_that_changes_with_any_file() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("pkg")).unwrap();
        for (_, file) in BUNDLE {
            std::fs::write(site.path().join(file), file).unwrap();
        }
        let first = Assets::hash(site.path());
        assert!(first.output_name.starts_with("parlor.") && first.output_name.len() == "parlor.".len() + 16);
        let hash = &first.output_name["parlor.".len()..];
        assert_eq!(first.href("/pkg/parlor.wasm"), format!("/pkg/parlor.{hash}.wasm"));
        assert_eq!(first.href("/register-sw.js"), format!("/pkg/register-sw.{hash}.js"));
        assert_eq!(first.files[&format!("parlor.{hash}.css")], site.path().join("pkg/parlor.css"));
        std::fs::write(site.path().join("pkg/parlor.css"), "changed").unwrap();
        assert_ne!(Assets::hash(site.path()).output_name, first.output_name);
        let unbuilt = Assets::hash(&site.path().join("nowhere"));
        assert_eq!((unbuilt.output_name.as_str(), unbuilt.href("/pkg/parlor.js")), ("parlor", "/pkg/parlor.js"));
    }
}
