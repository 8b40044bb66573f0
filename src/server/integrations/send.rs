//! One delivery over HTTP: the event's frame JSON POSTed to the
//! subscription's URL — whose host is resolved once and must be public (the
//! link-preview guard; a test may allow its own `127.0.0.1:PORT`) — with the
//! Standard Webhooks headers, no redirects, and a time limit. Only a 2xx
//! counts as delivered.

use std::time::Duration;

use reqwest::{Url, header, redirect};

use super::signature;
use crate::server::previews::Guard;

/// How long a receiver may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long looking up a receiver's host may take.
const LOOKUP_TIME: Duration = Duration::from_secs(3);
/// How Parlor introduces itself to receivers.
const USER_AGENT: &str = concat!("Parlor/", env!("CARGO_PKG_VERSION"), " (webhooks)");

/// One delivery, ready to go.
pub struct Delivery<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    /// `webhook-id`: `{room}:{seq}`, the same on every try.
    pub id: &'a str,
    pub body: &'a [u8],
}

/// Posts deliveries under the guard.
pub struct Sender {
    pub guard: Guard,
}

impl Sender {
    /// The URL, and the address to connect to, when it may be delivered to.
    pub async fn resolve(&self, url: &str) -> Result<(Url, std::net::SocketAddr), String> {
        let parsed = Url::parse(url).map_err(|_| "the url is not a URL".to_owned())?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("the url must be http:// or https://".to_owned());
        }
        let addr = tokio::time::timeout(LOOKUP_TIME, self.guard.resolve(&parsed))
            .await
            .map_err(|_| "the url's host did not resolve in time".to_owned())?
            .map_err(|blocked| format!("the url cannot be reached: {blocked}"))?;
        Ok((parsed, addr))
    }

    /// Posts `delivery`: `Ok` for a 2xx, else why not.
    pub async fn post(&self, delivery: &Delivery<'_>) -> Result<(), String> {
        let (url, addr) = self.resolve(delivery.url).await?;
        let timestamp = chrono::Utc::now().timestamp();
        let signature = signature::sign(delivery.secret, delivery.id, timestamp, delivery.body)
            .ok_or_else(|| "the subscription's secret is unreadable".to_owned())?;
        let mut client =
            reqwest::Client::builder().no_proxy().redirect(redirect::Policy::none()).user_agent(USER_AGENT).timeout(TIMEOUT);
        if let Some(host) = url.host_str().filter(|host| host.parse::<std::net::IpAddr>().is_err() && !host.starts_with('[')) {
            client = client.resolve(host, addr);
        }
        let client = client.build().map_err(|err| err.to_string())?;
        let response = client
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("webhook-id", delivery.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.body.to_vec())
            .send()
            .await
            .map_err(|err| if err.is_timeout() { "no answer in time".to_owned() } else { format!("no answer: {err}") })?;
        match response.status() {
            status if status.is_success() => Ok(()),
            status => Err(format!("answered {status}")),
        }
    }
}
