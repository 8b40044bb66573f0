//! A room's topic (#43's worked example of a new event kind): set by the
//! room's managers (an administrator, a private room's owner) as a room event
//! with its own `seq`, live to every reader, replayed after `?after=`, shown
//! under the room's name on its page, and found by search like a message.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Socket, TestApp};

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

#[tokio::test]
async fn a_rooms_managers_set_its_topic_as_a_room_event_shown_replayed_and_searchable() {
    let app = TestApp::spawn().await;
    let admin = app.user("admin").await;
    let bob = app.user("bob").await;
    let mut admins = admin.socket("release", Some(0)).await;
    let mut bobs = bob.socket("release", Some(0)).await;
    assert_eq!(admins.say("kick-off", "m1").await, 1);

    // Only a manager: a reader of a public room may not.
    let refused = outcome(&mut bobs, json!({"type": "set_topic", "topic": "mine now", "client_id": "b1"})).await;
    assert_eq!(refused, Err("no_access".to_owned()));
    let set = outcome(&mut admins, json!({"type": "set_topic", "topic": "  Shipping 4.2 on Friday  ", "client_id": "t1"})).await;
    assert_eq!(set, Ok(2), "a room event with its own seq");
    let frame = bobs.next_of("topic").await;
    assert_eq!(frame["seq"], 2);
    assert_eq!(
        (&frame["topic"], &frame["sender"], &frame["room"]),
        (&json!("Shipping 4.2 on Friday"), &json!("admin"), &json!("release"))
    );
    assert!(frame["timestamp"].as_str().unwrap().ends_with('Z'));
    let too_long = json!({"type": "set_topic", "topic": "x".repeat(251), "client_id": "t2"});
    assert_eq!(outcome(&mut admins, too_long).await, Err("text_too_long".to_owned()));

    // Replayed in its place, once.
    let mut late = bob.socket("release", Some(1)).await;
    let replayed = late.next_json().await;
    assert_eq!((&replayed["type"], &replayed["seq"]), (&json!("topic"), &json!(2)));
    // Shown under the room's name, without JavaScript.
    let page = bob.get("/room/release/").await.text().await.unwrap();
    assert!(page.contains(r#"id="roomTopic""#) && page.contains("Shipping 4.2 on Friday"), "{page}");
    // Found like a message.
    let (status, found) = bob.get_json("/api/search/?q=shipping").await;
    assert_eq!(status, StatusCode::OK);
    let hits: Vec<i64> = found["results"].as_array().unwrap().iter().map(|hit| hit["seq"].as_i64().unwrap()).collect();
    assert_eq!(hits, [2], "{found}");
    // Not a message: the history and the unread count know nothing of it.
    let (_, history) = bob.get_json("/api/messages/release/").await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);

    // Cleared with an empty topic.
    assert_eq!(outcome(&mut admins, json!({"type": "set_topic", "topic": "", "client_id": "t3"})).await, Ok(3));
    assert_eq!(bobs.next_of("topic").await["topic"], "");
    assert!(!bob.get("/room/release/").await.text().await.unwrap().contains(r#"id="roomTopic""#));
}

#[tokio::test]
async fn a_private_rooms_owner_sets_its_topic_and_its_members_do_not() {
    let app = TestApp::spawn().await;
    app.user("admin").await;
    let owner = app.user("owner").await;
    let member = app.user("member").await;
    let (_, made) = owner.post_json("/api/rooms/", &[("name", "Plans"), ("private", "true")]).await;
    let room = made["room"].as_str().unwrap().to_owned();
    owner.post_json(&format!("/api/rooms/{room}/members"), &[("username", "member")]).await;
    let mut owners = owner.socket(&room, Some(0)).await;
    let mut members = member.socket(&room, Some(0)).await;
    let refused = outcome(&mut members, json!({"type": "set_topic", "topic": "coup", "client_id": "m1"})).await;
    assert_eq!(refused, Err("no_access".to_owned()));
    let seq = outcome(&mut owners, json!({"type": "set_topic", "topic": "Q3 plans", "client_id": "o1"})).await.unwrap();
    assert_eq!(members.next_of("topic").await["seq"], seq);
    let page = member.get(&format!("/room/{room}/")).await.text().await.unwrap();
    assert!(page.contains("Q3 plans"));
    // An outsider finds nothing of it.
    let outsider = app.user("outsider").await;
    let (_, found) = outsider.get_json("/api/search/?q=plans").await;
    assert_eq!(found["results"], json!([]));
}
