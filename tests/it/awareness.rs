//! Knowing who is here and what is new: memberships and the room list with
//! unread and mention counts, read markers (monotonic, shared with the user's
//! other sockets), the inbox socket's live counts, resolved @mentions,
//! presence and typing — on one instance and across two (PostgreSQL + Redis).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    Socket, TestApp, Visitor,
    services::{Postgres, Redis},
};

/// The user's rooms as `GET /api/rooms/` lists them, by name.
async fn rooms_of(visitor: &Visitor) -> Vec<Value> {
    let (status, body) = visitor.get_json("/api/rooms/").await;
    assert_eq!(status, StatusCode::OK);
    body["rooms"].as_array().unwrap().clone()
}

fn find<'a>(rooms: &'a [Value], room: &str) -> Option<&'a Value> {
    rooms.iter().find(|r| r["room"] == room)
}

/// The visitor's entry for `room` once it is listed: a room created after the
/// visitor's socket opened joins their list on the side, after its first
/// event reached the socket (deliveries do not wait for it).
async fn listed_soon(visitor: &Visitor, room: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(entry) = find(&rooms_of(visitor).await, room) {
            return entry.clone();
        }
        assert!(Instant::now() < deadline, "{room} is not in the visitor's rooms after 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The next `room` frame of the inbox for `room`.
async fn next_room_frame(inbox: &mut Socket, room: &str) -> Value {
    loop {
        let frame = inbox.next_of("room").await;
        if frame["room"] == room {
            return frame;
        }
    }
}

/// Waits until the inbox reports `room` with these counts (frames coalesce).
async fn inbox_reaches(inbox: &mut Socket, room: &str, unread: i64, mentions: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let frame = tokio::time::timeout_at(deadline.into(), next_room_frame(inbox, room)).await.expect("in time");
        if frame["unread"] == unread && frame["mentions"] == mentions {
            return frame;
        }
    }
}

#[tokio::test]
async fn a_room_one_creates_by_posting_reaches_ones_inbox_at_once() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut inbox = alice.inbox().await;
    let mut fresh = alice.socket("brand-new", Some(0)).await;
    fresh.say("the first words here", "c1").await;
    let frame = next_room_frame(&mut inbox, "brand-new").await;
    assert_eq!(frame["last_seq"], 1, "{frame}");
}

#[tokio::test]
async fn opening_posting_and_mentions_put_a_room_in_the_list_and_leaving_takes_it_out() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("alice").await, app.user("bob").await, app.user("carol").await);
    let mut lounge = alice.socket("lounge", Some(0)).await;
    lounge.say("hello", "a1").await;
    assert!(find(&rooms_of(&alice).await, "lounge").is_some(), "posting");
    assert!(find(&rooms_of(&bob).await, "lounge").is_none());

    // Opening it (the page, or a socket) puts it in bob's list, with nothing unread.
    let (status, _) = bob.get_json("/api/messages/lounge/").await;
    assert_eq!(status, StatusCode::OK);
    let mut bob_socket = bob.socket("lounge", None).await;
    // The socket's first frame (presence) comes once it has joined the room.
    bob_socket.next_of("presence").await;
    let bobs = rooms_of(&bob).await;
    let lounge_of_bob = find(&bobs, "lounge").expect("opened");
    assert_eq!((lounge_of_bob["unread"].as_i64(), lounge_of_bob["notify"].as_str()), (Some(0), Some("mentions")));

    // A mention adds it to carol's list even though she never opened it.
    lounge.say("@carol and @nobody, look", "a2").await;
    let carols = rooms_of(&carol).await;
    let lounge_of_carol = find(&carols, "lounge").expect("mentioned");
    assert_eq!((lounge_of_carol["unread"].as_i64(), lounge_of_carol["mentions"].as_i64()), (Some(1), Some(1)));

    // Leaving takes it out; the history stays.
    let (status, body) = bob.post_json("/api/rooms/lounge/members/remove", &[("username", "bob")]).await;
    assert_eq!((status, body["left"].as_bool()), (StatusCode::OK, Some(true)));
    assert!(find(&rooms_of(&bob).await, "lounge").is_none());
    let (_, history) = bob.get_json("/api/messages/lounge/").await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 2);
    let (status, _) = bob.post_json("/api/rooms/lounge/members/remove", &[("username", "alice")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not someone else");
}

#[tokio::test]
async fn mentions_are_resolved_by_the_server_and_carried_in_frames_and_history() {
    let app = TestApp::spawn().await;
    let (alice, _bob) = (app.user("alice").await, app.user("bob").await);
    let mut socket = alice.socket("talk", Some(0)).await;
    socket
        .send_json(json!({"type": "send", "text": "@Bob @ghost mail@bob.example", "client_id": "m1", "mentions": ["alice"]}))
        .await;
    let frame = socket.next_of("message").await;
    assert_eq!(frame["mentions"], json!(["bob"]), "only existing users, never what the client claims");
    socket.say("no mention", "m2").await;
    let (_, history) = alice.get_json("/api/messages/talk/").await;
    assert_eq!(history["messages"][0]["mentions"], json!(["bob"]));
    assert!(history["messages"][1].get("mentions").is_none(), "absent when none");
}

#[tokio::test]
async fn read_markers_only_move_forward_and_reach_the_users_other_sockets() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut bob_tab1 = bob.socket("news", Some(0)).await;
    let mut bob_tab2 = bob.socket("news", Some(0)).await;
    let mut writer = alice.socket("news", Some(0)).await;
    for i in 1..=5 {
        writer.say(&format!("m{i}"), &format!("c{i}")).await;
    }
    let listed = listed_soon(&bob, "news").await;
    assert_eq!(listed["unread"], 5);

    bob_tab1.send_json(json!({"type": "read", "seq": 3})).await;
    let read = bob_tab2.next_of("read").await;
    assert_eq!(read, json!({"type": "read", "room": "news", "seq": 3}));
    let bobs = rooms_of(&bob).await;
    let status = find(&bobs, "news").unwrap();
    assert_eq!((status["last_read_seq"].as_i64(), status["unread"].as_i64()), (Some(3), Some(2)));

    // A lower seq is ignored; a seq past the newest is capped.
    bob_tab1.send_json(json!({"type": "read", "seq": 1})).await;
    bob_tab1.send_json(json!({"type": "read", "seq": 99})).await;
    assert_eq!(bob_tab2.next_of("read").await["seq"], 5);
    assert_eq!(find(&rooms_of(&bob).await, "news").unwrap()["unread"], 0);
    bob_tab1.send_json(json!({"type": "read", "seq": -1})).await;
    assert_eq!(bob_tab1.next_of("error").await["code"], "bad_frame");
}

#[tokio::test]
async fn the_inbox_reports_counts_live_and_clears_on_reading() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut writer = alice.socket("updates", Some(0)).await;
    writer.say("first", "c0").await;
    let mut bob_room = bob.socket("updates", None).await;
    let mut inbox = bob.inbox().await;
    assert_eq!(next_room_frame(&mut inbox, "updates").await["unread"], 0, "a frame per room on connect");

    let sent = Instant::now();
    writer.say("second", "c1").await;
    writer.say("hey @bob", "c2").await;
    let frame = inbox_reaches(&mut inbox, "updates", 2, 1).await;
    assert!(sent.elapsed() < Duration::from_secs(1), "within a second: {:?}", sent.elapsed());
    assert_eq!(frame["latest"]["sender"], "alice");

    bob_room.send_json(json!({"type": "read", "seq": frame["last_seq"]})).await;
    inbox_reaches(&mut inbox, "updates", 0, 0).await;

    // A room bob never opened joins his inbox when he is mentioned there.
    alice.socket("elsewhere", Some(0)).await.say("@bob over here", "c3").await;
    inbox_reaches(&mut inbox, "elsewhere", 1, 1).await;
    // Leaving shows up too.
    bob.post_json("/api/rooms/elsewhere/members/remove", &[("username", "bob")]).await;
    assert_eq!(inbox.next_of("left").await, json!({"type": "left", "room": "elsewhere"}));
}

#[tokio::test]
async fn the_notification_level_is_set_per_room() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    alice.socket("quiet", Some(0)).await.say("hi", "c1").await;
    let (status, body) = alice.post_json("/api/rooms/quiet/notify", &[("level", "none")]).await;
    assert_eq!((status, body["notify"].as_str()), (StatusCode::OK, Some("none")));
    assert_eq!(find(&rooms_of(&alice).await, "quiet").unwrap()["notify"], "none");
    let (status, body) = alice.post_json("/api/rooms/quiet/notify", &[("level", "loud")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
}

#[tokio::test]
async fn presence_is_a_sorted_snapshot_that_follows_sockets() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut alices = alice.socket("porch", None).await;
    assert_eq!(alices.next_of("presence").await, json!({"type": "presence", "room": "porch", "users": ["alice"]}));
    let bobs = bob.socket("porch", None).await;
    let users = loop {
        let frame = alices.next_of("presence").await;
        if frame["users"].as_array().unwrap().len() == 2 {
            break frame["users"].clone();
        }
    };
    assert_eq!(users, json!(["alice", "bob"]));
    // Two tabs of one user count once.
    let _second_tab = alice.socket("porch", None).await;
    drop(bobs);
    let started = Instant::now();
    loop {
        let frame = alices.next_of("presence").await;
        if frame["users"] == json!(["alice"]) {
            break;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(3), "left within {:?}", started.elapsed());
}

#[tokio::test]
async fn a_burst_of_arrivals_gives_each_socket_about_one_presence_frame_a_second() {
    let app = TestApp::spawn_with(|config| config.upgrades_per_ip = 100_000).await;
    let watcher = app.user("watcher").await;
    let mut guests = Vec::new();
    for i in 0..30 {
        guests.push(app.user(&format!("guest{i}")).await);
    }
    let mut watching = watcher.socket("crowd", None).await;
    watching.next_of("presence").await;
    // All thirty arrive at once.
    let crowd = futures::future::join_all(guests.iter().map(|guest| guest.socket("crowd", None))).await;
    assert_eq!(crowd.len(), 30);
    let started = Instant::now();
    let mut frames = 0;
    let mut last = Value::Null;
    while started.elapsed() < Duration::from_millis(2500) {
        if let Ok(frame) = tokio::time::timeout(Duration::from_millis(200), watching.next_of("presence")).await {
            frames += 1;
            last = frame;
        }
    }
    assert_eq!(last["users"].as_array().map(Vec::len), Some(31), "everyone, eventually");
    assert!(frames <= 4, "{frames} presence frames in 2.5 s for 30 arrivals");
}

#[tokio::test]
async fn typing_is_relayed_to_others_not_back_and_not_too_often() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut typist = alice.socket("desk", Some(0)).await;
    let mut reader = bob.socket("desk", Some(0)).await;
    typist.send_json(json!({"type": "typing"})).await;
    typist.send_json(json!({"type": "typing"})).await;
    assert_eq!(reader.next_of("typing").await, json!({"type": "typing", "room": "desk", "user": "alice"}));
    // The second came too soon; nothing of it reaches anyone, and nothing is echoed.
    typist.say("done typing", "t1").await;
    reader.next_of("message").await;
    let extra = tokio::time::timeout(Duration::from_millis(300), reader.next_of("typing")).await;
    assert!(extra.is_err(), "no second typing frame");
    let echoed = tokio::time::timeout(Duration::from_millis(300), typist.next_of("typing")).await;
    assert!(echoed.is_err(), "the typist does not get its own");
}

async fn instance(database: &str, redis: &Redis) -> TestApp {
    TestApp::spawn_on(database, redis, |_| {}).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_typing_counts_and_reads_cross_instances() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("awareness");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    let alice = a.user("alice").await;
    let bob_on_a = a.user("bob").await;
    let bob_on_b = bob_on_a.on(&b);

    let mut alices = alice.socket("bridge", Some(0)).await;
    alices.say("hello", "c0").await;
    let mut bob_tab_b = bob_on_b.socket("bridge", None).await;
    let mut inbox_b = bob_on_b.inbox().await;
    next_room_frame(&mut inbox_b, "bridge").await;

    // Presence crosses: alice (on a) sees bob (on b).
    loop {
        if alices.next_of("presence").await["users"] == json!(["alice", "bob"]) {
            break;
        }
    }
    // Typing crosses.
    alices.send_json(json!({"type": "typing"})).await;
    assert_eq!(bob_tab_b.next_of("typing").await["user"], "alice");
    // Counts on b right after messages on a.
    alices.say("@bob news", "c1").await;
    let frame = inbox_reaches(&mut inbox_b, "bridge", 1, 1).await;
    // Reading on a tab of instance a clears the inbox on instance b.
    let mut bob_tab_a = bob_on_a.socket("bridge", None).await;
    bob_tab_a.send_json(json!({"type": "read", "seq": frame["last_seq"]})).await;
    inbox_reaches(&mut inbox_b, "bridge", 0, 0).await;
    assert_eq!(bob_tab_b.next_of("read").await["seq"], frame["last_seq"]);
}

#[tokio::test]
async fn each_listed_room_carries_its_newest_message_and_never_a_deleted_one() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut room = alice.socket("previews", Some(0)).await;
    room.say("the first word", "a1").await;
    let newest = room.say(&format!("the newest {}", "word ".repeat(60)), "a2").await;
    let (status, _) = bob.get_json("/api/messages/previews/").await;
    assert_eq!(status, StatusCode::OK);
    let mut bobs = bob.socket("previews", None).await;
    bobs.next_of("presence").await;
    let latest = find(&rooms_of(&bob).await, "previews").unwrap()["latest"].clone();
    assert_eq!((latest["seq"].as_i64(), latest["sender"].as_str()), (Some(newest), Some("alice")));
    assert_eq!(latest["text"].as_str().unwrap().chars().count(), 140, "cut like the inbox's");

    // Deleted, it is no preview: the message before it is.
    room.send_json(json!({"type": "delete", "target": newest, "client_id": "d1"})).await;
    room.next_of("ack").await;
    let latest = find(&rooms_of(&bob).await, "previews").unwrap()["latest"].clone();
    assert_eq!(latest["text"], "the first word");
    assert!(!rooms_of(&bob).await.iter().any(|r| r.to_string().contains("the newest")));
}

#[tokio::test]
async fn a_room_page_lists_the_readers_rooms_with_their_counts_and_a_first_visit_joins_the_list() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut talk = alice.socket("talk", Some(0)).await;
    talk.say("hello @bob", "t1").await;
    talk.say("anyone?", "t2").await;
    let mut first = alice.socket("first-visit", Some(0)).await;
    first.say("welcome", "f1").await;
    listed_soon(&bob, "talk").await;

    let html = bob.get("/room/first-visit/").await.text().await.unwrap().replace("<!>", "");
    let entry = |room: &str| {
        let start = html.find(&format!("data-room=\"{room}\"")).unwrap_or_else(|| panic!("{room} is in the sidebar: {html}"));
        let end = start + html[start..].find("</li>").expect("the entry ends");
        html[start..end].to_owned()
    };
    let talk_entry = entry("talk");
    assert!(talk_entry.contains("class=\"badge mention-count\">@1</span>"), "{talk_entry}");
    assert!(talk_entry.contains("class=\"badge unread-count\">2</span>"), "{talk_entry}");
    let visited = entry("first-visit");
    assert!(visited.contains(" current\""), "the open room is marked: {visited}");
    assert!(!visited.contains("unread messages"), "nothing before one's first visit is new: {visited}");
    assert!(find(&rooms_of(&bob).await, "first-visit").is_some(), "the visit put the room in bob's list");
}
