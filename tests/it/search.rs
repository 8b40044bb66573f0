//! Full-text search: words, prefixes, phrases, `from:` and `in:`, newest first
//! with paging; the index follows edits and deletions at once; results only
//! from rooms the searcher may read; clear errors for bad queries; the search
//! page without JavaScript. On SQLite (FTS5) and across two instances on
//! PostgreSQL (`tsvector`), written on one and searched on the other.

use parlor::server::policy::{self, Action, Place, Role, RoomFacts, Standing};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    TestApp, Visitor,
    services::{Postgres, Redis},
};

async fn search(visitor: &Visitor, query: &str) -> (StatusCode, Value) {
    visitor.get_json(&format!("/api/search/?{}", serde_urlencoded::to_string([("q", query)]).unwrap())).await
}

/// The texts of the hits (as their snippets spell them), newest first.
fn texts(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("results in {body}"))
        .iter()
        .map(|hit| hit["snippet"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect())
        .collect()
}

async fn found(visitor: &Visitor, query: &str) -> Vec<String> {
    let (status, body) = search(visitor, query).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    texts(&body)
}

async fn scenario(writer: &TestApp, reader: &TestApp) {
    let alice = writer.user("alice").await;
    let bob = writer.user("bob").await;
    let carol = writer.user("carol").await;
    let mut ops = alice.socket("ops", Some(0)).await;
    ops.say("We deploy on Fridays", "s1").await;
    ops.say("deployed the release notes", "s2").await;
    ops.say("notes about the release", "s3").await;
    let typo = ops.say("alpha version is out", "s4").await;
    let gone = ops.say("this one will vanish", "s5").await;
    let mut carols = carol.socket("ops", None).await;
    carols.say("Deploying again: release notes attached", "c1").await;

    // A private room of bob's: alice may not see what is said there.
    let (_, created) = bob.post_json("/api/rooms/", &[("name", "Secret plans"), ("private", "true")]).await;
    let secret = created["room"].as_str().unwrap().to_owned();
    bob.socket(&secret, Some(0)).await.say("the secret deploy plan", "b1").await;

    // Changes reach the index at once: an edit is found by its new text only, a deletion not at all.
    ops.send_json(json!({"type": "edit", "target": typo, "text": "beta version is out", "client_id": "e1"})).await;
    ops.next_of("ack").await;
    ops.send_json(json!({"type": "delete", "target": gone, "client_id": "d1"})).await;
    ops.next_of("ack").await;

    let alice = alice.on(reader);
    let bob = bob.on(reader);
    assert_eq!(found(&alice, "deploy").await, ["We deploy on Fridays"], "a word is a word");
    assert_eq!(
        found(&alice, "DEPLO*").await,
        ["Deploying again: release notes attached", "deployed the release notes", "We deploy on Fridays"],
        "a prefix, newest first"
    );
    assert_eq!(
        found(&alice, "\"release notes\"").await,
        ["Deploying again: release notes attached", "deployed the release notes"],
        "a phrase is words side by side"
    );
    assert_eq!(found(&alice, "release notes").await.len(), 3, "words anywhere");
    assert_eq!(found(&alice, "deplo* from:carol").await, ["Deploying again: release notes attached"]);
    assert_eq!(found(&alice, "from:carol").await, ["Deploying again: release notes attached"], "a filter alone");
    assert_eq!(found(&alice, "alpha").await, Vec::<String>::new());
    assert_eq!(found(&alice, "beta").await, ["beta version is out"]);
    assert_eq!(found(&alice, "vanish").await, Vec::<String>::new());

    // Marks and links.
    let (_, body) = search(&alice, "deplo*").await;
    let hit = &body["results"][2];
    assert_eq!(
        (hit["room"].as_str(), hit["room_label"].as_str(), hit["sender"].as_str()),
        (Some("ops"), Some("#ops"), Some("alice"))
    );
    assert_eq!(hit["snippet"], json!([{"text": "We "}, {"text": "deploy", "mark": true}, {"text": " on Fridays"}]));

    // Paging: two at a time, nothing twice, nothing skipped.
    let (_, first) = alice.get_json("/api/search/?q=deplo*&limit=2").await;
    let before = first["next_before"].as_i64().expect("a next page");
    let (_, second) = alice.get_json(&format!("/api/search/?q=deplo*&limit=2&before={before}")).await;
    assert_eq!([texts(&first), texts(&second)].concat().len(), 3);
    assert_eq!(texts(&second), ["We deploy on Fridays"]);
    assert!(second["next_before"].is_null());

    // Only what one may read: the private room's message is bob's to find.
    assert!(!found(&alice, "secret").await.iter().any(|t| t.contains("secret")));
    assert_eq!(found(&bob, "secret").await, ["the secret deploy plan"]);
    let (_, bobs) = search(&bob, "secret").await;
    assert_eq!(bobs["results"][0]["room_label"], "Secret plans");
    let (status, _) = search(&alice, &format!("plan in:{secret}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a room alice may not read is not found");
    let (status, _) = alice.get_json(&format!("/api/search/?q=plan&room={secret}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(found(&bob, &format!("deploy in:{secret}")).await, ["the secret deploy plan"]);
    assert_eq!(found(&bob, "deploy in:ops").await, ["We deploy on Fridays"]);

    // Bad queries say what is wrong.
    for (query, says) in [("  ", "type something"), ("\"unclosed", "quote"), ("d*", "prefix"), ("from:", "needs a name")] {
        let (status, body) = search(&alice, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body["message"].as_str().unwrap().contains(says), "{query}: {body}");
    }
    let (status, _) = alice.get_json("/api/search/?q=x&limit=500").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = reader.visitor().get_json("/api/search/?q=deploy").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The page works without JavaScript: results rendered by the server, marked, linked.
    let html = alice.get("/search/?q=deplo*").await.text().await.unwrap();
    assert!(html.contains("id=\"searchResults\""), "{html}");
    assert!(html.contains("<mark>deploy</mark>"));
    assert!(html.contains("href=\"/room/ops/?at="));
    assert!(!html.contains("secret deploy plan"));
}

#[tokio::test]
async fn search_finds_what_one_may_read_on_sqlite() {
    let app = TestApp::spawn().await;
    scenario(&app, &app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_what_one_may_read_on_postgres_across_instances() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("search");
    let (a, b) = (TestApp::spawn_on(&database, &redis, |_| {}).await, TestApp::spawn_on(&database, &redis, |_| {}).await);
    scenario(&a, &b).await;
}

/// Who searches in [`search_returns_what_the_policy_lets_each_reader_read`],
/// with their role and where they stand in each room (public, private, direct).
struct Searcher {
    name: &'static str,
    role: Role,
    standing: [Standing; 3],
}

/// The search condition is generated from the policy: for each role and
/// standing in each kind of room, a search returns a room's message exactly
/// when `policy::decide` lets the searcher read the room.
async fn search_agrees_with_the_policy(writer: &TestApp, reader: &TestApp) {
    use Standing::{Member, Outsider, Owner};
    // The first account is the administrator; it is in none of the rooms.
    let root = writer.user("root").await;
    let ann = writer.user("ann").await;
    let max = writer.user("max").await;
    let (olga, rita) = (writer.user("olga").await, writer.user("rita").await);
    let mut plaza = ann.socket("plaza", Some(0)).await;
    plaza.say("zebra crossing in the plaza", "p1").await;
    let (_, created) = ann.post_json("/api/rooms/", &[("name", "Zebra den"), ("private", "true")]).await;
    let den = created["room"].as_str().unwrap().to_owned();
    for (member, change) in [("max", "/members"), ("rita", "/members"), ("rita", "/members/remove")] {
        let (status, body) = ann.post_json(&format!("/api/rooms/{den}{change}"), &[("username", member)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    ann.socket(&den, Some(0)).await.say("zebra plans in the den", "d1").await;
    let location = ann.post_plain_form("/dm/max/", &[]).await.headers()["location"].to_str().unwrap().to_owned();
    let direct = location.trim_start_matches("/room/").trim_end_matches('/').to_owned();
    ann.socket(&direct, Some(0)).await.say("zebra between the two of us", "m1").await;

    let rooms = [("plaza".to_owned(), Place::Public), (den, Place::Private), (direct, Place::Direct)];
    let searchers = [
        Searcher { name: "root", role: Role::Admin, standing: [Outsider, Outsider, Outsider] },
        Searcher { name: "ann", role: Role::User, standing: [Outsider, Owner, Owner] },
        Searcher { name: "max", role: Role::User, standing: [Outsider, Member, Member] },
        Searcher { name: "olga", role: Role::User, standing: [Outsider, Outsider, Outsider] },
        Searcher { name: "rita", role: Role::User, standing: [Outsider, Outsider, Outsider] },
    ];
    let visitors = [root, ann, max, olga, rita];
    for (searcher, visitor) in searchers.iter().zip(&visitors) {
        let visitor = visitor.on(reader);
        let (status, body) = search(&visitor, "zebra").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut got: Vec<&str> = body["results"].as_array().unwrap().iter().map(|hit| hit["room"].as_str().unwrap()).collect();
        got.sort_unstable();
        let mut expected: Vec<&str> = rooms
            .iter()
            .zip(searcher.standing)
            .filter(|((_, place), standing)| {
                policy::decide(searcher.role, RoomFacts { place: *place, standing: *standing }, Action::Read).is_ok()
            })
            .map(|((room, _), _)| room.as_str())
            .collect();
        expected.sort_unstable();
        assert_eq!(got, expected, "{} found what the policy does not let them read, or missed what it does", searcher.name);
    }
}

#[tokio::test]
async fn search_returns_what_the_policy_lets_each_reader_read() {
    let app = TestApp::spawn().await;
    search_agrees_with_the_policy(&app, &app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_returns_what_the_policy_lets_each_reader_read_on_postgres() {
    let (postgres, redis) = (Postgres::start(), Redis::start());
    let database = postgres.create_database("search_policy");
    let (a, b) = (TestApp::spawn_on(&database, &redis, |_| {}).await, TestApp::spawn_on(&database, &redis, |_| {}).await);
    search_agrees_with_the_policy(&a, &b).await;
}
