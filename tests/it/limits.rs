//! An attacker's cost is bounded: sockets per user, new rooms per user,
//! messages per user over all rooms, a replay cap with a `reset`, pings that
//! close a silent client, a write timeout that drops a client that does not
//! read, and a header-read timeout for slow HTTP clients.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::harness::{TestApp, assert_http_refusal};

#[tokio::test]
async fn a_user_may_hold_only_so_many_sockets() {
    let app = TestApp::spawn_with(|config| config.max_sockets_per_user = 3).await;
    let alice = app.user("alice").await;
    let mut open = Vec::new();
    for room in ["a", "b", "c"] {
        open.push(alice.socket(room, None).await);
    }
    assert_http_refusal(alice.try_socket("d", None, Some(&app.url(""))).await, StatusCode::TOO_MANY_REQUESTS);
    // Another user is not affected, and a closed socket frees its slot.
    app.user("bob").await.socket("d", None).await;
    drop(open.pop());
    let mut reopened = None;
    for _ in 0..50 {
        if let Ok(socket) = alice.try_socket("d", None, Some(&app.url(""))).await {
            reopened = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "the freed slot is usable again");
}

#[tokio::test]
async fn new_rooms_are_limited_per_user_but_existing_rooms_are_not() {
    let app = TestApp::spawn_with(|config| config.rooms_per_hour = 2).await;
    let alice = app.user("alice").await;
    alice.socket("new-1", Some(0)).await.say("first", "n1").await;
    alice.socket("new-2", Some(0)).await.say("second", "n2").await;
    let mut third = alice.socket("new-3", Some(0)).await;
    third.send_json(json!({"type": "send", "text": "third", "client_id": "n3"})).await;
    let frame = third.next_of_any(&["ack", "error"]).await;
    assert_eq!((frame["code"].as_str(), frame["client_id"].as_str()), (Some("room_limit"), Some("n3")));
    assert!(frame["message"].as_str().unwrap().contains("try again in"));
    // Posting in rooms that exist is unaffected.
    alice.socket("new-1", None).await.say("more", "n4").await;
    let (_, page) = alice.get_json("/api/messages/new-3/").await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_message_rate_is_per_user_over_all_rooms() {
    let app = TestApp::spawn_with(|config| config.messages_per_second = 2).await;
    let alice = app.user("alice").await;
    let mut sockets = Vec::new();
    for room in ["r1", "r2", "r3", "r4"] {
        sockets.push(alice.socket(room, Some(0)).await);
    }
    // A burst of 6 (3 seconds' worth), spread over four rooms, then refusals in any room.
    let mut acked = 0;
    let mut limited = 0;
    for i in 0..12 {
        let socket = &mut sockets[i % 4];
        socket.send_json(json!({"type": "send", "text": format!("m{i}"), "client_id": format!("c{i}")})).await;
        let frame = socket.next_of_any(&["ack", "error"]).await;
        if frame["type"] == "ack" {
            acked += 1;
        } else {
            // Refused for the rate, or for following a refused send on its socket.
            assert!(frame["code"] == "rate_limited" || frame["code"] == "out_of_order", "{frame}");
            limited += 1;
        }
    }
    assert_eq!((acked, limited), (6, 6));
}

#[tokio::test]
async fn a_replay_further_back_than_the_cap_gets_a_reset() {
    let app = TestApp::spawn_with(|config| config.replay_limit = 5).await;
    let alice = app.user("alice").await;
    let mut writer = alice.socket("deep", Some(0)).await;
    for i in 1..=10 {
        writer.say(&format!("m{i}"), &format!("c{i}")).await;
    }
    let mut far_behind = alice.socket("deep", Some(0)).await;
    let frame = far_behind.next_json().await;
    assert_eq!(frame, json!({"type": "reset", "room": "deep", "seq": 10}));
    writer.say("m11", "c11").await;
    assert_eq!(far_behind.next_of("message").await["seq"], 11, "live messages follow the reset");

    let mut close_behind = alice.socket("deep", Some(6)).await;
    for expected in 7..=11 {
        assert_eq!(close_behind.next_json().await["seq"], expected, "within the cap: replayed");
    }
}

#[tokio::test]
async fn a_client_that_answers_nothing_is_closed() {
    let app = TestApp::spawn_with(|config| config.ping_secs = 1).await;
    let alice = app.user("alice").await;
    // A socket that answers nothing, not even pings: after three silent seconds the server closes.
    let silent = alice.silent_socket("quiet").await;
    let started = Instant::now();
    assert_eq!(silent.close_code().await, Some(4000));
    // The server's clock started at the upgrade, a moment before ours.
    assert!(started.elapsed() >= Duration::from_millis(2500), "closed after {:?}", started.elapsed());

    // A client that reads (and so answers pings) stays connected.
    let mut attentive = alice.socket("quiet", Some(0)).await;
    attentive.expect_silence(Duration::from_millis(4500)).await;
    assert_eq!(attentive.say("still here", "s1").await, 1);
}

#[tokio::test]
async fn a_client_that_does_not_read_its_frames_is_dropped() {
    let app = TestApp::spawn_with(|config| {
        config.write_timeout_secs = 1;
        config.messages_per_second = 100_000;
    })
    .await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut stalled = bob.socket("flood", Some(0)).await;
    let mut writer = alice.socket("flood", Some(0)).await;
    let text = "x".repeat(4000);
    let total = 6000;
    // The writer reads as it goes (its own frames must not stall it).
    for chunk in 0..total / 100 {
        for i in chunk * 100..(chunk + 1) * 100 {
            writer.send_json(json!({"type": "send", "text": text, "client_id": format!("c{i}")})).await;
        }
        for _ in 0..100 {
            assert_eq!(writer.next_of_any(&["ack", "error"]).await["type"], "ack");
        }
    }
    // The stalled reader now reads what was buffered for it, then finds the connection gone.
    let started = Instant::now();
    let mut received = 0;
    let ended = loop {
        match tokio::time::timeout(Duration::from_secs(10), futures::StreamExt::next(&mut stalled.stream)).await {
            Ok(Some(Ok(message))) if message.is_text() => received += 1,
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => break true,
            Err(_) => break false,
        }
    };
    assert!(ended, "the server dropped the stalled socket (read {received} frames in {:?})", started.elapsed());
    assert!(received < total, "it did not get everything: it must resync when it reconnects");
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_cut_off() {
    let app = TestApp::spawn().await;
    let mut tcp = TcpStream::connect(app.addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 256];
    // The server closes the connection (read returns 0, or an error) instead of waiting forever.
    let outcome = tokio::time::timeout(Duration::from_secs(20), tcp.read(&mut buffer)).await;
    assert!(matches!(outcome, Ok(Ok(_) | Err(_))), "cut off after {:?}", started.elapsed());
    assert!(started.elapsed() >= Duration::from_secs(5), "not before the timeout");
}
