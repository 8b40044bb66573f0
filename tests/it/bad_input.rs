//! The bad-input matrix: one row per kind of hostile or broken input, each with
//! the clear answer it must get. All rows run against one server; afterwards it
//! still serves, and history holds exactly the valid messages.

use std::time::Duration;

use crate::harness::{PASSWORD, TestApp, Visitor, assert_http_refusal};
use futures::SinkExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const ROOM: &str = "matrix";

async fn expect_frame_error(socket: &mut crate::harness::Socket, raw: &str, code: &str) {
    socket.send_text(raw).await;
    let frame = socket.next_json().await;
    assert_eq!((frame["type"].as_str(), frame["code"].as_str()), (Some("error"), Some(code)), "frame {raw:.60}");
}

async fn status_of(visitor: &Visitor, path: &str) -> StatusCode {
    visitor.get(path).await.status()
}

#[tokio::test]
async fn every_bad_input_gets_its_clear_error_and_nothing_else_changes() {
    let app = TestApp::spawn_with(|config| {
        config.auth_attempts_per_username = 5;
        config.messages_per_second = 5;
    })
    .await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket(ROOM, Some(0)).await;
    let mut valid = Vec::new();

    // Row: malformed JSON.
    expect_frame_error(&mut socket, "{\"type\": \"send\", \"text\": ", "bad_frame").await;
    // Row: wrong types.
    expect_frame_error(&mut socket, &json!({"type": "send", "text": ["a"]}).to_string(), "bad_frame").await;
    expect_frame_error(&mut socket, &json!({"type": 7, "text": "x"}).to_string(), "bad_frame").await;
    expect_frame_error(&mut socket, &json!({"type": "send", "text": "x", "client_id": 5}).to_string(), "bad_frame").await;
    // Row: unknown frame type, empty and overlong text.
    expect_frame_error(&mut socket, &json!({"type": "dance", "seq": 1}).to_string(), "unknown_type").await;
    expect_frame_error(&mut socket, &json!({"type": "delete", "seq": 1}).to_string(), "bad_frame").await;
    expect_frame_error(&mut socket, &json!({"type": "send", "text": " \t "}).to_string(), "empty_text").await;
    expect_frame_error(&mut socket, &json!({"type": "send", "text": "é".repeat(4001)}).to_string(), "text_too_long").await;
    // Row: binary frame.
    socket.stream.send(Message::binary(vec![0xff, 0x00])).await.unwrap();
    assert_eq!(socket.next_json().await["code"], "binary_frame");

    // Row: SQL-looking and HTML text are stored as text.
    for text in ["'; DROP TABLE message; --", "<img src=x onerror=alert(1)>", "Robert'); --"] {
        socket.say(text, &format!("ok-{}", valid.len())).await;
        valid.push(text.to_owned());
    }

    // Row: message rate — over the burst, `rate_limited`, and the socket stays open.
    let mut limited = false;
    for i in 0..40 {
        socket.send_json(json!({"type": "send", "text": format!("flood {i}"), "client_id": format!("flood-{i}")})).await;
        let frame = socket.next_of_any(&["ack", "error"]).await;
        if frame["type"] == "error" {
            assert_eq!(frame["code"], "rate_limited");
            assert!(frame["message"].as_str().unwrap().contains("try again in"));
            limited = true;
            break;
        }
        valid.push(format!("flood {i}"));
    }
    assert!(limited, "the flood was limited");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    socket.say("after the flood", "calm").await;
    valid.push("after the flood".to_owned());

    // Row: huge frame closes with 1009 (that socket only).
    let mut doomed = alice.socket(ROOM, None).await;
    doomed.send_text(&json!({"type": "send", "text": "x".repeat(17 * 1024)}).to_string()).await;
    assert_eq!(doomed.next_close().await.map(|c| u16::from(c.code)), Some(1009));

    // Row: invalid UTF-8 and path traversal in a room name.
    assert_eq!(status_of(&alice, "/room/%FF%FE/").await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&alice, "/api/messages/%FF%FE/").await, StatusCode::BAD_REQUEST);
    assert_eq!(status_of(&alice, "/room/..%2F..%2Fetc%2Fpasswd/").await, StatusCode::NOT_FOUND);
    let (status, body) = alice.get_json("/api/messages/..%2F..%2Fetc%2Fpasswd/").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_room")));
    // Sent byte for byte over TCP: an HTTP client would normalise the `..` away.
    for traversal in ["/pkg/../../Cargo.toml", "/pkg/..%2F..%2FCargo.toml", "/pkg/%2e%2e/%2e%2e/Cargo.toml"] {
        let (status, body) = app.raw_get(traversal).await;
        assert!(matches!(status, 400 | 404), "{traversal} answered {status}");
        assert!(!body.contains("[workspace]"), "{traversal} served a file outside the site");
    }

    // Row: a 10,000-character username.
    let long_name = "a".repeat(10_000);
    let response = app.visitor().register(&long_name, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = app.visitor().login(&long_name, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Row: missing or forged session cookie.
    let anonymous = app.visitor();
    assert_eq!(status_of(&anonymous, &format!("/api/messages/{ROOM}/")).await, StatusCode::UNAUTHORIZED);
    for cookie in ["parlor_session=AAAAAAAAAAAAAAAAAAAAAA", "parlor_session=%%%not-base64%%%"] {
        let response = app.get_with_cookie(&format!("/api/messages/{ROOM}/"), cookie).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "cookie {cookie}");
    }

    // Row: cross-origin upgrade and cross-origin POST.
    assert_http_refusal(alice.try_socket(ROOM, None, Some("https://evil.example")).await, StatusCode::FORBIDDEN);
    let cross_site = reqwest::Client::new()
        .post(app.url("/api/login"))
        .header("origin", "https://evil.example")
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let body: Value = cross_site.json().await.unwrap();
    assert_eq!(body["error"], "cross_site");

    // Row: an oversized request body.
    let big = "x".repeat(200 * 1024);
    let response = app.visitor().post_form("/api/login", &[("username", "alice"), ("password", &big)]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Row: login brute force — refused with a wait, even with the right password.
    let attacker = app.visitor();
    let mut refused = None;
    for _ in 0..10 {
        let response = attacker.login("alice", "guess-guess").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = refused.expect("brute force is limited");
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(attacker.login("alice", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);

    // After the matrix: the server serves, and history holds exactly the valid messages.
    let (status, _) = alice.get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let (_, history) = alice.get_json(&format!("/api/messages/{ROOM}/?limit=200")).await;
    let texts: Vec<String> =
        history["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_owned()).collect();
    assert_eq!(texts, valid);
}

#[tokio::test]
async fn login_rotates_the_session_id_and_logout_ends_it_on_the_server() {
    let app = TestApp::spawn().await;
    app.user("bob").await;
    let bob = app.visitor();
    // Anonymous visitors get no session at all, so a planted cookie cannot be
    // logged into (axum-login also cycles the id on login); each login is a new id.
    bob.login("bob", PASSWORD).await;
    let first = bob.cookie_header().expect("cookie after login");
    bob.logout().await;
    bob.login("bob", PASSWORD).await;
    let second = bob.cookie_header().expect("cookie after second login");
    assert_ne!(first, second, "a new session id for each login");

    // The old cookie is dead on the server, not just forgotten by the browser.
    assert_eq!(app.whoami_with_cookie(first.to_str().unwrap()).await, None);
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let page = visitor.get("/login").await;
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let html = page.text().await.unwrap();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "inline scripts carry the nonce");

    let api = visitor.get("/healthz").await;
    assert_eq!(api.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");

    // The service worker runs under its script's CSP: it may fetch Parlor's own URLs only.
    let worker = visitor.get("/sw.js").await;
    assert_eq!(worker.headers()["content-security-policy"], "default-src 'none'; connect-src 'self'; img-src 'self'");
}
