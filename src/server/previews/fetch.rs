//! One guarded GET for a link preview: every hop's host is resolved once by
//! the [`Guard`] and the request connects to that address (never a second
//! lookup); redirects are followed by hand, at most [`MAX_REDIRECTS`], each
//! target judged again; no proxy, no cookies, only the expected content
//! types, at most `max_bytes` read. The caller bounds the whole in time.

use std::time::Duration;

use reqwest::{
    Url,
    header::{ACCEPT, CONTENT_TYPE, LOCATION},
    redirect,
};

use super::guard::{Blocked, Guard};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// How Parlor's fetcher introduces itself.
const USER_AGENT: &str = concat!("Parlor/", env!("CARGO_PKG_VERSION"), " (link preview)");

/// What is fetched: a page or an image, each with its own types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    Page,
    Image,
}

impl Wanted {
    fn accept(self) -> &'static str {
        match self {
            Self::Page => "text/html,application/xhtml+xml;q=0.9",
            Self::Image => "image/png,image/jpeg,image/gif,image/webp",
        }
    }

    fn takes(self, content_type: &str) -> bool {
        let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match self {
            Self::Page => matches!(essence.as_str(), "text/html" | "application/xhtml+xml"),
            Self::Image => matches!(essence.as_str(), "image/png" | "image/jpeg" | "image/gif" | "image/webp"),
        }
    }
}

/// What a fetch read.
#[derive(Debug)]
pub struct Fetched {
    /// Where the body came from, after redirects.
    pub url: Url,
    pub body: Vec<u8>,
}

/// Why nothing was read.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(transparent)]
    Blocked(#[from] Blocked),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("a redirect without a valid Location")]
    BadRedirect,
    #[error("the server answered {0}")]
    Status(u16),
    #[error("the content type {0:?} is not what a preview reads")]
    ContentType(String),
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the request failed: {0}")]
    Http(#[from] reqwest::Error),
}

impl Refused {
    /// The outcome label of the `parlor_link_previews_total` metric.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Blocked(Blocked::NotPublic(_)) => "refused_address",
            Self::Blocked(_) | Self::BadRedirect | Self::TooManyRedirects => "refused_url",
            Self::ContentType(_) => "refused_type",
            Self::TooLarge(_) => "refused_size",
            Self::Status(_) | Self::Http(_) => "failed",
        }
    }
}

/// GETs `url` as `wanted`, following redirects under the guard.
pub async fn fetch(guard: &Guard, mut url: Url, wanted: Wanted, max_bytes: usize) -> Result<Fetched, Refused> {
    for _ in 0..=MAX_REDIRECTS {
        let addr = guard.resolve(&url).await?;
        let mut client = reqwest::Client::builder()
            .no_proxy()
            .redirect(redirect::Policy::none())
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(5));
        if let Some(host) = url.host_str().filter(|host| host.parse::<std::net::IpAddr>().is_err() && !host.starts_with('[')) {
            client = client.resolve(host, addr);
        }
        let mut response = client.build()?.get(url.clone()).header(ACCEPT, wanted.accept()).send().await?;
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(LOCATION).and_then(|value| value.to_str().ok());
            url = location.and_then(|to| url.join(to).ok()).ok_or(Refused::BadRedirect)?;
            continue;
        }
        if !status.is_success() {
            return Err(Refused::Status(status.as_u16()));
        }
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !wanted.takes(content_type) {
            return Err(Refused::ContentType(content_type.to_owned()));
        }
        if response.content_length().is_some_and(|length| length > max_bytes as u64) {
            return Err(Refused::TooLarge(max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > max_bytes {
                return Err(Refused::TooLarge(max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(Fetched { url, body });
    }
    Err(Refused::TooManyRedirects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_images_take_only_their_own_types() {
        assert!(Wanted::Page.takes("text/html; charset=utf-8"));
        assert!(Wanted::Page.takes("application/xhtml+xml"));
        assert!(!Wanted::Page.takes("application/json"));
        assert!(!Wanted::Page.takes(""));
        assert!(Wanted::Image.takes("image/webp"));
        assert!(!Wanted::Image.takes("image/svg+xml"));
        assert!(!Wanted::Image.takes("text/html"));
    }
}
