//! Scale-out: two Parlor instances on different ports sharing one PostgreSQL and
//! one Redis (real servers, started by the test). Clients on either instance see
//! every message in one `seq` order; concurrent senders on both get gap-free,
//! unique seqs; and a Redis restart mid-run loses nothing.

use std::{process::Command, time::Duration};

use crate::harness::{
    TestApp,
    services::{Postgres, Redis},
};
use reqwest::StatusCode;

async fn instance(database_url: &str, redis: &Redis) -> TestApp {
    TestApp::spawn_on(database_url, redis, |config| {
        config.messages_per_second = 100_000;
        config.upgrades_per_ip = 100_000;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_two_instances_see_every_message_in_one_order() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("one_order");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    let alice = a.user("alice").await;
    let bob = a.user("bob").await.on(&b);
    let mut on_a = alice.socket("shared", Some(0)).await;
    let mut on_b = bob.socket("shared", Some(0)).await;

    for round in 0..3 {
        on_a.say(&format!("alice {round}"), &format!("a{round}")).await;
        on_b.say(&format!("bob {round}"), &format!("b{round}")).await;
    }
    for socket in [&mut on_a, &mut on_b] {
        let mut seen = Vec::new();
        while seen.len() < 6 {
            let frame = socket.next_of("message").await;
            seen.push((frame["seq"].as_i64().unwrap(), frame["text"].as_str().unwrap().to_owned()));
        }
        let expected: Vec<(i64, String)> = (0..3)
            .flat_map(|r| [format!("alice {r}"), format!("bob {r}")])
            .enumerate()
            .map(|(i, text)| (i as i64 + 1, text))
            .collect();
        assert_eq!(seen, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_senders_on_both_instances_get_gap_free_unique_seqs() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("concurrent");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    const PER_SENDER: usize = 40;
    let mut senders = Vec::new();
    for (i, app) in [&a, &a, &b, &b].into_iter().enumerate() {
        let visitor = app.user(&format!("sender{i}")).await;
        senders.push(tokio::spawn(async move {
            let mut socket = visitor.socket("busy", None).await;
            let mut seqs = Vec::new();
            for n in 0..PER_SENDER {
                seqs.push(socket.say(&format!("{i}-{n}"), &format!("{i}-{n}")).await);
            }
            seqs
        }));
    }
    let mut acked = Vec::new();
    for sender in senders {
        acked.extend(sender.await.unwrap());
    }
    acked.sort_unstable();
    let total = 4 * PER_SENDER as i64;
    assert_eq!(acked, (1..=total).collect::<Vec<_>>(), "every seq once, no gaps");

    let reader = a.user("reader").await;
    let mut history = Vec::new();
    while history.len() < total as usize {
        let after = history.len();
        let (_, page) = reader.get_json(&format!("/api/messages/busy/?after={after}&limit=200")).await;
        let messages = page["messages"].as_array().unwrap();
        assert!(!messages.is_empty());
        history.extend(messages.iter().map(|m| m["seq"].as_i64().unwrap()));
    }
    assert_eq!(history, (1..=total).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_mid_run_loses_nothing() {
    let (postgres, mut redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("redis_restart");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    let alice = a.user("alice").await;
    let bob = a.user("bob").await.on(&b);
    let mut writer = alice.socket("sturdy", Some(0)).await;
    let mut reader = bob.socket("sturdy", Some(0)).await;

    for n in 1..=5 {
        writer.say(&format!("before {n}"), &format!("before-{n}")).await;
    }
    redis.stop();
    // Messages are still stored and acked while Redis is down, and health says so.
    for n in 1..=5 {
        writer.say(&format!("during {n}"), &format!("during-{n}")).await;
    }
    let (status, health) = alice.get_json("/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health["database"], "ok");
    assert_ne!(health["channel_layer"], "ok");

    redis.restart();
    // The reader is idle: no new message will show it a gap. Once the instances
    // have resubscribed, it is resynced from the database all the same.
    let mut seen = Vec::new();
    while seen.len() < 10 {
        seen.push(reader.next_of("message").await["seq"].as_i64().unwrap());
    }
    assert_eq!(seen, (1..=10).collect::<Vec<_>>());
    for n in 1..=5 {
        writer.say(&format!("after {n}"), &format!("after-{n}")).await;
    }
    while seen.len() < 15 {
        seen.push(reader.next_of("message").await["seq"].as_i64().unwrap());
    }
    assert_eq!(seen, (1..=15).collect::<Vec<_>>());

    let mut healthy = false;
    for _ in 0..100 {
        if alice.get_json("/healthz").await.0 == StatusCode::OK {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "health recovers after Redis is back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_gives_clear_errors_and_no_ack() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("pg_outage");
    let app = instance(&database, &redis).await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("fragile", Some(0)).await;
    assert_eq!(socket.say("before", "before").await, 1);

    postgres.stop();
    socket.send_json(serde_json::json!({"type": "send", "text": "during", "client_id": "during"})).await;
    let frame = socket.next_of_any(&["ack", "error"]).await;
    assert_eq!(frame["type"], "error", "no ack without a commit: {frame}");
    assert_eq!(frame["code"], "store_failed");
    assert_eq!(frame["client_id"], "during");
    let (status, health) = alice.get_json("/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_ne!(health["database"], "ok");

    postgres.restart();
    // The client resends from its outbox with the same client_id, once.
    let mut seq = None;
    for _ in 0..50 {
        socket.send_json(serde_json::json!({"type": "send", "text": "during", "client_id": "during"})).await;
        let frame = socket.next_of_any(&["ack", "error"]).await;
        if frame["type"] == "ack" {
            seq = frame["seq"].as_i64();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seq, Some(2));
    let (_, history) = alice.get_json("/api/messages/fragile/").await;
    let texts: Vec<&str> = history["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["before", "during"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_publish_still_reaches_the_idle_reader_on_the_other_instance() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("dropped_publish");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    let alice = a.user("alice").await;
    let bob = a.user("bob").await.on(&b);
    let mut writer = alice.socket("beacon", Some(0)).await;
    let mut reader = bob.socket("beacon", Some(0)).await;
    writer.say("first", "c1").await;
    assert_eq!(reader.next_of("message").await["seq"], 1);

    // Cut every publishing connection (subscriptions stay): the next publish is lost.
    let killed = Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "CLIENT", "KILL", "TYPE", "normal"])
        .output()
        .expect("redis-cli runs");
    assert!(killed.status.success());
    writer.say("the last word", "c2").await;
    // No further message will follow; the reader must hear of it anyway, within 5 s.
    let frame = tokio::time::timeout(Duration::from_secs(5), reader.next_of("message")).await.expect("within 5 s");
    assert_eq!((frame["seq"].as_i64(), frame["text"].as_str()), (Some(2), Some("the last word")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_join_and_leave_storm_every_reader_gets_the_next_message() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("storm");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    let alice = a.user("alice").await;
    let mut storm = Vec::new();
    for i in 0..8 {
        let visitor = a.user(&format!("storm{i}")).await.on(&b);
        storm.push(tokio::spawn(async move {
            for _ in 0..15 {
                let socket = visitor.socket("stormy", None).await;
                drop(socket);
                tokio::task::yield_now().await;
            }
            visitor
        }));
    }
    let mut readers = Vec::new();
    for task in storm {
        readers.push(task.await.unwrap().socket("stormy", None).await);
    }
    let mut writer = alice.socket("stormy", Some(0)).await;
    writer.say("after the storm", "c1").await;
    for reader in &mut readers {
        let frame = tokio::time::timeout(Duration::from_secs(5), reader.next_of("message")).await.expect("within 5 s");
        assert_eq!(frame["text"], "after the storm");
    }
}
