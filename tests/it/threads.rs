//! Threads: a reply in a thread is a room event with the room's next `seq`,
//! kept out of the room's timeline (unless `also_in_room`) and summarized under
//! its root; a replay folds into exactly what a fresh read shows. Following:
//! the root's author, repliers and the mentioned follow; a thread's replies
//! count as its followers' unread, not the room's; markers are per thread,
//! monotonic, and heard by the user's inbox; a removed member loses the
//! room's threads. On SQLite, and across two instances (PostgreSQL + Redis).

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{
        Socket, TestApp, Visitor,
        services::{Postgres, Redis},
    },
    private_rooms::{add, private_room, remove},
};

/// Sends `frame` and returns the ack's seq, or the error's code.
async fn outcome(socket: &mut Socket, frame: Value) -> Result<i64, String> {
    let client_id = frame["client_id"].clone();
    socket.send_json(frame).await;
    loop {
        let answer = socket.next_of_any(&["ack", "error"]).await;
        if answer["client_id"] == client_id {
            return match answer["type"].as_str() {
                Some("ack") => Ok(answer["seq"].as_i64().unwrap()),
                _ => Err(answer["code"].as_str().unwrap().to_owned()),
            };
        }
    }
}

/// Replies in the thread of `root` and returns the reply's seq.
async fn reply(socket: &mut Socket, root: i64, text: &str, client_id: &str) -> i64 {
    outcome(socket, json!({"type": "send", "text": text, "thread": root, "client_id": client_id})).await.unwrap()
}

async fn page(visitor: &Visitor, path: &str) -> Value {
    let (status, page) = visitor.get_json(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {page}");
    page
}

async fn followed(visitor: &Visitor) -> Vec<Value> {
    page(visitor, "/api/threads/").await["threads"].as_array().unwrap().clone()
}

fn unread_of(threads: &[Value], room: &str, root: i64) -> Option<(i64, i64)> {
    threads
        .iter()
        .find(|t| t["room"] == room && t["thread"] == root)
        .map(|t| (t["unread"].as_i64().unwrap(), t["mentions"].as_i64().unwrap()))
}

fn room_counts(rooms: &Value, room: &str) -> (i64, i64) {
    let room = rooms["rooms"].as_array().unwrap().iter().find(|r| r["room"] == room).expect("room listed");
    (room["unread"].as_i64().unwrap(), room["mentions"].as_i64().unwrap())
}

#[tokio::test]
async fn thread_replies_take_the_rooms_seqs_and_stay_out_of_its_timeline() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("alice").await, app.user("bob").await, app.user("carol").await);
    let mut alices = alice.socket("desk", Some(0)).await;
    let mut bobs = bob.socket("desk", Some(0)).await;
    let mut carols = carol.socket("desk", Some(0)).await;
    assert_eq!(alices.say("release today?", "m1").await, 1);
    assert_eq!(reply(&mut bobs, 1, "yes, at five", "t1").await, 2);
    let live = loop {
        let frame = alices.next_of("message").await;
        if frame["seq"] == 2 {
            break frame;
        }
    };
    assert_eq!((live["seq"].as_i64(), live["thread"].as_i64()), (Some(2), Some(1)), "{live}");
    assert!(live.get("also_in_room").is_none(), "{live}");
    let shown = outcome(
        &mut carols,
        json!({"type": "send", "text": "I'll be there", "thread": 1, "also_in_room": true, "client_id": "t2"}),
    );
    assert_eq!(shown.await, Ok(3));
    assert_eq!(alices.next_of("message").await["also_in_room"], true);

    // What cannot be a thread.
    let refused = |root: i64, id: &str| json!({"type": "send", "text": "x", "thread": root, "client_id": id});
    assert_eq!(outcome(&mut bobs, refused(99, "x1")).await, Err("not_found".into()));
    assert_eq!(outcome(&mut bobs, refused(2, "x2")).await, Err("bad_thread".into()), "a reply is not a root");
    assert_eq!(
        outcome(&mut bobs, json!({"type": "send", "text": "x", "also_in_room": true, "client_id": "x3"})).await,
        Err("bad_frame".into())
    );
    assert_eq!(alices.say("another topic", "m2").await, 4);
    outcome(&mut alices, json!({"type": "delete", "target": 4, "client_id": "d1"})).await.unwrap();
    assert_eq!(outcome(&mut bobs, refused(4, "x4")).await, Err("deleted".into()));

    let timeline = page(&alice, "/api/messages/desk/").await["messages"].as_array().unwrap().clone();
    let seqs: Vec<i64> = timeline.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 3, 4], "the root, the reply also in the room, the other message");
    let summary = &timeline[0]["replies"];
    assert_eq!((summary["count"].as_i64(), summary["last_seq"].as_i64()), (Some(2), Some(3)), "{summary}");
    assert_eq!(summary["participants"], json!(["bob", "carol"]));
    assert_eq!((timeline[1]["thread"].as_i64(), timeline[1]["also_in_room"].as_bool()), (Some(1), Some(true)));

    let thread = page(&alice, "/api/messages/desk/?thread=1").await;
    assert_eq!((thread["thread"].as_i64(), thread["root"]["seq"].as_i64()), (Some(1), Some(1)));
    let replies: Vec<&str> = thread["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(replies, ["yes, at five", "I'll be there"]);
    let older = page(&alice, "/api/messages/desk/?thread=1&before=3").await;
    assert_eq!(older["messages"].as_array().unwrap().len(), 1, "paged by seq");
    for path in ["/api/messages/desk/?thread=2", "/api/messages/desk/?thread=77"] {
        assert_eq!(alice.get_json(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }

    // Edits, reactions and deletions work on replies like on any message.
    outcome(&mut bobs, json!({"type": "edit", "target": 2, "text": "yes, at six", "client_id": "e1"})).await.unwrap();
    outcome(&mut alices, json!({"type": "react", "target": 2, "emoji": "👍", "client_id": "r1"})).await.unwrap();
    outcome(&mut alices, json!({"type": "delete", "target": 1, "client_id": "d2"})).await.unwrap();
    let thread = page(&alice, "/api/messages/desk/?thread=1").await;
    assert_eq!(thread["root"]["deleted"], true, "a deleted root keeps its thread");
    let first = &thread["messages"][0];
    assert_eq!((first["text"].as_str(), first["reactions"].clone()), (Some("yes, at six"), json!({"👍": ["alice"]})));
}

/// Folds frames as a browser does: timeline messages by seq, a thread reply
/// into its root's summary (and the timeline when it is also there).
fn folded(frames: &[Value]) -> BTreeMap<i64, Value> {
    let mut timeline: BTreeMap<i64, Value> = BTreeMap::new();
    for frame in frames {
        let target = frame["target"].as_i64();
        match frame["type"].as_str().unwrap() {
            "message" => {
                let mut message = frame.clone();
                let object = message.as_object_mut().unwrap();
                for field in ["type", "room", "client_id", "html"] {
                    object.remove(field);
                }
                if let Some(root) = frame["thread"].as_i64() {
                    let root = timeline.get_mut(&root).expect("the root came first");
                    let summary =
                        root.as_object_mut().unwrap().entry("replies").or_insert(json!({"count": 0, "participants": []}));
                    summary["count"] = json!(summary["count"].as_i64().unwrap() + 1);
                    summary["last_seq"] = frame["seq"].clone();
                    summary["last_at"] = frame["timestamp"].clone();
                    let participants = summary["participants"].as_array_mut().unwrap();
                    if participants.len() < 5 && !participants.contains(&frame["sender"]) {
                        participants.push(frame["sender"].clone());
                    }
                    if frame["also_in_room"] != true {
                        continue;
                    }
                }
                timeline.insert(frame["seq"].as_i64().unwrap(), message);
            }
            "edit" => {
                if let Some(message) = timeline.get_mut(&target.unwrap()) {
                    message["text"] = frame["text"].clone();
                    message["edited_at"] = frame["edited_at"].clone();
                }
            }
            "delete" => {
                if let Some(message) = timeline.get_mut(&target.unwrap()) {
                    message["text"] = json!("");
                    message["deleted"] = json!(true);
                }
            }
            other => panic!("unexpected frame {other}"),
        }
    }
    timeline
}

/// A reader away while a thread grows reconnects with `?after=N` and, folding
/// the replay, shows exactly what a fresh read of the timeline shows.
async fn replay_with_threads_matches_history(writer_app: &TestApp, reader_app: &TestApp) {
    let (alice, bob) = (writer_app.user("alice").await, writer_app.user("bob").await);
    let mut alices = alice.socket("replay", Some(0)).await;
    let mut bobs = bob.socket("replay", Some(0)).await;
    alices.say("root one", "m1").await;
    alices.say("root two", "m2").await;
    let reader = bob.on(reader_app);
    let mut online = reader.socket("replay", Some(0)).await;
    let seen = vec![online.next_of("message").await, online.next_of("message").await];
    drop(online);

    reply(&mut bobs, 1, "first reply", "t1").await;
    outcome(&mut alices, json!({"type": "send", "text": "shown too", "thread": 1, "also_in_room": true, "client_id": "t2"}))
        .await
        .unwrap();
    alices.say("root three", "m3").await;
    reply(&mut bobs, 2, "on two", "t3").await;
    outcome(&mut alices, json!({"type": "edit", "target": 2, "text": "root two, edited", "client_id": "e1"})).await.unwrap();
    let newest = reply(&mut alices, 1, "last word", "t4").await;

    let mut back = reader.socket("replay", Some(2)).await;
    let mut frames = seen;
    loop {
        let frame = back.next_json().await;
        let seq = frame["seq"].as_i64().unwrap();
        frames.push(frame);
        if seq == newest {
            break;
        }
    }
    let seqs: Vec<i64> = frames.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=newest).collect::<Vec<_>>(), "every event once, in order, thread replies included");
    let shown: Vec<Value> = folded(&frames).into_values().collect();
    let fresh: Vec<Value> = page(&reader, "/api/messages/replay/?limit=200").await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let mut m = m.clone();
            m.as_object_mut().unwrap().remove("client_id");
            m
        })
        .collect();
    assert_eq!(shown, fresh);
    assert_eq!(fresh[0]["replies"]["count"], 3);
}

#[tokio::test]
async fn a_replay_with_threads_ends_in_the_state_of_a_fresh_read() {
    let app = TestApp::spawn().await;
    replay_with_threads_matches_history(&app, &app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_with_threads_on_another_instance_ends_in_the_same_state() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("thread_replay");
    let a = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let b = TestApp::spawn_on(&database, &redis, |_| {}).await;
    replay_with_threads_matches_history(&a, &b).await;
}

/// The follow rules and the counts, with the inbox on `inbox_app`.
async fn followers_count_their_threads(app: &TestApp, inbox_app: &TestApp) {
    let (alice, bob, carol, dave) =
        (app.user("alice").await, app.user("bob").await, app.user("carol").await, app.user("dave").await);
    let mut alices = alice.socket("team", Some(0)).await;
    let mut bobs = bob.socket("team", Some(0)).await;
    let mut carols = carol.socket("team", Some(0)).await;
    alices.say("who reviews #12?", "m1").await;
    let mut inbox = alice.on(inbox_app).inbox().await;

    let first = reply(&mut bobs, 1, "I can", "t1").await;
    // The root's author follows from the first reply, with it unread.
    let frame = loop {
        let frame = inbox.next_of("thread").await;
        if frame["unread"] == 1 {
            break frame;
        }
    };
    assert_eq!(
        (frame["room"].as_str(), frame["thread"].as_i64(), frame["following"].as_bool()),
        (Some("team"), Some(1), Some(true))
    );
    assert_eq!(unread_of(&followed(&alice).await, "team", 1), Some((1, 0)));
    assert_eq!(unread_of(&followed(&bob).await, "team", 1), Some((0, 0)), "a replier has read up to their reply");
    assert_eq!(room_counts(&page(&alice, "/api/rooms/").await, "team"), (0, 0), "a thread reply is not the room's unread");

    // The mentioned follow, and a mention counts in the room too.
    let mention = reply(&mut carols, 1, "@dave can you as well?", "t2").await;
    let threads = followed(&dave).await;
    assert_eq!(unread_of(&threads, "team", 1), Some((1, 1)), "{threads:?}");
    assert_eq!(room_counts(&page(&dave, "/api/rooms/").await, "team"), (0, 1));
    assert_eq!(unread_of(&followed(&alice).await, "team", 1), Some((2, 0)));
    assert_eq!(page(&alice, "/api/threads/").await["unread"], 2);

    // Read markers per thread: monotonic, heard by the user's other sockets.
    let mut daves = dave.socket("team", None).await;
    daves.send_json(json!({"type": "read", "seq": mention, "thread": 1})).await;
    assert_eq!(daves.next_of("read").await, json!({"type": "read", "room": "team", "seq": mention, "thread": 1}));
    assert_eq!(unread_of(&followed(&dave).await, "team", 1), Some((0, 0)));
    assert_eq!(room_counts(&page(&dave, "/api/rooms/").await, "team"), (0, 0), "the mention was read in its thread");
    alices.send_json(json!({"type": "read", "seq": first, "thread": 1})).await;
    alices.send_json(json!({"type": "read", "seq": 1, "thread": 1})).await;
    let frame = loop {
        let frame = inbox.next_of("thread").await;
        if frame["unread"] == 1 {
            break frame;
        }
    };
    assert_eq!(frame["last_read_seq"], first, "a lower marker is ignored");

    // Unfollowing stands until one replies again.
    let (status, status_body) =
        alice.post_json("/api/threads/follow", &[("room", "team"), ("thread", "1"), ("follow", "false")]).await;
    assert_eq!((status, status_body["following"].as_bool()), (StatusCode::OK, Some(false)));
    assert!(loop {
        let frame = inbox.next_of("thread").await;
        if frame["following"] == false {
            break true;
        }
    });
    reply(&mut bobs, 1, "done", "t3").await;
    assert_eq!(unread_of(&followed(&alice).await, "team", 1), None, "not followed any more");
    reply(&mut alices, 1, "thanks!", "t4").await;
    assert_eq!(unread_of(&followed(&alice).await, "team", 1), Some((0, 0)), "replying follows again");
    let (status, body) = carol.post_json("/api/threads/follow", &[("room", "team"), ("thread", "1"), ("follow", "maybe")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = carol.post_json("/api/threads/follow", &[("room", "team"), ("thread", "2"), ("follow", "true")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a reply has no thread of its own");
}

#[tokio::test]
async fn followers_count_a_threads_replies_and_the_room_does_not() {
    let app = TestApp::spawn().await;
    followers_count_their_threads(&app, &app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_on_another_instance_hears_their_threads() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("thread_follow");
    let a = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let b = TestApp::spawn_on(&database, &redis, |_| {}).await;
    followers_count_their_threads(&a, &b).await;
}

#[tokio::test]
async fn a_removed_member_loses_the_rooms_threads() {
    let app = TestApp::spawn().await;
    let (owner, bob) = (app.user("owner").await, app.user("bob").await);
    let room = private_room(&owner, "Plans").await;
    add(&owner, &room, "bob").await;
    let mut owners = owner.socket(&room, Some(0)).await;
    let mut bobs = bob.socket(&room, Some(0)).await;
    // The room's first event is bob's membership.
    let root = owners.say("the plan", "m1").await;
    reply(&mut bobs, root, "looks good", "t1").await;
    reply(&mut owners, root, "@bob thanks", "t2").await;
    assert_eq!(unread_of(&followed(&bob).await, &room, root), Some((1, 1)));
    let mut inbox = bob.inbox().await;
    // The inbox reports the thread first: only what it reported can it take back.
    let followed_first = inbox.next_of("thread").await;
    assert_eq!((followed_first["thread"].as_i64(), followed_first["following"].as_bool()), (Some(root), Some(true)));

    remove(&owner, &room, "bob").await;
    let gone = loop {
        let frame = inbox.next_of_any(&["thread", "left"]).await;
        if frame["type"] == "thread" && frame["following"] == false {
            break frame;
        }
    };
    assert_eq!((gone["room"].as_str(), gone["thread"].as_i64()), (Some(room.as_str()), Some(root)));
    assert!(followed(&bob).await.is_empty(), "the follow went with the access");
    assert_eq!(bob.get_json(&format!("/api/messages/{room}/?thread={root}")).await.0, StatusCode::NOT_FOUND);
    let root = root.to_string();
    let (status, _) = bob.post_json("/api/threads/follow", &[("room", &room), ("thread", &root), ("follow", "true")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nor can they follow it again");
}
