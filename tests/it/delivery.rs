//! The delivery model over real sockets: resync with `?after=`, idempotent sends by
//! `client_id`, pipelined sends acked in order, catching up a subscriber that lags behind a tiny channel buffer (from memory, or the database),
//! and the restart close code.

use crate::harness::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_socket_opened_with_after_gets_what_it_missed_then_live_messages() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut a = alice.socket("general", Some(0)).await;
    for i in 1..=5 {
        a.say(&format!("m{i}"), &format!("a{i}")).await;
    }
    let mut b = bob.socket("general", Some(2)).await;
    for expected in 3..=5 {
        assert_eq!(b.next_of("message").await["seq"], expected);
    }
    a.say("m6", "a6").await;
    assert_eq!(b.next_of("message").await["seq"], 6);
}

#[tokio::test]
async fn a_socket_without_after_starts_with_live_messages() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut a = alice.socket("general", Some(0)).await;
    a.say("old", "o1").await;
    let mut late = alice.socket("general", None).await;
    // An ack proves the late socket's consumer is running (and subscribed).
    assert_eq!(late.say("late hello", "o2").await, 2);
    a.say("new", "o3").await;
    let seqs = [late.next_of("message").await["seq"].clone(), late.next_of("message").await["seq"].clone()];
    assert_eq!(seqs, [2, 3], "no replay of seq 1 without ?after=");
}

#[tokio::test]
async fn the_same_client_id_is_stored_once_and_acked_with_its_first_seq() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut a = alice.socket("general", Some(0)).await;
    let mut b = bob.socket("general", Some(0)).await;
    assert_eq!(a.say("once", "same-id").await, 1);
    assert_eq!(a.say("once", "same-id").await, 1);
    // Bob's socket saw alice's message exactly once.
    assert_eq!(b.next_of("message").await["seq"], 1);
    b.expect_silence(std::time::Duration::from_millis(300)).await;
    // Another user may use the same client_id: keys are per sender.
    assert_eq!(b.say("mine", "same-id").await, 2);

    let (_, history) = alice.get_json("/api/messages/general/").await;
    let texts: Vec<&str> = history["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["once", "mine"]);
}

#[tokio::test]
async fn sends_fired_without_waiting_are_acked_in_the_order_sent() {
    let app = TestApp::spawn_with(|config| config.messages_per_second = 100_000).await;
    let alice = app.user("alice").await;
    let mut a = alice.socket("pipeline", Some(0)).await;
    // More than a socket keeps in flight at once, so reading also pauses and resumes.
    let total = 150;
    for i in 1..=total {
        a.send_json(json!({"type": "send", "text": format!("m{i}"), "client_id": format!("p{i}")})).await;
    }
    for i in 1..=total {
        let ack = a.next_of("ack").await;
        assert_eq!((ack["client_id"].as_str(), ack["seq"].as_i64()), (Some(format!("p{i}").as_str()), Some(i)));
    }
    let (_, history) = alice.get_json("/api/messages/pipeline/?limit=200").await;
    let texts: Vec<&str> = history["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    let expected: Vec<String> = (1..=total).map(|i| format!("m{i}")).collect();
    assert_eq!(texts, expected);
}

/// Four readers in `room` behind a channel buffer of `capacity` events get
/// `total` messages fired without waiting for acks, each every message once
/// and in order; returns the server's metrics after.
async fn burst_past_a_small_buffer(capacity: u32, room: &str, total: i64) -> String {
    let app = TestApp::spawn_with(|config| {
        config.layer_capacity = capacity;
        config.messages_per_second = 100_000;
    })
    .await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut readers = Vec::new();
    for _ in 0..4 {
        readers.push(bob.socket(room, Some(0)).await);
    }
    let mut writer = alice.socket(room, Some(0)).await;
    for i in 1..=total {
        // Fire without waiting for acks so events pile up faster than readers drain them.
        writer.send_json(json!({"type": "send", "text": format!("m{i}"), "client_id": format!("c{i}")})).await;
    }
    for reader in &mut readers {
        for expected in 1..=total {
            assert_eq!(reader.next_of("message").await["seq"], expected, "gap-free and duplicate-free");
        }
    }
    alice.get("/metrics").await.text().await.unwrap()
}

/// A counter of the metrics' text (0 when absent).
fn counter(metrics: &str, name: &str) -> f64 {
    metrics.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok()).unwrap_or(0.0)
}

#[tokio::test]
async fn a_lagging_subscriber_is_caught_up_from_the_database() {
    // A buffer of one event: any subscriber that is not instantly scheduled lags.
    let metrics = burst_past_a_small_buffer(1, "busy", 200).await;
    // The readers did fall behind: the catch-up path was exercised, not bypassed.
    assert!(counter(&metrics, "parlor_socket_lag_total") > 0.0, "expected lag to be recorded, metrics:\n{metrics}");
}

#[tokio::test]
async fn a_lagging_subscriber_is_caught_up_from_memory_when_the_group_still_holds_what_it_missed() {
    // A buffer of two events, so readers lag; the group remembers sixteen.
    let metrics = burst_past_a_small_buffer(2, "lagging", 400).await;
    assert!(counter(&metrics, "parlor_catch_up_from_memory_total") > 0.0, "expected a catch-up from memory, metrics:\n{metrics}");
}

#[tokio::test]
async fn stopping_the_server_closes_sockets_with_service_restart() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    socket.say("before the restart", "r1").await;
    let stopping = tokio::spawn(app.stop());
    let close = socket.next_close().await.expect("close frame");
    assert_eq!(u16::from(close.code), 1012);
    stopping.await.unwrap();
}

#[tokio::test]
async fn deleting_an_account_keeps_its_messages_and_the_seqs_gap_free() {
    use sea_orm::{ConnectionTrait, Database};

    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut socket = alice.socket("memory", Some(0)).await;
    socket.say("from alice", "a1").await;
    bob.socket("memory", None).await.say("from bob", "b1").await;
    socket.say("alice again", "a2").await;

    let db = Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared("PRAGMA foreign_keys = ON").await.unwrap();
    db.execute_unprepared("DELETE FROM user WHERE username = 'bob'").await.unwrap();

    let (_, history) = alice.get_json("/api/messages/memory/").await;
    let rows: Vec<(i64, &str, &str)> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["seq"].as_i64().unwrap(), m["sender"].as_str().unwrap(), m["text"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [(1, "alice", "from alice"), (2, "[deleted]", "from bob"), (3, "alice", "alice again")]);
    assert_eq!(socket.say("still counting", "a3").await, 4);
}
