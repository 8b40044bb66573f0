//! The client's address, as rate limits must see it: the TCP peer, or — when
//! the peer is one of the `--trusted-proxies` — the right-most address in
//! `X-Forwarded-For` that is not itself a trusted proxy. A client can put
//! anything in that header, but only the hops that trusted proxies appended are
//! believed.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, request::Parts},
};
use ipnet::IpNet;

use crate::error::AppError;

/// The networks whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(std::sync::Arc<[IpNet]>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks.into())
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, reading `X-Forwarded-For` only from trusted hops.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// The request's client address (see the module docs).
pub struct ClientIp(pub IpAddr);

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    TrustedProxies: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let ConnectInfo(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().copied().ok_or(AppError::Internal)?;
        Ok(Self(TrustedProxies::from_ref(state).client_ip(peer.ip(), &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn only_trusted_peers_are_believed() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let spoofed = forwarded(&["203.0.113.9"]);
        assert_eq!(proxies.client_ip(ip("198.51.100.1"), &spoofed), ip("198.51.100.1"), "untrusted peer");
        assert_eq!(proxies.client_ip(ip("10.0.0.5"), &spoofed), ip("203.0.113.9"));
        assert_eq!(TrustedProxies::default().client_ip(ip("10.0.0.5"), &spoofed), ip("10.0.0.5"), "none trusted by default");
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()]);
        // The client claimed 1.2.3.4; the edge proxy saw 198.51.100.7; an inner proxy 10.1.1.1.
        let chain = forwarded(&["1.2.3.4, 198.51.100.7", "10.1.1.1"]);
        assert_eq!(proxies.client_ip(ip("10.0.0.5"), &chain), ip("198.51.100.7"));
        assert_eq!(proxies.client_ip(ip("::1"), &forwarded(&["2001:db8::5"])), ip("2001:db8::5"));
        assert_eq!(proxies.client_ip(ip("10.0.0.5"), &forwarded(&["garbage"])), ip("10.0.0.5"));
        assert_eq!(proxies.client_ip(ip("10.0.0.5"), &HeaderMap::new()), ip("10.0.0.5"));
    }
}
