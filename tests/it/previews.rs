//! Link previews: a message's first link is read by the server (from a local
//! stand-in site the test allows), shown live, in history and in a replay,
//! with a thumbnail Parlor serves itself; the author or a moderator removes
//! it, a deletion takes it along. Every fetch the guard forbids is refused
//! without a request reaching the forbidden address; one preview per message
//! with two instances.

use std::{convert::Infallible, time::Duration};

use axum::{
    Router,
    body::{Body, Bytes},
    http::{StatusCode as Status, header},
    response::{IntoResponse, Redirect},
    routing::get,
};
use parlor::server::{config::Switch, media::samples};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    Socket, TestApp, Visitor,
    services::{Postgres, Redis},
    sites::Site,
};

/// A page with OpenGraph tags and an image.
const STORY: &str = r#"<!doctype html><html><head><title>Plain</title>
<meta property="og:title" content="Kettles, ranked">
<meta property="og:description" content="Every kettle we tried, from worst to best.">
<meta property="og:site_name" content="Tea Weekly">
<meta property="og:image" content="/kettle.png"></head><body>...</body></html>"#;

fn html(body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
}

fn png(bytes: Vec<u8>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/png")], bytes)
}

/// The stand-in news site: a story with an image, and a plain page.
fn news() -> Router {
    Router::new()
        .route("/story", get(|| async { html(STORY) }))
        .route("/kettle.png", get(|| async { png(samples::png(600, 400)) }))
        .route("/plain", get(|| async { html("<title>Just a title</title>") }))
}

/// A server that allows `site` (and only it) for previews.
async fn app_allowing(site: &Site) -> TestApp {
    let addr = site.addr;
    TestApp::spawn_with(move |config| {
        config.link_previews_test_allow = vec![addr];
        config.link_previews_per_user_per_minute = 100;
        config.link_previews_per_site_per_minute = 100;
    })
    .await
}

/// The next `preview` or `preview_removed` frame about `target`.
async fn next_preview(socket: &mut Socket, target: i64) -> Value {
    loop {
        let frame = socket.next_of_any(&["preview", "preview_removed"]).await;
        if frame["target"] == target {
            return frame;
        }
    }
}

async fn history(visitor: &Visitor, room: &str) -> Vec<Value> {
    let (status, body) = visitor.get_json(&format!("/api/messages/{room}/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["messages"].as_array().expect("messages").clone()
}

#[tokio::test]
async fn a_link_is_previewed_live_in_history_and_in_a_replay_with_a_thumbnail_served_by_parlor() {
    let site = Site::start(news()).await;
    let app = app_allowing(&site).await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut alices = alice.socket("tea", Some(0)).await;
    let mut bobs = bob.socket("tea", Some(0)).await;
    let seq = alices.say(&format!("ranked: {} (worth it)", site.url("/story")), "m1").await;

    let frame = next_preview(&mut bobs, seq).await;
    assert_eq!(frame["type"], "preview");
    assert_eq!(frame["room"], "tea");
    assert!(frame["seq"].as_i64().unwrap() > seq, "its own seq, after the message's");
    assert_eq!(frame["url"], site.url("/story"));
    assert_eq!(frame["title"], "Kettles, ranked");
    assert_eq!(frame["description"], "Every kettle we tried, from worst to best.");
    assert_eq!(frame["site"], "Tea Weekly");
    let image_url = frame["image_url"].as_str().expect("an image").to_owned();
    assert_eq!(image_url, format!("/previews/tea/{seq}/image"));

    // Served by Parlor, small, re-encoded; the site was asked for it once.
    let image = bob.get(&image_url).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()[header::CONTENT_TYPE], "image/jpeg");
    let thumb = image::load_from_memory(&image.bytes().await.unwrap()).unwrap();
    assert!(thumb.width() <= 160 && thumb.height() <= 160, "{}x{}", thumb.width(), thumb.height());
    bob.get(&image_url).await;
    assert_eq!((site.hits("/story"), site.hits("/kettle.png")), (1, 1));
    // Not to someone who is not logged in.
    assert_ne!(app.visitor().get(&image_url).await.status(), StatusCode::OK);

    let shown = history(&bob, "tea").await;
    assert_eq!(shown[0]["preview"]["title"], "Kettles, ranked");
    assert_eq!(shown[0]["preview"]["image_url"], image_url.as_str());
    // A replay from before the message carries the preview event too.
    let mut replay = bob.socket("tea", Some(0)).await;
    assert_eq!(replay.next_of("message").await["seq"], seq);
    assert_eq!(next_preview(&mut replay, seq).await["title"], "Kettles, ranked");
    // A page without OpenGraph tags is named by its <title> and its host.
    let plain = alices.say(&format!("also {}", site.url("/plain")), "m2").await;
    let frame = next_preview(&mut bobs, plain).await;
    assert_eq!((frame["title"].as_str(), frame["site"].as_str()), (Some("Just a title"), Some("127.0.0.1")));
    assert!(frame.get("image_url").is_none(), "{frame}");
}

#[tokio::test]
async fn the_author_or_a_moderator_removes_a_preview_and_a_deletion_takes_it_along() {
    let site = Site::start(news()).await;
    let app = app_allowing(&site).await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut alices = alice.socket("tea", Some(0)).await;
    let mut bobs = bob.socket("tea", Some(0)).await;
    let first = alices.say(&site.url("/story"), "m1").await;
    next_preview(&mut alices, first).await;

    bobs.send_json(json!({"type": "remove_preview", "target": first, "client_id": "x1"})).await;
    let refused = bobs.next_of("error").await;
    assert_eq!((refused["code"].as_str(), refused["client_id"].as_str()), (Some("not_yours"), Some("x1")));
    alices.send_json(json!({"type": "remove_preview", "target": first, "client_id": "x2"})).await;
    let removed = next_preview(&mut bobs, first).await;
    assert_eq!((removed["type"].as_str(), removed["sender"].as_str()), (Some("preview_removed"), Some("alice")));
    assert!(history(&bob, "tea").await[0].get("preview").is_none());
    assert_eq!(bob.get(&format!("/previews/tea/{first}/image")).await.status(), StatusCode::NOT_FOUND);
    // Removing it again: there is none.
    alices.send_json(json!({"type": "remove_preview", "target": first, "client_id": "x3"})).await;
    assert_eq!(alices.next_of("error").await["code"], "not_found");

    // Deleting a message takes its preview along, in history and in a replay.
    let second = alices.say(&site.url("/story"), "m2").await;
    next_preview(&mut bobs, second).await;
    alices.send_json(json!({"type": "delete", "target": second, "client_id": "d1"})).await;
    bobs.next_of("delete").await;
    let shown = history(&bob, "tea").await;
    assert!(shown[1]["deleted"] == true && shown[1].get("preview").is_none(), "{}", shown[1]);
    let mut replay = bob.socket("tea", Some(second)).await;
    let replayed = next_preview(&mut replay, second).await;
    assert_eq!(replayed["type"], "preview_removed", "a deleted message's preview replays as removed: {replayed}");
    assert!(replayed.get("title").is_none());
    assert_eq!(bob.get(&format!("/previews/tea/{second}/image")).await.status(), StatusCode::NOT_FOUND);
}

/// A body of `chunks` megabytes of HTML, sent in pieces (no Content-Length).
fn megabytes(chunks: usize) -> Body {
    let piece = Bytes::from(format!("<title>big</title>{}", " ".repeat(1024 * 1024)));
    Body::from_stream(futures::stream::iter((0..chunks).map(move |_| Ok::<_, Infallible>(piece.clone()))))
}

/// A page whose head arrives, and then nothing for ten seconds.
fn trickle() -> Body {
    let head = futures::stream::once(async { Ok::<_, Infallible>(Bytes::from_static(b"<html><head>")) });
    let rest = futures::stream::once(async {
        tokio::time::sleep(Duration::from_secs(10)).await;
        Ok::<_, Infallible>(Bytes::from_static(b"<title>late</title></head></html>"))
    });
    Body::from_stream(futures::StreamExt::chain(head, rest))
}

#[tokio::test]
async fn every_fetch_the_guard_forbids_is_refused_without_reaching_the_forbidden_address() {
    // A server on loopback that no preview may reach (it is not allowed).
    let canary = Site::start(Router::new().fallback(|| async { html("<title>secret</title>") })).await;
    let port = canary.addr.port();
    let site = Site::start(
        news()
            .route("/to-metadata", get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }))
            .route("/to-loopback", get(move || async move { Redirect::temporary(&format!("http://127.0.0.1:{port}/admin")) }))
            .route("/to-name", get(move || async move { Redirect::temporary(&format!("http://localhost:{port}/admin")) }))
            .route("/to-mapped", get(move || async move { Redirect::temporary(&format!("http://[::ffff:127.0.0.1]:{port}/")) }))
            .route(
                "/loop/{n}",
                get(|axum::extract::Path(n): axum::extract::Path<u32>| async move {
                    Redirect::temporary(&format!("/loop/{}", n + 1))
                }),
            )
            .route("/huge", get(|| async { ([(header::CONTENT_TYPE, "text/html")], megabytes(6)) }))
            .route("/slow", get(|| async { ([(header::CONTENT_TYPE, "text/html")], trickle()) }))
            .route("/json", get(|| async { ([(header::CONTENT_TYPE, "application/json")], r#"{"title":"no"}"#) }))
            .route("/missing", get(|| async { (Status::NOT_FOUND, html("<title>Not found</title>")) }))
            .route("/bomb", get(|| async { html(r#"<title>Bomb</title><meta property="og:image" content="/bomb.png">"#) }))
            .route("/bomb.png", get(|| async { png(samples::bomb_png(100_000, 100_000)) })),
    )
    .await;
    let app = app_allowing(&site).await;
    let alice = app.user("alice").await;
    let refused = [
        "/to-metadata".to_owned(),
        "/to-loopback".into(),
        "/to-name".into(),
        "/to-mapped".into(),
        "/loop/0".into(),
        "/huge".into(),
        "/slow".into(),
        "/json".into(),
        "/missing".into(),
    ];
    let mut watchers = Vec::new();
    for (i, path) in refused.iter().enumerate() {
        let room = format!("guard{i}");
        let mut socket = alice.socket(&room, Some(0)).await;
        let seq = socket.say(&format!("look {}", site.url(path)), "m").await;
        socket.next_of("message").await;
        watchers.push((path, socket, seq));
    }
    // Also a link straight to a forbidden address, and to a name that resolves to loopback.
    let mut direct = alice.socket("direct", Some(0)).await;
    direct.say(&format!("http://127.0.0.1:{port}/admin and http://localhost:{port}/"), "d").await;
    direct.next_of("message").await;
    // The image bomb's page is previewed, without its image.
    let mut bombs = alice.socket("bombs", Some(0)).await;
    let bomb = bombs.say(&site.url("/bomb"), "b").await;
    let frame = next_preview(&mut bombs, bomb).await;
    assert_eq!(frame["title"], "Bomb");
    assert!(frame.get("image_url").is_none(), "{frame}");
    assert_eq!(site.hits("/bomb.png"), 1);

    // Every reading ends within its 5 s bound: none of them becomes a preview.
    tokio::time::sleep(Duration::from_secs(6)).await;
    for (path, socket, _) in &mut watchers {
        socket.expect_silence(Duration::from_millis(200)).await;
        assert!(site.hits(path) >= 1, "{path} was asked for");
    }
    direct.expect_silence(Duration::from_millis(200)).await;
    assert_eq!(site.hits("/loop/5"), 1, "five redirects are followed");
    assert_eq!(site.hits("/loop/6"), 0, "not a sixth");
    assert_eq!(canary.all_hits(), 0, "no request reached the forbidden address");
}

#[tokio::test]
async fn previews_are_rated_per_user_and_per_site_and_can_be_turned_off() {
    let site = Site::start(news()).await;
    let addr = site.addr;
    let app = TestApp::spawn_with(move |config| {
        config.link_previews_test_allow = vec![addr];
        config.link_previews_per_user_per_minute = 2;
    })
    .await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("many", Some(0)).await;
    for i in 0..3 {
        socket.say(&format!("{}?n={i}", site.url("/plain")), &format!("m{i}")).await;
    }
    let (mut messages, mut previews) = (0, 0);
    while (messages, previews) != (3, 2) {
        match socket.next_of_any(&["message", "preview"]).await["type"].as_str() {
            Some("message") => messages += 1,
            _ => previews += 1,
        }
    }
    socket.expect_silence(Duration::from_secs(2)).await;
    assert_eq!(site.hits("/plain"), 2, "the third link of the minute is not read");

    let quiet_site = Site::start(news()).await;
    let quiet_addr = quiet_site.addr;
    let off = TestApp::spawn_with(move |config| {
        config.link_previews = Switch::Off;
        config.link_previews_test_allow = vec![quiet_addr];
    })
    .await;
    let mut socket = off.user("alice").await.socket("off", Some(0)).await;
    socket.say(&quiet_site.url("/story"), "m").await;
    socket.next_of("message").await;
    socket.expect_silence(Duration::from_secs(2)).await;
    assert_eq!(quiet_site.all_hits(), 0, "--link-previews off reads nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_gets_one_preview_however_many_instances_serve_its_room() {
    let site = Site::start(news()).await;
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("previews_once");
    let addr = site.addr;
    let allow = move |config: &mut parlor::server::config::Config| config.link_previews_test_allow = vec![addr];
    let (a, b) = (TestApp::spawn_on(&database, &redis, allow).await, TestApp::spawn_on(&database, &redis, allow).await);
    let alice = a.user("alice").await;
    let bob = a.user("bob").await.on(&b);
    let mut on_a = alice.socket("shared", Some(0)).await;
    let mut on_b = bob.socket("shared", Some(0)).await;
    let seq = on_b.say(&site.url("/story"), "m1").await;
    let on_a_preview = next_preview(&mut on_a, seq).await;
    let on_b_preview = next_preview(&mut on_b, seq).await;
    assert_eq!(on_a_preview, on_b_preview);
    on_a.expect_silence(Duration::from_secs(2)).await;
    on_b.expect_silence(Duration::from_secs(1)).await;
    assert_eq!((site.hits("/story"), site.hits("/kettle.png")), (1, 1), "read once, by one instance");
    assert_eq!(alice.get(&format!("/previews/shared/{seq}/image")).await.status(), StatusCode::OK);
    assert_eq!(bob.get(&format!("/previews/shared/{seq}/image")).await.status(), StatusCode::OK);
}
