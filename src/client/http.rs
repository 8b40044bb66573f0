//! The few JSON endpoints the pages call directly from the browser (a room's
//! members, its notification level, leaving it): same-origin `fetch`es,
//! form-encoded like every Parlor post. On the server these are never called
//! (they run in event handlers), and answer an error.

use serde::de::DeserializeOwned;

/// Posts `fields` form-encoded to `path`; the JSON error message on failure.
pub async fn post_form(path: &str, fields: &[(&str, &str)]) -> Result<(), String> {
    post_form_json::<serde_json::Value>(path, fields).await.map(drop)
}

/// Posts `fields` form-encoded to `path` and reads the JSON answer; the JSON
/// error message on failure.
#[cfg(feature = "hydrate")]
pub async fn post_form_json<T: DeserializeOwned>(path: &str, fields: &[(&str, &str)]) -> Result<T, String> {
    let body: String = fields
        .iter()
        .map(|(name, value)| format!("{}={}", urlencoding::encode(name), urlencoding::encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let response = gloo_net::http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status() == 401 {
        super::offline::session_ended();
    }
    if response.ok() {
        response.json().await.map_err(|e| e.to_string())
    } else {
        let error: serde_json::Value = response.json().await.unwrap_or_default();
        Err(error["message"].as_str().unwrap_or("the request failed").to_owned())
    }
}

/// GETs `path` as JSON.
#[cfg(feature = "hydrate")]
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    let response = gloo_net::http::Request::get(path).send().await.map_err(|e| e.to_string())?;
    if response.status() == 401 {
        super::offline::session_ended();
    }
    if !response.ok() {
        return Err(format!("{path} answered {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

#[cfg(not(feature = "hydrate"))]
pub async fn post_form_json<T: DeserializeOwned>(_path: &str, _fields: &[(&str, &str)]) -> Result<T, String> {
    Err("only the browser posts these forms".into())
}

#[cfg(not(feature = "hydrate"))]
pub async fn get_json<T: DeserializeOwned>(_path: &str) -> Result<T, String> {
    Err("only the browser fetches these".into())
}

/// `https://host` of the page, so that a link shown to be copied (an invite,
/// a webhook's URL, an invitation, a reset link) is whole.
#[cfg(feature = "hydrate")]
pub fn page_origin() -> String {
    leptos::prelude::window().location().origin().unwrap_or_default()
}

#[cfg(not(feature = "hydrate"))]
pub fn page_origin() -> String {
    String::new()
}
