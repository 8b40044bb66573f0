//! Rooms over real WebSockets and HTTP: the ChatConsumer's fan-out, its refusals,
//! its error frames, the JSON history API and the server-rendered pages.

use std::time::Duration;

use crate::harness::{TestApp, assert_http_refusal};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn two_clients_in_a_room_get_each_message_in_order_and_other_rooms_get_none() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("alice").await, app.user("bob").await, app.user("carol").await);
    let mut a = alice.socket("general", Some(0)).await;
    let mut b = bob.socket("general", Some(0)).await;
    let mut elsewhere = carol.socket("random", Some(0)).await;

    assert_eq!(a.say("hello bob", "a1").await, 1);
    assert_eq!(b.say("hi alice", "b1").await, 2);
    assert_eq!(a.say("how are you?", "a2").await, 3);

    for socket in [&mut a, &mut b] {
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let frame = socket.next_of("message").await;
            assert_eq!(frame["room"], "general");
            seen.push((frame["seq"].as_i64().unwrap(), frame["sender"].as_str().unwrap().to_owned()));
        }
        assert_eq!(seen, [(1, "alice".into()), (2, "bob".into()), (3, "alice".into())]);
    }
    elsewhere.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn the_sender_is_the_session_user_whatever_the_frame_says() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    socket.send_json(json!({"type": "send", "text": "hi", "sender": "mallory", "client_id": "x"})).await;
    let frame = socket.next_of("message").await;
    assert_eq!(frame["sender"], "alice");
}

#[tokio::test]
async fn anonymous_and_cross_origin_upgrades_are_refused() {
    let app = TestApp::spawn().await;
    let anonymous = app.visitor();
    let refused = anonymous.try_socket("general", None, Some(&app.url(""))).await;
    assert_http_refusal(refused, StatusCode::UNAUTHORIZED);

    let alice = app.user("alice").await;
    let refused = alice.try_socket("general", None, Some("http://evil.example")).await;
    assert_http_refusal(refused, StatusCode::FORBIDDEN);
    let refused = alice.try_socket("general", None, None).await;
    assert_http_refusal(refused, StatusCode::FORBIDDEN);
    let refused = alice.try_socket("Not%20A%20Room", None, Some(&app.url(""))).await;
    assert_http_refusal(refused, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn each_invalid_frame_gets_its_error_and_the_socket_keeps_working() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    let long_text = "a".repeat(4001);
    let long_id = "c".repeat(65);
    let cases = [
        ("not json".to_owned(), "bad_frame"),
        (json!({"text": "no type"}).to_string(), "bad_frame"),
        (json!({"type": "dance"}).to_string(), "unknown_type"),
        (json!({"type": "send", "text": 42}).to_string(), "bad_frame"),
        (json!({"type": "send", "text": "  \n "}).to_string(), "empty_text"),
        (json!({"type": "send", "text": long_text}).to_string(), "text_too_long"),
        (json!({"type": "send", "text": "x", "client_id": long_id}).to_string(), "bad_client_id"),
    ];
    for (raw, code) in cases {
        socket.send_text(&raw).await;
        let frame = socket.next_json().await;
        assert_eq!(frame["type"], "error", "for {raw:.40}");
        assert_eq!(frame["code"], code, "for {raw:.40}");
        assert!(frame["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    socket.stream.send(tokio_tungstenite::tungstenite::Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(socket.next_json().await["code"], "binary_frame");

    assert_eq!(socket.say("still here", "ok-1").await, 1);
    let (_, history) = alice.get_json("/api/messages/general/").await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
}

use futures::SinkExt;

#[tokio::test]
async fn an_oversized_frame_closes_the_socket_with_1009() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    let huge = json!({"type": "send", "text": "a".repeat(20_000)}).to_string();
    socket.send_text(&huge).await;
    let close = socket.next_close().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1009);
    // The server is fine and the next socket works.
    let mut again = alice.socket("general", Some(0)).await;
    assert_eq!(again.say("after the big one", "n1").await, 1);
}

#[tokio::test]
async fn history_api_pages_with_before_and_after() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("paging", Some(0)).await;
    for i in 1..=12 {
        socket.say(&format!("message {i}"), &format!("p{i}")).await;
    }
    let seqs = |body: &serde_json::Value| -> Vec<i64> {
        body["messages"].as_array().unwrap().iter().map(|m| m["seq"].as_i64().unwrap()).collect()
    };
    let (status, newest) = alice.get_json("/api/messages/paging/?limit=5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(newest["room"], "paging");
    assert_eq!(seqs(&newest), [8, 9, 10, 11, 12]);
    let first = &newest["messages"][0];
    assert_eq!(first["sender"], "alice");
    assert_eq!(first["text"], "message 8");
    assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));

    let (_, older) = alice.get_json("/api/messages/paging/?before=8&limit=5").await;
    assert_eq!(seqs(&older), [3, 4, 5, 6, 7]);
    let (_, after) = alice.get_json("/api/messages/paging?after=9").await;
    assert_eq!(seqs(&after), [10, 11, 12]);
    let (_, window) = alice.get_json("/api/messages/paging/?after=2&before=6").await;
    assert_eq!(seqs(&window), [3, 4, 5]);
    let (_, empty) = alice.get_json("/api/messages/never-used/").await;
    assert_eq!(seqs(&empty), Vec::<i64>::new());
    let (_, capped) = alice.get_json("/api/messages/paging/?limit=100000").await;
    assert_eq!(seqs(&capped).len(), 12);
}

#[tokio::test]
async fn the_newest_history_page_is_one_body_for_every_reader_with_an_etag() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut socket = alice.socket("tagged", Some(0)).await;
    socket.say("first", "t1").await;
    let url = |who: &crate::harness::Visitor| format!("{}/api/messages/tagged/", who.base());
    let fetch = |who: &crate::harness::Visitor, encoding: &'static str, tag: Option<String>| {
        let mut request = who.http.get(url(who)).header("accept-encoding", encoding);
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        request.send()
    };

    let plain = fetch(&alice, "identity", None).await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    let tag = plain.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(plain.headers()["cache-control"], "private, no-cache");
    let body: serde_json::Value = plain.json().await.unwrap();
    assert_eq!(body["messages"][0]["text"], "first");

    let compressed = fetch(&bob, "br, gzip", None).await.unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br");
    assert_eq!(compressed.headers()["etag"].to_str().unwrap(), tag, "bob reads the same body");
    let again = fetch(&bob, "br, gzip", Some(tag.clone())).await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "a reload of an unchanged room");
    assert!(again.bytes().await.unwrap().is_empty());

    socket.say("second", "t2").await;
    let changed = fetch(&alice, "gzip", Some(tag.clone())).await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK, "a new message changes the page");
    assert_eq!(changed.headers()["content-encoding"], "gzip");
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);
    let (_, stranger) = app.visitor().get_json("/api/messages/tagged/").await;
    assert_eq!(stranger["error"], "unauthorized", "still only for the logged in: {stranger}");
}

#[tokio::test]
async fn history_api_explains_refusals() {
    let app = TestApp::spawn().await;
    let (status, body) = app.visitor().get_json("/api/messages/general/").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");

    let alice = app.user("alice").await;
    for (path, code) in [
        ("/api/messages/general/?limit=abc", "bad_request"),
        ("/api/messages/general/?limit=0", "bad_request"),
        ("/api/messages/general/?before=-3", "bad_request"),
        ("/api/messages/general/?order=asc", "bad_request"),
        ("/api/messages/no%20spaces/", "bad_room"),
        ("/api/messages/..%2F..%2Fetc/", "bad_room"),
    ] {
        let (status, body) = alice.get_json(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(body["error"], code, "{path}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{path}");
    }
    let (status, body) = alice.get_json("/api/messages/General/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["room"], "general");
}

#[tokio::test]
async fn the_room_page_is_rendered_with_its_history() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("lounge", Some(0)).await;
    socket.say("<b>bold</b> & <script>alert(1)</script>", "r1").await;

    let page = alice.get("/room/lounge/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"id="messages""#));
    assert!(html.contains(r#"id="messageInput""#));
    assert!(html.contains(r#"id="sendBtn""#));
    assert!(html.contains("<title>#lounge · Parlor</title>"), "title names the room");
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "message text is escaped");
    assert!(!html.contains("<script>alert(1)</script>"));
}

#[tokio::test]
async fn frames_and_pages_carry_rows_formatted_once_with_each_readers_classes() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut socket = alice.socket("rows", Some(0)).await;
    socket.say("hello **@bob**", "r1").await;
    let message = socket.next_of("message").await;
    let html = message["html"].as_str().expect("a message frame carries its text as HTML");
    assert!(html.starts_with(r#"<div dir="auto" class="text">"#) && html.contains("<strong>"), "{html}");
    assert!(html.contains(r#"<span class="mention">@bob</span>"#), "{html}");

    socket.send_json(json!({"type": "edit", "target": 1, "text": "hello *again*", "client_id": "e1"})).await;
    let edit = socket.next_of("edit").await;
    assert!(edit["html"].as_str().is_some_and(|html| html.contains("<em>again</em>")), "{edit}");
    let (_, history) = alice.get_json("/api/messages/rows/").await;
    assert!(history["messages"][0].get("html").is_none(), "the JSON history API stays as it was: {history}");

    let own = alice.get("/room/rows/").await.text().await.unwrap();
    let theirs = bob.get("/room/rows/").await.text().await.unwrap();
    assert!(own.contains(r#"class="message mine may-remove""#), "the author's row is theirs to edit");
    assert!(theirs.contains(r#"class="message""#) && !theirs.contains(r#"class="message mine"#), "bob's view of alice's row");
    for page in [&own, &theirs] {
        assert!(page.contains("<em>again</em>"), "the edited text, formatted on the server");
        assert!(page.contains(r#"class="day-divider""#), "the day starts with a divider");
    }
    assert!(theirs.contains(r#"id="newMessages""#), "bob has not read it yet");
}

#[tokio::test]
async fn room_urls_are_canonical_and_protected() {
    let app = TestApp::spawn().await;
    let anonymous = app.visitor();
    let page = anonymous.get("/room/lounge/").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(page.headers()["location"], "/login?next=%2Froom%2Flounge%2F");

    let alice = app.user("alice").await;
    let no_slash = alice.get("/room/lounge").await;
    assert_eq!(no_slash.headers()["location"], "/room/lounge/");
    let upper = alice.get("/room/Lounge/").await;
    assert_eq!(upper.headers()["location"], "/room/lounge/");
    let bad = alice.get("/room/no%20spaces/").await;
    assert_eq!(bad.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_lobby_lists_active_rooms_newest_first() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    alice.socket("older", Some(0)).await.say("first", "l1").await;
    let mut newer = alice.socket("newer", Some(0)).await;
    newer.say("second", "l2").await;
    newer.say("third", "l3").await;
    let html = alice.get("/").await.text().await.unwrap();
    let (newer_at, older_at) = (html.find(r#"data-room="newer""#), html.find(r#"data-room="older""#));
    assert!(newer_at.is_some() && older_at.is_some(), "both rooms listed");
    assert!(newer_at < older_at, "most recent first");
    assert!(html.contains("2 messages"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_page_survives_many_concurrent_views() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    alice.socket("busy-page", Some(0)).await.say("hello", "p1").await;
    // Many views at once (a page's scope ends while others render): every one is whole.
    let views = (0..60).map(|_| {
        let http = alice.http.clone();
        let url = app.url("/room/busy-page/");
        tokio::spawn(async move {
            let response = http.get(url).send().await.expect("answered");
            (response.status(), response.text().await.unwrap_or_default())
        })
    });
    for view in futures::future::join_all(views).await {
        let (status, html) = view.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<title>#busy-page · Parlor</title>"), "a whole page");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_while_other_servers_start_in_the_same_process() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    // Starting a server lists its pages; a page rendered meanwhile by another
    // server in the process (as in these tests) must not wait forever.
    let starting = tokio::spawn(async {
        for _ in 0..8 {
            TestApp::spawn().await.stop().await;
        }
    });
    let mut views = 0;
    while !starting.is_finished() {
        let page = alice.get("/room/lounge/").await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains("<title>#lounge · Parlor</title>"), "a whole page");
        views += 1;
    }
    starting.await.expect("servers started");
    assert!(views > 0, "pages were viewed while servers started");
}
