//! Test harness: starts the real Parlor server on a random port with a fresh SQLite
//! file, and gives tests HTTP clients with cookie jars and WebSocket connections
//! that carry the same session. Everything goes over real sockets.

pub mod api;
pub mod oidc;
pub mod process;
pub mod push_service;
pub mod receiver;
pub mod services;
pub mod sites;
pub mod smtp;

use std::{collections::VecDeque, net::SocketAddr, sync::Arc, time::Duration};

use futures::{FutureExt, SinkExt, StreamExt};
use parlor::server::{config::Config, startup};
use reqwest::{StatusCode, cookie::CookieStore};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{self, client::IntoClientRequest, http::HeaderValue},
};

pub const PASSWORD: &str = "correct horse battery";

/// A running server and the database directory it owns.
pub struct TestApp {
    pub addr: SocketAddr,
    /// The operations listener (`--metrics-addr`), when the test asked for one.
    pub metrics_addr: Option<SocketAddr>,
    /// The database this server uses (a SQLite file unless the test chose PostgreSQL).
    pub database_url: String,
    running: Option<startup::Running>,
    dir: Arc<tempfile::TempDir>,
}

impl TestApp {
    /// A server with a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A server with a fresh database and settings changed by `adjust`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::start_in(dir, adjust).await
    }

    async fn start_in(dir: Arc<tempfile::TempDir>, adjust: impl FnOnce(&mut Config)) -> Self {
        let database_url = format!("sqlite://{}?mode=rwc", dir.path().join("parlor.db").display());
        let mut config = Config::for_database(&database_url);
        adjust(&mut config);
        let database_url = config.database_url();
        let running = parlor::start(config).await.expect("server starts");
        Self { addr: running.addr, metrics_addr: running.metrics_addr, database_url, running: Some(running), dir }
    }

    /// One of several instances: on the shared PostgreSQL `database_url`,
    /// fanning out through `redis`, with settings changed by `adjust`.
    pub async fn spawn_on(database_url: &str, redis: &services::Redis, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on_layer(database_url, &redis.url(), adjust).await
    }

    /// A server on `database_url` with `--channel-layer layer` (a redis:// or
    /// redis-cluster:// value).
    pub async fn spawn_on_layer(database_url: &str, layer: &str, adjust: impl FnOnce(&mut Config)) -> Self {
        let database_url = database_url.to_owned();
        let layer = parlor::server::config::parse_layer(layer).expect("a channel layer");
        Self::spawn_with(move |config| {
            config.database_url = Some(database_url);
            config.channel_layer = layer;
            adjust(config);
        })
        .await
    }

    /// Stops this server and starts a new one on the same database.
    pub async fn restart(mut self) -> Self {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        Self::start_in(self.dir.clone(), |_| {}).await
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// How many argon2 hashes and verifications this server has run.
    pub fn password_work(&self) -> u64 {
        self.running.as_ref().map_or(0, |running| running.passwords.runs())
    }

    /// Sends `GET {path}` exactly as written (no normalisation of `..` or
    /// escapes, unlike an HTTP client) over a plain TCP connection; returns the
    /// status code and the body.
    pub async fn raw_get(&self, path: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = TcpStream::connect(self.addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr);
        tcp.write_all(request.as_bytes()).await.expect("request sent");
        let mut response = Vec::new();
        tcp.read_to_end(&mut response).await.expect("response read");
        let response = String::from_utf8_lossy(&response).into_owned();
        let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("status line");
        let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
        (status, body)
    }

    /// GETs `path` sending exactly `cookie` (a copied, forged or stale session).
    pub async fn get_with_cookie(&self, path: &str, cookie: impl AsRef<str>) -> reqwest::Response {
        reqwest::Client::new().get(self.url(path)).header("cookie", cookie.as_ref()).send().await.expect("request sent")
    }

    /// Who the server says the bearer of `cookie` is.
    pub async fn whoami_with_cookie(&self, cookie: impl AsRef<str>) -> Option<String> {
        let response = reqwest::Client::new()
            .post(self.url("/api/me"))
            .header("accept", "application/json")
            .header("cookie", cookie.as_ref())
            .send()
            .await
            .expect("request sent");
        response.json().await.expect("JSON body")
    }

    /// A browser-like visitor with its own cookie jar (redirects not followed).
    pub fn visitor(&self) -> Visitor {
        Visitor::at(self.addr)
    }

    /// A visitor registered (and so logged in) as `username`.
    pub async fn user(&self, username: &str) -> Visitor {
        Visitor::registered(self.addr, username).await
    }
}

impl Visitor {
    /// A browser-like visitor of the server at `addr`, with its own cookie
    /// jar (redirects not followed).
    pub fn at(addr: SocketAddr) -> Visitor {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            // A server that never answers fails the test where it happened, not CI's clock.
            .timeout(Duration::from_secs(20))
            .build()
            .expect("http client");
        Visitor { http, jar, base: format!("http://{addr}"), addr }
    }

    /// A visitor of the server at `addr` registered (and so logged in) as `username`.
    pub async fn registered(addr: SocketAddr, username: &str) -> Visitor {
        let visitor = Visitor::at(addr);
        let response = visitor.register(username, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "registering {username}");
        visitor
    }
}

/// Asserts that a socket upgrade was refused with the HTTP status `expected`.
pub fn assert_http_refusal<T>(result: Result<T, tungstenite::Error>, expected: StatusCode) {
    match result {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), expected.as_u16()),
        Err(other) => panic!("expected HTTP {expected}, got {other}"),
        Ok(_) => panic!("expected HTTP {expected}, but the socket opened"),
    }
}

/// One person's HTTP session with the server.
#[derive(Clone)]
pub struct Visitor {
    pub http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    base: String,
    addr: SocketAddr,
}

impl Visitor {
    /// The address this visitor talks to (also its sockets' `Origin`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same person (same cookies) talking to another instance.
    pub fn on(&self, app: &TestApp) -> Visitor {
        Visitor { http: self.http.clone(), jar: self.jar.clone(), base: app.url(""), addr: app.addr }
    }

    /// Posts a form to a server function the way the WASM client does (JSON back).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("accept", "application/json")
            .form(fields)
            .send()
            .await
            .expect("request sent")
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn post_plain_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", format!("{}/login", self.base))
            .form(fields)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn register(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_form("/api/register", &[("username", username), ("password", password)]).await
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_form("/api/login", &[("username", username), ("password", password)]).await
    }

    pub async fn logout(&self) -> reqwest::Response {
        self.post_form("/api/logout", &[]).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("request sent")
    }

    /// GETs a JSON document, returning its status and body.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    /// The username the server thinks this visitor is, if any.
    pub async fn whoami(&self) -> Option<String> {
        let response = self.post_form("/api/me", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("JSON body")
    }

    /// The `Cookie` header this visitor sends.
    pub fn cookie_header(&self) -> Option<HeaderValue> {
        let url = self.base.parse().expect("base URL");
        self.jar.cookies(&url).map(|v| HeaderValue::from_bytes(v.as_bytes()).expect("cookie header"))
    }

    /// Opens the room socket with this visitor's session and a same-origin `Origin`.
    pub async fn socket(&self, room: &str, after: Option<i64>) -> Socket {
        self.try_socket(room, after, Some(&self.base.clone())).await.expect("socket opens")
    }

    /// Opens the room socket with the given `Origin` (or none).
    pub async fn try_socket(&self, room: &str, after: Option<i64>, origin: Option<&str>) -> Result<Socket, tungstenite::Error> {
        let query = after.map(|a| format!("?after={a}")).unwrap_or_default();
        self.open_socket(&format!("/ws/room/{room}/{query}"), origin).await
    }

    /// The HTTP status of a same-origin upgrade of the room socket (101 when it opens).
    pub async fn upgrade_status(&self, room: &str) -> u16 {
        match self.try_socket(room, Some(0), Some(&self.base.clone())).await {
            Ok(_) => 101,
            Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
            Err(other) => panic!("the upgrade failed: {other}"),
        }
    }

    /// Opens this visitor's inbox socket (`/ws/inbox/`).
    pub async fn inbox(&self) -> Socket {
        self.open_socket("/ws/inbox/", Some(&self.base.clone())).await.expect("inbox opens")
    }

    /// Uploads a file to a room as the composer does (multipart, field `file`).
    pub async fn upload(&self, room: &str, name: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(content_type).expect("a MIME type");
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = self
            .http
            .post(format!("{}/api/rooms/{room}/attachments", self.base))
            .multipart(form)
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    /// Posts a form to a JSON endpoint, returning the status and the JSON body.
    pub async fn post_json(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self.post_form(path, fields).await;
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    // The error is tungstenite's own (a refused upgrade carries its response), as the tests read it.
    #[allow(clippy::result_large_err)]
    async fn open_socket(&self, path: &str, origin: Option<&str>) -> Result<Socket, tungstenite::Error> {
        let mut request = format!("ws://{}{path}", self.addr).into_client_request().expect("ws request");
        if let Some(cookie) = self.cookie_header() {
            request.headers_mut().insert("cookie", cookie);
        }
        if let Some(origin) = origin {
            request.headers_mut().insert("origin", HeaderValue::from_str(origin).expect("origin"));
        }
        let (stream, _) = tokio::time::timeout(Duration::from_secs(20), tokio_tungstenite::connect_async(request))
            .await
            .unwrap_or_else(|_| panic!("the upgrade of {path} got no answer within 20 s"))?;
        Ok(Socket { stream, unread: VecDeque::new() })
    }
}

/// Presence, typing and "seen" frames: they come and go with other people's
/// sockets and reading.
pub fn is_ephemeral(frame: &Value) -> bool {
    frame["type"] == "presence" || frame["type"] == "typing" || frame["type"] == "seen"
}

/// A room socket opened by hand over TCP that never answers anything, not even
/// pings (a WebSocket library would answer pings while reading).
pub struct SilentSocket {
    tcp: TcpStream,
}

impl Visitor {
    /// Opens a silent room socket with this visitor's session.
    pub async fn silent_socket(&self, room: &str) -> SilentSocket {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = TcpStream::connect(self.addr).await.expect("connect");
        let cookie = self.cookie_header().map(|c| c.to_str().unwrap().to_owned()).unwrap_or_default();
        let request = format!(
            "GET /ws/room/{room}/ HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\n\
             Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            addr = self.addr
        );
        tcp.write_all(request.as_bytes()).await.expect("handshake sent");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            tcp.read_exact(&mut byte).await.expect("handshake answered");
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101"), "upgraded: {}", String::from_utf8_lossy(&head));
        SilentSocket { tcp }
    }
}

impl SilentSocket {
    /// Reads (without answering) until the server's close frame; its code, or
    /// `None` if the connection ended without one.
    pub async fn close_code(mut self) -> Option<u16> {
        use tokio::io::AsyncReadExt;
        loop {
            let mut header = [0u8; 2];
            self.tcp.read_exact(&mut header).await.ok()?;
            let opcode = header[0] & 0x0f;
            let length = match header[1] & 0x7f {
                126 => usize::from(self.tcp.read_u16().await.ok()?),
                127 => usize::try_from(self.tcp.read_u64().await.ok()?).ok()?,
                short => usize::from(short),
            };
            let mut payload = vec![0u8; length];
            self.tcp.read_exact(&mut payload).await.ok()?;
            if opcode == 0x8 {
                return payload.get(..2).map(|code| u16::from_be_bytes([code[0], code[1]]));
            }
        }
    }
}

/// A client end of a room socket.
pub struct Socket {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames that arrived while [`Socket::say`] waited for its ack, in order.
    unread: VecDeque<Value>,
}

impl Socket {
    pub async fn send_json(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(tungstenite::Message::text(text)).await.expect("frame sent");
    }

    /// Sends a message with a client id and waits for its ack, returning the seq.
    pub async fn say(&mut self, text: &str, client_id: &str) -> i64 {
        self.send_json(serde_json::json!({"type": "send", "text": text, "client_id": client_id})).await;
        loop {
            let frame = self.read_json().await;
            if frame["type"] == "ack" && frame["client_id"] == client_id {
                return frame["seq"].as_i64().expect("seq");
            }
            assert_ne!(frame["type"], "error", "unexpected error frame {frame}");
            self.unread.push_back(frame);
        }
    }

    /// A text frame that has already arrived, without waiting.
    pub fn try_next_json(&mut self) -> Option<Value> {
        if let Some(frame) = self.unread.pop_front() {
            return Some(frame);
        }
        loop {
            match self.stream.next().now_or_never() {
                Some(Some(Ok(tungstenite::Message::Text(text)))) => {
                    return Some(serde_json::from_str(&text).expect("JSON frame"));
                }
                Some(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }

    /// The next frame of the conversation as JSON: presence, typing and seen
    /// frames, which come and go with other people, are skipped (`next_of` finds them).
    /// Fails the test after 10 s.
    pub async fn next_json(&mut self) -> Value {
        loop {
            let frame = self.next_any_json().await;
            if !is_ephemeral(&frame) {
                return frame;
            }
        }
    }

    /// The next text frame as JSON, whatever its type.
    async fn next_any_json(&mut self) -> Value {
        match self.unread.pop_front() {
            Some(frame) => frame,
            None => self.read_json().await,
        }
    }

    async fn read_json(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.stream.next())
                .await
                .expect("a frame within 10 s")
                .expect("socket open")
                .expect("valid frame");
            match message {
                tungstenite::Message::Text(text) => return serde_json::from_str(&text).expect("JSON frame"),
                tungstenite::Message::Close(frame) => panic!("socket closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// The next frame of `type`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next_any_json().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// The next frame whose type is one of `kinds`, skipping others.
    pub async fn next_of_any(&mut self, kinds: &[&str]) -> Value {
        loop {
            let frame = self.next_any_json().await;
            if kinds.iter().any(|kind| frame["type"] == *kind) {
                return frame;
            }
        }
    }

    /// Asserts that no frame of the conversation arrives within `wait`.
    /// (The server's pings, answered while reading, and presence frames are
    /// not part of it.)
    pub async fn expect_silence(&mut self, wait: Duration) {
        self.unread.retain(|frame| !is_ephemeral(frame));
        assert!(self.unread.is_empty(), "unread frames: {:?}", self.unread);
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, self.stream.next()).await {
            if let tungstenite::Message::Text(text) = &message {
                let frame: Value = serde_json::from_str(text).expect("JSON frame");
                assert!(is_ephemeral(&frame), "expected no frame, got {frame}");
            } else {
                assert!(message.is_ping() || message.is_pong(), "expected no frame, got {message:?}");
            }
        }
    }

    /// The close frame the server sends next (skipping other frames).
    pub async fn next_close(&mut self) -> Option<tungstenite::protocol::CloseFrame> {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.stream.next()).await.expect("close within 5 s") {
                Some(Ok(tungstenite::Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }
}
