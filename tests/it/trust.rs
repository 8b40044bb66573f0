//! Access that ends stays ended (issue #25), tried as an attacker would:
//! a removed member racing her removal with her own frames and a third
//! member's mentions of her; deleted text asked for again through replay;
//! sessions that made no request since log-in, and sessions from before a
//! deactivation; a room's removal lost with the channel layer; and every way
//! access or a session ends, against every place that holds state derived
//! from it (room socket, inbox, presence, the other instance's caches).

use parlor::server::storage::registration::Entry;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{
        PASSWORD, Socket, TestApp, Visitor,
        services::{Postgres, Redis},
    },
    private_rooms::{Answers, add, answers, embedded, fire, instance, private_room, remove},
};

const SESSION_ENDED: u16 = 4001;
const ACCESS_ENDED: u16 = 4003;

/// Reads frames until one of `kind` about `room` comes, or the socket closes
/// (then `None`), for at most `wait`.
async fn frame_about(socket: &mut Socket, kind: &str, room: &str, wait: Duration) -> Option<Value> {
    tokio::time::timeout(wait, async {
        while let Some(frame) = crate::private_rooms::next_json_or_close(socket).await {
            if frame["type"] == kind && frame["room"] == room {
                return Some(frame);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

/// The close code of a socket that must close within `wait`.
async fn closes_with(socket: &mut Socket, wait: Duration) -> Option<u16> {
    tokio::time::timeout(wait, socket.next_close()).await.ok().flatten().map(|frame| u16::from(frame.code))
}

/// One round of the race: mallory's socket sends 40 frames back to back, a
/// third member's 40 frames mention her, a fresh socket of hers opens, and the
/// owner removes her — all at once. Afterwards nothing of the room is hers on
/// any path. `None` when every path refuses her; else what let her in.
async fn removal_race_round(member_app: &TestApp, people: &[Visitor; 3], round: usize) -> Option<String> {
    let [owner, mallory, trent] = people;
    let room = private_room(owner, &format!("Race {round}")).await;
    add(owner, &room, "mallory").await;
    add(owner, &room, "trent").await;
    let (mallory_here, trent_here) = (mallory.on(member_app), trent.on(member_app));
    let (status, file) = mallory_here.upload(&room, "notes.txt", "text/plain", b"the plan".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let file = file["id"].as_str().unwrap().to_owned();
    let mut mallorys = mallory_here.socket(&room, Some(0)).await;
    mallorys.send_json(json!({"type": "send", "text": "my notes", "attachment": file, "client_id": "file"})).await;
    mallorys.next_of("ack").await;
    let mut trents = trent_here.socket(&room, Some(0)).await;

    let her_sends = tokio::spawn(async move { fire(&mut mallorys, 40, "m").await });
    let mentions = tokio::spawn(async move {
        for i in 0..40 {
            trents.send_json(json!({"type": "send", "text": format!("@mallory hi {i}"), "client_id": format!("t{i}")})).await;
        }
        for _ in 0..40 {
            trents.next_of("ack").await;
        }
    });
    let late_socket = {
        let (mallory_here, room) = (mallory_here.clone(), room.clone());
        tokio::spawn(async move { mallory_here.try_socket(&room, None, Some(mallory_here.base())).await })
    };
    tokio::time::sleep(Duration::from_millis(2)).await;
    remove(owner, &room, "mallory").await;
    her_sends.await.unwrap();
    mentions.await.unwrap();

    // A socket that opened around the removal ends with it.
    if let Ok(mut socket) = late_socket.await.unwrap()
        && frame_about(&mut socket, "presence", &room, Duration::from_millis(500)).await.is_some()
        && closes_with(&mut socket, Duration::from_secs(3)).await != Some(ACCESS_ENDED)
    {
        return Some(format!("round {round}: a socket opened around the removal stayed open"));
    }
    let seen = answers(&mallory_here, &room).await;
    if seen != Answers::NOBODY {
        return Some(format!("round {round}: after her removal mallory gets {seen:?}"));
    }
    let (_, members) = owner.on(member_app).get_json(&format!("/api/rooms/{room}/members")).await;
    if members["members"].as_array().unwrap().iter().any(|member| member == "mallory") {
        return Some(format!("round {round}: the members list names mallory again: {members}"));
    }
    let (status, _) = mallory_here.get_json(&format!("/api/search/?q=hi&room={room}")).await;
    if status != StatusCode::NOT_FOUND {
        return Some(format!("round {round}: searching the room answers {status}"));
    }
    let attachment = mallory_here.get(&format!("/attachments/{file}")).await.status();
    if attachment != StatusCode::NOT_FOUND {
        return Some(format!("round {round}: her file answers {attachment}"));
    }
    None
}

async fn removal_wins_every_race(owner_app: &TestApp, member_app: &TestApp) {
    let people = [owner_app.user("olive").await, owner_app.user("mallory").await, owner_app.user("trent").await];
    let mut failures = Vec::new();
    for round in 0..20 {
        failures.extend(removal_race_round(member_app, &people, round).await);
    }
    assert!(failures.is_empty(), "{} of 20 rounds let a removed member back in:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_wins_over_whatever_races_it() {
    let app = embedded().await;
    removal_wins_every_race(&app, &app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_wins_over_whatever_races_it_across_two_instances() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("trust_race");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    removal_wins_every_race(&a, &b).await;
}

#[tokio::test]
async fn a_deleted_message_leaves_no_text_anywhere() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut alices = alice.socket("den", Some(0)).await;
    alices.say("opening the den", "s0").await;
    bob.socket("den", Some(0)).await;
    let mut inbox = bob.inbox().await;
    let seq = alices.say("hi @bob", "s1").await;
    let reported = loop {
        let frame = frame_about(&mut inbox, "room", "den", Duration::from_secs(5)).await.expect("the inbox reports the room");
        if frame["latest"]["seq"] == seq {
            break frame;
        }
    };
    assert_eq!((reported["latest"]["text"].as_str(), reported["mentions"].as_i64()), (Some("hi @bob"), Some(1)));
    alices.send_json(json!({"type": "edit", "target": seq, "text": "the secret @bob", "client_id": "e1"})).await;
    alices.next_of("ack").await;
    alices.send_json(json!({"type": "delete", "target": seq, "client_id": "d1"})).await;
    alices.next_of("ack").await;
    // The inbox takes back what it reported: the preview and notification go, the mention too.
    let retracted = loop {
        let frame = frame_about(&mut inbox, "room", "den", Duration::from_secs(5)).await.expect("a report after the deletion");
        if frame.get("retract").is_some() {
            break frame;
        }
    };
    assert_eq!((retracted["retract"].as_i64(), retracted["mentions"].as_i64()), (Some(seq), Some(0)), "{retracted}");
    assert!(retracted.get("latest").is_none(), "{retracted}");

    let mut replay = bob.socket("den", Some(0)).await;
    let mut frames = Vec::new();
    while let Ok(frame) = tokio::time::timeout(Duration::from_millis(500), replay.next_json()).await {
        frames.push(frame);
    }
    assert!(frames.iter().any(|f| f["type"] == "delete"), "the replay has the deletion: {frames:?}");
    for frame in &frames {
        let text = frame.to_string();
        assert!(!text.contains("secret") && !text.contains("hi @bob"), "replay sends deleted text: {text}");
        if frame["type"] == "edit" {
            assert_eq!((frame["text"].as_str(), frame.get("mentions")), (Some(""), None), "{frame}");
        }
    }
    let (_, history) = bob.get_json("/api/messages/den/").await;
    assert!(!history.to_string().contains("secret"), "{history}");
    let (_, found) = bob.get_json("/api/search/?q=secret").await;
    assert_eq!(found["results"], json!([]), "{found}");
    let (_, rooms) = bob.get_json("/api/rooms/").await;
    let den = rooms["rooms"].as_array().unwrap().iter().find(|r| r["room"] == "den").expect("den is bob's").clone();
    assert_eq!(den["mentions"], 0, "a deleted mention is no mention: {den}");
}

/// A session logged in and never used since: the log-in answer is its only request.
async fn silent_session(app: &TestApp, username: &str) -> Visitor {
    let visitor = app.visitor();
    assert_eq!(visitor.login(username, PASSWORD).await.status(), StatusCode::OK);
    visitor
}

#[tokio::test]
async fn log_out_everywhere_ends_a_session_that_made_no_request_since_log_in() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let thief = silent_session(&app, "alice").await;
    let (_, account) = alice.post_json("/api/account", &[]).await;
    assert_eq!(account["sessions"].as_array().unwrap().len(), 2, "every session is listed from its log-in: {account}");

    let (status, _) = alice.post_json("/api/log_out_everywhere", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(thief.whoami().await, None, "the silent session is over too");
}

#[tokio::test]
async fn a_session_that_made_no_request_can_be_ended_by_its_handle() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let thief = silent_session(&app, "alice").await;
    let (_, account) = alice.post_json("/api/account", &[]).await;
    let sessions = account["sessions"].as_array().unwrap();
    let other =
        sessions.iter().find(|s| s["current"] == false).expect("the silent session is listed")["handle"].as_str().unwrap();
    let (status, body) = alice.post_json("/api/end_session", &[("handle", other)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(thief.whoami().await, None);
    assert_eq!(alice.whoami().await.as_deref(), Some("alice"));
}

#[tokio::test]
async fn reactivation_does_not_bring_back_sessions_from_before_deactivation() {
    let app = TestApp::spawn().await;
    let root = app.user("root").await;
    let mallory = app.user("mallory").await;
    let silent = silent_session(&app, "mallory").await;
    for path in ["/api/admin/users/deactivate", "/api/admin/users/reactivate"] {
        let (status, body) = root.post_json(path, &[("username", "mallory")]).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    assert_eq!(mallory.whoami().await, None, "a session from before the deactivation stays ended");
    assert_eq!(silent.whoami().await, None);
    assert_eq!(app.visitor().login("mallory", PASSWORD).await.status(), StatusCode::OK, "she may log in again");
}

/// A removal the channel layer lost for one instance: its subscriptions to
/// Redis were cut (`CLIENT KILL TYPE pubsub`) just as the removal was
/// published. When that instance resubscribes it resyncs, and its inbox lets
/// go of the room — and shows nothing of what is said there later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_lets_go_of_a_room_whose_removal_it_missed() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("trust_lost_removal");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    let owner = a.user("olive").await;
    let mallory = a.user("mallory").await.on(&b);
    let mut kept = Vec::new();
    for round in 0..8 {
        let room = private_room(&owner, &format!("Lost news {round}")).await;
        add(&owner, &room, "mallory").await;
        let mut inbox = mallory.inbox().await;
        assert!(frame_about(&mut inbox, "room", &room, Duration::from_secs(5)).await.is_some(), "the room is in her inbox");
        let killed = std::process::Command::new("redis-cli")
            .args(["-p", &redis.port.to_string(), "CLIENT", "KILL", "TYPE", "pubsub"])
            .output()
            .expect("redis-cli runs");
        assert!(killed.status.success(), "{killed:?}");
        remove(&owner, &room, "mallory").await;
        if frame_about(&mut inbox, "left", &room, Duration::from_secs(15)).await.is_none() {
            kept.push(room.clone());
            continue;
        }
        owner.socket(&room, Some(0)).await.say("said after she left", "after").await;
        let shown = frame_about(&mut inbox, "room", &room, Duration::from_secs(1)).await;
        assert!(shown.is_none(), "round {round}: her inbox still counts the room: {shown:?}");
    }
    assert!(kept.is_empty(), "the inbox kept rooms whose removal it missed: {kept:?}");
}

/// The ways access to a room, or a session, ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    Removal,
    Leaving,
    Deactivation,
    LogOut,
    LogOutElsewhere,
    Expiry,
    PasswordChange,
}

/// What mallory's holders show once it ended.
struct Ended {
    /// Her room socket's close code.
    room_socket: u16,
    /// Her inbox: `None` stays open and sends `left`; else its close code.
    inbox: Option<u16>,
    /// What the room's history answers her (on the other instance too).
    history: u16,
}

impl Ending {
    fn expected(self) -> Ended {
        match self {
            Self::Removal | Self::Leaving => Ended { room_socket: ACCESS_ENDED, inbox: None, history: 404 },
            Self::Deactivation => Ended { room_socket: ACCESS_ENDED, inbox: Some(ACCESS_ENDED), history: 401 },
            Self::LogOut | Self::LogOutElsewhere | Self::Expiry | Self::PasswordChange => {
                Ended { room_socket: SESSION_ENDED, inbox: Some(SESSION_ENDED), history: 401 }
            }
        }
    }
}

/// Mallory holds a room socket and an inbox on instance `b` and has read the
/// room there (cached); `ending` happens on instance `a`. Every holder ends as
/// [`Ending::expected`] says, and the owner's presence stops naming her.
async fn ending_reaches_every_holder(a: &TestApp, b: &TestApp, root: &Visitor, ending: Ending, tag: &str) {
    let owner = a.user(&format!("olive{tag}")).await;
    let name = format!("mallory{tag}");
    let mallory = a.user(&name).await.on(b);
    let laptop = a.visitor();
    assert_eq!(laptop.login(&name, PASSWORD).await.status(), StatusCode::OK);
    let room = private_room(&owner, &format!("Holders {tag}")).await;
    add(&owner, &room, &name).await;
    let mut watcher = owner.socket(&room, Some(0)).await;
    let mut inbox = mallory.inbox().await;
    let mut socket = mallory.socket(&room, Some(0)).await;
    assert_eq!(mallory.get(&format!("/api/messages/{room}/")).await.status(), StatusCode::OK);
    let present = |frame: &Value| frame["users"].as_array().is_some_and(|users| users.iter().any(|u| *u == name.as_str()));
    loop {
        let frame = frame_about(&mut watcher, "presence", &room, Duration::from_secs(5)).await.expect("presence");
        if present(&frame) {
            break;
        }
    }

    match ending {
        Ending::Removal => drop(remove(&owner, &room, &name).await),
        Ending::Leaving => drop(remove(&mallory.on(a), &room, &name).await),
        Ending::Deactivation => {
            let (status, body) = root.post_json("/api/admin/users/deactivate", &[("username", name.as_str())]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        Ending::LogOut => assert_eq!(mallory.on(a).logout().await.status(), StatusCode::OK),
        Ending::LogOutElsewhere => {
            let (_, account) = laptop.post_json("/api/account", &[]).await;
            let handle =
                account["sessions"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["handle"].clone();
            let (status, body) = laptop.post_json("/api/end_session", &[("handle", handle.as_str().unwrap())]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        Ending::Expiry => {}
        Ending::PasswordChange => {
            let (status, body) =
                laptop.post_json("/api/change_password", &[("current", PASSWORD), ("new", "another secret")]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }

    let expected = ending.expected();
    assert_eq!(closes_with(&mut socket, Duration::from_secs(10)).await, Some(expected.room_socket), "{ending:?}: room socket");
    match expected.inbox {
        None => assert!(frame_about(&mut inbox, "left", &room, Duration::from_secs(5)).await.is_some(), "{ending:?}: inbox left"),
        Some(code) => assert_eq!(closes_with(&mut inbox, Duration::from_secs(10)).await, Some(code), "{ending:?}: inbox"),
    }
    for instance in [a, b] {
        let status = mallory.on(instance).get(&format!("/api/messages/{room}/")).await.status().as_u16();
        assert_eq!(status, expected.history, "{ending:?}: history on each instance");
    }
    if ending == Ending::Expiry {
        // Everyone's session expires alike here, the watcher's too; the
        // socket that closed took its presence with it, as for the others.
        return;
    }
    let gone = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match frame_about(&mut watcher, "presence", &room, Duration::from_secs(5)).await {
                Some(frame) if !present(&frame) => return true,
                Some(_) => continue,
                None => return false,
            }
        }
    });
    assert!(gone.await.unwrap_or(false), "{ending:?}: the room's presence still names her");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_access_ends_reaches_every_holder_on_every_instance() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("trust_holders");
    let (a, b) = (instance(&database, &redis).await, instance(&database, &redis).await);
    // The first account of a deployment is its administrator.
    let root = a.user("root").await;
    use Ending::*;
    for (i, ending) in [Removal, Leaving, Deactivation, LogOut, LogOutElsewhere, PasswordChange].into_iter().enumerate() {
        ending_reaches_every_holder(&a, &b, &root, ending, &i.to_string()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_reaches_every_holder_on_every_instance() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("trust_expiry");
    let short = |config: &mut parlor::server::config::Config| {
        config.messages_per_second = 100_000;
        config.upgrades_per_ip = 100_000;
        config.session_lifetime_override = Some(Duration::from_secs(4));
    };
    let (a, b) = (TestApp::spawn_on(&database, &redis, short).await, TestApp::spawn_on(&database, &redis, short).await);
    let root = a.user("root").await;
    ending_reaches_every_holder(&a, &b, &root, Ending::Expiry, "x").await;
}

#[tokio::test]
async fn log_out_answers_tell_the_browser_to_drop_what_it_kept() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let response = alice.logout().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["clear-site-data"], "\"cache\", \"storage\"");
    // A plain HTML form post (no JavaScript), as the header's button sends it.
    let carol = app.user("carol").await;
    let response = carol.post_plain_form("/api/logout", &[]).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers().get("clear-site-data").map(|v| v.to_str().unwrap()), Some("\"cache\", \"storage\""));
    let bob = app.user("bob").await;
    let response = bob.post_form("/api/log_out_everywhere", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["clear-site-data"], "\"cache\", \"storage\"");
}

#[tokio::test]
async fn files_are_asked_for_again_each_time_so_a_lost_room_keeps_none() {
    let app = TestApp::spawn().await;
    let owner = app.user("olive").await;
    let mallory = app.user("mallory").await;
    let room = private_room(&owner, "Files").await;
    add(&owner, &room, "mallory").await;
    let (_, file) = owner.upload(&room, "plan.txt", "text/plain", b"the plan".to_vec()).await;
    let id = file["id"].as_str().unwrap().to_owned();
    let mut socket = owner.socket(&room, Some(0)).await;
    socket.send_json(json!({"type": "send", "text": "", "attachment": id, "client_id": "f"})).await;
    socket.next_of("ack").await;
    let response = mallory.get(&format!("/attachments/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cache = response.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cache.contains("no-cache") && !cache.contains("immutable"), "{cache}");
    let etag = response.headers()["etag"].clone();
    let again =
        mallory.http.get(app.url(&format!("/attachments/{id}"))).header("if-none-match", etag.clone()).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "asking again is cheap");
    remove(&owner, &room, "mallory").await;
    let lost = mallory.http.get(app.url(&format!("/attachments/{id}"))).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(lost.status(), StatusCode::NOT_FOUND, "revalidating after the removal finds nothing");
}

#[tokio::test]
async fn uploads_a_browser_would_run_or_style_are_served_as_downloads() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("files", Some(0)).await;
    socket.say("here come the files", "hello").await;
    let active = [
        ("evil.js", "application/javascript", "alert(document.cookie)"),
        ("evil.css", "text/css", "body { display: none }"),
        ("evil.html", "text/html", "<script>alert(1)</script>"),
        ("evil.svg", "image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("evil.xml", "application/xml", "<?xml version='1.0'?><x/>"),
        ("evil.wasm", "application/wasm", "\0asm"),
    ];
    for (i, (name, declared, body)) in active.into_iter().enumerate() {
        let (status, file) = alice.upload("files", name, declared, body.as_bytes().to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {file}");
        let id = file["id"].as_str().unwrap();
        socket.send_json(json!({"type": "send", "text": name, "attachment": id, "client_id": format!("a{i}")})).await;
        socket.next_of("ack").await;
        let response = alice.get(&format!("/attachments/{id}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/octet-stream", "{name} ({declared})");
        assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"), "{name}");
    }
    let (_, text) = alice.upload("files", "notes.txt", "text/plain", b"plain".to_vec()).await;
    let id = text["id"].as_str().unwrap();
    socket.send_json(json!({"type": "send", "text": "notes", "attachment": id, "client_id": "t"})).await;
    socket.next_of("ack").await;
    assert_eq!(
        alice.get(&format!("/attachments/{id}")).await.headers()["content-type"],
        "text/plain",
        "passive types keep theirs"
    );
}

#[tokio::test]
async fn names_cannot_pretend_to_be_someone_else() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    app.user("bob").await;
    for deceptive in ["bo\u{200B}b", "\u{202E}nimda", "ali\u{200D}ce", "\u{2066}ceo\u{2069}", "x\u{FEFF}"] {
        let (status, body) = alice.post_json("/api/display_name", &[("display_name", deceptive)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{deceptive:?}: {body}");
    }
    let (status, body) = alice.post_json("/api/display_name", &[("display_name", "BOB")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another account's username: {body}");
    let (status, body) = alice.post_json("/api/display_name", &[("display_name", "Alice")]).await;
    assert_eq!(status, StatusCode::OK, "one's own username, in any case: {body}");
    let (status, body) = alice.post_json("/api/rooms/", &[("name", "Pay\u{202E}stnemy"), ("private", "true")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a private room's title: {body}");
    let (status, body) = alice.post_json("/api/rooms/", &[("name", "Team\u{200B}"), ("private", "true")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// On an empty PostgreSQL deployment, accounts created at the same instant
/// through two stores (two instances' connection pools), with no password
/// hashing to space them out: exactly one becomes the administrator.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_first_account_however_many_register_at_once() {
    use std::sync::Arc;

    use parlor::server::{bus::MemoryLayer, config::SqliteSync, storage::Store, tasks::Background};

    let postgres = Postgres::start();
    for attempt in 0..5 {
        let url = postgres.create_database(&format!("trust_first_admin_{attempt}"));
        let background = Background::new();
        let open = || Store::open(&url, SqliteSync::Full, 8192, Arc::new(MemoryLayer::new(64)), &background);
        let stores = [open().await.unwrap(), open().await.unwrap()];
        let created = (0..8).map(|i| {
            let store = stores[i % 2].clone();
            async move {
                store.registration().create_user(&format!("early{i}"), "hash".into(), Entry::ByAdministrator).await.unwrap().user
            }
        });
        let accounts = futures::future::join_all(created).await;
        let admins: Vec<&str> =
            accounts.iter().filter(|account| account.is_admin).map(|account| account.username.as_str()).collect();
        assert_eq!(admins.len(), 1, "attempt {attempt}: administrators {admins:?}");
        background.stop(Duration::from_secs(5)).await;
    }
}

/// Searches flooding the server while messages flow: every message is
/// stored and acked, and every search answers (results, or a clear
/// `too_slow` / `rate_limited`), never a failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn searches_cannot_tie_up_the_database() {
    let app = TestApp::spawn_with(|config| {
        config.searches_per_minute = 100_000;
        config.messages_per_second = 100_000;
    })
    .await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("busy", Some(0)).await;
    for i in 0..200 {
        socket.say(&format!("w{} ordinary words about the plan {i}", i % 7), &format!("seed{i}")).await;
    }
    let mut searchers = Vec::new();
    for i in 0..4 {
        searchers.push(app.user(&format!("searcher{i}")).await);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let floods = searchers.into_iter().map(|visitor| {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut answers = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for query in ["wor*", "plan", "ordi*", "\"ordinary words\""] {
                    let (status, body) = visitor.get_json(&format!("/api/search/?q={}", urlencoding_like(query))).await;
                    answers.push((status, body["error"].as_str().map(str::to_owned)));
                }
            }
            answers
        })
    });
    let floods: Vec<_> = floods.collect();
    let started = tokio::time::Instant::now();
    let (acked, refused) = fire(&mut socket, 300, "during").await;
    // The flood goes on for two seconds at least, however fast the messages went.
    tokio::time::sleep_until(started + Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!((acked.len(), refused), (300, 0), "every message sent during the flood is stored");
    let mut searched = 0;
    for flood in floods {
        for (status, error) in flood.await.unwrap() {
            searched += 1;
            assert!(
                status == StatusCode::OK || (status == StatusCode::SERVICE_UNAVAILABLE && error.as_deref() == Some("too_slow")),
                "a search answered {status} {error:?}"
            );
        }
    }
    assert!(searched >= 8, "the flood ran ({searched} searches)");
}

#[tokio::test]
async fn each_user_searches_at_most_so_often() {
    let app = TestApp::spawn_with(|config| config.searches_per_minute = 5).await;
    let alice = app.user("alice").await;
    for _ in 0..5 {
        assert_eq!(alice.get_json("/api/search/?q=plan").await.0, StatusCode::OK);
    }
    let (status, body) = alice.get_json("/api/search/?q=plan").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    let bob = app.user("bob").await;
    assert_eq!(bob.get_json("/api/search/?q=plan").await.0, StatusCode::OK, "per user");
}

/// A query string value, percent-encoded.
fn urlencoding_like(value: &str) -> String {
    serde_urlencoded::to_string([("q", value)]).unwrap().trim_start_matches("q=").to_owned()
}
