//! Messages that change: edits, deletions, reactions and replies are events in
//! the room's sequence — each acked after commit, published like a message,
//! judged by the rules (refusals change nothing), idempotent by `client_id`,
//! replayed exactly once, in order — and the history shows each message in its
//! current state. On SQLite, and across two instances (PostgreSQL + Redis).

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    Socket, TestApp,
    services::{Postgres, Redis},
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

async fn history(visitor: &crate::harness::Visitor, room: &str) -> Vec<Value> {
    let (status, page) = visitor.get_json(&format!("/api/messages/{room}/?limit=200")).await;
    assert_eq!(status, StatusCode::OK);
    page["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn edits_deletions_reactions_and_replies_are_events_with_their_own_seqs() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut alices = alice.socket("desk", Some(0)).await;
    let mut bobs = bob.socket("desk", Some(0)).await;
    assert_eq!(alices.say("helo", "m1").await, 1);

    let edit = outcome(&mut alices, json!({"type": "edit", "target": 1, "text": "hello @bob", "client_id": "e1"})).await;
    assert_eq!(edit, Ok(2));
    let frame = bobs.next_of("edit").await;
    assert_eq!((frame["seq"].as_i64(), frame["target"].as_i64(), frame["text"].as_str()), (Some(2), Some(1), Some("hello @bob")));
    assert_eq!((frame["sender"].as_str(), frame["mentions"].clone()), (Some("alice"), json!(["bob"])));
    assert!(frame["edited_at"].as_str().unwrap().ends_with('Z'));

    assert_eq!(outcome(&mut bobs, json!({"type": "react", "target": 1, "emoji": "👍", "client_id": "r1"})).await, Ok(3));
    let frame = alices.next_of("reaction").await;
    assert_eq!(
        frame,
        json!({"type": "reaction", "room": "desk", "seq": 3, "target": 1, "emoji": "👍", "user": "bob", "on": true, "client_id": "r1"})
    );
    // "Boosts" are short text too.
    assert_eq!(outcome(&mut alices, json!({"type": "react", "target": 1, "emoji": "nice one", "client_id": "r2"})).await, Ok(4));

    assert_eq!(outcome(&mut bobs, json!({"type": "send", "text": "thanks", "reply_to": 1, "client_id": "m2"})).await, Ok(5));
    let reply = alices.next_of("message").await;
    assert_eq!(reply["reply_to"], json!({"seq": 1, "sender": "alice", "text": "hello @bob"}));

    // Toggling again takes the reaction back.
    assert_eq!(outcome(&mut bobs, json!({"type": "react", "target": 1, "emoji": "👍", "client_id": "r3"})).await, Ok(6));
    assert_eq!(alices.next_of("reaction").await["on"], false);

    let messages = history(&alice, "desk").await;
    assert_eq!(messages.len(), 2, "edits and reactions are not messages");
    assert_eq!(messages[0]["text"], "hello @bob");
    assert_eq!(messages[0]["mentions"], json!(["bob"]), "mentions resolved again on edit");
    assert_eq!(messages[0]["reactions"], json!({"nice one": ["alice"]}));
    assert!(messages[0]["edited_at"].is_string());
    assert_eq!(messages[1]["reply_to"]["seq"], 1);

    assert_eq!(outcome(&mut alices, json!({"type": "delete", "target": 1, "client_id": "d1"})).await, Ok(7));
    let frame = bobs.next_of("delete").await;
    assert_eq!(frame, json!({"type": "delete", "room": "desk", "seq": 7, "target": 1, "sender": "alice", "client_id": "d1"}));
    let messages = history(&bob, "desk").await;
    assert_eq!((messages[0]["deleted"].as_bool(), messages[0]["text"].as_str()), (Some(true), Some("")));
    assert!(messages[0].get("reactions").is_none());
    assert_eq!(
        messages[1]["reply_to"],
        json!({"seq": 1, "sender": "alice", "text": "", "deleted": true}),
        "the reply still makes sense"
    );
    // The mention of bob went with the text.
    let (_, rooms) = bob.get_json("/api/rooms/").await;
    assert_eq!(rooms["rooms"][0]["mentions"], 0);
}

#[tokio::test]
async fn each_refusal_has_its_code_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let mut alices = alice.socket("rules", Some(0)).await;
    let mut bobs = bob.socket("rules", Some(0)).await;
    alices.say("mine", "m1").await;
    alices.say("gone soon", "m2").await;
    assert!(outcome(&mut alices, json!({"type": "delete", "target": 2, "client_id": "d1"})).await.is_ok());

    // (by alice?, frame, code)
    let refusals = [
        (false, json!({"type": "edit", "target": 1, "text": "not yours", "client_id": "x1"}), "not_yours"),
        (false, json!({"type": "delete", "target": 1, "client_id": "x2"}), "not_yours"),
        (true, json!({"type": "edit", "target": 2, "text": "too late", "client_id": "x3"}), "deleted"),
        (false, json!({"type": "react", "target": 2, "emoji": "👍", "client_id": "x4"}), "deleted"),
        (true, json!({"type": "edit", "target": 3, "text": "that is the deletion", "client_id": "x5"}), "not_found"),
        (true, json!({"type": "edit", "target": 99, "text": "nothing there", "client_id": "x6"}), "not_found"),
        (false, json!({"type": "send", "text": "re", "reply_to": 99, "client_id": "x7"}), "not_found"),
        (false, json!({"type": "react", "target": 1, "emoji": "", "client_id": "x8"}), "bad_reaction"),
        (false, json!({"type": "react", "target": 1, "emoji": "x".repeat(17), "client_id": "x9"}), "bad_reaction"),
    ];
    for (by_alice, frame, code) in refusals {
        let description = frame.to_string();
        let socket = if by_alice { &mut alices } else { &mut bobs };
        assert_eq!(outcome(socket, frame).await, Err(code.to_owned()), "{description}");
    }
    // Nothing changed: the next event takes the next seq.
    assert_eq!(alices.say("still counting", "m3").await, 4);
    let messages = history(&alice, "rules").await;
    assert_eq!(messages[0]["text"], "mine");
    assert!(messages[0].get("edited_at").is_none());
}

#[tokio::test]
async fn a_resent_edit_or_reaction_is_stored_once() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("twice", Some(0)).await;
    socket.say("text", "m1").await;
    let react = json!({"type": "react", "target": 1, "emoji": "🎉", "client_id": "r1"});
    assert_eq!(outcome(&mut socket, react.clone()).await, Ok(2));
    assert_eq!(outcome(&mut socket, react).await, Ok(2), "the same toggle, not a second one");
    let edit = json!({"type": "edit", "target": 1, "text": "edited", "client_id": "e1"});
    assert_eq!(outcome(&mut socket, edit.clone()).await, Ok(3));
    assert_eq!(outcome(&mut socket, edit).await, Ok(3));
    assert_eq!(history(&alice, "twice").await[0]["reactions"], json!({"🎉": ["alice"]}));
    assert_eq!(socket.say("next", "m2").await, 4);
}

/// What a client that applies every frame in order ends up showing.
fn replayed(frames: &[Value]) -> BTreeMap<i64, Value> {
    let mut messages: BTreeMap<i64, Value> = BTreeMap::new();
    for frame in frames {
        match frame["type"].as_str().unwrap() {
            "message" => {
                let mut message = frame.clone();
                let object = message.as_object_mut().unwrap();
                object.remove("type");
                object.remove("room");
                messages.insert(frame["seq"].as_i64().unwrap(), message);
            }
            "edit" => {
                let message = messages.get_mut(&frame["target"].as_i64().unwrap()).unwrap();
                message["text"] = frame["text"].clone();
                message["html"] = frame["html"].clone();
                message["edited_at"] = frame["edited_at"].clone();
                match frame.get("mentions") {
                    Some(mentions) => message["mentions"] = mentions.clone(),
                    None => drop(message.as_object_mut().unwrap().remove("mentions")),
                }
            }
            "delete" => {
                let message = messages.get_mut(&frame["target"].as_i64().unwrap()).unwrap();
                let object = message.as_object_mut().unwrap();
                object.insert("text".into(), json!(""));
                object.insert("deleted".into(), json!(true));
                object.remove("html");
                object.remove("mentions");
                object.remove("reactions");
            }
            "reaction" => {
                let message = messages.get_mut(&frame["target"].as_i64().unwrap()).unwrap();
                let object = message.as_object_mut().unwrap();
                let reactions = object.entry("reactions").or_insert(json!({})).as_object_mut().unwrap();
                let emoji = frame["emoji"].as_str().unwrap();
                let users = reactions.entry(emoji).or_insert(json!([])).as_array_mut().unwrap();
                users.retain(|u| *u != frame["user"]);
                if frame["on"] == true {
                    users.push(frame["user"].clone());
                }
                if users.is_empty() {
                    reactions.remove(emoji);
                }
                if reactions.is_empty() {
                    object.remove("reactions");
                }
            }
            other => panic!("unexpected frame {other}"),
        }
    }
    messages
}

/// A reader offline while messages, edits, deletions and reactions happen
/// reconnects with `?after=N` and, applying the replay, shows exactly what a
/// fresh history read shows.
async fn replay_matches_history(writer_app: &TestApp, reader_app: &TestApp) {
    let alice = writer_app.user("alice").await;
    let bob = writer_app.user("bob").await;
    let mut writer = alice.socket("replay", Some(0)).await;
    let mut other = bob.socket("replay", Some(0)).await;
    writer.say("first", "m1").await;
    writer.say("second", "m2").await;
    let reader = bob.on(reader_app);
    let mut seen = Vec::new();
    let mut online = reader.socket("replay", Some(0)).await;
    while seen.len() < 2 {
        seen.push(online.next_of("message").await);
    }
    drop(online);

    // While the reader is away.
    writer.say("third with @bob", "m3").await;
    outcome(&mut writer, json!({"type": "edit", "target": 1, "text": "first, edited", "client_id": "e1"})).await.unwrap();
    outcome(&mut other, json!({"type": "react", "target": 2, "emoji": "👍", "client_id": "r1"})).await.unwrap();
    outcome(&mut writer, json!({"type": "react", "target": 2, "emoji": "👍", "client_id": "r2"})).await.unwrap();
    outcome(&mut other, json!({"type": "react", "target": 2, "emoji": "👍", "client_id": "r3"})).await.unwrap();
    outcome(&mut writer, json!({"type": "react", "target": 3, "emoji": "🎉", "client_id": "r4"})).await.unwrap();
    outcome(&mut writer, json!({"type": "delete", "target": 3, "client_id": "d1"})).await.unwrap();
    outcome(&mut other, json!({"type": "send", "text": "re first", "reply_to": 1, "client_id": "m4"})).await.unwrap();
    let newest =
        outcome(&mut writer, json!({"type": "edit", "target": 2, "text": "second, edited", "client_id": "e2"})).await.unwrap();

    let after = seen.last().unwrap()["seq"].as_i64().unwrap();
    let mut back = reader.socket("replay", Some(after)).await;
    let mut frames = seen.clone();
    loop {
        let frame = back.next_json().await;
        let seq = frame["seq"].as_i64().unwrap();
        frames.push(frame);
        if seq == newest {
            break;
        }
    }
    let seqs: Vec<i64> = frames.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=newest).collect::<Vec<_>>(), "every event once, in order");
    let shown: Vec<Value> = replayed(&frames)
        .into_values()
        .map(|mut m| {
            let object = m.as_object_mut().unwrap();
            object.remove("client_id");
            // Frames carry the text formatted too; the JSON history API does not.
            let html = object.remove("html");
            let deleted = object.get("deleted") == Some(&json!(true));
            assert_eq!(html.is_some(), !deleted, "the formatted text comes with every message shown: {m}");
            if let Some(html) = html {
                assert!(html.as_str().unwrap().contains(m["text"].as_str().unwrap()), "{html} formats {}", m["text"]);
            }
            m
        })
        .collect();
    let fresh: Vec<Value> = history(&reader, "replay")
        .await
        .into_iter()
        .map(|mut m| {
            m.as_object_mut().unwrap().remove("client_id");
            m
        })
        .collect();
    assert_eq!(shown, fresh);
}

#[tokio::test]
async fn a_replay_ends_in_the_state_of_a_fresh_history_read() {
    let app = TestApp::spawn().await;
    replay_matches_history(&app, &app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_on_another_instance_ends_in_the_same_state() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("replay");
    let a = TestApp::spawn_on(&database, &redis, |_| {}).await;
    let b = TestApp::spawn_on(&database, &redis, |_| {}).await;
    replay_matches_history(&a, &b).await;
}

#[tokio::test]
async fn a_permalink_renders_the_page_around_its_message() {
    let app = TestApp::spawn_with(|config| config.messages_per_second = 1000).await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("links", Some(0)).await;
    for i in 1..=80 {
        socket.say(&format!("message number {i}"), &format!("m{i}")).await;
    }
    outcome(&mut socket, json!({"type": "delete", "target": 70, "client_id": "d1"})).await.unwrap();

    let html = alice.get("/room/links/?at=5").await.text().await.unwrap();
    assert!(html.contains(r#"id="m5""#) && html.contains("message number 5"), "the message, with JavaScript off");
    assert!(html.contains("highlighted"), "it is marked");
    assert!(!html.contains("message number 80"), "in its context, not the newest page");

    let deleted = alice.get("/room/links/?at=70").await.text().await.unwrap();
    assert!(deleted.contains("Message #70 was deleted."));
    let missing = alice.get("/room/links/?at=500").await.text().await.unwrap();
    assert!(missing.contains("There is no message #500 in this room"));
    assert!(missing.contains("message number 80"), "the newest page instead");
}

#[tokio::test]
async fn formatted_text_renders_the_safe_subset_only() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut socket = alice.socket("fmt", Some(0)).await;
    socket.say("**bold** *it* `x` https://example.org/a <img src=x onerror=alert(1)> [js](javascript:alert(1))", "m1").await;
    // Without Leptos' hydration markers (`<!>`), which sit between views.
    let html = alice.get("/room/fmt/").await.text().await.unwrap().replace("<!>", "");
    assert!(html.contains("<strong>bold</strong>"));
    assert!(html.contains("<em>it</em>"));
    assert!(html.contains("<code>x</code>"));
    assert!(html.contains(r#"<a href="https://example.org/a" rel="noopener nofollow ugc" target="_blank">"#));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("href=\"javascript:"), "no link but http(s)");
    // The stored text stays what was typed.
    assert!(history(&alice, "fmt").await[0]["text"].as_str().unwrap().starts_with("**bold**"));
}
