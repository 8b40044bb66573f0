//! The store's group commit against a real SQLite file: one batch spanning rooms
//! and resends gets per-room consecutive seqs, resends answered with their first
//! copy, and history equal to exactly the new messages.

use parlor::server::{
    db,
    store::{self, HistoryQuery, NewMessage},
};

fn new(room: &str, sender: &parlor::entity::user::Model, text: &str, client_id: Option<&str>) -> NewMessage {
    NewMessage {
        room: room.into(),
        sender: sender.clone(),
        text: text.into(),
        client_id: client_id.map(str::to_owned),
    }
}

#[tokio::test]
async fn one_batch_spans_rooms_and_resends_without_gaps_or_copies() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("parlor.db").display());
    let db = db::connect_and_migrate(&url).await.unwrap();
    let ada = store::create_user(&db, "ada", "hash".into()).await.unwrap();
    let bob = store::create_user(&db, "bob", "hash".into()).await.unwrap();
    store::append_message(&db, &new("lobby", &ada, "before", Some("a-0"))).await.unwrap();

    let batch = [
        new("lobby", &ada, "one", Some("a-1")),
        new("garden", &bob, "two", Some("b-1")),
        new("lobby", &bob, "three", None),
        new("lobby", &ada, "one again", Some("a-1")),
        new("lobby", &ada, "before again", Some("a-0")),
        new("garden", &ada, "four", Some("b-1")),
    ];
    let refs: Vec<&NewMessage> = batch.iter().collect();
    let stored = store::append_batch(&db, &refs).await.unwrap();

    let seen: Vec<(i64, &str, bool)> =
        stored.iter().map(|s| (s.message.seq, s.message.text.as_str(), s.duplicate)).collect();
    assert_eq!(
        seen,
        [
            (2, "one", false),
            (1, "two", false),
            (3, "three", false),
            (2, "one", true),
            (1, "before", true),
            // Same client_id as bob's, but another sender: a message of its own.
            (2, "four", false),
        ]
    );
    let texts = |room: &'static str| {
        let db = db.clone();
        async move {
            let page = store::history(&db, room, HistoryQuery { limit: 50, ..Default::default() }).await.unwrap();
            page.into_iter().map(|m| (m.seq, m.sender, m.text)).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        texts("lobby").await,
        [(1, "ada".into(), "before".into()), (2, "ada".into(), "one".into()), (3, "bob".into(), "three".into())]
    );
    assert_eq!(texts("garden").await, [(1, "bob".into(), "two".into()), (2, "ada".into(), "four".into())]);
    assert_eq!(store::last_seq(&db, "lobby").await.unwrap(), 3);
}
