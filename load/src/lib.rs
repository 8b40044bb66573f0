//! What the load tools share with the integration tests' harness: an account
//! and its session cookie (what a client needs before it can open a room
//! socket), and the [`proxy`] that makes network faults.

pub mod proxy;

/// Registers `username` with `password` (or logs in if the account exists) and
/// returns its session cookie as `name=value`, ready for a `Cookie` header.
pub async fn session_cookie(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    for endpoint in ["register", "login"] {
        let response = http
            .post(format!("{base}/api/{endpoint}"))
            .header("accept", "application/json")
            .form(&[("username", username), ("password", password)])
            .send()
            .await?;
        if response.status().is_success()
            && let Some(cookie) = response.headers().get("set-cookie")
        {
            return Ok(cookie.to_str()?.split(';').next().unwrap_or_default().to_owned());
        }
    }
    Err(format!("cannot log in as {username}").into())
}
