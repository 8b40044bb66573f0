//! The cases of the fault matrix (`scripts/faults.sh`) that fit a test: the
//! network between one instance and Redis cut and healed (through a proxy that
//! holds every byte, as a dark link does), and a stalled database filling the
//! writer's bounded queue. Real PostgreSQL and Redis, started by the test.

use std::{
    collections::HashMap,
    process::{Command, Stdio},
    time::Duration,
};

use parlor::server::config::Config;
use parlor_load::proxy::Proxy;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    Socket, TestApp, Visitor,
    services::{Postgres, Redis},
};

fn generous(config: &mut Config) {
    config.messages_per_second = 100_000;
    config.upgrades_per_ip = 100_000;
}

/// Polls `/healthz` until it answers `status` (for at most 20 s).
async fn until_health(visitor: &Visitor, status: StatusCode) {
    for _ in 0..200 {
        if visitor.get_json("/healthz").await.0 == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/healthz never answered {status}");
}

/// The seqs of the next `count` messages a socket is shown.
async fn next_seqs(socket: &mut Socket, count: usize) -> Vec<i64> {
    let mut seqs = Vec::new();
    while seqs.len() < count {
        seqs.push(socket.next_of("message").await["seq"].as_i64().unwrap());
    }
    seqs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_between_an_instance_and_redis_is_noticed_and_healed_gap_free() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("redis_cut");
    let link = Proxy::start("127.0.0.1:0".parse().unwrap(), format!("127.0.0.1:{}", redis.port).parse().unwrap()).await.unwrap();
    let a = TestApp::spawn_on_layer(&database, &format!("redis://{}", link.addr), generous).await;
    let b = TestApp::spawn_on(&database, &redis, generous).await;
    let (alice, bob) = (a.user("alice").await, a.user("bob").await.on(&b));
    let (mut on_a, mut on_b) = (alice.socket("dark", Some(0)).await, bob.socket("dark", Some(0)).await);
    on_a.say("before", "before").await;
    assert_eq!(next_seqs(&mut on_a, 1).await, [1]);
    assert_eq!(next_seqs(&mut on_b, 1).await, [1]);

    link.cut();
    until_health(&alice, StatusCode::SERVICE_UNAVAILABLE).await;
    let (_, health) = alice.get_json("/healthz").await;
    assert_eq!(health["database"], "ok");
    assert_ne!(health["channel_layer"], "ok");
    // Both sides still store and acknowledge; neither hears the other.
    for n in 0..3 {
        on_b.say(&format!("from b {n}"), &format!("b{n}")).await;
        on_a.say(&format!("from a {n}"), &format!("a{n}")).await;
    }

    link.heal();
    // Each socket is caught up from the database in seq order, once each:
    // both heard their own instance's messages live and get the rest now.
    for socket in [&mut on_a, &mut on_b] {
        let mut seqs = next_seqs(socket, 6).await;
        seqs.sort_unstable();
        assert_eq!(seqs, (2..=7).collect::<Vec<_>>());
    }
    on_b.say("after", "after").await;
    assert_eq!(next_seqs(&mut on_a, 1).await, [8]);
    assert_eq!(next_seqs(&mut on_b, 1).await, [8]);
    on_a.expect_silence(Duration::from_millis(500)).await;
    until_health(&alice, StatusCode::OK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_database_refuses_sends_past_the_writer_queue_and_loses_none() {
    let postgres = Postgres::start();
    let database = postgres.create_database("stalled");
    let app = TestApp::spawn_on_layer(&database, "memory", |config| {
        generous(config);
        config.writer_queue = 2;
    })
    .await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("stalled", Some(0)).await;
    assert_eq!(socket.say("first", "first").await, 1);

    // Another session holds the message table for three seconds.
    let mut lock = Command::new("psql")
        .args(["-q", &database, "-c"])
        .arg("BEGIN; LOCK TABLE message IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;")
        .stdout(Stdio::null())
        .spawn()
        .expect("psql runs");
    tokio::time::sleep(Duration::from_millis(500)).await;

    let ids: Vec<String> = (0..10).map(|n| format!("m{n}")).collect();
    for id in &ids {
        socket.send_json(json!({"type": "send", "text": id, "client_id": id})).await;
    }
    // Every send is answered: the ones that fit the queue once the lock is
    // gone, the rest at once with a clear refusal.
    let mut answers: HashMap<String, Value> = HashMap::new();
    while answers.len() < ids.len() {
        let frame = socket.next_of_any(&["ack", "error"]).await;
        answers.insert(frame["client_id"].as_str().unwrap().to_owned(), frame);
    }
    let busy: Vec<&Value> = answers.values().filter(|frame| frame["code"] == "store_failed").collect();
    assert_eq!(busy.len(), 1, "one send waits its second and is refused, the ones after it out of order: {answers:?}");
    assert!(busy[0]["message"].as_str().unwrap().ends_with("try again in 1 s"), "{}", busy[0]);
    assert!(
        answers
            .values()
            .all(|frame| frame["type"] == "ack" || ["store_failed", "out_of_order"].contains(&frame["code"].as_str().unwrap()))
    );
    assert!(lock.wait().unwrap().success());

    // The outbox sends what was refused again, in order, with the same client ids.
    let refused: Vec<&String> = ids.iter().filter(|id| answers[*id]["type"] == "error").collect();
    assert!(!refused.is_empty() && refused.len() < ids.len(), "{answers:?}");
    for id in &refused {
        socket.send_json(json!({"type": "send", "text": id, "client_id": id})).await;
        assert_eq!(socket.next_of_any(&["ack", "error"]).await["type"], "ack");
    }
    let (_, history) = alice.get_json("/api/messages/stalled/").await;
    let texts: Vec<&str> = history["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    let mut expected = vec!["first"];
    expected.extend(ids.iter().map(String::as_str));
    assert_eq!(texts, expected);
}
