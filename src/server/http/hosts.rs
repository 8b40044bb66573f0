//! The host a request names must be this server's, once `--public-url` says
//! which it is: a page on another name that resolves to Parlor's address (DNS
//! rebinding: `rebind.evil.test` pointed at an intranet Parlor) would
//! otherwise be served as if it were Parlor, same-origin checks included,
//! since its `Origin` and `Host` agree. Such requests are refused with 421
//! `wrong_host`; `/healthz` answers whatever the host, for load balancers.
//! Without `--public-url` every host is served (Parlor cannot know its name).

use axum::{
    extract::{Request, State},
    http::{HeaderMap, header, uri::Authority},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::AppError;

/// The one host (and port) requests may name, when Parlor knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostGuard {
    allowed: Option<(String, u16)>,
}

impl HostGuard {
    /// From `--public-url` as given (`None`: not given, every host is served).
    pub fn from_public_url(public_url: Option<&str>) -> Result<Self, String> {
        let Some(url) = public_url else { return Ok(Self::default()) };
        let parsed = reqwest::Url::parse(url).map_err(|err| format!("--public-url {url}: {err}"))?;
        let host = parsed.host_str().ok_or_else(|| format!("--public-url {url} names no host"))?;
        let port = parsed.port_or_known_default().ok_or_else(|| format!("--public-url {url} names no port"))?;
        Ok(Self { allowed: Some((host.trim_matches(['[', ']']).to_ascii_lowercase(), port)) })
    }

    /// Whether a request with these headers names the allowed host.
    fn admits(&self, headers: &HeaderMap, uri_authority: Option<&Authority>) -> bool {
        let Some((host, port)) = &self.allowed else { return true };
        let named = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<Authority>().ok())
            .or_else(|| uri_authority.cloned());
        let Some(named) = named else { return false };
        let named_host = named.host().trim_matches(['[', ']']).to_ascii_lowercase();
        // Behind a TLS proxy the request names the public host without a port.
        named_host == *host && named.port_u16().is_none_or(|named_port| named_port == *port)
    }
}

/// Paths served whatever the host.
const ANY_HOST: [&str; 1] = ["/healthz"];

/// Middleware: refuses a request for another host (see the module docs).
pub async fn only_public_host(State(hosts): State<HostGuard>, request: Request, next: Next) -> Response {
    if ANY_HOST.contains(&request.uri().path()) || hosts.admits(request.headers(), request.uri().authority()) {
        next.run(request).await
    } else {
        AppError::WrongHost.into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn host(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_the_public_urls_host_is_served_once_it_is_known() {
        let guard = HostGuard::from_public_url(Some("https://Chat.Example.org/")).unwrap();
        assert!(guard.admits(&host("chat.example.org"), None));
        assert!(guard.admits(&host("CHAT.example.org:443"), None));
        assert!(!guard.admits(&host("chat.example.org:8443"), None), "another port");
        assert!(!guard.admits(&host("rebind.evil.test"), None));
        assert!(!guard.admits(&HeaderMap::new(), None), "no host at all");
        let local = HostGuard::from_public_url(Some("http://127.0.0.1:3000")).unwrap();
        assert!(local.admits(&host("127.0.0.1:3000"), None));
        assert!(!local.admits(&host("localhost:3000"), None));
        let v6 = HostGuard::from_public_url(Some("http://[::1]:3000")).unwrap();
        assert!(v6.admits(&host("[::1]:3000"), None));
        let open = HostGuard::from_public_url(None).unwrap();
        assert!(open.admits(&host("anything.test"), None), "no --public-url: every host");
        assert!(HostGuard::from_public_url(Some("not a url")).is_err());
    }
}
