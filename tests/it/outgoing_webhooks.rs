//! Outgoing events (#30): a bot's subscriptions are delivered every event once,
//! in order, signed — through a receiver that fails, is slow and goes away;
//! across a SIGKILL; with two instances on PostgreSQL and Redis. A removed
//! bot stops at its removal; `"*"` follows the rooms the bot joins; failing
//! too long pauses a subscription and tells the bot's maker; bots' slash
//! commands reach them, and a bot's answer to a retried event posts once.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    TestApp, Visitor,
    api::Api,
    process::ServerProcess,
    receiver::Receiver,
    services::{Postgres, Redis},
};

/// A server that may deliver to `receiver` (a loopback address).
async fn app_for(receiver: &Receiver) -> TestApp {
    let allowed = receiver.addr;
    TestApp::spawn_with(move |config| config.webhooks_test_allow = vec![allowed]).await
}

/// Subscribes `bot` to `rooms` for `events` at the receiver, which then trusts its secret; its id.
async fn subscribe(bot: &Api, receiver: &Receiver, rooms: Value, events: Value) -> i64 {
    let (status, made) = bot.post("/api/subscriptions", json!({ "url": receiver.url(), "rooms": rooms, "events": events })).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let secret = made["secret"].as_str().expect("secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    receiver.trust(secret);
    made["id"].as_i64().unwrap()
}

/// The ids `room:1` … `room:n`.
fn ids(room: &str, seqs: impl IntoIterator<Item = i64>) -> Vec<String> {
    seqs.into_iter().map(|seq| format!("{room}:{seq}")).collect()
}

#[tokio::test]
async fn every_event_arrives_once_in_order_through_failures_slowness_and_an_outage() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver).await;
    let admin = app.user("admin").await;
    let alice = app.user("alice").await;
    let bot = app.api(&admin.make_bot("ci-bot").await);
    let mut socket = alice.socket("general", Some(0)).await;
    socket.say("before the subscription", "m0").await;
    subscribe(&bot, &receiver, json!(["general"]), json!(["message", "edit", "delete", "reaction"])).await;

    receiver.fail_first("general:3", 3);
    receiver.slow("general:5", Duration::from_millis(1500));
    let first = socket.say("one", "m1").await;
    assert_eq!(first, 2);
    socket.say("two", "m2").await;
    socket.say("three", "m3").await;
    socket.send_json(json!({"type": "edit", "target": 2, "text": "one, edited", "client_id": "e1"})).await;
    socket.send_json(json!({"type": "react", "target": 3, "emoji": "👍", "client_id": "r1"})).await;
    socket.send_json(json!({"type": "delete", "target": 4, "client_id": "d1"})).await;
    receiver.wait_for(3, Duration::from_secs(30)).await;
    receiver.go_away();
    socket.say("four", "m4").await;
    socket.say("five", "m5").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    receiver.come_back().await;

    let taken = receiver.wait_for(8, Duration::from_secs(60)).await;
    assert_eq!(taken, ids("general", 2..=9), "each event once, in order");
    assert_eq!(receiver.tries("general:3"), 4, "refused three times, then taken");
    assert!(receiver.bad().is_empty(), "every signature checked out: {:?}", receiver.bad());
    assert!(receiver.overlapping().is_empty(), "one in flight per room: {:?}", receiver.overlapping());
    let kinds: Vec<Value> = receiver.taken().iter().map(|taken| taken.body["type"].clone()).collect();
    let expected = ["message", "message", "message", "edit", "reaction", "delete", "message", "message"];
    assert_eq!(kinds, expected.map(|kind| json!(kind)));
    // A message is sent in its state at delivery, as a socket's replay would send it.
    let body = &receiver.taken()[1].body;
    assert_eq!((&body["sender"], &body["text"], &body["room"]), (&json!("alice"), &json!("two"), &json!("general")));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.taken().len(), 8, "nothing more, nothing again");
}

#[tokio::test]
async fn a_removed_bot_is_sent_its_removal_and_nothing_more_until_added_again() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver).await;
    let owner = app.user("owner").await;
    let bot = app.api(&owner.make_bot("ci-bot").await);
    let (_, room) = owner.post_json("/api/rooms/", &[("name", "Ops"), ("private", "true")]).await;
    let room = room["room"].as_str().unwrap().to_owned();
    let members = format!("/api/rooms/{room}/members");
    owner.post_json(&members, &[("username", "ci-bot")]).await;
    subscribe(&bot, &receiver, json!([room]), json!(["message", "member"])).await;
    let mut socket = owner.socket(&room, Some(0)).await;
    let seen = socket.say("while a member", "a").await;
    let (_, removed) = owner.post_json(&format!("{members}/remove"), &[("username", "ci-bot")]).await;
    let removal = removed["seq"].as_i64().unwrap();
    socket.say("after the removal", "b").await;
    socket.say("still away", "c").await;
    receiver.wait_for(2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.taken_ids(), ids(&room, [seen, removal]));
    let last = &receiver.taken()[1].body;
    assert_eq!((&last["type"], &last["user"], &last["change"]), (&json!("member"), &json!("ci-bot"), &json!("removed")));

    let (_, added) = owner.post_json(&members, &[("username", "ci-bot")]).await;
    let back = socket.say("welcome back", "d").await;
    let taken = receiver.wait_for(4, Duration::from_secs(20)).await;
    assert_eq!(taken, ids(&room, [seen, removal, added["seq"].as_i64().unwrap(), back]));
}

#[tokio::test]
async fn a_star_subscription_follows_the_rooms_its_bot_joins_direct_rooms_too() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver).await;
    let admin = app.user("admin").await;
    let bot = app.api(&admin.make_bot("helper").await);
    bot.say("lobby", "i am here", "joined").await;
    let mut lobby = admin.socket("lobby", Some(0)).await;
    lobby.say("before the subscription", "x").await;
    subscribe(&bot, &receiver, json!("*"), json!(["message"])).await;
    let in_lobby = lobby.say("after it", "y").await;

    // A direct conversation, opened after the subscription.
    let response = admin.http.post(app.url("/dm/helper/")).header("origin", admin.base()).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let direct = response.headers()["location"].to_str().unwrap().trim_start_matches("/room/").trim_end_matches('/').to_owned();
    let mut dm = admin.socket(&direct, Some(0)).await;
    let asked = dm.say("@helper are you there?", "q").await;
    let mut taken = receiver.wait_for(2, Duration::from_secs(20)).await;
    taken.sort();
    let mut expected = vec![format!("lobby:{in_lobby}"), format!("{direct}:{asked}")];
    expected.sort();
    assert_eq!(taken, expected);
    let (_, listed) = bot.get("/api/subscriptions").await;
    assert_eq!(listed["subscriptions"][0]["rooms"], "*");
}

#[tokio::test]
async fn a_subscription_failing_too_long_is_paused_its_maker_told_and_it_resumes() {
    let receiver = Receiver::start().await;
    let allowed = receiver.addr;
    let app = TestApp::spawn_with(move |config| {
        config.webhooks_test_allow = vec![allowed];
        config.delivery_retry_secs = 3;
    })
    .await;
    let admin = app.user("admin").await;
    let bot = app.api(&admin.make_bot("flaky").await);
    let id = subscribe(&bot, &receiver, json!(["general"]), json!(["message"])).await;
    receiver.fail_first("general:1", 1_000);
    let mut socket = admin.socket("general", Some(0)).await;
    socket.say("will it get there?", "p").await;

    let mut paused = Value::Null;
    for _ in 0..100 {
        let (_, listed) = bot.get("/api/subscriptions").await;
        paused = listed["subscriptions"][0].clone();
        if paused["paused_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(paused["paused_at"].is_string(), "paused: {paused}");
    assert!(paused["cursors"][0]["last_error"].as_str().unwrap().contains("500"), "{paused}");
    let tries = receiver.tries("general:1");
    assert!(tries >= 2, "tried again before pausing: {tries}");
    let (_, rooms) = admin.get_json("/api/rooms/").await;
    let direct =
        rooms["rooms"].as_array().unwrap().iter().find(|room| room["with"] == "flaky").expect("a direct message from the bot");
    assert!(direct["latest"]["text"].as_str().unwrap().contains("paused"), "{direct}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.tries("general:1"), tries, "a paused subscription is not tried");

    receiver.fail_first("general:1", 0);
    let (status, _) = bot.post("/api/subscriptions/resume", json!({ "id": id })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(receiver.wait_for(1, Duration::from_secs(20)).await, ["general:1"]);
}

#[tokio::test]
async fn subscriptions_refuse_what_they_cannot_deliver_and_end_with_their_token() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver).await;
    let admin = app.user("admin").await;
    let token = admin.make_bot("bot").await;
    let bot = app.api(&token);
    let person = app.api(&admin.token("mine").await);
    let url = receiver.url();
    let refused = [
        (&bot, json!({"url": "http://127.0.0.1:9/x", "rooms": ["general"], "events": ["message"]}), 400),
        (&bot, json!({"url": "http://169.254.169.254/latest", "rooms": ["general"], "events": ["message"]}), 400),
        (&bot, json!({"url": "ftp://example.org/", "rooms": ["general"], "events": ["message"]}), 400),
        (&bot, json!({"url": url, "rooms": ["general"], "events": ["typing"]}), 400),
        (&bot, json!({"url": url, "rooms": ["general"], "events": []}), 400),
        (&bot, json!({"url": url, "rooms": [], "events": ["message"]}), 400),
        (&bot, json!({"url": url, "rooms": ["*", "general"], "events": ["message"]}), 400),
        (&bot, json!({"url": url, "rooms": ["_0123456789abcdef0123456789abcdef"], "events": ["message"]}), 404),
        (&person, json!({"url": url, "rooms": ["general"], "events": ["message"]}), 400),
    ];
    admin.socket("general", Some(0)).await.say("so the room exists", "r").await;
    for (api, body, status) in refused {
        let (got, answer) = api.post("/api/subscriptions", body.clone()).await;
        assert_eq!(got.as_u16(), status, "{body}: {answer}");
    }
    // With the cookie instead of a bot's token.
    assert_eq!(admin.post_json("/api/subscriptions", &[("url", &url), ("rooms", "general"), ("events", "message")]).await.0, 400);

    let id = subscribe(&bot, &receiver, json!("general"), json!("message")).await;
    let stranger = app.api(&admin.make_bot("stranger").await);
    let (status, _) = stranger.post("/api/subscriptions/resume", json!({ "id": id })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another bot's subscription is not resumed, nor its cursors touched");
    let (_, tokens) = bot.get("/api/tokens").await;
    let token_id = tokens["tokens"][0]["id"].as_i64().unwrap();
    let (status, _) = bot.post("/api/tokens/revoke", json!({ "id": token_id })).await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = admin.make_bot_token_and_list("bot").await;
    assert!(!listed.iter().any(|subscription| subscription["id"] == id), "its subscription ended with it: {listed:?}");
}

impl Visitor {
    /// As an administrator: another token for bot `username`, and that bot's subscriptions.
    async fn make_bot_token_and_list(&self, username: &str) -> (String, Vec<Value>) {
        let (status, made) = self.post_json("/api/admin/bots/tokens", &[("username", username), ("name", "again")]).await;
        assert_eq!(status, StatusCode::OK, "{made}");
        let token = made["token"].as_str().unwrap().to_owned();
        let api = Api::new(self.base(), &token);
        let (_, listed) = api.get("/api/subscriptions").await;
        (token, listed["subscriptions"].as_array().unwrap().clone())
    }
}

#[tokio::test]
async fn a_slash_command_goes_to_its_bot_and_its_answer_to_a_retried_event_posts_once() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver).await;
    let admin = app.user("admin").await;
    let bot = app.api(&admin.make_bot("deployer").await);
    let (status, _) = bot.post("/api/commands", json!({"name": "/Deploy", "description": "Deploy a branch"})).await;
    assert_eq!(status, StatusCode::OK);
    let other = app.api(&admin.make_bot("rival").await);
    assert_eq!(other.post("/api/commands", json!({"name": "deploy"})).await.0, StatusCode::BAD_REQUEST, "taken");
    let (_, listed) = app.api(&admin.token("t").await).get("/api/commands").await;
    assert_eq!(listed["commands"], json!([{"name": "deploy", "description": "Deploy a branch", "bot": "deployer"}]));
    subscribe(&bot, &receiver, json!(["general"]), json!(["message"])).await;

    let mut socket = admin.socket("general", Some(0)).await;
    socket.send_json(json!({"type": "command", "command": "deploy", "text": "main", "client_id": "c1"})).await;
    let ack = socket.next_of_any(&["ack", "error"]).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let seq = ack["seq"].as_i64().unwrap();
    socket.send_json(json!({"type": "command", "command": "nope", "client_id": "c2"})).await;
    assert_eq!(socket.next_of("error").await["code"], "unknown_command");

    // The bot is sent it.
    assert_eq!(receiver.wait_for(1, Duration::from_secs(20)).await, [format!("general:{seq}")]);
    let command = &receiver.taken()[0].body;
    assert_eq!(
        (&command["type"], &command["command"], &command["text"], &command["sender"], &command["bot"]),
        (&json!("command"), &json!("deploy"), &json!("main"), &json!("admin"), &json!("deployer"))
    );
    // It answers twice (as after a retried delivery of the command): one message.
    let reply = format!("reply:general:{seq}");
    let first = bot.say("general", "deploying main", &reply).await;
    assert_eq!(bot.say("general", "deploying main", &reply).await, first);
    let answer = socket.next_of("message").await;
    assert_eq!((&answer["text"], &answer["bot"]), (&json!("deploying main"), &json!(true)));
    socket.expect_silence(Duration::from_millis(500)).await;

    // A public room none of its subscriptions covers: refused, not acked into nowhere.
    let mut elsewhere = admin.socket("elsewhere", Some(0)).await;
    elsewhere.say("a room of its own", "e").await;
    elsewhere.send_json(json!({"type": "command", "command": "deploy", "text": "x", "client_id": "c4"})).await;
    assert_eq!(elsewhere.next_of("error").await["code"], "bot_not_in_room");

    // A private room the bot is not in: refused.
    let (_, room) = admin.post_json("/api/rooms/", &[("name", "Secret"), ("private", "true")]).await;
    let mut private = admin.socket(room["room"].as_str().unwrap(), Some(0)).await;
    private.send_json(json!({"type": "command", "command": "deploy", "text": "x", "client_id": "c3"})).await;
    assert_eq!(private.next_of("error").await["code"], "bot_not_in_room");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_during_a_delivery_resumes_after_the_last_2xx() {
    let receiver = Receiver::start().await;
    let data = tempfile::tempdir().unwrap();
    let allow = receiver.addr.to_string();
    let args = ["--webhooks-test-allow", allow.as_str()];
    let server = ServerProcess::start(data.path(), &args).await;
    let port = server.port;
    let cookie = server.session_cookie("admin").await;
    let made: Value = reqwest::Client::new()
        .post(format!("{}/api/admin/bots", server.base()))
        .header("cookie", &cookie)
        .form(&[("username", "ci")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bot = Api::new(&server.base(), made["token"]["token"].as_str().unwrap());
    bot.say("builds", "the room exists", "setup").await;
    subscribe(&bot, &receiver, json!(["builds"]), json!(["message"])).await;
    // seqs 2..=7; the delivery of 5 is slow, and the server dies while it is on its way.
    receiver.slow("builds:5", Duration::from_secs(3));
    for n in 0..6 {
        bot.say("builds", &format!("build {n}"), &format!("b{n}")).await;
    }
    for _ in 0..400 {
        if receiver.tries("builds:5") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(receiver.tries("builds:5"), 1, "the slow delivery was on its way");
    server.kill();
    receiver.slow("builds:5", Duration::ZERO);
    let restarted = ServerProcess::start_on(port, data.path(), &args).await;
    let bot = Api::new(&restarted.base(), &bot.token);
    for n in 6..8 {
        bot.say("builds", &format!("build {n}"), &format!("b{n}")).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let all = loop {
        let all = receiver.taken_ids();
        let mut distinct = all.clone();
        distinct.dedup();
        if distinct.len() >= 8 {
            break all;
        }
        assert!(tokio::time::Instant::now() < deadline, "only {all:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut distinct = all.clone();
    distinct.dedup();
    assert_eq!(distinct, ids("builds", 2..=9), "in order, none skipped: {all:?}");
    let repeated: Vec<&String> = all.iter().filter(|id| all.iter().filter(|other| other == id).count() > 1).collect();
    assert!(repeated.iter().all(|id| *id == "builds:5"), "only the delivery cut off by the kill may come twice: {all:?}");
    assert!(receiver.bad().is_empty(), "{:?}", receiver.bad());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_deliver_each_event_once_and_a_revoked_token_closes_sockets_on_both() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("deliveries");
    let receiver = Receiver::start().await;
    let allowed = receiver.addr;
    let instance = |allowed| {
        let (database, redis) = (&database, &redis);
        async move {
            TestApp::spawn_on(database, redis, move |config| {
                config.webhooks_test_allow = vec![allowed];
                config.messages_per_second = 10_000;
            })
            .await
        }
    };
    let (a, b) = (instance(allowed).await, instance(allowed).await);
    let admin = a.user("admin").await;
    let bot = a.api(&admin.make_bot("ci").await);
    bot.say("shared", "first", "first").await;
    subscribe(&bot, &receiver, json!("*"), json!(["message"])).await;
    receiver.slow("shared:3", Duration::from_millis(800));
    let (on_a, on_b) = (bot.clone(), bot.on(&b));
    for n in 0..10 {
        let api = if n % 2 == 0 { &on_a } else { &on_b };
        api.say("shared", &format!("m{n}"), &format!("m{n}")).await;
    }
    let taken = receiver.wait_for(10, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.taken_ids(), ids("shared", 2..=11), "once each, in order, whichever instance delivered: {taken:?}");
    assert!(receiver.overlapping().is_empty() && receiver.bad().is_empty());

    // A token's sockets close on the other instance too when it is revoked.
    let alice = a.user("alice").await;
    let token = alice.token("script").await;
    let mut on_other = a.api(&token).on(&b).socket("shared", 0).await;
    let (_, listed) = alice.get_json("/api/tokens").await;
    let id = listed["tokens"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(alice.post_json("/api/tokens/revoke", &[("id", &id)]).await.0, StatusCode::OK);
    let close = on_other.next_close().await.expect("closed on the other instance");
    assert_eq!(u16::from(close.code), 4001);
}
