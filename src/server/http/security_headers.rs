//! Security headers on every response: no MIME sniffing, no framing, a strict
//! referrer policy, and a Content-Security-Policy. Pages get a CSP that allows only
//! Parlor's own scripts, its WebAssembly and the inline scripts Leptos marks with
//! this response's nonce; the service worker may fetch Parlor's own URLs;
//! every other response gets `default-src 'none'`.

use axum::http::{HeaderName, HeaderValue, header};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use tower_http::set_header::SetResponseHeaderLayer;

/// CSP for responses that are not pages (JSON, assets, errors).
const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The service worker's own CSP (a worker's CSP is its script's): it fetches
/// Parlor's pages and assets, nothing else.
const SERVICE_WORKER_CSP: &str = "default-src 'none'; connect-src 'self'";

/// The service worker's path.
pub const SERVICE_WORKER: &str = "/sw.js";

/// Middleware: gives the service worker script the CSP it runs under (every
/// other response keeps the fixed headers below).
pub async fn service_worker_csp(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let is_worker = request.uri().path() == SERVICE_WORKER;
    let mut response = next.run(request).await;
    if is_worker {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SERVICE_WORKER_CSP));
    }
    response
}

/// The layers that add the fixed headers (outermost first).
pub fn layers() -> [SetResponseHeaderLayer<HeaderValue>; 4] {
    let fixed = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    [
        fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        fixed(header::X_FRAME_OPTIONS, "DENY"),
        fixed(header::REFERRER_POLICY, "same-origin"),
        fixed(header::CONTENT_SECURITY_POLICY, NON_PAGE_CSP),
    ]
}

/// The CSP of a page rendered with `nonce`.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called while rendering a page: sets that page's CSP with Leptos' nonce.
pub fn set_page_csp() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce.to_string())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}
