//! Past one Redis: instances on a Redis Cluster (three real nodes, started by
//! the test) share rooms through sharded pub/sub (`--channel-layer
//! redis-cluster://…`). Rooms' channels spread over the nodes; clients on
//! either instance see every message in one order; a node restarted under
//! load loses nothing; the layer knows who listens anywhere.

use std::time::{Duration, Instant};

use parlor::server::{
    bus::{ChannelLayer, Event, Group, Received, RedisLayer},
    tasks::Background,
};
use reqwest::StatusCode;

use crate::harness::{
    TestApp,
    services::{Postgres, RedisCluster},
};

/// Rooms enough that their channels land on every node.
const ROOMS: [&str; 6] = ["north", "south", "east", "west", "up", "down"];

async fn instance(database_url: &str, cluster: &RedisCluster) -> TestApp {
    TestApp::spawn_on_layer(database_url, &cluster.layer_url(), |config| {
        config.messages_per_second = 100_000;
        config.upgrades_per_ip = 100_000;
    })
    .await
}

/// The `seq`s of the next `count` messages on `socket`; or, when one does not
/// come within 20 s, those that came.
async fn seqs(socket: &mut crate::harness::Socket, count: usize) -> Result<Vec<i64>, Vec<i64>> {
    let mut seen = Vec::new();
    while seen.len() < count {
        match tokio::time::timeout(Duration::from_secs(20), socket.next_of("message")).await {
            Ok(frame) => seen.push(frame["seq"].as_i64().unwrap()),
            Err(_) => return Err(seen),
        }
    }
    Ok(seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_two_instances_share_rooms_spread_over_the_cluster() {
    let (postgres, cluster) = (Postgres::start(), RedisCluster::start());
    let database = postgres.create_database("cluster_rooms");
    let (a, b) = (instance(&database, &cluster).await, instance(&database, &cluster).await);
    let alice = a.user("alice").await;
    let bob = a.user("bob").await.on(&b);
    let mut pairs = Vec::new();
    for room in ROOMS {
        pairs.push((alice.socket(room, Some(0)).await, bob.socket(room, Some(0)).await));
    }
    for round in 0..3 {
        for (on_a, on_b) in &mut pairs {
            on_a.say(&format!("alice {round}"), &format!("a{round}")).await;
            on_b.say(&format!("bob {round}"), &format!("b{round}")).await;
        }
    }
    for (on_a, on_b) in &mut pairs {
        for socket in [on_a, on_b] {
            assert_eq!(seqs(socket, 6).await, Ok((1..=6).collect::<Vec<_>>()));
        }
    }
    // The channels are spread: more than one node holds subscriptions.
    let holding = cluster.nodes_with_shard_channels();
    assert!(holding >= 2, "the rooms' channels spread over the nodes ({holding} of 3 hold some)");
    assert_eq!(alice.get_json("/healthz").await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_under_load_loses_nothing() {
    let (postgres, mut cluster) = (Postgres::start(), RedisCluster::start());
    let database = postgres.create_database("cluster_restart");
    let (a, b) = (instance(&database, &cluster).await, instance(&database, &cluster).await);
    const PER_ROOM: i64 = 80;
    let mut writers = Vec::new();
    let mut readers = Vec::new();
    for room in ROOMS {
        let writer = a.user(&format!("w_{room}")).await;
        let reader = a.user(&format!("r_{room}")).await.on(&b);
        readers.push(reader.socket(room, Some(0)).await);
        let mut socket = writer.socket(room, Some(0)).await;
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for n in 0..PER_ROOM {
                acked.push(socket.say(&format!("{room} {n}"), &format!("{room}-{n}")).await);
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            acked
        }));
    }
    let watcher = a.user("watcher").await;

    tokio::time::sleep(Duration::from_millis(600)).await;
    cluster.stop_node(0);
    // Health says so while a primary is away.
    let mut unhealthy = false;
    let deadline = Instant::now() + Duration::from_secs(3);
    while !unhealthy && Instant::now() < deadline {
        unhealthy = watcher.get_json("/healthz").await.0 == StatusCode::SERVICE_UNAVAILABLE;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(unhealthy, "/healthz reports the layer down while a node is");
    // Down for a while, with messages flowing to and from its rooms.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.start_node(0);

    for writer in writers {
        assert_eq!(writer.await.unwrap(), (1..=PER_ROOM).collect::<Vec<_>>(), "every message acked once, in order");
    }
    // Every reader, on the other instance, got every message once, in order:
    // live, or caught up from the database once its channel was subscribed again.
    for (room, reader) in ROOMS.iter().zip(&mut readers) {
        let got = seqs(reader, PER_ROOM as usize).await.unwrap_or_else(|seen| {
            panic!("{room}: after {seen:?} nothing more; the nodes' sharded channels: {:?}", cluster.shard_channels())
        });
        assert_eq!(got, (1..=PER_ROOM).collect::<Vec<_>>());
        reader.expect_silence(Duration::from_millis(300)).await;
    }
    let mut healthy = false;
    for _ in 0..100 {
        if watcher.get_json("/healthz").await.0 == StatusCode::OK {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "health recovers once the node is back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layer_knows_who_listens_on_any_instance() {
    let cluster = RedisCluster::start();
    let background = Background::new();
    let one = RedisLayer::connect_cluster(&cluster.nodes(), 64, &background).await.expect("connects");
    let two = RedisLayer::connect_cluster(&cluster.nodes(), 64, &background).await.expect("connects");
    let listening = Group::User(7);
    let mut subscription = two.group_add(&listening).await.expect("subscribes");

    assert!(one.has_listeners(&listening).await.unwrap(), "a subscriber on the other instance counts");
    assert!(!one.has_listeners(&Group::User(8)).await.unwrap(), "nobody listens to another user");
    one.group_send(&listening, Event::Head { seq: 3 }).await.unwrap();
    // A resync may come first (the subscription's connection settling on a
    // loaded machine once gave one); the event must still follow it.
    let received = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match subscription.recv().await {
                Received::Event(Event::Resync) => continue,
                other => break other,
            }
        }
    })
    .await
    .expect("within 5 s");
    assert!(matches!(received, Received::Event(Event::Head { seq: 3 })), "{received:?}");

    drop(subscription);
    let mut gone = false;
    for _ in 0..50 {
        if !one.has_listeners(&listening).await.unwrap() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the last subscriber leaving unsubscribes its channel");
    assert!(one.health().await.is_ok());
    background.stop(Duration::from_secs(1)).await;
}
