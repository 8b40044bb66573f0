//! Attachments: upload, send, serve, delete — the bytes round trip, images get
//! thumbnails, a file is stored once however often it is posted and goes when
//! nothing refers to it; the limits (size, rate, not multipart, an image that
//! is not one, a decompression bomb); an HTML file is served as a download
//! that cannot run; a private room's files answer "not found" to everyone
//! else; a file uploaded through one instance is served by another.

use parlor::server::media::samples;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use crate::harness::{
    TestApp, Visitor,
    services::{Postgres, Redis},
};

/// How many blobs (distinct file contents) the database holds.
async fn blob_count(app: &TestApp) -> i64 {
    let db = Database::connect(&app.database_url).await.expect("database opens");
    let statement = Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS n FROM blob");
    let row = db.query_one_raw(statement).await.expect("count runs").expect("a row");
    row.try_get::<i64>("", "n").expect("a count")
}

/// Sends a message carrying `attachment`; the ack or error frame.
async fn send_file(visitor: &Visitor, room: &str, attachment: &str, text: &str, client_id: &str) -> Value {
    let mut socket = visitor.socket(room, None).await;
    socket.send_json(json!({"type": "send", "text": text, "attachment": attachment, "client_id": client_id})).await;
    socket.next_of_any(&["ack", "error"]).await
}

async fn fetch(visitor: &Visitor, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = visitor.get(url).await;
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.bytes().await.expect("a body").to_vec())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn an_image_goes_up_shows_as_a_thumbnail_and_goes_with_its_message() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut watching = bob.socket("pics", Some(0)).await;
    let photo = samples::png(1200, 600);

    let (status, uploaded) = alice.upload("pics", "C:\\photos\\beach.png", "image/png", photo.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(uploaded["name"], "beach.png");
    assert_eq!(uploaded["content_type"], "image/png");
    assert_eq!(uploaded["size"], photo.len());
    assert_eq!((uploaded["width"].as_i64(), uploaded["height"].as_i64()), (Some(1200), Some(600)));
    let id = uploaded["id"].as_str().unwrap().to_owned();
    let (url, thumb_url) = (format!("/attachments/{id}"), format!("/attachments/{id}/thumb"));
    assert_eq!((uploaded["url"].as_str(), uploaded["thumb_url"].as_str()), (Some(url.as_str()), Some(thumb_url.as_str())));

    // Not sent yet: only its uploader sees it.
    assert_eq!(fetch(&bob, &url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&alice, &url).await.0, StatusCode::OK);

    let ack = send_file(&alice, "pics", &id, "  ", "a1").await;
    assert_eq!(ack["type"], "ack", "a file may go without words: {ack}");
    let live = watching.next_of("message").await;
    assert_eq!(live["attachment"], uploaded, "the live frame carries the attachment");
    assert_eq!(live["text"], "");

    let (status, headers, bytes) = fetch(&bob, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, photo, "the bytes come back as sent");
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert!(header(&headers, "content-disposition").starts_with("inline; filename=\"beach.png\""), "{headers:?}");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(header(&headers, "content-security-policy").contains("sandbox"));
    let etag = header(&headers, "etag").to_owned();
    let again = bob.http.get(app.url(&url)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "the bytes behind an id never change");

    let (status, headers, thumb) = fetch(&bob, &thumb_url).await;
    assert_eq!((status, header(&headers, "content-type")), (StatusCode::OK, "image/jpeg"));
    let small = image::load_from_memory(&thumb).expect("the thumbnail decodes");
    assert_eq!((small.width(), small.height()), (480, 240));

    let (_, history) = bob.get_json("/api/messages/pics/").await;
    assert_eq!(history["messages"][0]["attachment"], uploaded, "history carries it too");

    // The same file posted twice is stored once (the image and its thumbnail: two blobs).
    let (_, twin) = alice.upload("pics", "again.png", "image/png", photo.clone()).await;
    assert_ne!(twin["id"], uploaded["id"]);
    assert_eq!(blob_count(&app).await, 2);

    // An attachment goes with one message, sent by its uploader only.
    assert_eq!(send_file(&alice, "pics", &id, "again", "a2").await["code"], "bad_attachment");
    let twin_id = twin["id"].as_str().unwrap();
    assert_eq!(send_file(&bob, "pics", twin_id, "mine now", "b1").await["code"], "bad_attachment");
    assert_eq!(send_file(&alice, "elsewhere", twin_id, "", "a3").await["code"], "bad_attachment");

    // Deleted by its author: the file goes; the bytes stay while the twin refers to them.
    let seq = live["seq"].as_i64().unwrap();
    let mut socket = alice.socket("pics", None).await;
    socket.send_json(json!({"type": "delete", "target": seq, "client_id": "d1"})).await;
    socket.next_of("ack").await;
    assert_eq!(fetch(&bob, &url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&alice, &thumb_url).await.0, StatusCode::NOT_FOUND);
    let (_, history) = bob.get_json("/api/messages/pics/").await;
    assert!(history["messages"][0].get("attachment").is_none(), "{history}");
    assert_eq!(fetch(&alice, &format!("/attachments/{twin_id}")).await.2, photo);
    assert_eq!(blob_count(&app).await, 2);

    // Sent and deleted: now nothing refers to the bytes, and they go.
    let twin_ack = send_file(&alice, "pics", twin_id, "twin", "a4").await;
    let mut socket = alice.socket("pics", None).await;
    socket.send_json(json!({"type": "delete", "target": twin_ack["seq"], "client_id": "d2"})).await;
    socket.next_of("ack").await;
    assert_eq!(blob_count(&app).await, 0);
}

#[tokio::test]
async fn uploads_are_bounded_and_checked() {
    let app = TestApp::spawn_with(|config| {
        config.max_upload_mb = 1;
        config.uploads_per_minute = 8;
    })
    .await;
    let alice = app.user("alice").await;

    let (status, body) = alice.upload("pics", "big.bin", "application/octet-stream", vec![7; 1_200_000]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("file_too_large")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("1 MB"));

    let (status, body) = alice.upload("pics", "bomb.png", "image/png", samples::bomb_png(30_000, 30_000)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(body["message"].as_str().unwrap().contains("30000×30000"), "{body}");

    let (status, body) = alice.upload("pics", "fake.png", "image/png", b"not a picture at all".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");

    let (status, body) = alice.upload("pics", "empty.txt", "text/plain", Vec::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, _) = alice.upload("no such room!", "a.txt", "text/plain", b"hi".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let raw = alice.http.post(app.url("/api/rooms/pics/attachments")).body("just bytes").send().await.unwrap();
    assert_eq!(raw.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "not multipart");

    let stranger = app.visitor();
    assert_eq!(stranger.upload("pics", "a.txt", "text/plain", b"hi".to_vec()).await.0, StatusCode::UNAUTHORIZED);

    let cross_site = alice
        .http
        .post(app.url("/api/rooms/pics/attachments"))
        .header("origin", "https://evil.example")
        .multipart(reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x")))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);

    // Refused uploads stored nothing.
    assert_eq!(blob_count(&app).await, 0);

    // The rate: 8 a minute; five of the refusals above counted (they reached the limiter).
    let mut statuses = Vec::new();
    for i in 0..8 {
        statuses.push(alice.upload("pics", &format!("{i}.txt"), "text/plain", format!("note {i}").into_bytes()).await.0);
    }
    assert!(statuses.contains(&StatusCode::CREATED));
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}

#[tokio::test]
async fn an_html_file_is_served_as_a_download_that_cannot_run() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let page = b"<html><body><script>fetch('/api/rooms/')</script></body></html>".to_vec();
    let (status, uploaded) = alice.upload("docs", "page.html", "text/html", page.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(uploaded["content_type"], "text/html");
    assert!(uploaded.get("thumb_url").is_none());
    let (_, svg) = alice.upload("docs", "logo.svg", "image/svg+xml", b"<svg onload=\"alert(1)\"/>".to_vec()).await;

    for file in [&uploaded, &svg] {
        let (status, headers, bytes) = fetch(&alice, file["url"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(header(&headers, "content-disposition").starts_with("attachment;"), "{headers:?}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        let csp = header(&headers, "content-security-policy");
        assert!(csp.contains("sandbox") && csp.contains("default-src 'none'"), "{csp}");
        // Whatever it declared: a type a browser would run or style is a download (#25).
        assert_eq!(header(&headers, "content-type"), "application/octet-stream", "{}", file["content_type"]);
        assert!(!bytes.is_empty());
    }
    assert_eq!(fetch(&alice, &format!("{}/thumb", uploaded["url"].as_str().unwrap())).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_private_rooms_files_are_for_its_members_only() {
    let app = TestApp::spawn().await;
    let bob = app.user("bob").await;
    let alice = app.user("alice").await;
    let (_, created) = bob.post_json("/api/rooms/", &[("name", "Plans"), ("private", "true")]).await;
    let room = created["room"].as_str().unwrap().to_owned();
    let (_, uploaded) = bob.upload(&room, "plan.png", "image/png", samples::png(900, 900)).await;
    let id = uploaded["id"].as_str().unwrap();
    assert_eq!(send_file(&bob, &room, id, "the plan", "b1").await["type"], "ack");

    for path in [format!("/attachments/{id}"), format!("/attachments/{id}/thumb")] {
        assert_eq!(fetch(&bob, &path).await.0, StatusCode::OK);
        let (status, _, body) = fetch(&alice, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a non-member learns nothing");
        assert!(!String::from_utf8_lossy(&body).contains("plan"));
    }
    assert_eq!(alice.upload(&room, "x.txt", "text/plain", b"x".to_vec()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&alice, "/attachments/not-an-id").await.0, StatusCode::NOT_FOUND);

    // Removed from the room: the files close with it.
    bob.post_json(&format!("/api/rooms/{room}/members"), &[("username", "alice")]).await;
    assert_eq!(fetch(&alice, &format!("/attachments/{id}")).await.0, StatusCode::OK);
    bob.post_json(&format!("/api/rooms/{room}/members/remove"), &[("username", "alice")]).await;
    assert_eq!(fetch(&alice, &format!("/attachments/{id}")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instance_serves_a_file_uploaded_through_the_first() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("attachments");
    let (a, b) = (TestApp::spawn_on(&database, &redis, |_| {}).await, TestApp::spawn_on(&database, &redis, |_| {}).await);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let mut watching = bob.socket("pics", Some(0)).await;
    let photo = samples::png(700, 500);
    let (status, uploaded) = alice.upload("pics", "cat.png", "image/png", photo.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(send_file(&alice, "pics", uploaded["id"].as_str().unwrap(), "my cat", "a1").await["type"], "ack");
    let live = watching.next_of("message").await;
    assert_eq!(live["attachment"], uploaded);
    assert_eq!(fetch(&bob, uploaded["url"].as_str().unwrap()).await.2, photo, "instance b serves a's upload");
    let (status, headers, _) = fetch(&bob, uploaded["thumb_url"].as_str().unwrap()).await;
    assert_eq!((status, header(&headers, "content-type")), (StatusCode::OK, "image/jpeg"));
    assert_eq!(blob_count(&a).await, 2);
}
