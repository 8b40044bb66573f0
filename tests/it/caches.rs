//! The server's caches (sessions, accounts, a room's access facts and newest page) never
//! serve what has changed: a message, an edit or a reaction shows in the next
//! history read; a log-out, a deactivation or a removal on one instance holds
//! on the other as soon as the word reaches it through Redis, after that
//! instance has cached the session, the account and the room.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    TestApp, Visitor,
    services::{Postgres, Redis},
};

/// The texts of the newest page of `room`, as `visitor` reads it.
async fn newest_texts(visitor: &Visitor, room: &str) -> Vec<String> {
    let (status, page) = visitor.get_json(&format!("/api/messages/{room}/")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["messages"].as_array().expect("messages").iter().map(|m| m["text"].as_str().unwrap_or_default().to_owned()).collect()
}

/// Reads until `check` holds for the newest page (a message committed on one
/// instance reaches the other through Redis, as its sockets get it), or fails.
async fn eventually(visitor: &Visitor, room: &str, check: impl Fn(&[String]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let texts = newest_texts(visitor, room).await;
        if check(&texts) {
            return;
        }
        assert!(Instant::now() < deadline, "newest page of {room} never changed: {texts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asks `instance` who the bearer of `cookie` is until it says nobody (the
/// forget published by another instance arrives through Redis), or fails.
async fn becomes_nobody(instance: &TestApp, cookie: &str, why: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Some(who) = instance.whoami_with_cookie(cookie).await {
        assert!(Instant::now() < deadline, "{why}: still {who}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_newest_page_shows_every_new_message_edit_and_reaction_at_once() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("cached", Some(0)).await;
    let first = socket.say("first", "c1").await;
    assert_eq!(newest_texts(&alice, "cached").await, ["first"]);
    assert_eq!(newest_texts(&alice, "cached").await, ["first"], "read twice: the second from the cache");

    socket.say("second", "c2").await;
    assert_eq!(newest_texts(&alice, "cached").await, ["first", "second"]);

    socket.send_json(json!({"type": "edit", "target": first, "text": "first, edited", "client_id": "e1"})).await;
    socket.next_of("ack").await;
    assert_eq!(newest_texts(&alice, "cached").await, ["first, edited", "second"]);

    socket.send_json(json!({"type": "react", "target": first, "emoji": "👍", "client_id": "r1"})).await;
    socket.next_of("ack").await;
    let (_, page) = alice.get_json("/api/messages/cached/").await;
    assert_eq!(page["messages"][0]["reactions"]["👍"], json!(["alice"]), "{page}");

    socket.send_json(json!({"type": "delete", "target": first, "client_id": "d1"})).await;
    socket.next_of("ack").await;
    let (_, page) = alice.get_json("/api/messages/cached/").await;
    let texts: Vec<&Value> = page["messages"].as_array().unwrap().iter().map(|m| &m["text"]).collect();
    assert!(!texts.contains(&&json!("first, edited")), "a deleted message's text is gone: {page}");
}

#[tokio::test]
async fn a_change_on_one_instance_is_never_hidden_by_the_others_caches() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("caches");
    let (a, b) = (TestApp::spawn_on(&database, &redis, |_| {}).await, TestApp::spawn_on(&database, &redis, |_| {}).await);
    let admin = a.user("admin").await; // the first account administers the instance
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let (alice_on_b, bob_on_b) = (alice.on(&b), bob.on(&b));
    let mut socket = alice.socket("shared", Some(0)).await;
    socket.say("before", "s1").await;

    // Instance b caches alice's and bob's sessions and accounts, and the room.
    for _ in 0..2 {
        assert_eq!(newest_texts(&alice_on_b, "shared").await, ["before"]);
        assert_eq!(newest_texts(&bob_on_b, "shared").await, ["before"]);
    }

    // A message committed through a shows on b.
    socket.say("after", "s2").await;
    eventually(&alice_on_b, "shared", |texts| texts == ["before", "after"]).await;

    // Alice logs out on a: her session is refused on b once the word arrives.
    let alice_cookie = alice.cookie_header().expect("alice's cookie");
    let alice_cookie = alice_cookie.to_str().unwrap().to_owned();
    assert_eq!(b.whoami_with_cookie(&alice_cookie).await.as_deref(), Some("alice"));
    assert_eq!(alice.logout().await.status(), StatusCode::OK);
    becomes_nobody(&b, &alice_cookie, "a session ended on a is over on b").await;
    let response = b.get_with_cookie("/api/messages/shared/", &alice_cookie).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Bob is deactivated on a: b refuses his (cached) session and account.
    let bob_cookie = bob.cookie_header().expect("bob's cookie").to_str().unwrap().to_owned();
    let (status, body) = admin.post_json("/api/admin/users/deactivate", &[("username", "bob")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    becomes_nobody(&b, &bob_cookie, "a deactivated account is nobody on b").await;
    let response = b.get_with_cookie("/api/messages/shared/", &bob_cookie).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Asks until `check` holds for what `read` returns, or fails after 5 s (a
/// change on one instance reaches the other's cache through Redis).
async fn until<T: std::fmt::Debug, F: std::future::Future<Output = T>>(read: impl Fn() -> F, check: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = read().await;
        if check(&got) {
            return got;
        }
        assert!(Instant::now() < deadline, "never changed: {got:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seen_by_and_the_lobbys_previews_come_from_the_room_cache_and_follow_every_instance() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("page_reads");
    let (a, b) = (TestApp::spawn_on(&database, &redis, |_| {}).await, TestApp::spawn_on(&database, &redis, |_| {}).await);
    let alice = a.user("alice").await;
    let bob = a.user("bob").await.on(&b);
    let mut alices = alice.socket("pair", Some(0)).await;
    alices.say("first", "m1").await;
    let mut bobs = bob.socket("pair", Some(0)).await;
    let second = bobs.say("second from b", "m2").await;
    // Alice's page on a: Seen by (cached on a after this read) and the lobby's preview.
    let seen = |visitor: Visitor| async move {
        let (status, view) = visitor.post_json("/api/open_room", &[("room", "pair")]).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view["seen"].clone()
    };
    let preview = |visitor: Visitor| async move {
        let (_, listed) = visitor.get_json("/api/rooms/").await;
        listed["rooms"].as_array().unwrap().iter().find(|r| r["room"] == "pair").map(|r| r["latest"].clone())
    };
    until(|| seen(alice.clone()), |seen| *seen == json!([{"user": "bob", "seq": second}])).await;
    until(|| preview(alice.clone()), |latest| latest.as_ref().is_some_and(|l| l["text"] == "second from b")).await;

    // Bob reads alice's newest on b: a's cached "Seen by" follows.
    let third = alices.say("third from a", "m3").await;
    bobs.next_of("message").await;
    bobs.send_json(json!({"type": "read", "seq": third})).await;
    until(|| seen(alice.clone()), |seen| *seen == json!([{"user": "bob", "seq": third}])).await;
    // Deleting the newest on a: the preview falls back to the one before, on b too.
    assert_eq!(alices.say("oops", "m4").await, third + 1);
    alices.send_json(json!({"type": "delete", "target": third + 1, "client_id": "d1"})).await;
    alices.next_of("ack").await;
    until(|| preview(bob.clone()), |latest| latest.as_ref().is_some_and(|l| l["text"] == "third from a")).await;
}
