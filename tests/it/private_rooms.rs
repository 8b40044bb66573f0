//! Private rooms, direct messages, invite links, owners and
//! administrators. The permission matrix asks every path (room page, history
//! API, `?after` replay, socket upgrade, permalink, members, invites, the
//! user's room list, the lobby, the inbox) for member, non-member, removed
//! member, deactivated account and anonymous visitor — on SQLite and across two
//! instances (PostgreSQL + Redis, the removal made on the other instance) — and
//! live revocation closes the removed member's socket within 1 s, with nothing
//! of theirs stored after the removal.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    PASSWORD, Socket, TestApp, Visitor, assert_http_refusal,
    services::{Postgres, Redis},
};

/// Creates a private room called `title` as `owner`; returns its name.
pub(crate) async fn private_room(owner: &Visitor, title: &str) -> String {
    let (status, body) = owner.post_json("/api/rooms/", &[("name", title), ("private", "true")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["title"].as_str(), body["private"].as_bool()), (Some(title), Some(true)));
    let room = body["room"].as_str().expect("room name").to_owned();
    assert_eq!(body["url"], format!("/room/{room}/"));
    room
}

pub(crate) async fn add(owner: &Visitor, room: &str, username: &str) -> Value {
    let (status, body) = owner.post_json(&format!("/api/rooms/{room}/members"), &[("username", username)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub(crate) async fn remove(by: &Visitor, room: &str, username: &str) -> Value {
    let (status, body) = by.post_json(&format!("/api/rooms/{room}/members/remove"), &[("username", username)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn listed(rooms: &Value, room: &str) -> bool {
    rooms["rooms"].as_array().expect("rooms").iter().any(|r| r["room"] == room)
}

/// What every path answers one visitor about one room.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Answers {
    pub page: u16,
    pub history: u16,
    pub replay: u16,
    pub permalink: u16,
    pub members: u16,
    pub upgrade: u16,
    pub listed: bool,
}

impl Answers {
    pub const MEMBER: Self =
        Self { page: 200, history: 200, replay: 200, permalink: 200, members: 200, upgrade: 101, listed: true };
    /// Exactly what a name no room has gets.
    pub const NOBODY: Self =
        Self { page: 404, history: 404, replay: 404, permalink: 404, members: 404, upgrade: 404, listed: false };
    /// A visitor without a session (or whose account is deactivated).
    pub const ANONYMOUS: Self =
        Self { page: 303, history: 401, replay: 401, permalink: 303, members: 401, upgrade: 401, listed: false };
}

pub(crate) async fn answers(visitor: &Visitor, room: &str) -> Answers {
    let status = |response: reqwest::Response| response.status().as_u16();
    let upgrade = visitor.upgrade_status(room).await;
    let (rooms_status, rooms) = visitor.get_json("/api/rooms/").await;
    Answers {
        page: status(visitor.get(&format!("/room/{room}/")).await),
        history: status(visitor.get(&format!("/api/messages/{room}/")).await),
        replay: status(visitor.get(&format!("/api/messages/{room}/?after=0")).await),
        permalink: status(visitor.get(&format!("/room/{room}/?at=1")).await),
        members: status(visitor.get(&format!("/api/rooms/{room}/members")).await),
        upgrade,
        listed: rooms_status == StatusCode::OK && listed(&rooms, room),
    }
}

/// The body of a path for `room`, with the name and the page's nonces taken
/// out (to compare rooms).
async fn body_without_name(visitor: &Visitor, path: &str, room: &str) -> String {
    let body = visitor.get(&path.replace("{room}", room)).await.text().await.unwrap().replace(room, "ROOM");
    ["nonce=\"", "crossorigin=\""].into_iter().fold(body, |body, attribute| {
        let mut parts = body.split(attribute);
        let mut kept = parts.next().unwrap_or_default().to_owned();
        for part in parts {
            kept.push_str(part.split_once('"').map_or(part, |(_, rest)| rest));
        }
        kept
    })
}

/// Reads every history message of `room` as `reader`.
pub(crate) async fn history(reader: &Visitor, room: &str) -> Vec<Value> {
    let (status, body) = reader.get_json(&format!("/api/messages/{room}/?limit=200")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["messages"].as_array().unwrap().clone()
}

/// What a search for "plan" finds for `visitor`.
async fn plan_found(visitor: &Visitor) -> Value {
    let (status, body) = visitor.get_json("/api/search/?q=plan").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["results"].clone()
}

/// Waits for the socket's close frame; returns its code and how long it took.
pub(crate) async fn closed_with(socket: &mut Socket) -> (Option<u16>, Duration) {
    let started = Instant::now();
    let frame = socket.next_close().await;
    (frame.map(|f| u16::from(f.code)), started.elapsed())
}

/// The permission matrix on one or two instances: `owner` and `other` are the
/// same deployment's two instances (the same one for SQLite).
async fn permission_matrix(owner_app: &TestApp, other_app: &TestApp) {
    let alice = owner_app.user("alice").await; // the first account: an administrator
    let bob = owner_app.user("bob").await.on(other_app);
    let carol = owner_app.user("carol").await.on(other_app);
    let dave = owner_app.user("dave").await.on(other_app);
    let anonymous = other_app.visitor();

    // Bob's room (bob is no administrator): he owns it.
    let bob_on_owner_app = bob.on(owner_app);
    let room = private_room(&bob_on_owner_app, "Planning").await;
    assert!(room.starts_with('_') && room.len() > 30, "a random name: {room}");
    add(&bob_on_owner_app, &room, "carol").await;
    add(&bob_on_owner_app, &room, "dave").await;
    let mut bobs = bob.socket(&room, Some(0)).await;
    bobs.say("the plan", "b1").await;

    assert_eq!(answers(&bob, &room).await, Answers::MEMBER, "owner");
    assert_eq!(answers(&carol, &room).await, Answers::MEMBER, "member");
    assert_eq!(answers(&alice, &room).await, Answers::NOBODY, "an administrator who is not a member");
    assert_eq!(answers(&anonymous, &room).await, Answers::ANONYMOUS, "anonymous");

    // A non-member learns nothing: the private room answers like a free name.
    let free = "_0123456789abcdef0123456789abcdef";
    assert_eq!(answers(&alice, free).await, Answers::NOBODY);
    for path in ["/api/messages/{room}/", "/api/messages/{room}/?after=0", "/room/{room}/", "/api/rooms/{room}/members"] {
        assert_eq!(
            body_without_name(&alice, path, &room).await,
            body_without_name(&alice, path, free).await,
            "{path} tells a private room from a free name"
        );
    }
    // Nor does creating a room: a private room's title is not a name, and its
    // name cannot be taken for a public room.
    let (status, _) = alice.post_json("/api/rooms/", &[("name", "Planning"), ("private", "true")]).await;
    assert_eq!(status, StatusCode::OK, "titles may repeat");
    let (status, body) = alice.post_json("/api/rooms/", &[("name", &room)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{body}");
    // The lobby lists public rooms only.
    let lobby = alice.post_form("/api/lobby", &[]).await.text().await.unwrap();
    assert!(!lobby.contains(&room), "the lobby lists a private room");

    // Search finds the room's message for its members only.
    assert_eq!(plan_found(&carol).await[0]["room"], room.as_str(), "a member finds it");
    assert_eq!(plan_found(&alice).await, json!([]), "a non-member finds nothing");

    // Managing is the owner's (or an administrator's): a member may not.
    let (status, _) = carol.post_json(&format!("/api/rooms/{room}/members"), &[("username", "alice")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = carol.post_json(&format!("/api/rooms/{room}/members/remove"), &[("username", "dave")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = carol.post_json(&format!("/api/rooms/{room}/invites"), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Removal, made on the owner's instance, reaches carol's socket and inbox on the other within 1 s.
    let mut carols = carol.socket(&room, None).await;
    let mut carols_inbox = carol.inbox().await;
    loop {
        let frame = carols_inbox.next_of("room").await;
        if frame["room"] == room.as_str() {
            assert_eq!(frame["kind"], "private");
            assert_eq!(frame["title"], "Planning");
            break;
        }
    }
    let removed = remove(&bob_on_owner_app, &room, "carol").await;
    let member = carols.next_of("member").await;
    assert_eq!(
        (member["user"].as_str(), member["change"].as_str(), member["by"].as_str(), member["seq"].as_i64()),
        (Some("carol"), Some("removed"), Some("bob"), removed["seq"].as_i64())
    );
    let (code, took) = closed_with(&mut carols).await;
    assert_eq!(code, Some(4003), "access ended");
    assert!(took < Duration::from_secs(1), "closed in {took:?}");
    let left = carols_inbox.next_of("left").await;
    assert_eq!(left["room"], room.as_str());

    // From then on every path refuses her, as for a room that does not exist.
    assert_eq!(answers(&carol, &room).await, Answers::NOBODY, "removed member");
    // The others see her removal in the room's order; she sees nothing more.
    let after_removal = bobs.say("after carol left", "b2").await;
    assert!(after_removal > removed["seq"].as_i64().unwrap());
    carols_inbox.expect_silence(Duration::from_millis(600)).await;

    assert_eq!(plan_found(&carol).await, json!([]), "a removed member finds nothing");

    // Mentions never let anyone in: @carol is plain text now.
    let mention = bobs.say("@carol @dave see this", "b3").await;
    let messages = history(&bob, &room).await;
    let mentioned = messages.iter().find(|m| m["seq"] == mention).expect("the mention");
    assert_eq!(mentioned["mentions"], json!(["dave"]));
    let (_, carol_rooms) = carol.get_json("/api/rooms/").await;
    assert!(!listed(&carol_rooms, &room), "a mention put a removed member back");

    // A deactivated account: its socket closes (4003), its session ends, it cannot log in.
    let mut daves = dave.socket(&room, None).await;
    let (status, body) = alice.post_json("/api/admin/users/deactivate", &[("username", "dave")]).await;
    assert_eq!((status, body["deactivated"].as_bool()), (StatusCode::OK, Some(true)), "{body}");
    let (code, took) = closed_with(&mut daves).await;
    assert_eq!(code, Some(4003));
    assert!(took < Duration::from_secs(1), "closed in {took:?}");
    assert_eq!(answers(&dave, &room).await, Answers::ANONYMOUS, "deactivated");
    let (status, body) = dave.post_json("/api/login", &[("username", "dave"), ("password", PASSWORD)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("deactivated")), "{body}");
    let (status, _) = dave.post_json("/api/login", &[("username", "dave"), ("password", "wrong password!")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a wrong password learns nothing about the account");
}

#[tokio::test]
async fn every_path_refuses_whoever_may_not_read_a_private_room() {
    let app = embedded().await;
    permission_matrix(&app, &app).await;
}

pub(crate) async fn instance(database_url: &str, redis: &Redis) -> TestApp {
    TestApp::spawn_on(database_url, redis, |config| {
        config.messages_per_second = 100_000;
        config.upgrades_per_ip = 100_000;
    })
    .await
}

/// One instance on SQLite, with limits that the tests' bursts stay under.
pub(crate) async fn embedded() -> TestApp {
    TestApp::spawn_with(|config| {
        config.messages_per_second = 100_000;
        config.upgrades_per_ip = 100_000;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_two_instances_every_path_refuses_and_removal_is_live() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("doors_matrix");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    permission_matrix(&a, &b).await;
}

/// Sends `count` messages without waiting; returns the acked seqs and how many were refused.
pub(crate) async fn fire(socket: &mut Socket, count: usize, prefix: &str) -> (Vec<i64>, usize) {
    for i in 0..count {
        socket.send_json(json!({"type": "send", "text": format!("{prefix} {i}"), "client_id": format!("{prefix}{i}")})).await;
    }
    let (mut acked, mut refused) = (Vec::new(), 0);
    while acked.len() + refused < count {
        match tokio::time::timeout(Duration::from_secs(5), next_json_or_close(socket)).await {
            Ok(Some(frame)) if frame["type"] == "ack" => acked.push(frame["seq"].as_i64().unwrap()),
            Ok(Some(frame)) if frame["type"] == "error" => {
                assert_eq!(frame["code"], "no_access", "{frame}");
                refused += 1;
            }
            Ok(Some(_)) => {}
            // Closed: the sends not answered were not stored either (checked by the caller).
            Ok(None) | Err(_) => break,
        }
    }
    (acked, refused)
}

/// The next text frame, or `None` once the socket closes.
pub(crate) async fn next_json_or_close(socket: &mut Socket) -> Option<Value> {
    use futures::StreamExt;
    loop {
        match socket.stream.next().await? {
            Ok(tokio_tungstenite::tungstenite::Message::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(tokio_tungstenite::tungstenite::Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

async fn nothing_stored_after_removal(owner_app: &TestApp, member_app: &TestApp) {
    let owner = owner_app.user("olive").await;
    let member = owner_app.user("mallory").await.on(member_app);
    let room = private_room(&owner, "Race").await;
    add(&owner, &room, "mallory").await;
    let mut socket = member.socket(&room, Some(0)).await;
    // Messages in flight while the removal lands: each is stored before it or refused.
    let sending = tokio::spawn(async move { fire(&mut socket, 200, "m").await });
    tokio::time::sleep(Duration::from_millis(5)).await;
    let removed = remove(&owner, &room, "mallory").await["seq"].as_i64().unwrap();
    let (acked, _refused) = sending.await.unwrap();
    let stored: Vec<i64> =
        history(&owner, &room).await.iter().filter(|m| m["sender"] == "mallory").map(|m| m["seq"].as_i64().unwrap()).collect();
    assert!(stored.iter().all(|&seq| seq < removed), "stored after the removal at {removed}: {stored:?}");
    assert!(acked.iter().all(|seq| stored.contains(seq)), "every ack names a stored message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_racing_its_senders_removal_is_stored_before_it_or_refused() {
    let app = embedded().await;
    nothing_stored_after_removal(&app, &app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_two_instances_nothing_is_stored_after_a_removal() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("doors_race");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    nothing_stored_after_removal(&a, &b).await;
}

#[tokio::test]
async fn invite_links_let_people_in_until_revoked_and_bad_ones_say_so() {
    let app = TestApp::spawn().await;
    let (owner, guest, late) = (app.user("olive").await, app.user("gus").await, app.user("lara").await);
    let room = private_room(&owner, "Launch party").await;
    let (status, invite) = owner.post_json(&format!("/api/rooms/{room}/invites"), &[("expires_in_hours", "24")]).await;
    assert_eq!(status, StatusCode::OK, "{invite}");
    let url = invite["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/join/") && invite["code"].as_str().unwrap().len() == 32, "{invite}");
    assert!(invite["expires_at"].is_string());

    // Anonymous: log in first, then come back.
    let response = app.visitor().get(&url).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/login?next=%2Fjoin%2F"));
    // Following the link changes nothing: it asks, with a button.
    let response = guest.get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("Join Launch party?") && page.contains("id=\"confirmBtn\""), "{page}");
    assert!(page.contains(&format!("action=\"{url}\"")) && page.contains("method=\"post\""), "{page}");
    assert_eq!(answers(&guest, &room).await, Answers::NOBODY, "a GET joins nobody");
    // A post from another site (its page's form, the guest's cookie) is refused.
    let forged = guest.http.post(app.url(&url)).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(answers(&guest, &room).await, Answers::NOBODY);
    // The button's same-origin post makes a member, who goes to the room.
    let response = guest.post_plain_form(&url, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], format!("/room/{room}/").as_str());
    assert_eq!(answers(&guest, &room).await, Answers::MEMBER);
    let (_, members) = owner.get_json(&format!("/api/rooms/{room}/members")).await;
    assert_eq!(members["members"], json!(["gus", "olive"]));
    // Opening it again goes straight to the room.
    assert_eq!(guest.get(&url).await.headers()["location"], format!("/room/{room}/").as_str());

    // The owner lists and revokes links; a revoked link gets a clear page.
    let (_, listed) = owner.get_json(&format!("/api/rooms/{room}/invites")).await;
    assert_eq!(listed["invites"][0]["url"], url.as_str());
    let code = invite["code"].as_str().unwrap();
    let (status, _) = owner.post_json(&format!("/api/rooms/{room}/invites/revoke"), &[("code", code)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = owner.get_json(&format!("/api/rooms/{room}/invites")).await;
    assert_eq!(listed["invites"], json!([]));
    let response = late.get(&url).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(response.text().await.unwrap().contains("expired or was revoked"));
    assert_eq!(answers(&late, &room).await, Answers::NOBODY);
    let response = late.get("/join/not-a-code").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("not valid"));

    // A bad expiry is refused; a member who leaves loses the room.
    let (status, _) = owner.post_json(&format!("/api/rooms/{room}/invites"), &[("expires_in_hours", "-3")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let left = remove(&guest, &room, "gus").await;
    assert_eq!(left["left"], true);
    assert_eq!(answers(&guest, &room).await, Answers::NOBODY);
    let (status, _) = guest.post_json(&format!("/api/rooms/{room}/members/remove"), &[("username", "gus")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "leaving twice");
}

#[tokio::test]
async fn a_direct_conversation_is_the_two_users_own() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.user("alice").await, app.user("bob").await, app.user("carol").await);
    // Following a link to a conversation that does not exist yet asks first.
    let response = alice.get("/dm/Bob/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("Message @bob?") && page.contains("action=\"/dm/bob/\""), "{page}");
    let (_, bobs_rooms) = bob.get_json("/api/rooms/").await;
    assert_eq!(bobs_rooms["rooms"], json!([]), "a GET creates nothing");
    let forged = alice.http.post(app.url("/dm/bob/")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let response = alice.post_plain_form("/dm/Bob/", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let room = location.trim_start_matches("/room/").trim_end_matches('/').to_owned();
    assert!(room.starts_with('_'), "{location}");
    // Both ways lead to the same conversation.
    assert_eq!(alice.get("/dm/bob/").await.headers()["location"], location.as_str());
    assert_eq!(bob.get("/dm/alice").await.headers()["location"], location.as_str());
    // The lobby's form posts the username.
    assert_eq!(bob.post_plain_form("/dm/", &[("username", "Alice")]).await.headers()["location"], location.as_str());

    let mut alices = alice.socket(&room, Some(0)).await;
    alices.say("just us", "d1").await;
    let (_, bobs_rooms) = bob.get_json("/api/rooms/").await;
    let dm = bobs_rooms["rooms"].as_array().unwrap().iter().find(|r| r["room"] == room.as_str()).expect("listed").clone();
    assert_eq!((dm["kind"].as_str(), dm["with"].as_str(), dm["notify"].as_str()), (Some("direct"), Some("alice"), Some("all")));
    assert_eq!(dm["unread"], 1);
    assert_eq!(answers(&carol, &room).await, Answers::NOBODY);
    // Nobody can be added, and it cannot be left.
    let (status, _) = alice.post_json(&format!("/api/rooms/{room}/members"), &[("username", "carol")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = alice.post_json(&format!("/api/rooms/{room}/members/remove"), &[("username", "alice")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Oneself, unknown people: a clear page.
    let response = alice.get("/dm/alice/").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("needs someone else"));
    assert_eq!(alice.get("/dm/nobody-here/").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.visitor().get("/dm/alice/").await.status(), StatusCode::SEE_OTHER, "anonymous: log in first");
}

#[tokio::test]
async fn owners_and_administrators_moderate_and_deactivated_authors_are_marked() {
    let app = TestApp::spawn().await;
    let admin = app.user("ada").await; // first account
    let (owner, member, other) = (app.user("olive").await, app.user("max").await, app.user("otto").await);
    let room = private_room(&owner, "Club").await;
    add(&owner, &room, "max").await;
    add(&owner, &room, "otto").await;
    let mut maxs = member.socket(&room, Some(0)).await;
    let bad = maxs.say("something rude", "x1").await;
    let kept = maxs.say("something fine", "x2").await;

    // Another member may not delete it; the owner may, recorded as the deleter.
    let mut ottos = other.socket(&room, None).await;
    ottos.send_json(json!({"type": "delete", "target": bad, "client_id": "o1"})).await;
    assert_eq!(ottos.next_of("error").await["code"], "not_yours");
    let mut olives = owner.socket(&room, None).await;
    olives.send_json(json!({"type": "delete", "target": bad, "client_id": "d1"})).await;
    let deletion = maxs.next_of("delete").await;
    assert_eq!((deletion["target"].as_i64(), deletion["sender"].as_str()), (Some(bad), Some("olive")));

    // Only administrators manage accounts; the first account is one, and its pages link to /admin.
    assert!(admin.get("/").await.text().await.unwrap().contains("id=\"adminLink\""));
    assert!(!owner.get("/").await.text().await.unwrap().contains("id=\"adminLink\""));
    let accounts_page = admin.get("/admin").await.text().await.unwrap();
    assert!(accounts_page.contains("data-account=\"max\"") && accounts_page.contains("Deactivate"), "{accounts_page}");
    assert!(!owner.get("/admin").await.text().await.unwrap().contains("id=\"accounts\""), "the accounts are for administrators");
    let (status, _) = owner.post_json("/api/admin/users/deactivate", &[("username", "max")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, users) = admin.get_json("/api/admin/users/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        users["users"][0],
        json!({"username": "ada", "is_admin": true, "deactivated": false, "kind": "person", "created_at": users["users"][0]["created_at"]})
    );
    let (status, _) = admin.post_json("/api/admin/users/admin", &[("username", "olive"), ("admin", "true")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = owner.get_json("/api/admin/users/").await;
    assert_eq!(status, StatusCode::OK, "olive is an administrator now");
    let (status, _) = admin.post_json("/api/admin/users/deactivate", &[("username", "ada")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not oneself");

    // Deactivated: the messages stay, marked; its sends are refused by the writer too.
    let (status, _) = admin.post_json("/api/admin/users/deactivate", &[("username", "max")]).await;
    assert_eq!(status, StatusCode::OK);
    let messages = history(&owner, &room).await;
    let fine = messages.iter().find(|m| m["seq"] == kept).unwrap();
    assert_eq!((fine["text"].as_str(), fine["sender_deactivated"].as_bool()), (Some("something fine"), Some(true)));
    // Reactivated, then deactivated with its messages removed: each becomes a deletion by the administrator.
    let (status, _) = admin.post_json("/api/admin/users/reactivate", &[("username", "max")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(member.login("max", PASSWORD).await.status(), StatusCode::OK);
    let (status, body) =
        admin.post_json("/api/admin/users/deactivate", &[("username", "max"), ("remove_messages", "true")]).await;
    assert_eq!((status, body["removed_messages"].as_i64()), (StatusCode::OK, Some(1)), "{body}");
    let deletion = loop {
        let deletion = olives.next_of("delete").await;
        if deletion["target"] == kept {
            break deletion;
        }
    };
    assert_eq!(deletion["sender"], "ada");
    assert!(history(&owner, &room).await.iter().find(|m| m["seq"] == kept).unwrap()["deleted"].as_bool().unwrap());
}

#[tokio::test]
async fn creating_rooms_is_checked_and_public_names_stay_open() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (status, body) = alice.post_json("/api/rooms/", &[("name", "Town-Square")]).await;
    assert_eq!((status, body["room"].as_str(), body["private"].as_bool()), (StatusCode::OK, Some("town-square"), Some(false)));
    let (status, body) = alice.post_json("/api/rooms/", &[("name", "town-square")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("room_taken")));
    let (status, _) = alice.post_json("/api/rooms/", &[("name", "no spaces!")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = alice.post_json("/api/rooms/", &[("name", "   "), ("private", "true")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.visitor().post_json("/api/rooms/", &[("name", "x")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Public rooms keep opening by name; a free `_` name is nobody's.
    assert_eq!(alice.get("/room/anything-new/").await.status(), StatusCode::OK);
    assert_eq!(alice.get("/room/_anything/").await.status(), StatusCode::NOT_FOUND);
    assert_http_refusal(alice.try_socket("_anything", None, Some(&app.url(""))).await, StatusCode::NOT_FOUND);
}
