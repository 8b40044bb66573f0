//! "Seen by": in small rooms the readers who share their reads are told, live
//! (`seen` frames) and on opening the room (`seen` in `open_room`), how far the
//! others have read; someone who stops sharing is never shown and sees no one;
//! a room of more than ten members shows nobody; across two instances too.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    Socket, TestApp, Visitor,
    services::{Postgres, Redis},
};

/// The `seen` list `open_room` answers for `room`, as (user, seq) pairs.
async fn seen_on_opening(visitor: &Visitor, room: &str) -> Vec<(String, i64)> {
    let (status, body) = visitor.post_json("/api/open_room", &[("room", room)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut seen: Vec<(String, i64)> = body["seen"]
        .as_array()
        .expect("a seen list")
        .iter()
        .map(|read| (read["user"].as_str().unwrap().to_owned(), read["seq"].as_i64().unwrap()))
        .collect();
    seen.sort();
    seen
}

/// Sends `read` on the reader's socket and waits until the marker is stored
/// (so that whatever the writer publishes for it went out before anything the
/// writer handles next).
async fn read_stored(reader: &Visitor, socket: &mut Socket, room: &str, seq: i64) {
    socket.send_json(json!({"type": "read", "seq": seq})).await;
    for _ in 0..200 {
        let (_, body) = reader.get_json("/api/rooms/").await;
        let stored =
            body["rooms"].as_array().unwrap().iter().find(|r| r["room"] == room).and_then(|r| r["last_read_seq"].as_i64());
        if stored >= Some(seq) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the read marker of {room} was not stored");
}

/// The next `seen` frame (skipping the rest of the conversation).
async fn next_seen(socket: &mut Socket) -> Value {
    socket.next_of("seen").await
}

/// The next `seen` frame up to `seq` (earlier ones, such as a first visit's, are skipped).
async fn next_seen_at(socket: &mut Socket, seq: i64) -> Value {
    loop {
        let frame = next_seen(socket).await;
        if frame["seq"].as_i64() >= Some(seq) {
            return frame;
        }
    }
}

#[tokio::test]
async fn readers_of_a_small_room_see_how_far_the_others_have_read() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut alices = alice.socket("tea", Some(0)).await;
    alices.say("kettle is on", "a1").await;
    // Opening the room counts as reading what it showed; what comes later is read with `read`.
    let mut bobs = bob.socket("tea", Some(0)).await;
    bobs.next_of("message").await;
    let seq = alices.say("tea is ready", "a2").await;
    bobs.send_json(json!({"type": "read", "seq": seq})).await;
    assert_eq!(next_seen_at(&mut alices, seq).await, json!({"type": "seen", "room": "tea", "user": "bob", "seq": seq}));
    // Opened afterwards, the room says it too; one's own read is not listed.
    assert_eq!(seen_on_opening(&alice, "tea").await, [("bob".to_owned(), seq)]);
    assert!(seen_on_opening(&bob, "tea").await.iter().all(|(user, _)| user != "bob"));
}

#[tokio::test]
async fn someone_who_stops_sharing_is_never_shown_and_sees_no_one() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("alice").await, app.user("bob").await, app.user("carol").await);
    let (status, _) = carol.post_json("/api/share_reads", &[("share", "false")]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, account) = carol.post_json("/api/account", &[]).await;
    assert_eq!(account["share_reads"], false);

    let mut alices = alice.socket("quiet", Some(0)).await;
    alices.say("anyone?", "a1").await;
    let mut carols = carol.socket("quiet", Some(0)).await;
    carols.next_of("message").await;
    let mut bobs = bob.socket("quiet", Some(0)).await;
    bobs.next_of("message").await;
    let seq = alices.say("hello?", "a1b").await;
    read_stored(&carol, &mut carols, "quiet", seq).await;
    bobs.send_json(json!({"type": "read", "seq": seq})).await;
    // Bob's read is published after carol's would have been: carol's never came.
    assert_eq!(next_seen_at(&mut alices, seq).await["user"], "bob");
    assert_eq!(seen_on_opening(&alice, "quiet").await, [("bob".to_owned(), seq)]);
    // Carol sees no one's: not on opening, not live.
    assert!(seen_on_opening(&carol, "quiet").await.is_empty());
    let later = alices.say("still here", "a2").await;
    bobs.send_json(json!({"type": "read", "seq": later})).await;
    assert_eq!(next_seen_at(&mut alices, later).await["seq"], later);
    read_stored(&carol, &mut carols, "quiet", later).await;
    let frames = drain_until_message(&mut carols, &mut alices, "a3").await;
    assert!(frames.iter().all(|f| f["type"] != "seen"), "carol got {frames:?}");

    // Sharing again shows her.
    let (status, _) = carol.post_json("/api/share_reads", &[("share", "true")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen_on_opening(&alice, "quiet").await, [("bob".to_owned(), later), ("carol".to_owned(), later)]);
}

/// Everything `reader` receives until the message `client_id` that `sender` posts now.
async fn drain_until_message(reader: &mut Socket, sender: &mut Socket, client_id: &str) -> Vec<Value> {
    sender.say("a marker message", client_id).await;
    let mut frames = Vec::new();
    loop {
        let frame = reader.next_of_any(&["message", "seen", "typing", "presence"]).await;
        if frame["type"] == "message" && frame["text"] == "a marker message" {
            return frames;
        }
        frames.push(frame);
    }
}

#[tokio::test]
async fn a_room_of_more_than_ten_members_shows_nobody() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut alices = alice.socket("crowd", Some(0)).await;
    alices.say("hello all", "a1").await;
    let mut others = Vec::new();
    for i in 0..10 {
        let member = app.user(&format!("member{i}")).await;
        let mut socket = member.socket("crowd", Some(0)).await;
        socket.next_of("message").await;
        others.push((member, socket));
    }
    let seq = alices.say("are you all here?", "a2").await;
    let (member, mut last) = others.pop().unwrap();
    read_stored(&member, &mut last, "crowd", seq).await;
    assert!(seen_on_opening(&alice, "crowd").await.is_empty(), "eleven members");
    // (The first visits, while the room still had at most ten members, were shown.)
    let frames = drain_until_message(&mut alices, &mut last, "m1").await;
    assert!(frames.iter().all(|f| f["type"] != "seen" || f["seq"].as_i64() < Some(seq)), "alice got {frames:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_on_one_instance_is_seen_on_the_other() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("seen_by");
    let a = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let b = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let mut alices = alice.socket("pair", Some(0)).await;
    alices.say("over here", "a1").await;
    let mut bobs = bob.socket("pair", Some(0)).await;
    bobs.next_of("message").await;
    let seq = alices.say("and here", "a2").await;
    bobs.send_json(json!({"type": "read", "seq": seq})).await;
    assert_eq!(next_seen_at(&mut alices, seq).await, json!({"type": "seen", "room": "pair", "user": "bob", "seq": seq}));
    // And on opening the room, read from PostgreSQL.
    assert_eq!(seen_on_opening(&alice, "pair").await, [("bob".to_owned(), seq)]);
}

#[tokio::test]
async fn a_first_visit_reads_the_room_and_its_readers_see_it() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut alices = alice.socket("porch", Some(0)).await;
    let seq = alices.say("anyone around?", "a1").await;
    // Bob has never been here: opening the room puts it in his list, read to its newest message.
    let (status, _) = bob.post_json("/api/open_room", &[("room", "porch")]).await;
    assert_eq!(status, StatusCode::OK);
    let seen = next_seen(&mut alices).await;
    assert_eq!((seen["user"].as_str(), seen["seq"].as_i64()), (Some("bob"), Some(seq)));
    assert_eq!(seen_on_opening(&alice, "porch").await, [("bob".to_owned(), seq)]);
}
