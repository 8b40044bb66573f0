//! Trust IV (#42): the holes an audit of round 3's surfaces confirmed, tried
//! as the attacker did — with an ordinary account, a stolen cookie or
//! nothing at all. Reset links look before they hash; a stolen session can
//! neither change the account's address without its password nor keep the
//! account once its owner answers the mail to the old address; a new password
//! ends the account's API tokens; a webhook posts only while its maker may,
//! within caps and its maker's rate, never under another account's name;
//! every refused log-in costs one argon2 run; guessing the current password
//! is limited; others' guesses do not lock a known browser out; a request for
//! another host is refused once the public URL is known.

use std::{
    net::{IpAddr, Ipv4Addr},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{
        PASSWORD, TestApp, Visitor,
        oidc::{CLIENT_ID, CLIENT_SECRET, Person, Provider},
        services::{Postgres, Redis},
        smtp::SmtpSink,
    },
    private_rooms::instance,
};

/// A server mailing through `sink`.
async fn mailing_app(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(move |config| {
        config.smtp_url = Some(url);
        config.mail_delay_secs = 1;
    })
    .await
}

/// Sets `address` for `visitor` (with the account's password) and verifies it by its link.
async fn verified(app: &TestApp, sink: &SmtpSink, visitor: &Visitor, address: &str) {
    let before = sink.mails_to(address).len();
    let (status, body) = visitor.post_json("/api/set_email", &[("address", address), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mail = sink.wait_for(address, before + 1, Duration::from_secs(10)).await.pop().unwrap();
    let response = visitor.http.post(app.url(&path_of(&mail.link_with("/verify-email/").unwrap()))).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/settings?done=email_verified");
}

/// The path of an absolute link.
fn path_of(link: &str) -> String {
    link.splitn(4, '/').nth(3).map(|rest| format!("/{rest}")).expect("an absolute link")
}

/// A client with no cookies, following no redirects, whose connections come from `ip`.
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    let ip = IpAddr::V4(Ipv4Addr::from(ip));
    reqwest::Client::builder().local_address(ip).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn log_in_from(client: &reqwest::Client, app: &TestApp, username: &str, password: &str) -> StatusCode {
    let form = [("username", username), ("password", password)];
    client.post(app.url("/api/login")).header("accept", "application/json").form(&form).send().await.unwrap().status()
}

#[tokio::test]
async fn a_reset_link_is_looked_up_before_anything_is_hashed_and_attempts_are_limited_per_client() {
    let app = TestApp::spawn_with(|config| config.auth_attempts_per_ip = 6).await;
    let admin = app.user("admin").await;
    app.user("bob").await;
    let stranger = Visitor::at(app.addr);
    let before = app.password_work();
    for n in 0..4 {
        let token = format!("{n:032x}");
        let (status, body) =
            stranger.post_json("/api/reset_password", &[("token", &token), ("new", "a long new password")]).await;
        assert_eq!((status, &body["error"]), (StatusCode::NOT_FOUND, &json!("not_found")), "{body}");
    }
    assert_eq!(app.password_work(), before, "an unknown token costs a lookup, never an argon2 run");
    let (status, body) =
        stranger.post_json("/api/reset_password", &[("token", &"f".repeat(32)), ("new", "x".repeat(9).as_str())]).await;
    assert_eq!((status, &body["error"]), (StatusCode::TOO_MANY_REQUESTS, &json!("rate_limited")), "{body}");

    // A real link from another address still works, and hashes once.
    let (_, made) = admin.post_json("/api/admin/users/reset", &[("username", "bob")]).await;
    let token = made["url"].as_str().unwrap().trim_start_matches("/reset/").to_owned();
    let elsewhere = client_from([127, 0, 0, 9]);
    let form = [("token", token.as_str()), ("new", "a long new password")];
    let response =
        elsewhere.post(app.url("/api/reset_password")).header("accept", "application/json").form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(log_in_from(&elsewhere, &app, "bob", "a long new password").await, StatusCode::OK);
}

#[tokio::test]
async fn a_stolen_session_cannot_take_the_address_and_the_old_address_undoes_a_change() {
    let sink = SmtpSink::start().await;
    let app = mailing_app(&sink).await;
    let bob = app.user("bob").await;
    verified(&app, &sink, &bob, "bob@example.test").await;
    let token = bob.token("deploy script").await;
    // The attacker holds a copy of bob's session cookie, not his password.
    let cookie = bob.cookie_header().unwrap().to_str().unwrap().to_owned();
    let thief = reqwest::Client::new();
    let steal = |fields: Vec<(&'static str, &'static str)>| {
        thief.post(app.url("/api/set_email")).header("accept", "application/json").header("cookie", &cookie).form(&fields).send()
    };
    let refused = steal(vec![("address", "mallory@evil.test")]).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "no password: refused");
    let refused = steal(vec![("address", "mallory@evil.test"), ("password", "a wrong guess")]).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let removal = thief
        .post(app.url("/api/remove_email"))
        .header("accept", "application/json")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(removal.status(), StatusCode::UNAUTHORIZED, "removing it asks for the password too");
    assert!(sink.mails_to("mallory@evil.test").is_empty());
    assert!(bob.get("/settings").await.text().await.unwrap().contains("bob@example.test (verified)"), "unchanged");

    // With the password (the owner, or someone who has it), the change is made and the old address told.
    let changed = steal(vec![("address", "mallory@evil.test"), ("password", PASSWORD)]).await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let told = sink.wait_for("bob@example.test", 2, Duration::from_secs(10)).await.pop().unwrap();
    assert_eq!(told.header("Subject").as_deref(), Some("Your Parlor e-mail address was changed"));
    assert!(told.body().contains("was changed to mallory@evil.test"), "{}", told.body());
    let undo = path_of(&told.link_with("/undo-email/").expect("an undo link"));

    // Opening the link (a mail scanner) changes nothing; its button undoes it.
    let page = reqwest::get(app.url(&undo)).await.unwrap().text().await.unwrap();
    assert!(page.contains("bob@example.test") && page.contains("undoEmailBtn"), "{page}");
    assert_eq!(bob.whoami().await.as_deref(), Some("bob"));
    let mut socket = bob.socket("general", Some(0)).await;
    let response = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap().post(app.url(&undo));
    let response = response.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let reset = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(reset.starts_with("/reset/"), "straight to a new password: {reset}");
    assert_eq!(u16::from(socket.next_close().await.expect("closed").code), 4001, "every session ended");
    assert_eq!(app.whoami_with_cookie(&cookie).await, None, "the stolen cookie is dead");
    let (status, _) = app.api(&token).get("/api/messages/general/").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the account's tokens ended");
    let owner = app.visitor();
    let reset_token = reset.trim_start_matches("/reset/");
    let (status, _) = owner.post_json("/api/reset_password", &[("token", reset_token), ("new", "only bob knows this")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(owner.login("bob", "only bob knows this").await.status(), StatusCode::OK);
    assert!(
        owner.get("/settings").await.text().await.unwrap().contains("bob@example.test (verified)"),
        "the old address is back"
    );
    let again = reqwest::Client::new().post(app.url(&undo)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::GONE, "an undo link works once");
}

#[tokio::test]
async fn a_new_password_revokes_the_accounts_tokens_and_says_which() {
    let app = TestApp::spawn().await;
    let admin = app.user("admin").await;
    let alice = app.user("alice").await;
    let (ci, backup) = (alice.token("ci").await, alice.token("nightly backup").await);
    let mut socket = app.api(&ci).socket("general", 0).await;

    let (status, _) = alice.post_json("/api/change_password", &[("current", PASSWORD), ("new", "a fresh password")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(u16::from(socket.next_close().await.expect("closed").code), 4001, "its socket closes");
    for token in [&ci, &backup] {
        assert_eq!(app.api(token).get("/api/messages/general/").await.0, StatusCode::UNAUTHORIZED);
    }
    let page = alice.get("/settings").await.text().await.unwrap();
    assert!(page.contains("your API tokens were revoked") && page.contains("nightly backup, ci"), "told which: {page}");
    let (status, _) = alice.post_json("/api/dismiss_notices", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!alice.get("/settings").await.text().await.unwrap().contains("your API tokens were revoked"), "dismissed");
    let fresh = alice.token("ci again").await;
    assert_eq!(app.api(&fresh).get("/api/messages/general/").await.0, StatusCode::OK, "new ones work");

    // An administrator's reset link does the same.
    let (_, made) = admin.post_json("/api/admin/users/reset", &[("username", "alice")]).await;
    let token = made["url"].as_str().unwrap().trim_start_matches("/reset/").to_owned();
    let (status, _) = app.visitor().post_json("/api/reset_password", &[("token", &token), ("new", "reset by the admin")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.api(&fresh).get("/api/messages/general/").await.0, StatusCode::UNAUTHORIZED);
    let alice = app.visitor();
    assert_eq!(alice.login("alice", "reset by the admin").await.status(), StatusCode::OK);
    assert!(alice.get("/settings").await.text().await.unwrap().contains("ci again"));
}

/// Makes a webhook named `name` in `room` as `who`: its id and absolute URL.
async fn hook(app: &TestApp, who: &Visitor, room: &str, name: &str) -> (i64, String) {
    let (status, made) = who.post_json(&format!("/api/rooms/{room}/webhooks"), &[("name", name)]).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    (made["id"].as_i64().unwrap(), app.url(made["url"].as_str().unwrap()))
}

/// POSTs `payload` to a hook as an outside service: the status and the error code.
async fn post_hook(url: &str, payload: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new().post(url).json(&payload).send().await.unwrap();
    let status = response.status();
    let body = if status == StatusCode::OK { Value::Null } else { response.json::<Value>().await.unwrap()["error"].clone() };
    (status, body)
}

#[tokio::test]
async fn a_webhook_posts_only_while_its_maker_may_post_there() {
    let app = TestApp::spawn().await;
    let admin = app.user("admin").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    // A public room's hook by bob; bob deactivated: 410 at once, as a revoked hook.
    let (_, public) = hook(&app, &bob, "general", "CI").await;
    assert_eq!(post_hook(&public, json!({"text": "built"})).await.0, StatusCode::OK);
    let (_, listed) = carol.get_json("/api/rooms/general/webhooks").await;
    assert_eq!(listed["webhooks"][0]["made_by"], "bob", "whoever manages the room's hooks sees whose each is");
    let (status, _) = admin.post_json("/api/admin/users/deactivate", &[("username", "bob")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(post_hook(&public, json!({"text": "after"})).await, (StatusCode::GONE, json!("gone")));

    // A private room's hook by its owner's administrator; removed from the room: 410.
    let (_, made) = carol.post_json("/api/rooms/", &[("name", "Ops"), ("private", "true")]).await;
    let room = made["room"].as_str().unwrap().to_owned();
    carol.post_json(&format!("/api/rooms/{room}/members"), &[("username", "admin")]).await;
    let (_, private) = hook(&app, &admin, &room, "Pager").await;
    let mut socket = carol.socket(&room, Some(0)).await;
    assert_eq!(post_hook(&private, json!({"text": "db-2 is down"})).await.0, StatusCode::OK);
    assert_eq!(socket.next_of("message").await["text"], "db-2 is down");
    let (status, _) = carol.post_json(&format!("/api/rooms/{room}/members/remove"), &[("username", "admin")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(post_hook(&private, json!({"text": "still here?"})).await, (StatusCode::GONE, json!("gone")));
    let (_, history) = carol.get_json(&format!("/api/messages/{room}/")).await;
    let texts: Vec<&Value> = history["messages"].as_array().unwrap().iter().map(|m| &m["text"]).collect();
    assert_eq!(texts, [&json!("db-2 is down")], "nothing stored after the maker's removal");
    // The room's manager still sees the hook, and revokes it.
    let (_, listed) = carol.get_json(&format!("/api/rooms/{room}/webhooks")).await;
    assert_eq!(listed["webhooks"][0]["made_by"], "admin");
    let id = listed["webhooks"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(carol.post_json(&format!("/api/rooms/{room}/webhooks/revoke"), &[("id", &id)]).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_two_instances_a_hook_stops_at_once_with_its_makers_access() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("hook_makers");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    let on_b = |url: &str| url.replace(&a.addr.to_string(), &b.addr.to_string());
    let owner = a.user("owner").await;
    let bob = a.user("bob").await;
    let (status, _) = owner.post_json("/api/admin/users/admin", &[("username", "bob"), ("admin", "true")]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, made) = owner.post_json("/api/rooms/", &[("name", "Builds"), ("private", "true")]).await;
    let room = made["room"].as_str().unwrap().to_owned();
    owner.post_json(&format!("/api/rooms/{room}/members"), &[("username", "bob")]).await;

    // Bob's hooks, made on instance a, posted to on instance b.
    let private = on_b(&hook(&a, &bob, &room, "Pager").await.1);
    let public = on_b(&hook(&a, &bob, "general", "CI").await.1);
    let owners = on_b(&hook(&a, &owner, &room, "Owner's").await.1);
    for url in [&private, &public, &owners] {
        assert_eq!(post_hook(url, json!({"text": "before"})).await.0, StatusCode::OK);
    }
    // Removed from the room on a: his hook there stops on b at once.
    let (status, _) = owner.post_json(&format!("/api/rooms/{room}/members/remove"), &[("username", "bob")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(post_hook(&private, json!({"text": "after"})).await, (StatusCode::GONE, json!("gone")));
    assert_eq!(post_hook(&public, json!({"text": "still his to post"})).await.0, StatusCode::OK);
    // Deactivated on a: every hook of his stops on b at once; the owner's goes on.
    let (status, _) = owner.post_json("/api/admin/users/deactivate", &[("username", "bob")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(post_hook(&public, json!({"text": "after"})).await, (StatusCode::GONE, json!("gone")));
    assert_eq!(post_hook(&owners, json!({"text": "the owner's still posts"})).await.0, StatusCode::OK);
    let (_, history) = owner.on(&b).get_json(&format!("/api/messages/{room}/")).await;
    let texts: Vec<&Value> =
        history["messages"].as_array().unwrap().iter().filter_map(|m| m["text"].as_str().map(|_| &m["text"])).collect();
    assert!(!texts.contains(&&json!("after")), "nothing of his hooks after he lost the room: {texts:?}");
}

#[tokio::test]
async fn webhooks_are_capped_and_their_posts_count_against_their_makers_rate() {
    let app = TestApp::spawn_with(|config| config.messages_per_second = 1).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let mut alices = Vec::new();
    for n in 0..10 {
        alices.push(hook(&app, &alice, "general", &format!("alice {n}")).await.1);
    }
    let (status, body) = alice.post_json("/api/rooms/general/webhooks", &[("name", "one more")]).await;
    assert_eq!((status, &body["error"]), (StatusCode::CONFLICT, &json!("too_many")), "ten per person");
    assert_eq!(
        alice.post_json("/api/rooms/elsewhere/webhooks", &[("name", "x")]).await.0,
        StatusCode::CONFLICT,
        "over all rooms"
    );
    for n in 0..10 {
        hook(&app, &bob, "general", &format!("bob {n}")).await;
    }
    let (status, body) = carol.post_json("/api/rooms/general/webhooks", &[("name", "carol's")]).await;
    assert_eq!((status, &body["error"]), (StatusCode::CONFLICT, &json!("too_many")), "twenty per room");
    assert_eq!(carol.post_json("/api/rooms/other/webhooks", &[("name", "carol's")]).await.0, StatusCode::OK);

    // Alice's own sends and her hooks' posts share her rate (1/s, bursts of 3).
    let mut socket = alice.socket("general", Some(0)).await;
    socket.say("one", "1").await;
    socket.say("two", "2").await;
    let mut posted = Vec::new();
    for url in &alices[..3] {
        posted.push(post_hook(url, json!({"text": "from a hook"})).await.0);
    }
    assert!(posted.contains(&StatusCode::TOO_MANY_REQUESTS), "ten hooks do not make ten rates: {posted:?}");
}

#[tokio::test]
async fn a_webhook_never_shows_as_another_account_and_mail_and_the_lobby_mark_it() {
    let sink = SmtpSink::start().await;
    let app = mailing_app(&sink).await;
    let admin = app.user("admin").await;
    let bob = app.user("bob").await;
    verified(&app, &sink, &bob, "bob@example.test").await;
    let (status, body) = admin.post_json("/api/rooms/general/webhooks", &[("name", "Bob")]).await;
    assert_eq!((status, &body["error"]), (StatusCode::BAD_REQUEST, &json!("bad_request")), "a hook named as an account");
    let (_, url) = hook(&app, &admin, "general", "Deploys").await;
    for username in ["admin", "BOB", "\u{0430}dmin", "b\u{043e}b"] {
        let (status, code) = post_hook(&url, json!({"text": "trust me", "username": username})).await;
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, json!("bad_request")), "{username:?}");
    }
    let (status, _) = post_hook(&url, json!({"text": "@bob the deploy is done", "username": "Release train"})).await;
    assert_eq!(status, StatusCode::OK);
    let mail = sink.wait_for("bob@example.test", 2, Duration::from_secs(15)).await.pop().unwrap();
    assert!(mail.body().contains("Release train (bot): @bob the deploy is done"), "{}", mail.body());
    let lobby = admin.get("/").await.text().await.unwrap();
    let preview = lobby.split("room-preview").nth(1).expect("the lobby previews general");
    assert!(preview.split("</span>").take(2).collect::<String>().contains("bot-badge"), "{preview}");
}

#[tokio::test]
async fn every_refused_log_in_costs_one_argon2_run_whatever_the_account() {
    let provider = Provider::start().await;
    let issuer = provider.issuer();
    let app = TestApp::spawn_with(move |config| {
        config.oidc_issuer = Some(issuer);
        config.oidc_client_id = Some(CLIENT_ID.into());
        config.oidc_client_secret = Some(CLIENT_SECRET.into());
    })
    .await;
    app.user("alice").await;
    // An account made by single sign-on has no password.
    provider.sign_in_as(Person { subject: "sub-7".into(), preferred_username: "dora".into(), email: "dora@example.test".into() });
    let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let start = browser.get(app.url("/auth/oidc/start")).send().await.unwrap();
    let back = browser.get(start.headers()["location"].to_str().unwrap()).send().await.unwrap();
    let done = browser.get(back.headers()["location"].to_str().unwrap()).send().await.unwrap();
    assert!(done.status().is_redirection());
    for (username, who) in [("dora", "a single sign-on account"), ("alice", "a password account"), ("nobody", "no account")] {
        let before = app.password_work();
        let response = app.visitor().login(username, "a wrong guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{who}");
        assert_eq!(response.json::<Value>().await.unwrap()["error"], "wrong_credentials", "{who}");
        assert_eq!(app.password_work() - before, 1, "{who}: one argon2 run, like every refusal");
    }
}

#[tokio::test]
async fn guessing_the_current_password_is_limited_like_log_ins() {
    // Registering is the first attempt of the minute.
    let app = TestApp::spawn_with(|config| config.auth_attempts_per_username = 4).await;
    let alice = app.user("alice").await;
    for _ in 0..3 {
        let (status, _) = alice.post_json("/api/change_password", &[("current", "a wrong guess"), ("new", "whatever new")]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = alice.post_json("/api/change_password", &[("current", PASSWORD), ("new", "whatever new")]).await;
    assert_eq!((status, &body["error"]), (StatusCode::TOO_MANY_REQUESTS, &json!("rate_limited")));
}

#[tokio::test]
async fn others_guesses_do_not_lock_a_known_browser_out() {
    let app = TestApp::spawn_with(|config| {
        config.auth_attempts_per_ip = 1000;
        config.auth_attempts_per_username = 5;
        // Three a minute: one more every 20 s, far longer than the test takes.
        config.auth_attempts_per_username_all_ips = 3;
    })
    .await;
    app.user("alice").await;
    // Alice's own browser logged in before: it is known.
    let hers =
        reqwest::Client::builder().cookie_store(true).local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3))).build().unwrap();
    assert_eq!(log_in_from(&hers, &app, "alice", PASSWORD).await, StatusCode::OK);
    // Guesses from 13 addresses, each under its own limit, spend the name's ceiling (the last ones are refused).
    for n in 0..13u8 {
        log_in_from(&client_from([127, 0, 1, n + 1]), &app, "alice", "guess-guess").await;
    }
    let new_device = client_from([127, 0, 0, 3]);
    assert_eq!(
        log_in_from(&new_device, &app, "alice", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "an unknown browser waits"
    );
    assert_eq!(log_in_from(&hers, &app, "alice", PASSWORD).await, StatusCode::OK, "her known browser does not");
    // A forged known-browser cookie is an unknown browser.
    let forged = new_device
        .post(app.url("/api/login"))
        .header("accept", "application/json")
        .header("cookie", "parlor_known_alice=00.00")
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn once_the_public_url_is_known_another_host_is_refused() {
    let app = TestApp::spawn_with(|config| config.public_url = Some("http://chat.test".into())).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let register = |host: &'static str| {
        client
            .post(app.url("/api/register"))
            .header("host", host)
            .header("origin", format!("http://{host}"))
            .header("accept", "application/json")
            .form(&[("username", "eve"), ("password", PASSWORD)])
            .send()
    };
    let rebound = register("rebind.evil.test").await.unwrap();
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST, "a DNS-rebinding page's request");
    assert_eq!(rebound.json::<Value>().await.unwrap()["error"], "wrong_host");
    let page = client.get(app.url("/login")).header("host", "rebind.evil.test").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::MISDIRECTED_REQUEST);
    let health = client.get(app.url("/healthz")).header("host", "rebind.evil.test").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "load balancers' checks answer whatever the host");
    assert_eq!(register("chat.test").await.unwrap().status(), StatusCode::OK, "the public host is served");
}

#[tokio::test]
async fn single_sign_ons_start_is_limited_per_client() {
    let provider = Provider::start().await;
    let issuer = provider.issuer();
    let app = TestApp::spawn_with(move |config| {
        config.oidc_issuer = Some(issuer);
        config.oidc_client_id = Some(CLIENT_ID.into());
        config.oidc_client_secret = Some(CLIENT_SECRET.into());
        config.auth_attempts_per_ip = 3;
    })
    .await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for _ in 0..3 {
        assert_eq!(client.get(app.url("/auth/oidc/start")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    }
    let refused = client.get(app.url("/auth/oidc/start")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "no session row for every ask");
    let elsewhere = client_from([127, 0, 0, 5]);
    let started = elsewhere.get(app.url("/auth/oidc/start")).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER, "another client still can");
}
