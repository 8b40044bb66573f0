//! An integration's view of the server: an HTTP client that authenticates
//! with an API token (`Authorization: Bearer …`, no cookie, no `Origin`), and
//! the room socket opened the same way; plus making tokens and bots the way a
//! person and an administrator do.

use std::{collections::VecDeque, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

use super::{Socket, TestApp, Visitor};

/// A client holding one API token.
#[derive(Clone)]
pub struct Api {
    pub token: String,
    base: String,
    http: reqwest::Client,
}

impl Api {
    /// A client of `base` (`http://host:port`) with `token`.
    pub fn new(base: &str, token: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("http client");
        Self { token: token.to_owned(), base: base.to_owned(), http }
    }

    /// The same token against another instance.
    pub fn on(&self, app: &TestApp) -> Self {
        Self::new(&app.url(""), &self.token)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.expect("request sent");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// POSTs a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Posts a message to `room` over HTTP; its `seq`.
    pub async fn say(&self, room: &str, text: &str, client_id: &str) -> i64 {
        let (status, body) = self.post(&format!("/api/messages/{room}/"), json!({ "text": text, "client_id": client_id })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["seq"].as_i64().expect("seq")
    }

    /// Opens `path` (a room or the inbox socket) with the token and no `Origin`.
    #[allow(clippy::result_large_err)]
    pub async fn try_socket(&self, path: &str) -> Result<Socket, tungstenite::Error> {
        let addr = self.base.trim_start_matches("http://");
        let mut request = format!("ws://{addr}{path}").into_client_request().expect("ws request");
        let authorization = HeaderValue::from_str(&format!("Bearer {}", self.token)).expect("header");
        request.headers_mut().insert("authorization", authorization);
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Socket { stream, unread: VecDeque::new() })
    }

    /// The room socket of `room` after `after`, opened with the token.
    pub async fn socket(&self, room: &str, after: i64) -> Socket {
        self.try_socket(&format!("/ws/room/{room}/?after={after}")).await.expect("socket opens with a token")
    }
}

impl Visitor {
    /// Makes an API token named `name` (as the settings page's owner would); its text.
    pub async fn token(&self, name: &str) -> String {
        let (status, body) = self.post_json("/api/tokens", &[("name", name)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// As an administrator: makes bot `username`; its first token.
    pub async fn make_bot(&self, username: &str) -> String {
        let (status, body) = self.post_json("/api/admin/bots", &[("username", username)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"]["token"].as_str().expect("the bot's token").to_owned()
    }
}

impl TestApp {
    /// An API client of this server with `token`.
    pub fn api(&self, token: &str) -> Api {
        Api::new(&self.url(""), token)
    }
}
