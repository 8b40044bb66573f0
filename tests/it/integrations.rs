//! Integrations (#30), the ways in: API tokens on the API and the sockets (and
//! their revocation), bots an administrator makes, and incoming webhooks —
//! their messages, their idempotency, and every bad input, each with its
//! status. (Outgoing events and slash commands: `outgoing_webhooks`.)

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestApp, assert_http_refusal};

/// The room's history as JSON messages.
async fn history(app: &TestApp, token: &str, room: &str) -> Vec<Value> {
    let (status, page) = app.api(token).get(&format!("/api/messages/{room}/?limit=200")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["messages"].as_array().expect("messages").clone()
}

#[tokio::test]
async fn a_token_works_on_the_api_and_the_sockets_and_its_revocation_ends_it_everywhere() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let token = alice.token("my script").await;
    assert!(token.starts_with("plr_") && token.len() == 47, "{token}");
    let api = app.api(&token);

    // The API, with no cookie: who one is, sending (idempotently) and reading.
    let (status, me) = api.post("/api/me", json!({})).await;
    assert_eq!((status, me), (StatusCode::OK, json!("alice")));
    let seq = api.say("general", "from a script", "script-1").await;
    let (status, again) = api.post("/api/messages/general/", json!({"text": "from a script", "client_id": "script-1"})).await;
    assert_eq!((status, &again["seq"], &again["duplicate"]), (StatusCode::OK, &json!(seq), &json!(true)));
    let messages = history(&app, &token, "general").await;
    assert_eq!(messages.len(), 1);
    assert_eq!((&messages[0]["sender"], &messages[0]["text"]), (&json!("alice"), &json!("from a script")));
    assert!(messages[0].get("bot").is_none(), "a person's message has no badge: {}", messages[0]);

    // A socket with the token and no Origin; it sees the room live.
    let mut socket = api.socket("general", 0).await;
    assert_eq!(socket.next_of("message").await["seq"], seq);
    let mut browser = alice.socket("general", Some(seq)).await;
    let live = browser.say("from the browser", "b1").await;
    assert_eq!(socket.next_of("message").await["seq"], live);

    // The inbox socket takes it too.
    let mut inbox = api.try_socket("/ws/inbox/").await.expect("the inbox opens with a token");
    assert_eq!(inbox.next_of("room").await["room"], "general");

    // Pages never take a token: the header alone is an anonymous visitor.
    let page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/room/general/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);

    // A token cannot make tokens; the owner lists theirs.
    let (status, _) = api.post("/api/tokens", json!({"name": "another"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, listed) = api.get("/api/tokens").await;
    assert_eq!(status, StatusCode::OK);
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["name"], "my script");
    assert_eq!(tokens[0]["hint"], token[..8]);
    assert!(tokens[0]["last_used_at"].is_string(), "{listed}");
    assert!(!listed.to_string().contains(&token[8..]), "the token is never shown again");

    // Revoked: its socket closes with 4001, and it authenticates nothing more.
    let id = tokens[0]["id"].as_i64().unwrap().to_string();
    let (status, _) = alice.post_json("/api/tokens/revoke", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    let close = socket.next_close().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 4001);
    let (status, refused) = api.get("/api/messages/general/").await;
    assert_eq!((status, &refused["error"]), (StatusCode::UNAUTHORIZED, &json!("invalid_token")));
    assert_http_refusal(api.try_socket("/ws/room/general/?after=0").await, StatusCode::UNAUTHORIZED);
    let (status, _) = alice.post_json("/api/tokens/revoke", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked already");
}

#[tokio::test]
async fn a_bad_token_is_refused_whatever_cookie_comes_with_it() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    for header in ["Bearer plr_not-a-token", "Bearer ", "bearer nonsense"] {
        let response = alice.http.get(app.url("/api/messages/general/")).header("authorization", header).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
        assert!(response.headers().get("www-authenticate").is_some(), "{header}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_token", "{header}");
    }
    // The cookie alone still works, and so with another scheme's credentials (a proxy's).
    assert_eq!(alice.get("/api/messages/general/").await.status(), StatusCode::OK);
    let behind_proxy = alice
        .http
        .get(app.url("/api/messages/general/"))
        .header("authorization", "Basic YWxpY2U6cGFzc3dvcmQ=")
        .send()
        .await
        .unwrap();
    assert_eq!(behind_proxy.status(), StatusCode::OK);

    // A token administers nothing and mints no tokens, not even beside a cookie.
    let token = alice.token("mine").await;
    let minted =
        alice.http.post(app.url("/api/create_token")).bearer_auth(&token).form(&[("name", "more")]).send().await.unwrap();
    assert_eq!(minted.status(), StatusCode::FORBIDDEN);
    let (status, _) = app.api(&token).post("/api/admin/bots", json!({"username": "sneaky"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "alice is the administrator, but not through a token");
    let (_, listed) = app.api(&token).get("/api/tokens").await;
    assert_eq!(listed["tokens"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_token_is_held_to_its_own_rate() {
    let app = TestApp::spawn_with(|config| config.api_requests_per_minute = 3).await;
    let alice = app.user("alice").await;
    let (first, second) = (app.api(&alice.token("one").await), app.api(&alice.token("two").await));
    for _ in 0..3 {
        assert_eq!(first.get("/api/rooms/").await.0, StatusCode::OK);
    }
    let (status, body) = first.get("/api/rooms/").await;
    assert_eq!((status, &body["error"]), (StatusCode::TOO_MANY_REQUESTS, &json!("rate_limited")));
    assert_eq!(second.get("/api/rooms/").await.0, StatusCode::OK, "per token");
}

#[tokio::test]
async fn an_administrator_makes_bots_that_never_log_in_and_wear_a_badge() {
    let app = TestApp::spawn().await;
    let admin = app.user("admin").await;
    let bob = app.user("bob").await;
    let (status, _) = bob.post_json("/api/admin/bots", &[("username", "sneaky")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = admin.make_bot("ci-bot").await;
    let (status, taken) = admin.post_json("/api/admin/bots", &[("username", "CI-Bot")]).await;
    assert_eq!((status, &taken["error"]), (StatusCode::CONFLICT, &json!("username_taken")));

    let (status, _) = admin.post_json("/api/admin/users/admin", &[("username", "ci-bot"), ("admin", "true")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a bot is never an administrator");

    // No password logs it in (not even the string kept in its place).
    for password in [PASSWORD, "!no-password", ""] {
        let response = app.visitor().login("ci-bot", password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{password:?}");
    }
    let (_, users) = admin.get_json("/api/admin/users/").await;
    let listed: Vec<(&str, &str)> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["username"].as_str().unwrap(), u["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [("admin", "person"), ("bob", "person"), ("ci-bot", "bot")]);

    // Its messages carry the badge; it joins a private room like anyone.
    let bot = app.api(&token);
    bot.say("general", "build passed", "b1").await;
    assert_eq!(history(&app, &token, "general").await[0]["bot"], true);
    let (_, room) = admin.post_json("/api/rooms/", &[("name", "Ops"), ("private", "true")]).await;
    let room = room["room"].as_str().unwrap().to_owned();
    assert_eq!(bot.get(&format!("/api/messages/{room}/")).await.0, StatusCode::NOT_FOUND, "not a member yet");
    let (status, _) = admin.post_json(&format!("/api/rooms/{room}/members"), &[("username", "ci-bot")]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, members) = admin.get_json(&format!("/api/rooms/{room}/members")).await;
    assert_eq!((&members["members"], &members["bots"]), (&json!(["admin", "ci-bot"]), &json!(["ci-bot"])));
    bot.say(&room, "hello ops", "b2").await;

    // Deactivated: its tokens are revoked.
    let (status, _) = admin.post_json("/api/admin/users/deactivate", &[("username", "ci-bot")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bot.get("/api/rooms/").await.0, StatusCode::UNAUTHORIZED);
}

/// Makes a webhook named `name` in `room` as `who`; its URL (absolute).
async fn hook(app: &TestApp, who: &crate::harness::Visitor, room: &str, name: &str) -> (i64, String) {
    let (status, made) = who.post_json(&format!("/api/rooms/{room}/webhooks"), &[("name", name)]).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let url = made["url"].as_str().unwrap();
    assert!(url.starts_with("/hooks/") && url.len() == "/hooks/".len() + 32, "{url}");
    (made["id"].as_i64().unwrap(), app.url(url))
}

/// POSTs to a hook as an outside service does (no cookie, no token).
async fn post_hook(url: &str, body: impl Into<reqwest::Body>, content_type: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(url).header("content-type", content_type).body(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.expect("request sent")
}

#[tokio::test]
async fn a_webhook_posts_as_itself_live_and_a_retry_is_the_same_message() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let token = alice.token("reader").await;
    let mut socket = alice.socket("general", Some(0)).await;
    let (id, url) = hook(&app, &alice, "general", "CI").await;

    let response = post_hook(
        &url,
        r#"{"text":"Build #812 passed","username":"Jenkins","icon_url":"https://x/i.png"}"#,
        "application/json",
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let seq: i64 = response.headers()["parlor-seq"].to_str().unwrap().parse().unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");
    let live = socket.next_of("message").await;
    assert_eq!((live["seq"].as_i64(), &live["text"], &live["bot"]), (Some(seq), &json!("Build #812 passed"), &json!(true)));
    assert_eq!(live["sender_name"], "Jenkins", "shown under the payload's name");
    let sender = live["sender"].as_str().unwrap();
    assert!(sender.starts_with("hook-") && sender != "alice", "the hook's own account: {sender}");

    // A form's `payload`, and no username: the hook's name.
    let form = format!("payload={}", urlencoding::encode(r#"{"text":"Disk 91% full"}"#));
    let response = post_hook(&url, form, "application/x-www-form-urlencoded", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let live = socket.next_of("message").await;
    assert_eq!((&live["text"], &live["sender_name"]), (&json!("Disk 91% full"), &json!("CI")));

    // The same Idempotency-Key: the same message, once.
    let first = post_hook(&url, r#"{"text":"deployed"}"#, "application/json", Some("deploy-7")).await;
    let again = post_hook(&url, r#"{"text":"deployed"}"#, "application/json", Some("deploy-7")).await;
    assert_eq!(first.headers()["parlor-seq"], again.headers()["parlor-seq"]);
    let texts: Vec<Value> = history(&app, &token, "general").await.into_iter().map(|m| m["text"].clone()).collect();
    assert_eq!(texts, [json!("Build #812 passed"), json!("Disk 91% full"), json!("deployed")]);

    // Listed, then revoked: 410 from then on.
    let (_, listed) = alice.get_json("/api/rooms/general/webhooks").await;
    assert_eq!(listed["webhooks"][0]["name"], "CI");
    assert!(listed["webhooks"][0]["last_used_at"].is_string());
    assert!(!listed.to_string().contains(url.rsplit('/').next().unwrap()), "the URL is shown once");
    let (status, _) = alice.post_json("/api/rooms/general/webhooks/revoke", &[("id", &id.to_string())]).await;
    assert_eq!(status, StatusCode::OK);
    let gone = post_hook(&url, r#"{"text":"after"}"#, "application/json", None).await;
    assert_eq!(gone.status(), StatusCode::GONE);
    assert_eq!(gone.json::<Value>().await.unwrap()["error"], "gone");
}

#[tokio::test]
async fn every_bad_webhook_post_gets_its_own_error_and_stores_nothing() {
    let app = TestApp::spawn_with(|config| config.webhook_posts_per_minute = 3).await;
    let alice = app.user("alice").await;
    let token = alice.token("reader").await;
    let (_, url) = hook(&app, &alice, "general", "alerts").await;
    let long = "x".repeat(4001);
    let long_key = "k".repeat(60);
    let cases: Vec<(String, &str, Option<&str>, u16, &str)> = vec![
        ("not json".into(), "application/json", None, 400, "bad_request"),
        ("text=hi".into(), "application/x-www-form-urlencoded", None, 400, "bad_request"),
        (r#"{"username":"x"}"#.into(), "application/json", None, 400, "empty_text"),
        (r#"{"text":"   "}"#.into(), "application/json", None, 400, "empty_text"),
        (json!({ "text": long }).to_string(), "application/json", None, 400, "text_too_long"),
        (r#"{"text":"bell\u0007"}"#.into(), "application/json", None, 400, "control_characters"),
        (json!({"text": "hi", "username": "y".repeat(65)}).to_string(), "application/json", None, 400, "bad_request"),
        (r#"{"text":"hi"}"#.into(), "application/json", Some(long_key.as_str()), 400, "bad_request"),
    ];
    for (body, content_type, key, status, code) in cases {
        let response = post_hook(&url, body.clone(), content_type, key).await;
        assert_eq!(response.status().as_u16(), status, "{body}");
        assert_eq!(response.json::<Value>().await.unwrap()["error"], code, "{body}");
    }
    let huge = post_hook(&url, format!(r#"{{"text":"{}"}}"#, "z".repeat(70 * 1024)), "application/json", None).await;
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let unknown =
        post_hook(&app.url("/hooks/00000000000000000000000000000000"), r#"{"text":"hi"}"#, "application/json", None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(history(&app, &token, "general").await.is_empty(), "nothing refused was stored");

    // Three a minute: the fourth waits.
    for n in 0..3 {
        assert_eq!(post_hook(&url, format!(r#"{{"text":"ok {n}"}}"#), "application/json", None).await.status(), StatusCode::OK);
    }
    let limited = post_hook(&url, r#"{"text":"one too many"}"#, "application/json", None).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().get("retry-after").is_some());
    assert_eq!(history(&app, &token, "general").await.len(), 3);
}

#[tokio::test]
async fn in_a_private_room_its_managers_make_webhooks_whose_accounts_are_members_until_revoked() {
    let app = TestApp::spawn().await;
    let owner = app.user("owner").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let (_, room) = owner.post_json("/api/rooms/", &[("name", "Ops"), ("private", "true")]).await;
    let room = room["room"].as_str().unwrap().to_owned();
    owner.post_json(&format!("/api/rooms/{room}/members"), &[("username", "bob")]).await;
    let path = format!("/api/rooms/{room}/webhooks");
    assert_eq!(bob.post_json(&path, &[("name", "x")]).await.0, StatusCode::FORBIDDEN, "a member who does not manage");
    assert_eq!(carol.post_json(&path, &[("name", "x")]).await.0, StatusCode::NOT_FOUND, "an outsider sees no room");
    assert_eq!(carol.get(&path).await.status(), StatusCode::NOT_FOUND);

    let (id, url) = hook(&app, &owner, &room, "Pager").await;
    let (_, members) = owner.get_json(&format!("/api/rooms/{room}/members")).await;
    let account = members["bots"][0].as_str().expect("the hook's account is a member").to_owned();
    assert!(account.starts_with("hook-"));
    let mut socket = bob.socket(&room, Some(0)).await;
    assert_eq!(post_hook(&url, r#"{"text":"db-2 is down"}"#, "application/json", None).await.status(), StatusCode::OK);
    assert_eq!(socket.next_of("message").await["text"], "db-2 is down");

    owner.post_json(&format!("{path}/revoke"), &[("id", &id.to_string())]).await;
    let (_, members) = owner.get_json(&format!("/api/rooms/{room}/members")).await;
    assert_eq!(members["bots"], json!([]), "revoked: no longer a member");
    assert_eq!(post_hook(&url, r#"{"text":"late"}"#, "application/json", None).await.status(), StatusCode::GONE);
    let removal = socket.next_of("member").await;
    assert_eq!((&removal["user"], &removal["change"]), (&json!(account), &json!("removed")));
    socket.expect_silence(Duration::from_millis(300)).await;
}
