//! Sockets end with their session: log-out (on any instance), expiry and a new
//! log-in close the session's sockets within a second with close code 4001,
//! and nothing more is accepted from them. Log-in always starts a new session
//! id, even over a logged-in session; activity keeps a session alive.

use std::time::{Duration, Instant};

use futures::SinkExt;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{
    PASSWORD, TestApp,
    services::{Postgres, Redis},
};

const SESSION_ENDED: u16 = 4001;

/// Waits for the socket's close frame and returns its code and how long it took.
async fn closed_within(socket: &mut crate::harness::Socket) -> (Option<u16>, Duration) {
    let started = Instant::now();
    let code = socket.next_close().await.map(|close| u16::from(close.code));
    (code, started.elapsed())
}

#[tokio::test]
async fn log_out_closes_the_sessions_sockets_and_a_send_after_it_is_not_stored() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    socket.say("before", "b1").await;
    // The same user in another browser keeps its socket.
    let other_browser = app.visitor();
    assert_eq!(other_browser.login("alice", PASSWORD).await.status(), StatusCode::OK);
    let mut other = other_browser.socket("general", None).await;

    assert_eq!(alice.logout().await.status(), StatusCode::OK);
    let (code, took) = closed_within(&mut socket).await;
    assert_eq!(code, Some(SESSION_ENDED));
    assert!(took < Duration::from_secs(1), "closed after {took:?}");
    // A frame sent into the closed socket goes nowhere.
    let _ = socket
        .stream
        .send(tokio_tungstenite::tungstenite::Message::text(
            json!({"type": "send", "text": "after logout", "client_id": "late"}).to_string(),
        ))
        .await;

    other.say("still here", "o1").await;
    let (_, history) = other_browser.get_json("/api/messages/general/").await;
    let texts: Vec<&str> = history["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["before", "still here"]);
}

#[tokio::test]
async fn an_expired_session_closes_its_socket() {
    let app = TestApp::spawn_with(|config| config.session_lifetime_override = Some(Duration::from_secs(2))).await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    let started = Instant::now();
    let (code, _) = closed_within(&mut socket).await;
    assert_eq!(code, Some(SESSION_ENDED));
    let lived = started.elapsed();
    assert!(lived > Duration::from_millis(1500) && lived < Duration::from_secs(3), "closed after {lived:?}");
    assert_eq!(alice.whoami().await, None, "the session is gone for HTTP too");
}

#[tokio::test]
async fn activity_keeps_a_session_alive() {
    let app = TestApp::spawn_with(|config| config.session_lifetime_override = Some(Duration::from_secs(3))).await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    // Five seconds of use, a request every half second: longer than the lifetime.
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(alice.whoami().await.as_deref(), Some("alice"));
    }
    assert!(socket.say("still logged in", "s1").await > 0, "the socket outlived the original expiry");
}

#[tokio::test]
async fn log_in_always_starts_a_new_session_id_and_ends_the_old_one() {
    let app = TestApp::spawn().await;
    app.user("bob").await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    let before = alice.cookie_header().unwrap();
    // Logging in again over a logged-in session (as someone else, here).
    assert_eq!(alice.login("bob", PASSWORD).await.status(), StatusCode::OK);
    let after = alice.cookie_header().unwrap();
    assert_ne!(before, after, "a new session id");
    assert_eq!(app.whoami_with_cookie(before.to_str().unwrap()).await, None, "the old id is dead");
    assert_eq!(alice.whoami().await.as_deref(), Some("bob"));
    let (code, _) = closed_within(&mut socket).await;
    assert_eq!(code, Some(SESSION_ENDED), "the old session's socket closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_on_one_instance_closes_the_socket_on_the_other() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("logout_everywhere");
    let a = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let b = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let alice = a.user("alice").await;
    let mut on_b = alice.on(&b).socket("general", Some(0)).await;
    assert_eq!(alice.logout().await.status(), StatusCode::OK);
    let (code, took) = closed_within(&mut on_b).await;
    assert_eq!(code, Some(SESSION_ENDED));
    assert!(took < Duration::from_secs(1), "closed after {took:?}");
}
