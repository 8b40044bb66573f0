//! Accounts over HTTP against the real server: register, log in, log out, the
//! errors a person can run into, and a session that survives a restart.

use crate::harness::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("JSON error body");
    body["error"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn register_logs_the_new_user_in() {
    let app = TestApp::spawn().await;
    let alice = app.visitor();
    assert_eq!(alice.whoami().await, None);
    let response = alice.register("alice", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(alice.whoami().await.as_deref(), Some("alice"));
}

#[tokio::test]
async fn usernames_are_lowercased_and_unique() {
    let app = TestApp::spawn().await;
    app.user("alice").await;
    let response = app.visitor().register("Alice", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(response).await, "username_taken");
}

#[tokio::test]
async fn bad_usernames_and_short_passwords_are_refused() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    for bad in ["", "with space", "émile", &"x".repeat(33), "../etc"] {
        let response = visitor.register(bad, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "username {bad:?}");
        assert_eq!(error_code(response).await, "bad_username");
    }
    let response = visitor.register("bob", "1234567").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "password_too_short");
    assert_eq!(visitor.whoami().await, None);
}

#[tokio::test]
async fn login_and_logout() {
    let app = TestApp::spawn().await;
    app.user("carol").await;
    let carol = app.visitor();
    let response = carol.login("carol", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(carol.whoami().await.as_deref(), Some("carol"));
    assert_eq!(carol.logout().await.status(), StatusCode::OK);
    assert_eq!(carol.whoami().await, None);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.user("dave").await;
    let visitor = app.visitor();
    let wrong_password = visitor.login("dave", "not the password").await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    let wrong_password = wrong_password.text().await.unwrap();
    let unknown_user = visitor.login("nobody", "not the password").await;
    assert_eq!(unknown_user.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_user.text().await.unwrap(), wrong_password);
    assert_eq!(visitor.whoami().await, None);
}

#[tokio::test]
async fn plain_form_posts_redirect_to_next_or_back_with_the_error() {
    let app = TestApp::spawn().await;
    app.user("erin").await;
    let visitor = app.visitor();
    let fields = [("username", "erin"), ("password", "nope-nope"), ("next", "/room/general/")];
    let failed = visitor.post_plain_form("/api/login", &fields).await;
    assert_eq!(failed.status(), StatusCode::FOUND);
    assert_eq!(failed.headers()["location"], "/login?error=wrong_credentials&next=%2Froom%2Fgeneral%2F&username=erin");
    let fields = [("username", "erin"), ("password", PASSWORD), ("next", "/room/general/")];
    let ok = visitor.post_plain_form("/api/login", &fields).await;
    assert_eq!(ok.status(), StatusCode::FOUND);
    assert_eq!(ok.headers()["location"], "/room/general/");

    let fields = [("username", "erin"), ("password", PASSWORD), ("next", "https://evil.example/")];
    let offsite = visitor.post_plain_form("/api/login", &fields).await;
    assert_eq!(offsite.headers()["location"], "/");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;
    let response = app.visitor().register("frank", PASSWORD).await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("parlor_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let app = TestApp::spawn().await;
    let grace = app.user("grace").await;
    let cookie = grace.cookie_header().expect("session cookie");
    let app = app.restart().await;
    assert_eq!(app.whoami_with_cookie(cookie.to_str().unwrap()).await.as_deref(), Some("grace"));
}

#[tokio::test]
async fn healthz_reports_the_database_and_channel_layer() {
    let app = TestApp::spawn().await;
    let (status, body) = app.visitor().get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["database"], "ok");
    assert_eq!(body["channel_layer"], "ok");
}
