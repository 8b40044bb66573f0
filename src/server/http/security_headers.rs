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
const SERVICE_WORKER_CSP: &str = "default-src 'none'; connect-src 'self'; img-src 'self'";

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
    let fixed =
        |name: HeaderName, value: &'static str| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
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

/// Called while rendering a page: sets that page's CSP with Leptos' nonce,
/// and leaves the nonce where [`page_csp_from_nonce`] finds it.
pub fn set_page_csp() {
    let Some(nonce) = leptos::nonce::use_nonce() else { return };
    if let Some(slot) = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<NonceSlot>().cloned())
        && let Ok(mut kept) = slot.0.lock()
    {
        *kept = Some(nonce.to_string());
    }
    if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&page_csp(&nonce.to_string())))
    {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Where a page's render leaves its nonce for [`page_csp_from_nonce`].
#[derive(Clone, Default)]
pub struct NonceSlot(std::sync::Arc<std::sync::Mutex<Option<String>>>);

/// Middleware: a rendered page always leaves with its CSP. Leptos' response
/// options carry it normally; when a page comes back without one (seen under
/// load: the options were read before the shell set them), the nonce the
/// render recorded builds it here — instead of the non-page CSP, which would
/// block the page's own scripts.
pub async fn page_csp_from_nonce(mut request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let slot = NonceSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/html"));
    if is_page && !response.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        let nonce = slot.0.lock().ok().and_then(|kept| kept.clone());
        if let Some(value) = nonce.and_then(|nonce| HeaderValue::from_str(&page_csp(&nonce)).ok()) {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}
