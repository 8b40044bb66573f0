//! Same-origin checks against cross-site requests: the WebSocket upgrade must carry
//! an `Origin` naming this host, and a state-changing request (POST, PUT, PATCH,
//! DELETE) is refused when its `Origin` — or, without one, its `Referer` — names
//! another site. Requests with neither come from non-browser clients, which a
//! cross-site page cannot make; nor can it make one with an `Authorization:
//! Bearer` header (API tokens: the JSON API and sockets take them, and a bad
//! one is refused there), so those are not judged by where they come from.

use axum::{
    extract::Request,
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::bearer;
use crate::error::AppError;

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The `host[:port]` part of an `http(s)://` URL.
fn authority(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// True when `url` (an Origin or Referer) points at the host the request was sent to.
fn names_this_host(headers: &HeaderMap, url: &str) -> bool {
    match (authority(url), header_str(headers, header::HOST)) {
        (Some(site), Some(host)) => site.eq_ignore_ascii_case(host),
        _ => false,
    }
}

/// For the WebSocket upgrade: an `Origin` is required and must be this host.
pub fn is_same_origin(headers: &HeaderMap) -> bool {
    header_str(headers, header::ORIGIN).is_some_and(|origin| names_this_host(headers, origin))
}

/// Middleware: refuses cross-site state-changing requests with 403.
pub async fn refuse_cross_site_writes(request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let by_token = bearer::takes_tokens(request.uri().path()) && matches!(bearer::bearer_token(request.headers()), Some(Ok(_)));
    if writes && !by_token {
        let headers = request.headers();
        let claimed = header_str(headers, header::ORIGIN)
            .filter(|origin| *origin != "null")
            .or_else(|| header_str(headers, header::REFERER));
        let refused = match claimed {
            Some(url) => !names_this_host(headers, url),
            None => header_str(headers, header::ORIGIN) == Some("null"),
        };
        if refused {
            return AppError::CrossSite.into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn origin_must_name_the_host() {
        let host = (header::HOST, "chat.example:3000");
        assert!(is_same_origin(&headers(&[host.clone(), (header::ORIGIN, "http://chat.example:3000")])));
        assert!(is_same_origin(&headers(&[host.clone(), (header::ORIGIN, "https://chat.example:3000")])));
        assert!(!is_same_origin(&headers(&[host.clone(), (header::ORIGIN, "http://evil.example")])));
        assert!(!is_same_origin(&headers(&[host.clone(), (header::ORIGIN, "http://chat.example:3000.evil.example")])));
        assert!(!is_same_origin(&headers(&[host])));
    }
}
