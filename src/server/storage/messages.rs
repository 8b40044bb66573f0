//! How one batch of messages is stored: in one transaction, each message takes
//! its room's next `seq`; a resend (same sender and `client_id`) is answered with
//! the copy stored first. Only the writer task ([`super::appender`]) calls this.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

use super::store::{MessageRow, NewMessage, Stored};
use crate::{
    entity::{message, room},
    protocol::ChatMessage,
};

/// What [`append_batch`] decided for one message of the batch.
enum Slot {
    /// Stored before this batch: answered with that copy.
    Earlier(ChatMessage),
    /// The same send as an earlier message of this batch.
    SameAs(usize),
    /// New: stored in this room with this `seq`.
    New { room_id: i64, seq: i64 },
}

/// The key that makes a send idempotent: sender id, room and `client_id`.
type SendKey<'a> = (i64, &'a str, &'a str);

/// A [`SendKey`] that owns its strings, for maps of stored copies.
type StoredKey = (i64, String, String);

fn send_key(new: &NewMessage) -> Option<SendKey<'_>> {
    Some((new.sender.id, new.room.as_str(), new.client_id.as_deref()?))
}

/// Stores several messages in one transaction (group commit), each with its
/// room's next `seq`, in order. Resends are answered with their first copy. The
/// work is a few statements per batch, not per message: one lookup of resends,
/// one upsert that reserves every room's seqs, one multi-row insert. If anything
/// fails the whole batch is rolled back and the error returned: nothing is
/// half-stored.
pub(super) async fn append_batch(db: &DatabaseConnection, batch: &[&NewMessage]) -> Result<Vec<Stored>, DbErr> {
    let now = Utc::now();
    // On SQLite the transaction takes the write lock at BEGIN (waiting for it in
    // the busy handler), not at its first write: a deferred transaction that read
    // first could not upgrade once another connection wrote, and would fail at
    // once instead of waiting.
    let immediate = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite).then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let txn = db.begin_with_options(immediate).await?;
    let earlier = stored_copies(&txn, batch).await?;
    let (mut slots, per_room) = sort_out(batch, earlier);
    // Rooms in name order (a BTreeMap), so concurrent batches (other instances)
    // lock room rows in one order and cannot deadlock.
    let counts: Vec<(&str, i64)> = per_room.iter().map(|(room, members)| (*room, members.len() as i64)).collect();
    let rooms = reserve_seqs(&txn, &counts, now).await?;
    let mut rows = Vec::new();
    for (room_name, members) in &per_room {
        let room = rooms
            .get(*room_name)
            .ok_or_else(|| DbErr::RecordNotFound(format!("room {room_name} after reserving seqs")))?;
        let first_seq = room.last_seq - members.len() as i64 + 1;
        for (offset, &i) in members.iter().enumerate() {
            let seq = first_seq + offset as i64;
            slots[i] = Slot::New { room_id: room.id, seq };
            rows.push(message::ActiveModel {
                id: NotSet,
                room_id: Set(room.id),
                seq: Set(seq),
                sender_id: Set(Some(batch[i].sender.id)),
                text: Set(batch[i].text.clone()),
                timestamp: Set(now),
                client_id: Set(batch[i].client_id.clone()),
            });
        }
    }
    if !rows.is_empty() {
        message::Entity::insert_many(rows).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(answers(batch, &slots, now))
}

/// Decides for each message of the batch whether it was stored before, repeats
/// an earlier message of the batch, or is new; and lists the new ones per room,
/// in batch order (their seqs are filled in once reserved).
fn sort_out<'a>(
    batch: &[&'a NewMessage],
    mut earlier: HashMap<StoredKey, ChatMessage>,
) -> (Vec<Slot>, BTreeMap<&'a str, Vec<usize>>) {
    let mut first_of: HashMap<SendKey<'a>, usize> = HashMap::new();
    let mut per_room: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut slots = Vec::with_capacity(batch.len());
    for (i, new) in batch.iter().enumerate() {
        if let Some(key) = send_key(new) {
            if let Some(existing) = earlier.remove(&(key.0, key.1.to_owned(), key.2.to_owned())) {
                slots.push(Slot::Earlier(existing));
                first_of.insert(key, i);
                continue;
            }
            if let Some(&first) = first_of.get(&key) {
                slots.push(Slot::SameAs(first));
                continue;
            }
            first_of.insert(key, i);
        }
        per_room.entry(new.room.as_str()).or_default().push(i);
        slots.push(Slot::New { room_id: 0, seq: 0 });
    }
    (slots, per_room)
}

/// What each sender of the batch is told, once the batch is committed.
fn answers(batch: &[&NewMessage], slots: &[Slot], now: DateTime<Utc>) -> Vec<Stored> {
    let mut answers: Vec<Stored> = Vec::with_capacity(batch.len());
    for (new, slot) in batch.iter().zip(slots) {
        let answer = match slot {
            Slot::Earlier(existing) => Stored { message: existing.clone(), duplicate: true },
            Slot::New { room_id, seq } => {
                let row = MessageRow {
                    seq: *seq,
                    text: new.text.clone(),
                    timestamp: now,
                    client_id: new.client_id.clone(),
                    room_id: *room_id,
                    sender_id: Some(new.sender.id),
                    sender: Some(new.sender.username.clone()),
                };
                Stored { message: row.into(), duplicate: false }
            }
            // The first occurrence comes earlier in the batch, so its answer exists.
            Slot::SameAs(first) => Stored { duplicate: true, ..answers[*first].clone() },
        };
        answers.push(answer);
    }
    answers
}

/// Adds each room's count to its `last_seq` (creating rooms as needed) in one
/// upsert and returns the rows by name: the batch owns each room's seqs up to and
/// including the new `last_seq`. The upsert takes SQLite's write lock, and
/// PostgreSQL's locks on the room rows (in the given order, which callers keep
/// sorted), so concurrent writers to a room get disjoint, consecutive ranges.
async fn reserve_seqs(
    txn: &impl ConnectionTrait,
    counts: &[(&str, i64)],
    now: DateTime<Utc>,
) -> Result<HashMap<String, room::Model>, DbErr> {
    if counts.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = counts.iter().map(|(name, count)| room::ActiveModel {
        id: NotSet,
        name: Set((*name).to_owned()),
        last_seq: Set(*count),
        created_at: Set(now),
        last_activity: Set(now),
    });
    let excluded_count = Expr::col((Alias::new("excluded"), room::Column::LastSeq));
    let bump = OnConflict::column(room::Column::Name)
        .value(room::Column::LastSeq, Expr::col((room::Entity, room::Column::LastSeq)).add(excluded_count))
        .value(room::Column::LastActivity, Expr::value(now))
        .to_owned();
    let rooms = room::Entity::insert_many(rows).on_conflict(bump).exec_with_returning(txn).await?;
    Ok(rooms.into_iter().map(|room| (room.name.clone(), room)).collect())
}

/// The batch's messages that were stored before, keyed by (sender id, room, `client_id`).
pub(super) async fn stored_copies(
    db: &impl ConnectionTrait,
    batch: &[&NewMessage],
) -> Result<HashMap<StoredKey, ChatMessage>, DbErr> {
    // Per sender, its client_ids: each term walks the unique (sender_id, client_id, room_id) index.
    let mut client_ids: HashMap<i64, Vec<&str>> = HashMap::new();
    let mut room_names: Vec<&str> = Vec::new();
    for (sender_id, room, client_id) in batch.iter().filter_map(|new| send_key(new)) {
        client_ids.entry(sender_id).or_default().push(client_id);
        room_names.push(room);
    }
    if client_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // A room that does not exist yet holds no copies.
    let rooms: HashMap<i64, String> = room::Entity::find()
        .filter(room::Column::Name.is_in(room_names))
        .all(db)
        .await?
        .into_iter()
        .map(|room| (room.id, room.name))
        .collect();
    if rooms.is_empty() {
        return Ok(HashMap::new());
    }
    let room_ids: Vec<i64> = rooms.keys().copied().collect();
    let any_of_them = client_ids.into_iter().fold(Condition::any(), |any, (sender_id, ids)| {
        any.add(
            message::Column::SenderId
                .eq(sender_id)
                .and(message::Column::ClientId.is_in(ids))
                .and(message::Column::RoomId.is_in(room_ids.clone())),
        )
    });
    let found = MessageRow::select().filter(any_of_them).into_model::<MessageRow>().all(db).await?;
    Ok(found
        .into_iter()
        .filter_map(|row| {
            let key = (row.sender_id?, rooms.get(&row.room_id)?.clone(), row.client_id.clone()?);
            Some((key, ChatMessage::from(row)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{
        entity::user,
        server::{
            realtime::layer::MemoryLayer,
            storage::{Store, db, store::HistoryQuery},
            tasks::Background,
        },
    };

    fn new(room: &str, sender: &user::Model, text: &str, client_id: Option<&str>) -> NewMessage {
        NewMessage { room: room.into(), sender: sender.clone(), text: text.into(), client_id: client_id.map(str::to_owned) }
    }

    /// Against a real SQLite file: one batch spanning rooms and resends gets
    /// per-room consecutive seqs, resends answered with their first copy, and
    /// history equal to exactly the new messages.
    #[tokio::test]
    async fn one_batch_spans_rooms_and_resends_without_gaps_or_copies() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("parlor.db").display());
        let background = Background::new();
        let db = db::connect_and_migrate(&url, db::SqliteSync::Full).await.unwrap();
        let store = Store::start(db.clone(), Arc::new(MemoryLayer::new(16)), &background);
        let ada = store.create_user("ada", "hash".into()).await.unwrap();
        let bob = store.create_user("bob", "hash".into()).await.unwrap();
        store.append(new("lobby", &ada, "before", Some("a-0"))).await.await.unwrap();

        let batch = [
            new("lobby", &ada, "one", Some("a-1")),
            new("garden", &bob, "two", Some("b-1")),
            new("lobby", &bob, "three", None),
            new("lobby", &ada, "one again", Some("a-1")),
            new("lobby", &ada, "before again", Some("a-0")),
            new("garden", &ada, "four", Some("b-1")),
            new("garden", &ada, "one elsewhere", Some("a-1")),
        ];
        let refs: Vec<&NewMessage> = batch.iter().collect();
        let stored = append_batch(&db, &refs).await.unwrap();

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
                // Same sender and client_id as "one", but another room: a message of its own.
                (3, "one elsewhere", false),
            ]
        );
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
}
