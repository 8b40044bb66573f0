//! The batch against a real SQLite file: seqs, resends and the rules in order.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use super::*;
use crate::server::storage::registration::Entry;
use crate::{
    entity::user,
    protocol::{
        EventBody,
        events::{deletion, edit, message, reaction},
    },
    server::{
        bus::MemoryLayer,
        config::SqliteSync,
        storage::{NewEvent, Store, db, store::HistoryQuery},
        tasks::Background,
    },
};

fn event(room: &str, sender: &user::Model, client_id: Option<&str>, body: EventBody) -> NewEvent {
    NewEvent {
        room: room.into(),
        sender: sender.clone(),
        client_id: client_id.map(str::to_owned),
        body,
        display_as: None,
        hook_maker: None,
    }
}

fn say(room: &str, sender: &user::Model, text: &str, client_id: Option<&str>) -> NewEvent {
    event(room, sender, client_id, EventBody::Message(message::Body::text(text.into())))
}

async fn store() -> (tempfile::TempDir, DatabaseConnection, Store, Background) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("parlor.db").display());
    let background = Background::new();
    let db = db::connect_and_migrate(&url, SqliteSync::Full).await.unwrap();
    let store = Store::start(db.clone(), 8192, Arc::new(MemoryLayer::new(16)), &background);
    (dir, db, store, background)
}

/// Two accounts to write with.
async fn ada_and_bob(store: &Store) -> (user::Model, user::Model) {
    let made = |name: &'static str| async move {
        store.registration().create_user(name, "hash".into(), Entry::ByAdministrator).await.unwrap().user
    };
    (made("ada").await, made("bob").await)
}

/// Against a real SQLite file: one batch spanning rooms and resends gets
/// per-room consecutive seqs, resends answered with their first copy, and
/// history equal to exactly the new messages.
#[tokio::test]
async fn one_batch_spans_rooms_and_resends_without_gaps_or_copies() {
    let (_dir, db, store, background) = store().await;
    let (ada, bob) = ada_and_bob(&store).await;
    store.append(say("lobby", &ada, "before", Some("a-0"))).await.await.unwrap();

    let batch = [
        say("lobby", &ada, "one", Some("a-1")),
        say("garden", &bob, "two", Some("b-1")),
        say("lobby", &bob, "three", None),
        say("lobby", &ada, "one again", Some("a-1")),
        say("lobby", &ada, "before again", Some("a-0")),
        say("garden", &ada, "four", Some("b-1")),
        say("garden", &ada, "one elsewhere", Some("a-1")),
    ];
    let refs: Vec<&NewEvent> = batch.iter().collect();
    let stored = append_batch(&db, &refs).await.unwrap();
    let seen: Vec<(i64, bool)> = stored.iter().map(|s| s.as_ref().map(|s| (s.seq, s.duplicate)).unwrap()).collect();
    // Same client_id as bob's, but another sender, or another room: events of their own.
    assert_eq!(seen, [(2, false), (1, false), (3, false), (2, true), (1, true), (2, false), (3, false)]);

    let texts = |room: &'static str| {
        let store = store.clone();
        async move {
            let page = store.history(room, HistoryQuery { limit: 50, ..Default::default() }).await.unwrap();
            page.into_iter().map(|m| (m.seq, m.sender, m.text)).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        texts("lobby").await,
        [(1, "ada".into(), "before".into()), (2, "ada".into(), "one".into()), (3, "bob".into(), "three".into())]
    );
    assert_eq!(
        texts("garden").await,
        [(1, "bob".into(), "two".into()), (2, "ada".into(), "four".into()), (3, "ada".into(), "one elsewhere".into())]
    );
    assert_eq!(store.last_seq("lobby").await.unwrap(), 3);
    background.stop(std::time::Duration::from_secs(5)).await;
}

/// Changes in one batch are judged in order: an edit after the deletion of
/// its message is refused; a reaction toggled twice ends where it began;
/// nobody edits another's message; refusals take no seq.
#[tokio::test]
async fn changes_in_one_batch_are_judged_in_order() {
    let (_dir, db, store, background) = store().await;
    let (ada, bob) = ada_and_bob(&store).await;
    store.append(say("den", &ada, "hello", None)).await.await.unwrap();

    let batch = [
        event("den", &bob, None, EventBody::Edit(edit::Body { target: 1, text: "hijacked".into() })),
        event("den", &bob, None, EventBody::Reaction(reaction::Body { target: 1, emoji: "👍".into() })),
        event("den", &ada, None, EventBody::Edit(edit::Body { target: 1, text: "hello, world".into() })),
        event("den", &bob, None, EventBody::Reaction(reaction::Body { target: 1, emoji: "👍".into() })),
        event("den", &ada, None, EventBody::Reaction(reaction::Body { target: 1, emoji: "🎉".into() })),
        event("den", &ada, None, EventBody::Deletion(deletion::Body { target: 1 })),
        event("den", &ada, None, EventBody::Edit(edit::Body { target: 1, text: "too late".into() })),
        event("den", &ada, None, EventBody::Deletion(deletion::Body { target: 99 })),
        event("nowhere", &ada, None, EventBody::Reaction(reaction::Body { target: 1, emoji: "x".into() })),
        event("den", &bob, None, EventBody::Message(message::Body { reply_to: Some(1), ..message::Body::text("re".into()) })),
    ];
    let refs: Vec<&NewEvent> = batch.iter().collect();
    let outcome: Vec<Result<i64, Refusal>> =
        append_batch(&db, &refs).await.unwrap().into_iter().map(|r| r.map(|s| s.seq)).collect();
    assert_eq!(
        outcome,
        [
            Err(Refusal::NotYours),
            Ok(2),
            Ok(3),
            Ok(4),
            Ok(5),
            Ok(6),
            Err(Refusal::Deleted),
            Err(Refusal::NotFound),
            Err(Refusal::NotFound),
            Ok(7),
        ]
    );
    let page = store.history("den", HistoryQuery { limit: 50, ..Default::default() }).await.unwrap();
    assert_eq!(page.len(), 2, "two messages; edits and reactions are not messages");
    assert!(page[0].deleted && page[0].text.is_empty());
    assert!(page[0].reactions.is_empty(), "a deleted message keeps no reactions");
    assert_eq!(page[1].reply_to.as_ref().map(|r| (r.seq, r.deleted)), Some((1, true)));
    let replay: Vec<i64> = store.events_after("den", 0, 50).await.unwrap().into_iter().map(|(seq, _)| seq).collect();
    assert_eq!(replay, (1..=7).collect::<Vec<_>>(), "every event once, gap-free");
    background.stop(std::time::Duration::from_secs(5)).await;
}

/// A full batch binds more values than one statement may (SQLite: 32,766):
/// every message and every mention of it is stored, in order, gap-free.
#[tokio::test]
async fn a_full_batch_is_stored_whole() {
    use sea_orm::{EntityTrait, PaginatorTrait};

    use crate::{entity::mention, server::storage::appender::MAX_BATCH};

    let (_dir, db, store, background) = store().await;
    let (ada, bob) = ada_and_bob(&store).await;
    store.append(say("crowd", &ada, "hello", None)).await.await.unwrap();
    store.append(say("crowd", &bob, "hello", None)).await.await.unwrap();

    let batch: Vec<NewEvent> = (0..MAX_BATCH)
        .map(|i| {
            let (sender, other) = if i % 2 == 0 { (&ada, "bob") } else { (&bob, "ada") };
            say("crowd", sender, &format!("@{other} number {i}"), Some(&format!("c-{i}")))
        })
        .collect();
    let refs: Vec<&NewEvent> = batch.iter().collect();
    let seqs: Vec<i64> = append_batch(&db, &refs).await.unwrap().into_iter().map(|stored| stored.unwrap().seq).collect();
    assert_eq!(seqs, (3..3 + MAX_BATCH as i64).collect::<Vec<_>>());
    assert_eq!(store.last_seq("crowd").await.unwrap(), 2 + MAX_BATCH as i64);
    let replay = store.events_after("crowd", 2, MAX_BATCH as u64).await.unwrap();
    assert_eq!(replay.len(), MAX_BATCH, "every message of the batch is in the history");
    assert_eq!(mention::Entity::find().count(&db).await.unwrap(), MAX_BATCH as u64, "each message mentions the other");
    background.stop(std::time::Duration::from_secs(5)).await;
}
