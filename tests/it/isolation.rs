//! One bad or unlucky message never fails anybody else's: a text PostgreSQL
//! refuses fails alone (and is refused at the frame parser first), log-ins and
//! registrations never make a message fail on SQLite, and idempotency is scoped
//! to the room.

use parlor::server::storage::registration::Entry;
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use futures::future::join_all;
use parlor::{
    entity::user,
    protocol::EventBody,
    server::{
        bus::MemoryLayer,
        config::SqliteSync,
        storage::{AppendError, NewEvent, Store, store::HistoryQuery},
        tasks::Background,
    },
};
use serde_json::json;

use crate::harness::{PASSWORD, TestApp, services::Postgres};

fn message(room: &str, sender: &user::Model, text: &str, client_id: &str) -> NewEvent {
    NewEvent {
        room: room.into(),
        sender: sender.clone(),
        client_id: Some(client_id.into()),
        body: EventBody::Message(parlor::protocol::events::message::Body::text(text.into())),
        display_as: None,
        hook_maker: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_refused_text_fails_alone_in_its_batch() {
    let postgres = Postgres::start();
    let url = postgres.create_database("isolation");
    let background = Background::new();
    let store = Store::open(&url, SqliteSync::Full, 8192, Arc::new(MemoryLayer::new(1024)), &background).await.unwrap();
    let (mallory, alice) = (
        store.registration().create_user("mallory", "x".into(), Entry::ByAdministrator).await.unwrap().user,
        store.registration().create_user("alice", "x".into(), Entry::ByAdministrator).await.unwrap().user,
    );
    // Queued together, so they share batches: NUL-bearing texts (which PostgreSQL
    // refuses, SQLSTATE 22021) interleaved with another user's messages in another room.
    let mut pending = Vec::new();
    for i in 0..500 {
        pending.push((true, store.append(message("hall", &alice, &format!("valid {i}"), &format!("a{i}"))).await));
        if i % 10 == 0 {
            pending.push((false, store.append(message("den", &mallory, "nul\0byte", &format!("m{i}"))).await));
        }
    }
    let outcomes = join_all(pending.into_iter().map(|(valid, stored)| async move { (valid, stored.await) })).await;
    for (valid, outcome) in &outcomes {
        match (valid, outcome) {
            (true, Ok(stored)) => assert!(!stored.duplicate),
            (false, Err(AppendError::Refused(_))) => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    let mut stored = Vec::new();
    let mut after = 0;
    loop {
        let page = store.history("hall", HistoryQuery { after: Some(after), limit: 200, ..Default::default() }).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        stored.extend(page.into_iter().map(|m| m.text));
    }
    assert_eq!(stored, (0..500).map(|i| format!("valid {i}")).collect::<Vec<_>>());
    assert_eq!(store.last_seq("den").await.unwrap(), 0, "nothing of the refused texts was stored");
    background.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn control_characters_are_refused_at_the_frame_with_a_clear_error() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("general", Some(0)).await;
    socket.send_json(json!({"type": "send", "text": "nul\u{0}byte", "client_id": "bad"})).await;
    let frame = socket.next_of_any(&["ack", "error"]).await;
    assert_eq!((frame["type"].as_str(), frame["code"].as_str()), (Some("error"), Some("control_characters")));
    assert_eq!(frame["client_id"], "bad");
    assert_eq!(socket.say("line one\n\tline two", "ok").await, 1, "newlines and tabs are text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_ins_and_registrations_never_make_a_message_fail() {
    let app = TestApp::spawn_with(|config| {
        config.messages_per_second = 100_000;
        config.auth_attempts_per_ip = 100_000;
        config.auth_attempts_per_username = 100_000;
        config.auth_attempts_per_username_all_ips = 100_000;
    })
    .await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("busy", Some(0)).await;
    let churning = Arc::new(AtomicBool::new(true));
    let churn = {
        let (churning, visitor) = (churning.clone(), app.visitor());
        tokio::spawn(async move {
            let mut rounds = 0;
            while churning.load(Ordering::Relaxed) {
                let name = format!("churn{rounds}");
                assert!(visitor.register(&name, PASSWORD).await.status().is_success());
                assert!(visitor.logout().await.status().is_success());
                assert!(visitor.login(&name, PASSWORD).await.status().is_success());
                assert!(visitor.logout().await.status().is_success());
                rounds += 1;
            }
            rounds
        })
    };
    // 500 messages a second for 8 seconds, acks read as they come.
    let total = 4000;
    let started = Instant::now();
    let mut acked = 0;
    for i in 0..total {
        let due = started + Duration::from_millis(i * 2);
        tokio::time::sleep_until(due.into()).await;
        socket.send_json(json!({"type": "send", "text": format!("m{i}"), "client_id": format!("c{i}")})).await;
        while let Some(frame) = socket.try_next_json() {
            assert_ne!(frame["type"], "error", "{frame}");
            if frame["type"] == "ack" {
                acked += 1;
            }
        }
    }
    while acked < total {
        let frame = socket.next_of_any(&["ack", "error"]).await;
        assert_eq!(frame["type"], "ack", "{frame}");
        acked += 1;
    }
    churning.store(false, Ordering::Relaxed);
    let rounds = churn.await.unwrap();
    // Each round hashes two passwords (slow in a debug build on a busy machine):
    // one whole round shows the churn overlapped the messages.
    assert!(rounds >= 1, "log-ins ran alongside ({rounds} rounds)");

    let mut seqs = Vec::new();
    while seqs.len() < total as usize {
        let (_, page) = alice.get_json(&format!("/api/messages/busy/?after={}&limit=200", seqs.len())).await;
        let messages = page["messages"].as_array().unwrap();
        assert!(!messages.is_empty());
        seqs.extend(messages.iter().map(|m| m["text"].as_str().unwrap().to_owned()));
    }
    assert_eq!(seqs, (0..total).map(|i| format!("m{i}")).collect::<Vec<_>>(), "every message once, in order");
}

#[tokio::test]
async fn the_same_client_id_in_another_room_is_another_message() {
    resends_are_per_sender_and_room(&TestApp::spawn().await).await;
}

/// The writer looks a batch's resends up by one statement of JSON keys
/// (`json_each` on SQLite, `jsonb_array_elements` here): the same check on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_the_same_client_id_in_another_room_is_another_message() {
    let postgres = Postgres::start();
    let database = postgres.create_database("resends");
    resends_are_per_sender_and_room(&TestApp::spawn_on_layer(&database, "memory", |_| {}).await).await;
}

/// A resend in the same room is answered with the first copy; the same
/// `client_id` in another room, or from another user, is a message of its own.
async fn resends_are_per_sender_and_room(app: &TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut a = alice.socket("room-a", Some(0)).await;
    let mut b = alice.socket("room-b", Some(0)).await;
    assert_eq!(a.say("to a", "same-id").await, 1);
    assert_eq!(b.say("to b", "same-id").await, 1);
    assert_eq!(a.say("to a again", "same-id").await, 1, "a resend in the same room is still the first copy");
    let mut bob_in_a = bob.socket("room-a", Some(1)).await;
    assert_eq!(bob_in_a.say("bob's", "same-id").await, 2, "another sender's client_id is another message");
    let (_, history) = alice.get_json("/api/messages/room-b/").await;
    assert_eq!(history["messages"][0]["text"], "to b");
    let (_, history) = alice.get_json("/api/messages/room-a/").await;
    let texts: Vec<&str> = history["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["to a", "bob's"]);
}
