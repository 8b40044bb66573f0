//! Who gets in (#31): registration modes (live on two instances), account
//! invitations (uses, expiry, revocation, a race for the last use, rooms
//! joined), password reset links (once, a day, sessions ended), and accounts
//! an administrator makes.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::harness::{
    PASSWORD, TestApp, Visitor,
    services::{Postgres, Redis},
};

/// Registers `username` (optionally with an invitation) as a fresh visitor; the status and error code.
async fn register(app: &TestApp, username: &str, invitation: Option<&str>) -> (StatusCode, Value, Visitor) {
    let visitor = app.visitor();
    let mut fields = vec![("username", username), ("password", PASSWORD)];
    if let Some(code) = invitation {
        fields.push(("invitation", code));
    }
    let response = visitor.post_form("/api/register", &fields).await;
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, visitor)
}

async fn set_mode(admin: &Visitor, mode: &str) {
    let (status, body) = admin.post_json("/api/admin/registration", &[("mode", mode)]).await;
    assert_eq!((status, &body["mode"]), (StatusCode::OK, &json!(mode)));
}

/// An invitation made by `admin`: its code.
async fn invitation(admin: &Visitor, fields: &[(&str, &str)]) -> String {
    let (status, made) = admin.post_json("/api/admin/invitations", fields).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let code = made["code"].as_str().unwrap().to_owned();
    assert_eq!(made["url"], format!("/welcome/{code}"));
    assert_eq!(code.len(), 32);
    code
}

#[tokio::test]
async fn each_registration_mode_holds_and_the_first_account_always_gets_in() {
    let app = TestApp::spawn_with(|config| config.registration = parlor::protocol::RegistrationMode::Closed).await;
    let (status, _, admin) = register(&app, "founder", None).await;
    assert_eq!(status, StatusCode::OK, "the first account of an empty deployment, whatever the mode");
    let (_, mode) = admin.get_json("/api/admin/registration").await;
    assert_eq!(mode["mode"], "closed", "--registration is the starting mode");
    let page = app.visitor().get("/register").await.text().await.unwrap();
    assert!(page.contains("data-mode=\"closed\""), "the register page says which mode holds");

    let (status, body, _) = register(&app, "stranger", None).await;
    assert_eq!((status, &body["error"]), (StatusCode::FORBIDDEN, &json!("registration_closed")));
    // Administrators make accounts.
    let (status, _) = admin.post_json("/api/admin/users", &[("username", "made"), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.visitor().login("made", PASSWORD).await.status(), StatusCode::OK);

    set_mode(&admin, "invite").await;
    let (status, body, _) = register(&app, "stranger", None).await;
    assert_eq!((status, &body["error"]), (StatusCode::FORBIDDEN, &json!("invitation_needed")));
    let code = invitation(&admin, &[]).await;
    assert_eq!(register(&app, "invited", Some(&code)).await.0, StatusCode::OK);

    set_mode(&admin, "open").await;
    assert_eq!(register(&app, "anyone", None).await.0, StatusCode::OK);
    let (status, _) = app.visitor().post_json("/api/admin/registration", &[("mode", "open")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(admin.post_json("/api/admin/registration", &[("mode", "sometimes")]).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn invitations_count_their_uses_expire_are_revoked_and_join_their_rooms() {
    let app = TestApp::spawn_with(|config| config.registration = parlor::protocol::RegistrationMode::Invite).await;
    let (_, _, admin) = register(&app, "admin", None).await;
    let (_, room) = admin.post_json("/api/rooms/", &[("name", "Team"), ("private", "true")]).await;
    let private = room["room"].as_str().unwrap().to_owned();
    admin.socket("lobby", Some(0)).await.say("welcome all", "w").await;
    let rooms = format!("lobby,{private}");
    let code = invitation(&admin, &[("uses", "2"), ("rooms", &rooms)]).await;
    let welcome = app.visitor().get(&format!("/welcome/{code}")).await;
    assert_eq!(welcome.status(), StatusCode::OK);
    assert!(welcome.text().await.unwrap().contains(&format!("name=\"invitation\" value=\"{code}\"")));

    let (status, _, ann) = register(&app, "ann", Some(&code)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = ann.get_json("/api/rooms/").await;
    let mut joined: Vec<&str> = listed["rooms"].as_array().unwrap().iter().map(|room| room["room"].as_str().unwrap()).collect();
    joined.sort();
    let mut expected = vec!["lobby", private.as_str()];
    expected.sort();
    assert_eq!(joined, expected, "the invitation's rooms, the private one a member");
    assert_eq!(register(&app, "ben", Some(&code)).await.0, StatusCode::OK);
    let (status, body, _) = register(&app, "cat", Some(&code)).await;
    assert_eq!((status, &body["error"]), (StatusCode::GONE, &json!("invite_expired")), "used up");
    assert_eq!(app.visitor().get(&format!("/welcome/{code}")).await.status(), StatusCode::GONE);
    let (_, listed) = admin.get_json("/api/admin/invitations").await;
    assert_eq!((&listed["invitations"][0]["used"], &listed["invitations"][0]["works"]), (&json!(2), &json!(false)));

    // Revoked.
    let revoked = invitation(&admin, &[]).await;
    assert_eq!(admin.post_json("/api/admin/invitations/revoke", &[("code", &revoked)]).await.0, StatusCode::OK);
    assert_eq!(register(&app, "dan", Some(&revoked)).await.0, StatusCode::GONE);
    // Expired (its hour made past in the database).
    let expiring = invitation(&admin, &[("expires_in_hours", "1")]).await;
    let db = Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared(&format!("UPDATE invitation SET expires_at = '2020-01-01 00:00:00+00:00' WHERE code = '{expiring}'"))
        .await
        .unwrap();
    assert_eq!(register(&app, "eve", Some(&expiring)).await.0, StatusCode::GONE);
    assert_eq!(app.visitor().get(&format!("/welcome/{expiring}")).await.status(), StatusCode::GONE);
    // Unknown, and bad fields.
    assert_eq!(register(&app, "fay", Some("00000000000000000000000000000000")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.visitor().get("/welcome/nope").await.status(), StatusCode::NOT_FOUND);
    for fields in
        [[("uses", "0")], [("uses", "1001")], [("expires_in_hours", "0")], [("rooms", "_0123456789abcdef0123456789abcdef")]]
    {
        let (status, _) = admin.post_json("/api/admin/invitations", &fields).await;
        assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND, "{fields:?}: {status}");
    }
}

#[tokio::test]
async fn two_registrations_racing_for_an_invitations_last_use_cannot_both_win() {
    let app = TestApp::spawn_with(|config| {
        config.registration = parlor::protocol::RegistrationMode::Invite;
        config.auth_attempts_per_ip = 10_000;
    })
    .await;
    let (_, _, admin) = register(&app, "admin", None).await;
    for round in 0..5 {
        let code = invitation(&admin, &[]).await;
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        let (first, second) = tokio::join!(register(&app, &a, Some(&code)), register(&app, &b, Some(&code)));
        let won = [first.0, second.0].iter().filter(|status| **status == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {:?} {:?}", first.1, second.1);
    }
}

#[tokio::test]
async fn a_reset_link_sets_the_password_once_within_a_day_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let (_, _, admin) = register(&app, "admin", None).await;
    let (_, _, bob) = register(&app, "bob", None).await;
    let mut socket = bob.socket("lobby", Some(0)).await;
    let (status, made) = admin.post_json("/api/admin/users/reset", &[("username", "bob")]).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let url = made["url"].as_str().unwrap().to_owned();
    let token = url.trim_start_matches("/reset/").to_owned();
    assert_eq!(token.len(), 32);
    let page = app.visitor().get(&url).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("A new password for "));

    let stranger = app.visitor();
    let (status, body) = stranger.post_json("/api/reset_password", &[("token", &token), ("new", "short")]).await;
    assert_eq!((status, &body["error"]), (StatusCode::BAD_REQUEST, &json!("password_too_short")));
    let (status, _) = stranger.post_json("/api/reset_password", &[("token", &token), ("new", "a brand new password")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(u16::from(socket.next_close().await.expect("closed").code), 4001, "every session ended");
    assert_eq!(bob.whoami().await, None);
    assert_eq!(app.visitor().login("bob", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.visitor().login("bob", "a brand new password").await.status(), StatusCode::OK);
    let (status, body) = stranger.post_json("/api/reset_password", &[("token", &token), ("new", "yet another password")]).await;
    assert_eq!((status, &body["error"]), (StatusCode::GONE, &json!("link_ended")), "once");
    assert_eq!(app.visitor().get(&url).await.status(), StatusCode::GONE);

    // Expired.
    let (_, made) = admin.post_json("/api/admin/users/reset", &[("username", "bob")]).await;
    let expired = made["url"].as_str().unwrap().trim_start_matches("/reset/").to_owned();
    let db = Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared("UPDATE password_reset SET expires_at = '2020-01-01 00:00:00+00:00' WHERE used_at IS NULL")
        .await
        .unwrap();
    let (status, _) = stranger.post_json("/api/reset_password", &[("token", &expired), ("new", "too late for this")]).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(app.visitor().get("/reset/00000000000000000000000000000000").await.status(), StatusCode::NOT_FOUND);
    let carol = app.user("carol").await;
    assert_eq!(carol.post_json("/api/admin/users/reset", &[("username", "admin")]).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mode_set_on_one_instance_holds_on_the_other_at_once() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("modes");
    let a = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let b = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let (_, _, admin) = register(&a, "admin", None).await;
    set_mode(&admin, "closed").await;
    let (status, body, _) = register(&b, "late", None).await;
    assert_eq!((status, &body["error"]), (StatusCode::FORBIDDEN, &json!("registration_closed")));
    set_mode(&admin, "invite").await;
    let code = invitation(&admin, &[]).await;
    // The last use, raced from both instances.
    let (on_a, on_b) = tokio::join!(register(&a, "x1", Some(&code)), register(&b, "x2", Some(&code)));
    assert_eq!([on_a.0, on_b.0].iter().filter(|status| **status == StatusCode::OK).count(), 1);
}
