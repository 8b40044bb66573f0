//! The generator's accounts and their session cookies: one per sender (message
//! limits are per user), one shared by the readers, one per churn socket.

use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::BoxError;

const PASSWORD: &str = "parlor-load-password";

/// The session cookies of a run.
pub struct Cookies {
    pub reader: HeaderValue,
    pub senders: Vec<HeaderValue>,
    pub churn: Vec<HeaderValue>,
}

/// Logs in (registering first if need be) the reader, `senders` senders and
/// `churn` churn users, in that order.
pub async fn log_in(base: &str, senders: usize, churn: usize) -> Result<Cookies, BoxError> {
    // Accounts: one per sender (message limits are per user), one shared by
    // readers (and --then-send), one per churn socket (so presence changes).
    let http = reqwest::Client::builder().build()?;
    let reader_cookie = session_cookie(&http, base, "load_reader").await?;
    let mut sender_cookies = Vec::new();
    for i in 0..senders {
        sender_cookies.push(session_cookie(&http, base, &format!("load_sender{i}")).await?);
    }
    let mut churn_cookies = Vec::new();
    for j in 0..churn {
        churn_cookies.push(session_cookie(&http, base, &format!("load_churn{j}")).await?);
    }
    Ok(Cookies { reader: reader_cookie, senders: sender_cookies, churn: churn_cookies })
}

/// The session cookie of the generator's account `username`, as a header value.
async fn session_cookie(http: &reqwest::Client, base: &str, username: &str) -> Result<HeaderValue, BoxError> {
    Ok(HeaderValue::from_str(&parlor_load::session_cookie(http, base, username, PASSWORD).await?)?)
}
