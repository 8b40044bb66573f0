//! One push over HTTP (RFC 8030): the payload encrypted for the browser
//! (RFC 8291 `aes128gcm`, by `web-push-native`), signed (RFC 8292 VAPID),
//! POSTed with `TTL`, `Urgency` and `Topic` to the subscription's endpoint —
//! whose host is resolved once and must be public (the link-preview guard;
//! a test may allow its own `http://127.0.0.1:PORT`). The push service's
//! answer becomes an [`Outcome`].

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use reqwest::{StatusCode, Url, header, redirect};
use web_push_native::{Auth, p256::PublicKey};

use super::keys::Keys;
use crate::server::{previews::Guard, storage::push::Urgency};

/// How long a push service may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long looking up a push service's host may take.
const LOOKUP_TIME: Duration = Duration::from_secs(3);

/// How Parlor introduces itself to push services.
const USER_AGENT: &str = concat!("Parlor/", env!("CARGO_PKG_VERSION"), " (web push)");

/// What the push service made of a push.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 201 or 202: it will reach the browser.
    Accepted,
    /// 404 or 410: the subscription is gone.
    Gone,
    /// 413: the payload is too large.
    TooLarge,
    /// 429, 5xx, a timeout or no connection: try again, not before `after`
    /// when the service said so (`Retry-After`).
    Later { after: Option<Duration> },
    /// Any other answer (a bad request, a signature refused): not tried again.
    Refused(u16),
}

/// One push, ready to go.
pub struct Push<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub payload: &'a [u8],
    pub ttl: Duration,
    pub urgency: Urgency,
    /// RFC 8030 `Topic`: a newer push with the same topic replaces one still waiting.
    pub topic: Option<String>,
}

/// Sends pushes: the guard, the keys and the operator's contact.
pub struct Sender {
    pub guard: Guard,
    /// The exact `http://` addresses a test allows (plain HTTP is refused otherwise).
    pub plain_http: Vec<std::net::SocketAddr>,
    pub keys: Keys,
    pub subject: String,
}

impl Sender {
    /// Whether `endpoint` may be pushed to: `https://` (or a test's own
    /// `http://` address), and its host resolves to public addresses only.
    pub async fn check_endpoint(&self, endpoint: &str) -> Result<Url, String> {
        Ok(self.resolve(endpoint).await?.0)
    }

    /// The endpoint's URL and the address to connect to (looked up once, at
    /// most [`LOOKUP_TIME`]), when it may be pushed to.
    async fn resolve(&self, endpoint: &str) -> Result<(Url, std::net::SocketAddr), String> {
        let url = Url::parse(endpoint).map_err(|_| "the endpoint is not a URL".to_owned())?;
        let addr = tokio::time::timeout(LOOKUP_TIME, self.guard.resolve(&url))
            .await
            .map_err(|_| "the endpoint's host did not resolve in time".to_owned())?
            .map_err(|blocked| format!("the endpoint cannot be reached: {blocked}"))?;
        match url.scheme() {
            "https" => Ok((url, addr)),
            "http" if self.plain_http.contains(&addr) => Ok((url, addr)),
            _ => Err("the endpoint must be an https:// URL".to_owned()),
        }
    }

    /// Encrypts, signs and posts `push`.
    pub async fn send(&self, push: &Push<'_>) -> Outcome {
        let (url, addr) = match self.resolve(push.endpoint).await {
            Ok(resolved) => resolved,
            Err(err) => {
                tracing::info!(%err, "a push endpoint is no longer allowed");
                return Outcome::Refused(0);
            }
        };
        let (Ok(public), Ok(auth)) = (Base64UrlUnpadded::decode_vec(push.p256dh), Base64UrlUnpadded::decode_vec(push.auth))
        else {
            return Outcome::Refused(0);
        };
        let Ok(public) = PublicKey::from_sec1_bytes(&public) else { return Outcome::Refused(0) };
        if auth.len() != 16 {
            return Outcome::Refused(0);
        }
        let Ok(body) = web_push_native::encrypt(push.payload.to_vec(), &public, &Auth::clone_from_slice(&auth)) else {
            return Outcome::Refused(0);
        };
        let Ok(authorization) = self.keys.authorization(&url, &self.subject) else { return Outcome::Refused(0) };
        let mut client =
            reqwest::Client::builder().no_proxy().redirect(redirect::Policy::none()).user_agent(USER_AGENT).timeout(TIMEOUT);
        if let Some(host) = url.host_str().filter(|host| host.parse::<std::net::IpAddr>().is_err() && !host.starts_with('[')) {
            client = client.resolve(host, addr);
        }
        let Ok(client) = client.build() else { return Outcome::Later { after: None } };
        let mut request = client.post(url).header("TTL", push.ttl.as_secs().to_string()).header("Urgency", push.urgency.as_str());
        if let Some(topic) = &push.topic {
            request = request.header("Topic", topic);
        }
        let response = request
            .header(header::CONTENT_ENCODING, "aes128gcm")
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::AUTHORIZATION, authorization)
            .body(body)
            .send()
            .await;
        match response {
            Err(err) => {
                tracing::debug!(%err, "a push did not get through");
                Outcome::Later { after: None }
            }
            Ok(response) => outcome(response.status(), response.headers().get(header::RETRY_AFTER)),
        }
    }
}

/// What a push service's answer means.
fn outcome(status: StatusCode, retry_after: Option<&header::HeaderValue>) -> Outcome {
    match status.as_u16() {
        200..=299 => Outcome::Accepted,
        404 | 410 => Outcome::Gone,
        413 => Outcome::TooLarge,
        429 | 500..=599 => Outcome::Later { after: retry_after.and_then(|value| retry_after_of(value.to_str().ok()?)) },
        other => Outcome::Refused(other),
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after_of(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let wait = when.signed_duration_since(chrono::Utc::now()).num_milliseconds();
    Some(Duration::from_millis(wait.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_mean_done_gone_smaller_later_or_never() {
        assert_eq!(outcome(StatusCode::CREATED, None), Outcome::Accepted);
        assert_eq!(outcome(StatusCode::GONE, None), Outcome::Gone);
        assert_eq!(outcome(StatusCode::NOT_FOUND, None), Outcome::Gone);
        assert_eq!(outcome(StatusCode::PAYLOAD_TOO_LARGE, None), Outcome::TooLarge);
        let seven = header::HeaderValue::from_static("7");
        assert_eq!(outcome(StatusCode::TOO_MANY_REQUESTS, Some(&seven)), Outcome::Later { after: Some(Duration::from_secs(7)) });
        assert_eq!(outcome(StatusCode::SERVICE_UNAVAILABLE, None), Outcome::Later { after: None });
        assert_eq!(outcome(StatusCode::UNAUTHORIZED, None), Outcome::Refused(401));
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        assert_eq!(retry_after_of("120"), Some(Duration::from_secs(120)));
        assert_eq!(retry_after_of("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(retry_after_of("soon"), None);
    }
}
