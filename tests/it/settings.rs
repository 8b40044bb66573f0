//! Account settings: the sessions list (device, first and last use, this one
//! marked), a display name, a password change that asks for the current
//! password and ends every other session, one session logged out by its
//! handle, and "log out everywhere" — each ending what it says, sockets
//! included (4001), and nothing else.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{PASSWORD, TestApp, Visitor};

const SESSION_ENDED: u16 = 4001;

/// Another session of `username` (its own cookies), logged in and used once.
async fn another_session(app: &TestApp, username: &str, password: &str) -> Visitor {
    let visitor = app.visitor();
    assert_eq!(visitor.login(username, password).await.status(), StatusCode::OK);
    assert_eq!(visitor.whoami().await.as_deref(), Some(username));
    visitor
}

async fn account(visitor: &Visitor) -> Value {
    let (status, body) = visitor.post_json("/api/account", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn close_code(socket: &mut crate::harness::Socket) -> Option<u16> {
    socket.next_close().await.map(|frame| u16::from(frame.code))
}

#[tokio::test]
async fn sessions_are_listed_and_end_one_by_one() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    assert_eq!(alice.whoami().await.as_deref(), Some("alice"));
    let laptop = another_session(&app, "alice", PASSWORD).await;
    let mut laptop_room = laptop.socket("den", Some(0)).await;
    let bob = app.user("bob").await;
    bob.whoami().await;

    let listed = account(&alice).await;
    assert_eq!(listed["username"], "alice");
    let sessions = listed["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{listed}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s["device"].is_string() && s["last_seen"].is_string()));
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["handle"].as_str().unwrap().to_owned();

    // Someone else's handle, or one that does not exist, ends nothing.
    let (status, _) = bob.post_json("/api/end_session", &[("handle", &other)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(laptop.whoami().await.as_deref(), Some("alice"));

    let (status, body) = alice.post_json("/api/end_session", &[("handle", &other)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(close_code(&mut laptop_room).await, Some(SESSION_ENDED));
    assert_eq!(laptop.whoami().await, None, "that session is over");
    assert_eq!(alice.whoami().await.as_deref(), Some("alice"), "this one goes on");
    assert_eq!(account(&alice).await["sessions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_session_whose_first_requests_come_at_once_is_one_device() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let busy = app.visitor();
    assert_eq!(busy.login("alice", PASSWORD).await.status(), StatusCode::OK);
    let requests: Vec<_> = (0..20).map(|_| busy.get("/api/rooms/")).collect();
    for response in futures::future::join_all(requests).await {
        assert_eq!(response.status(), StatusCode::OK);
    }
    alice.whoami().await;
    assert_eq!(account(&alice).await["sessions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_password_needs_the_old_one_and_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let phone = another_session(&app, "alice", PASSWORD).await;
    let mut phone_room = phone.socket("den", Some(0)).await;
    let mut own_room = alice.socket("den", Some(0)).await;

    let (status, body) = alice.post_json("/api/change_password", &[("current", "wrong password"), ("new", "a new secret")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("wrong_credentials")));
    let (status, body) = alice.post_json("/api/change_password", &[("current", PASSWORD), ("new", "short")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("password_too_short")));
    assert_eq!(phone.whoami().await.as_deref(), Some("alice"), "refused changes end nothing");

    let (status, body) = alice.post_json("/api/change_password", &[("current", PASSWORD), ("new", "a new secret")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(close_code(&mut phone_room).await, Some(SESSION_ENDED));
    assert_eq!(phone.whoami().await, None);
    assert_eq!(alice.whoami().await.as_deref(), Some("alice"), "the session that changed it goes on");
    own_room.say("still here", "s1").await;

    assert_eq!(app.visitor().login("alice", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    another_session(&app, "alice", "a new secret").await;
}

#[tokio::test]
async fn log_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let tablet = another_session(&app, "alice", PASSWORD).await;
    let mut tablet_room = tablet.socket("den", Some(0)).await;
    let bob = app.user("bob").await;

    let (status, _) = alice.post_json("/api/log_out_everywhere", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(close_code(&mut tablet_room).await, Some(SESSION_ENDED));
    assert_eq!(alice.whoami().await, None);
    assert_eq!(tablet.whoami().await, None);
    assert_eq!(bob.whoami().await.as_deref(), Some("bob"), "other people stay logged in");
    assert_eq!(alice.post_json("/api/account", &[]).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_display_name_is_kept_bounded_and_cleared() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (status, _) = alice.post_json("/api/display_name", &[("display_name", "  Alice Liddell ")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(account(&alice).await["display_name"], "Alice Liddell");
    let (status, body) = alice.post_json("/api/display_name", &[("display_name", &"x".repeat(65))]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(account(&alice).await["display_name"], "Alice Liddell");
    alice.post_json("/api/display_name", &[("display_name", "")]).await;
    assert_eq!(account(&alice).await["display_name"], Value::Null);

    // Without JavaScript: the form answers with the settings page.
    let plain = alice.post_plain_form("/api/display_name", &[("display_name", "Al")]).await;
    assert_eq!(plain.status(), StatusCode::FOUND);
    assert_eq!(plain.headers()["location"], "/settings?done=display_name");
    let page = alice.get("/settings?done=display_name").await.text().await.unwrap();
    assert!(page.contains("Your display name is saved."), "{page}");
    assert!(page.contains("value=\"Al\""));
}
