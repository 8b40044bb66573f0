//! How the account server functions answer. A plain HTML form post (no
//! JavaScript) is redirected: to `next` on success, back to the form with
//! `?error=CODE` on failure. A call from the WASM client or an API client gets
//! the typed [`AppError`] with its HTTP status instead.

use axum::http::{HeaderMap, header, request::Parts};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::error::AppError;

/// A form-encoded body (or, with `Content-Type: application/json`, the same
/// fields as a JSON object, as API clients send them) whose rejection is an
/// [`AppError`] (400 `bad_request` naming the problem), so JSON endpoints
/// answer every bad form alike.
pub struct ValidForm<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ValidForm<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim_start().starts_with("application/json"));
        let form = if json {
            axum::Json::<T>::from_request(request, state).await.map(|axum::Json(form)| form).map_err(|r| r.body_text())
        } else {
            axum::Form::<T>::from_request(request, state).await.map(|axum::Form(form)| form).map_err(|r| r.body_text())
        };
        form.map(Self).map_err(AppError::BadRequest)
    }
}

/// `next` if it is a same-site path, else `/`. Refuses `//host`, `/\host` and schemes.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// True for an ordinary browser form submission, which expects a page back.
fn is_plain_form_post() -> bool {
    use_context::<Parts>().is_some_and(|parts| accepts_html(&parts.headers))
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// Refuses the attempt when the client or the username is over its limit.
pub async fn check_auth_rate(username: &str) -> Result<(), AppError> {
    let (state, client) = client().await?;
    state.limits.check_auth(client, username).map_err(throttled)
}

/// Refuses a log-in attempt over its limit: per client, and per username —
/// or, from a browser that logged in to that account before, per that browser.
pub async fn check_login_rate(username: &str) -> Result<(), AppError> {
    let (state, client) = client().await?;
    let known = match (crate::names::canonical_username(username), use_context::<Parts>()) {
        (Ok(name), Some(parts)) => state.known_browsers.recognise(&name, &parts.headers),
        _ => None,
    };
    state.limits.check_login(client, username, known.as_deref()).map_err(throttled)
}

/// Refuses an attempt at a door worth a log-in (a reset link) when the client is over its limit.
pub async fn check_client_rate() -> Result<(), AppError> {
    let (state, client) = client().await?;
    state.limits.check_client(client).map_err(throttled)
}

/// On a successful log-in with a password: this browser is known for `username` from now on.
pub fn remember_browser(state: &crate::server::http::state::AppState, username: &str) {
    if let Some(response) = use_context::<ResponseOptions>() {
        let cookie = state.known_browsers.cookie(username, state.config.secure_cookies);
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.append_header(header::SET_COOKIE, value);
        }
    }
}

/// The server's state and the request's client address.
async fn client() -> Result<(crate::server::http::state::AppState, std::net::IpAddr), AppError> {
    use crate::server::http::{client_ip::ClientIp, gate};

    let state = gate::app_state()?;
    let ClientIp(client) = leptos_axum::extract_with_state(&state).await.map_err(|_| AppError::Internal)?;
    Ok((state, client))
}

fn throttled(t: crate::server::accounts::limits::Throttled) -> AppError {
    AppError::RateLimited { retry_after_secs: t.retry_after_secs }
}

/// On the answer to a log-out: this browser drops what it kept of the
/// session — its HTTP cache, the service worker's pages, local storage.
pub fn clear_site_data() {
    if let Some(response) = use_context::<ResponseOptions>() {
        response
            .insert_header(header::HeaderName::from_static("clear-site-data"), header::HeaderValue::from_static(CLEAR_SITE_DATA));
    }
}

/// What [`clear_site_data`] asks the browser to drop.
pub const CLEAR_SITE_DATA: &str = "\"cache\", \"storage\"";

/// Turns the outcome of a form's action into the server function's answer.
/// `form_page` is the form's path; `username` is echoed back so it need not be retyped.
pub fn finish(outcome: Result<(), AppError>, form_page: &str, next: &str, username: &str) -> Result<(), AppError> {
    match outcome {
        Ok(()) => {
            leptos_axum::redirect(next);
            Ok(())
        }
        Err(err) => {
            if is_plain_form_post() {
                let mut target = format!(
                    "{form_page}?error={}&next={}&username={}",
                    err.code(),
                    urlencoding::encode(next),
                    urlencoding::encode(username)
                );
                if let AppError::RateLimited { retry_after_secs } = err {
                    target.push_str(&format!("&retry_after={retry_after_secs}"));
                }
                leptos_axum::redirect(&target);
            } else if let Some(response) = use_context::<ResponseOptions>() {
                response.set_status(err.status());
                if let AppError::RateLimited { retry_after_secs } = err {
                    response.insert_header(header::RETRY_AFTER, retry_after_secs.into());
                }
            }
            Err(err)
        }
    }
}

/// A server function's answer with the error's HTTP status (server
/// functions answer 500 for any error otherwise).
pub fn with_status<T>(answer: Result<T, AppError>) -> Result<T, AppError> {
    if let (Err(err), Some(response)) = (&answer, use_context::<ResponseOptions>()) {
        response.set_status(err.status());
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_followed() {
        assert_eq!(safe_next(Some("/room/general/")), "/room/general/");
        assert_eq!(safe_next(Some("/?x=1")), "/?x=1");
        for evil in ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", ""] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
