//! Web Push against a local push service that acts as a browser's would (it
//! decrypts every push with the browser's own key and verifies its VAPID
//! signature against `/api/push/key`): a mention reaches an away member once,
//! nothing is pushed while they have a socket open, edits update and
//! deletions and reads close the notification on every device, 410 forgets
//! the subscription, `Retry-After` is honoured, 413 cuts the body, a session's end ends its
//! subscriptions, a removed member is pushed nothing more; on two instances
//! (PostgreSQL + Redis) each message is pushed once per subscription; a
//! SIGKILL between the commit and the push still delivers, once.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    PASSWORD, Socket, TestApp, Visitor,
    process::ServerProcess,
    push_service::{Browser, PushService},
    services::{Postgres, Redis},
};

const SUBJECT: &str = "mailto:ops@parlor.test";

/// A server with push on, allowed to reach `service` over plain HTTP.
async fn app_with(service: &PushService) -> TestApp {
    let addr = service.addr;
    TestApp::spawn_with(move |config| push_on(config, addr)).await
}

fn push_on(config: &mut parlor::server::config::Config, service: std::net::SocketAddr) {
    config.vapid_subject = Some(SUBJECT.to_owned());
    config.push_test_allow = vec![service];
    config.messages_per_second = 1000;
    // Some tests log the same person in on many devices.
    config.auth_attempts_per_username = 1000;
}

/// The service checks pushes against the server's key.
async fn trust_key(service: &PushService, visitor: &Visitor) {
    let (status, key) = visitor.get_json("/api/push/key").await;
    assert_eq!(status, StatusCode::OK, "{key}");
    let key = key["public_key"].as_str().expect("public_key");
    assert_eq!(key.len(), 87, "an uncompressed P-256 point in base64url: {key}");
    service.expect_key(key);
}

async fn post_subscription(visitor: &Visitor, body: &Value) -> (StatusCode, Value) {
    let response =
        visitor.http.post(format!("{}/api/push/subscriptions", visitor.base())).json(body).send().await.expect("request sent");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

/// `visitor` subscribes a new browser of `service`.
async fn subscribe(service: &PushService, visitor: &Visitor) -> Browser {
    let browser = service.browser();
    let (status, body) = post_subscription(visitor, &browser.subscription()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    browser
}

async fn subscriptions(visitor: &Visitor) -> Vec<Value> {
    let (status, body) = visitor.get_json("/api/push/subscriptions").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["subscriptions"].as_array().expect("subscriptions").clone()
}

/// Sends a message and waits for a later one to be pushed: proof that the
/// worker has looked at everything before it.
async fn flush(
    service: &PushService,
    browser: &Browser,
    socket: &mut Socket,
    text: &str,
) -> Vec<crate::harness::push_service::Delivered> {
    let seq = socket.say(text, &format!("flush {text}")).await;
    for _ in 0..400 {
        let delivered = service.delivered(browser);
        if delivered.iter().any(|push| push.payload["seq"] == seq) {
            return delivered;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the push of seq {seq} never came: {:?}", service.delivered(browser));
}

#[tokio::test]
async fn a_mention_is_pushed_once_to_an_away_member_and_not_while_a_socket_is_open() {
    let service = PushService::start().await;
    let app = app_with(&service).await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    trust_key(&service, &bob).await;
    let browser = subscribe(&service, &bob).await;
    let listed = subscriptions(&bob).await;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0]["endpoint"].as_str(), listed[0]["current"].as_bool()), (Some(browser.endpoint.as_str()), Some(true)));

    let mut room = alice.socket("lobby", None).await;
    let seq = room.say("@bob the kettle is on", "m1").await;
    let pushed = service.wait_for(&browser, 1).await;
    let push = &pushed[0];
    assert_eq!(push.payload["kind"], "message");
    assert_eq!(push.payload["room"], "lobby");
    assert_eq!(push.payload["seq"], seq);
    assert_eq!(push.payload["title"], "#lobby");
    assert_eq!(push.payload["body"], "alice: @bob the kettle is on");
    assert_eq!(push.payload["url"], format!("/room/lobby/?at={seq}"));
    assert_eq!(push.payload["tag"], "room:lobby");
    assert_eq!(push.urgency, "high", "a mention is urgent");
    assert!(push.ttl > 0 && push.ttl <= 24 * 3600, "TTL {}", push.ttl);
    assert_eq!(push.topic.len(), 32);

    // While bob has his inbox open, he is told there, not pushed; carol,
    // away, is pushed the same message: once she has it, bob's was decided.
    let carol = app.user("carol").await;
    let witness = subscribe(&service, &carol).await;
    let inbox = bob.inbox().await;
    let skipped = room.say("@bob @carol are you there?", "m2").await;
    service.wait_for(&witness, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(inbox);
    // His inbox is closed again: the next mention is pushed, the one before never.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let delivered = flush(&service, &browser, &mut room, "@bob now?").await;
    let seqs: Vec<&Value> = delivered.iter().map(|push| &push.payload["seq"]).collect();
    assert!(!seqs.contains(&&json!(skipped)), "pushed while a socket was open: {seqs:?}");
    assert_eq!(delivered.len(), 2, "{seqs:?}");
    // A message that mentions nobody is not pushed at bob's level (mentions).
    room.say("tea anyone?", "m3").await;
    let delivered = flush(&service, &browser, &mut room, "@bob last one").await;
    assert_eq!(delivered.len(), 3);
    assert!(service.bad().is_empty(), "{:?}", service.bad());
    let (_, metrics) = app.raw_get("/metrics").await;
    for outcome in ["sent", "skipped"] {
        assert!(metrics.contains(&format!("parlor_pushes_total{{outcome=\"{outcome}\"}}")), "{outcome} is counted");
    }
}

#[tokio::test]
async fn edits_update_deletions_and_reads_close_the_notification_on_every_device() {
    let service = PushService::start().await;
    let app = app_with(&service).await;
    let alice = app.user("alice").await;
    let phone = app.user("bob").await;
    let laptop = app.visitor();
    assert_eq!(laptop.login("bob", PASSWORD).await.status(), StatusCode::OK);
    trust_key(&service, &phone).await;
    let (on_phone, on_laptop) = (subscribe(&service, &phone).await, subscribe(&service, &laptop).await);
    assert_eq!(subscriptions(&phone).await.len(), 2);

    let mut room = alice.socket("lobby", None).await;
    let first = room.say("@bob draft", "m1").await;
    let second = room.say("@bob another", "m2").await;
    for browser in [&on_phone, &on_laptop] {
        service.wait_for(browser, 2).await;
    }
    room.send_json(json!({"type": "edit", "target": first, "text": "@bob final words", "client_id": "e1"})).await;
    room.send_json(json!({"type": "delete", "target": second, "client_id": "d1"})).await;
    for browser in [&on_phone, &on_laptop] {
        let pushed = service.wait_for(browser, 4).await;
        let update = pushed.iter().find(|push| push.payload["kind"] == "update").expect("an update");
        assert_eq!(
            (update.payload["seq"].as_i64(), update.payload["body"].as_str()),
            (Some(first), Some("alice: @bob final words"))
        );
        let close = pushed.iter().find(|push| push.payload["kind"] == "close").expect("a close");
        assert_eq!(close.payload["seq"], second);
        assert_eq!(close.topic, update.topic, "one topic per room");
    }

    // Bob reads the room on his phone: both devices close what he read.
    let mut bobs_room = phone.socket("lobby", None).await;
    bobs_room.send_json(json!({"type": "read", "seq": second + 2})).await;
    for browser in [&on_phone, &on_laptop] {
        let pushed = service.wait_for(browser, 5).await;
        let read = &pushed[4];
        assert_eq!(read.payload["kind"], "close", "{:?}", read.payload);
        assert!(read.payload["seq"].as_i64() >= Some(second), "{:?}", read.payload);
        assert_eq!(read.urgency, "low");
    }
    assert!(service.bad().is_empty(), "{:?}", service.bad());
}

#[tokio::test]
async fn a_gone_subscription_is_forgotten_retry_after_is_honoured_and_too_large_is_cut() {
    let service = PushService::start().await;
    let app = app_with(&service).await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let carol = app.user("carol").await;
    trust_key(&service, &bob).await;
    let gone = subscribe(&service, &bob).await;
    let busy = subscribe(&service, &carol).await;
    service.answer_next(&gone, &[(410, None)]);
    service.answer_next(&busy, &[(429, Some("2"))]);

    let mut room = alice.socket("lobby", None).await;
    room.say("@bob @carol hello", "m1").await;
    let pushed = service.wait_for(&busy, 1).await;
    assert_eq!(pushed[0].payload["body"], "alice: @bob @carol hello");
    let attempts = service.attempts(&busy);
    assert_eq!(attempts.len(), 2, "refused once, then delivered");
    let waited = attempts[1].duration_since(attempts[0]).expect("in order");
    assert!(waited >= Duration::from_secs(2), "tried again after {waited:?}, before Retry-After");

    assert_eq!(service.attempts(&gone).len(), 1);
    assert!(subscriptions(&bob).await.is_empty(), "410 forgets the subscription");

    // 413: the same push, its body cut shorter, once more.
    service.answer_next(&busy, &[(413, None)]);
    let long = format!("@carol {}", "very long story ".repeat(20));
    room.say(&long, "long").await;
    let pushed = service.wait_for(&busy, 2).await;
    let body = pushed[1].payload["body"].as_str().expect("body");
    assert!(body.starts_with("alice: @carol very long story") && body.ends_with('…'), "{body}");
    assert_eq!(body.chars().count(), 60, "{body}");

    // A `Retry-After` past the push's TTL: it expires, and is not tried again at once.
    service.answer_next(&busy, &[(503, Some("18446744073709551615"))]);
    let tried = service.attempts(&busy).len();
    room.say("@carol one more", "huge").await;
    for _ in 0..200 {
        if service.attempts(&busy).len() > tried {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(service.attempts(&busy).len(), tried + 1, "tried once, then given up");
    room.say("@bob still there?", "m2").await;
    flush(&service, &busy, &mut room, "@carol and you?").await;
    assert_eq!(service.attempts(&gone).len(), 1, "nothing more is pushed to a gone endpoint");
}

#[tokio::test]
async fn a_session_that_ends_takes_its_subscriptions_and_a_removed_member_is_pushed_nothing() {
    let service = PushService::start().await;
    let app = app_with(&service).await;
    let alice = app.user("alice").await;
    let bob_here = app.user("bob").await;
    let bob_there = app.visitor();
    assert_eq!(bob_there.login("bob", PASSWORD).await.status(), StatusCode::OK);
    trust_key(&service, &alice).await;
    let ended = subscribe(&service, &bob_here).await;
    let kept = subscribe(&service, &bob_there).await;
    assert_eq!(bob_here.logout().await.status(), StatusCode::OK);
    let left = subscriptions(&bob_there).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["endpoint"], kept.endpoint.as_str());

    // A private room: bob is pushed its messages until he is removed.
    let (status, created) = alice.post_json("/api/rooms/", &[("name", "Plans"), ("private", "true")]).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let room_name = created["room"].as_str().expect("room").to_owned();
    let (status, body) = alice.post_json(&format!("/api/rooms/{room_name}/members"), &[("username", "bob")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut room = alice.socket(&room_name, None).await;
    room.say("@bob secret plan", "p1").await;
    let pushed = service.wait_for(&kept, 1).await;
    assert_eq!(pushed[0].payload["title"], "Plans");
    let (status, body) = alice.post_json(&format!("/api/rooms/{room_name}/members/remove"), &[("username", "bob")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    room.say("@bob you should not see this", "p2").await;
    // A public room's mention afterwards shows the worker has passed the private one.
    let mut lobby = alice.socket("lobby", None).await;
    let delivered = flush(&service, &kept, &mut lobby, "@bob in the lobby").await;
    let bodies: Vec<&str> = delivered.iter().filter_map(|push| push.payload["body"].as_str()).collect();
    assert_eq!(bodies, ["alice: @bob secret plan", "alice: @bob in the lobby"]);
    assert!(service.delivered(&ended).is_empty(), "a logged-out session's browser is pushed nothing");
}

#[tokio::test]
async fn subscriptions_are_checked_and_push_is_off_without_a_vapid_subject() {
    let service = PushService::start().await;
    let app = app_with(&service).await;
    let bob = app.user("bob").await;
    let browser = service.browser();
    let mut public = browser.subscription();
    public["endpoint"] = json!("http://93.184.216.34/push/x");
    let mut private = browser.subscription();
    private["endpoint"] = json!("https://127.0.0.1:9/push/x");
    let mut bad_key = browser.subscription();
    bad_key["keys"]["p256dh"] = json!("AAAA");
    let mut bad_auth = browser.subscription();
    bad_auth["keys"]["auth"] = json!("AAAA");
    for (body, says) in [
        (public, "https://"),
        (private, "cannot be reached"),
        (bad_key, "p256dh"),
        (bad_auth, "auth"),
        (json!({"endpoint": 3}), "endpoint"),
    ] {
        let (status, answer) = post_subscription(&bob, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(answer.to_string().contains(says), "{body}: {answer}");
    }
    // One subscription per device (a new one replaces it), at most 10 per user.
    let first = subscribe(&service, &bob).await;
    let second = subscribe(&service, &bob).await;
    let listed = subscriptions(&bob).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["endpoint"], second.endpoint.as_str());
    assert_ne!(first.endpoint, second.endpoint);
    for _ in 0..9 {
        let elsewhere = app.visitor();
        assert_eq!(elsewhere.login("bob", PASSWORD).await.status(), StatusCode::OK);
        subscribe(&service, &elsewhere).await;
    }
    let eleventh = app.visitor();
    assert_eq!(eleventh.login("bob", PASSWORD).await.status(), StatusCode::OK);
    let (status, answer) = post_subscription(&eleventh, &service.browser().subscription()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer.to_string().contains("at most 10"), "{answer}");
    let (status, _) = bob.post_json("/api/push/subscriptions/remove", &[("endpoint", &second.endpoint)]).await;
    assert_eq!(status, StatusCode::OK);

    let anonymous = app.visitor();
    assert_eq!(post_subscription(&anonymous, &browser.subscription()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(subscriptions(&bob).await.len(), 9);

    let off = TestApp::spawn().await;
    let someone = off.user("someone").await;
    assert_eq!(someone.get_json("/api/push/key").await.0, StatusCode::NOT_FOUND);
    assert_eq!(post_subscription(&someone, &browser.subscription()).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_test_push_reaches_this_device_only() {
    let service = PushService::start().await;
    let app = app_with(&service).await;
    let here = app.user("bob").await;
    let there = app.visitor();
    assert_eq!(there.login("bob", PASSWORD).await.status(), StatusCode::OK);
    trust_key(&service, &here).await;
    let (this_one, other) = (subscribe(&service, &here).await, subscribe(&service, &there).await);
    let (status, body) = here.post_json("/api/push/test", &[]).await;
    assert_eq!((status, body["queued"].as_i64()), (StatusCode::OK, Some(1)), "{body}");
    let pushed = service.wait_for(&this_one, 1).await;
    assert_eq!(pushed[0].payload["kind"], "test");
    assert!(service.delivered(&other).is_empty());
}

#[tokio::test]
async fn two_instances_push_each_message_once_per_subscription() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database_url = postgres.create_database("push_two");
    let service = PushService::start().await;
    let addr = service.addr;
    let a = TestApp::spawn_on(&database_url, &redis, move |config| push_on(config, addr)).await;
    let b = TestApp::spawn_on(&database_url, &redis, move |config| push_on(config, addr)).await;
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    trust_key(&service, &bob.on(&b)).await;
    // Two devices of bob's: this session on instance a, another on instance b.
    let bobs_other = b.visitor();
    assert_eq!(bobs_other.login("bob", PASSWORD).await.status(), StatusCode::OK);
    let (first, second) = (subscribe(&service, &bob).await, subscribe(&service, &bobs_other).await);
    let mut on_a = alice.socket("lobby", None).await;
    let mut on_b = alice.on(&b).socket("lobby", None).await;
    let mut sent = Vec::new();
    for n in 0..10 {
        let socket = if n % 2 == 0 { &mut on_a } else { &mut on_b };
        sent.push(socket.say(&format!("@bob number {n}"), &format!("n{n}")).await);
    }
    for browser in [&first, &second] {
        service.wait_for(browser, sent.len()).await;
    }
    // Bob's inbox on instance b: a mention sent on instance a is not pushed
    // to him; carol, away, is pushed it (then bob's was decided too).
    let carol = a.user("carol").await;
    let witness = subscribe(&service, &carol).await;
    let inbox = bob.on(&b).inbox().await;
    let skipped = on_a.say("@bob @carol you are here", "here").await;
    service.wait_for(&witness, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(inbox);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let delivered = flush(&service, &first, &mut on_b, "@bob and gone again").await;
    for browser in [&first, &second] {
        let mut seqs: Vec<i64> =
            service.wait_for(browser, sent.len() + 1).await.iter().filter_map(|p| p.payload["seq"].as_i64()).collect();
        assert!(!seqs.contains(&skipped), "pushed while a socket was open on the other instance");
        seqs.sort_unstable();
        let before = seqs.len();
        seqs.dedup();
        assert_eq!(seqs.len(), before, "a message pushed twice: {seqs:?}");
        assert_eq!(seqs.len(), sent.len() + 1, "{seqs:?}");
    }
    assert_eq!(delivered.len(), sent.len() + 1);
    assert!(service.bad().is_empty(), "{:?}", service.bad());
}

#[tokio::test]
async fn a_push_committed_before_a_sigkill_is_delivered_once_after_the_restart() {
    let service = PushService::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let allow = service.addr.to_string();
    let flags = ["--vapid-subject", SUBJECT, "--push-test-allow", allow.as_str()];
    let server = ServerProcess::start(dir.path(), &flags).await;
    let port = server.port;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let alice = Visitor::registered(addr, "alice").await;
    let bob = Visitor::registered(addr, "bob").await;
    trust_key(&service, &bob).await;
    let browser = subscribe(&service, &bob).await;
    // The push service is down when the message commits: the push waits in the outbox.
    service.answer_next(&browser, &[(503, Some("1"))]);
    let mut room = alice.socket("lobby", None).await;
    let seq = room.say("@bob before the crash", "k1").await;
    for _ in 0..200 {
        if !service.attempts(&browser).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(service.attempts(&browser).len(), 1);
    drop(room);
    server.kill();
    let _restarted = ServerProcess::start_on(port, dir.path(), &flags).await;
    // A claim the crash left behind is taken again once its lease runs out.
    let pushed = service.wait_for_within(&browser, 1, Duration::from_secs(40)).await;
    assert_eq!(pushed[0].payload["seq"], seq);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(service.delivered(&browser).len(), 1, "delivered once");
}

#[tokio::test]
async fn a_password_change_and_a_deactivation_end_the_subscriptions_of_the_sessions_they_end() {
    let service = PushService::start().await;
    let app = app_with(&service).await;
    let admin = app.user("ada").await; // the first account administers the server
    let here = app.user("bob").await;
    let there = app.visitor();
    assert_eq!(there.login("bob", PASSWORD).await.status(), StatusCode::OK);
    let carol = app.user("carol").await;
    trust_key(&service, &admin).await;
    for visitor in [&here, &there, &carol] {
        subscribe(&service, visitor).await;
    }
    assert_eq!(subscriptions(&here).await.len(), 2);

    let (status, body) = here.post_json("/api/change_password", &[("current", PASSWORD), ("new", "a new secret")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(subscriptions(&here).await.is_empty(), "every session went or was renewed: no subscription is left");

    assert_eq!(subscriptions(&carol).await.len(), 1);
    let (status, body) = admin.post_json("/api/admin/users/deactivate", &[("username", "carol")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = admin.post_json("/api/admin/users/reactivate", &[("username", "carol")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let back = app.visitor();
    assert_eq!(back.login("carol", PASSWORD).await.status(), StatusCode::OK);
    assert!(subscriptions(&back).await.is_empty(), "a deactivation ends the account's sessions and their subscriptions");
}

#[tokio::test]
async fn the_room_level_decides_what_is_pushed_and_a_followed_threads_replies_are_pushed_at_all() {
    let service = PushService::start().await;
    let app = app_with(&service).await;
    let (alice, bob, carol) = (app.user("alice").await, app.user("bob").await, app.user("carol").await);
    trust_key(&service, &alice).await;
    // Bob and Carol have the room in their lists (they spoke); Bob hears everything, Carol mentions.
    let root = {
        let mut bobs = bob.socket("lobby", None).await;
        let root = bobs.say("kettle thoughts?", "root").await;
        carol.socket("lobby", None).await.say("hi all", "hi").await;
        root
    };
    let (status, body) = bob.post_json("/api/rooms/lobby/notify", &[("level", "all")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (to_bob, to_carol) = (subscribe(&service, &bob).await, subscribe(&service, &carol).await);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut room = alice.socket("lobby", None).await;
    room.say("plain for all", "p1").await;
    room.send_json(json!({"type": "send", "text": "in the thread", "thread": root, "client_id": "t1"})).await;
    room.next_of("ack").await;
    flush(&service, &to_carol, &mut room, "@carol your turn").await;
    flush(&service, &to_bob, &mut room, "and again for all").await;
    let bodies: Vec<String> =
        service.delivered(&to_bob).iter().filter_map(|push| push.payload["body"].as_str().map(str::to_owned)).collect();
    assert_eq!(bodies[..2], ["alice: plain for all", "alice: in the thread"], "{bodies:?}");
    assert!(service.delivered(&to_bob).iter().all(|push| push.urgency == "normal"), "no mention of bob: not urgent");
    let carols: Vec<String> =
        service.delivered(&to_carol).iter().filter_map(|push| push.payload["body"].as_str().map(str::to_owned)).collect();
    assert_eq!(carols, ["alice: @carol your turn"], "at `mentions`, only the mention");

    // Bob turns this device off: the subscription is gone, and so are his pushes.
    let (status, body) = bob.post_json("/api/push/subscriptions/remove", &[("endpoint", &to_bob.endpoint)]).await;
    assert_eq!((status, body["removed"].as_bool()), (StatusCode::OK, Some(true)), "{body}");
    let (status, _) = bob.post_json("/api/push/subscriptions/remove", &[("endpoint", &to_bob.endpoint)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(subscriptions(&bob).await.is_empty());
    let before = service.delivered(&to_bob).len();
    room.say("after bob left", "p2").await;
    flush(&service, &to_carol, &mut room, "@carol once more").await;
    assert_eq!(service.delivered(&to_bob).len(), before);
}
