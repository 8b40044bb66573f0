//! Which addresses link previews may reach: public unicast addresses only
//! (the SSRF guard). A host is resolved once, every address it resolves to
//! must be public, and the fetch then connects to that address and no other
//! — a second lookup that answers differently (DNS rebinding) is never made.
//! Refused: loopback, private, link-local, CGNAT, multicast, unique-local,
//! documentation, benchmarking and reserved ranges, IPv4-mapped and other
//! IPv6 forms that embed an IPv4 address. A test may allow exact `IP:PORT`s
//! of its own servers (`--link-previews-test-allow`, off by default).

use std::{
    collections::HashSet,
    net::{IpAddr, SocketAddr},
};

use ipnet::IpNet;
use reqwest::Url;

/// Networks no preview fetch may reach.
const FORBIDDEN: &[&str] = &[
    // IPv4: "this network", private, CGNAT, loopback, link-local (cloud
    // metadata at 169.254.169.254), IETF protocol assignments, documentation,
    // benchmarking, multicast, reserved and broadcast.
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    // IPv6: unspecified and loopback, IPv4-mapped and -compatible, NAT64,
    // discard, Teredo, documentation, 6to4, unique-local, link-local,
    // site-local, multicast.
    "::/127",
    "::ffff:0:0/96",
    "::/96",
    "64:ff9b::/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/32",
    "2001:db8::/32",
    "2002::/16",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
];

/// Whether `ip` is a public unicast address a preview may fetch from.
pub fn is_public(ip: IpAddr) -> bool {
    // Global unicast IPv6 is 2000::/3; anything else is not the internet.
    if let IpAddr::V6(v6) = ip
        && (v6.segments()[0] & 0xe000) != 0x2000
    {
        return false;
    }
    !FORBIDDEN.iter().filter_map(|net| net.parse::<IpNet>().ok()).any(|net| net.contains(&ip))
}

/// Why a URL may not be fetched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    #[error("only http and https links are read")]
    Scheme,
    #[error("the link has no host")]
    NoHost,
    #[error("the host could not be resolved: {0}")]
    Unresolved(String),
    #[error("the host resolves to {0}, which is not a public address")]
    NotPublic(IpAddr),
}

/// The guard: public addresses, and the test's own servers when allowed.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    allowed: HashSet<SocketAddr>,
}

impl Guard {
    /// A guard that also lets through the exact addresses `allowed` (tests only).
    pub fn new(allowed: impl IntoIterator<Item = SocketAddr>) -> Self {
        Self { allowed: allowed.into_iter().collect() }
    }

    fn permits(&self, addr: SocketAddr) -> bool {
        is_public(addr.ip()) || self.allowed.contains(&addr)
    }

    /// Resolves `url`'s host once and answers the address to connect to: the
    /// first, when every address the host has is permitted.
    pub async fn resolve(&self, url: &Url) -> Result<SocketAddr, Blocked> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Blocked::Scheme);
        }
        let host = url.host_str().ok_or(Blocked::NoHost)?;
        let port = url.port_or_known_default().ok_or(Blocked::Scheme)?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let found: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((bare, port)).await.map_err(|err| Blocked::Unresolved(err.to_string()))?.collect(),
        };
        if let Some(bad) = found.iter().find(|addr| !self.permits(**addr)) {
            return Err(Blocked::NotPublic(bad.ip()));
        }
        found.first().copied().ok_or_else(|| Blocked::Unresolved("no addresses".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_pass() {
        for forbidden in [
            "127.0.0.1",
            "127.9.9.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::a00:1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2002:7f00:1::1",
        ] {
            assert!(!is_public(forbidden.parse().unwrap()), "{forbidden} must be refused");
        }
        for public in ["8.8.8.8", "1.1.1.1", "93.184.215.14", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2a00:1450::1"] {
            assert!(is_public(public.parse().unwrap()), "{public} is public");
        }
    }

    #[tokio::test]
    async fn a_host_is_judged_by_every_address_it_resolves_to() {
        let guard = Guard::default();
        let url = |text: &str| Url::parse(text).unwrap();
        assert_eq!(guard.resolve(&url("http://127.0.0.1:9/")).await, Err(Blocked::NotPublic("127.0.0.1".parse().unwrap())));
        assert_eq!(
            guard.resolve(&url("http://[::ffff:169.254.169.254]/")).await,
            Err(Blocked::NotPublic("::ffff:169.254.169.254".parse().unwrap()))
        );
        // A DNS name that resolves to a loopback address.
        assert!(matches!(guard.resolve(&url("http://localhost:9/")).await, Err(Blocked::NotPublic(_))));
        assert_eq!(guard.resolve(&url("ftp://8.8.8.8/")).await, Err(Blocked::Scheme));
        assert_eq!(guard.resolve(&url("https://8.8.8.8/")).await, Ok("8.8.8.8:443".parse().unwrap()));
        let testing = Guard::new(["127.0.0.1:9".parse().unwrap()]);
        assert_eq!(testing.resolve(&url("http://127.0.0.1:9/")).await, Ok("127.0.0.1:9".parse().unwrap()));
        assert!(testing.resolve(&url("http://127.0.0.1:10/")).await.is_err(), "only the exact address is allowed");
    }
}
