//! How one batch of messages is stored: in one transaction, each message takes
//! its room's next `seq`; a resend (same sender, room and `client_id`) is
//! answered with the copy stored first; `@mentions` are resolved against the
//! accounts and recorded; the sender's membership of the room is created or
//! moved to the new message (one has read what one wrote), and a mentioned
//! user's membership is created (the room joins their list). Also read markers.
//! Only the writer task ([`super::appender`]) calls this.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    QueryFilter, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

use super::store::{MessageRow, NewMessage, Stored};
use crate::{
    entity::{membership, mention, message, room, user},
    mentions,
    protocol::{ChatMessage, NotifyLevel},
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
    let txn = begin_writing(db).await?;
    let earlier = stored_copies(&txn, batch).await?;
    let (mut slots, per_room) = sort_out(batch, earlier);
    // Rooms in name order (a BTreeMap), so concurrent batches (other instances)
    // lock room rows in one order and cannot deadlock.
    let counts: Vec<(&str, i64)> = per_room.iter().map(|(room, members)| (*room, members.len() as i64)).collect();
    let rooms = reserve_seqs(&txn, &counts, now).await?;
    let mentioned = resolve_mentions(&txn, batch, &slots).await?;
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
                mentions: Set(joined(&mentioned[i])),
            });
        }
    }
    if !rows.is_empty() {
        message::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        record_memberships(&txn, batch, &slots, &mentioned, now).await?;
    }
    txn.commit().await?;
    Ok(answers(batch, &slots, &mentioned, now))
}

/// Starts a writing transaction. On SQLite it takes the write lock at BEGIN
/// (waiting for it in the busy handler), not at its first write: a deferred
/// transaction that read first could not upgrade once another connection
/// wrote, and would fail at once instead of waiting.
async fn begin_writing(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let immediate = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite).then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    db.begin_with_options(immediate).await
}

/// The accounts each new message of the batch mentions (by index; empty for
/// the others): one lookup of every `@name` of the batch.
async fn resolve_mentions(
    txn: &impl ConnectionTrait,
    batch: &[&NewMessage],
    slots: &[Slot],
) -> Result<Vec<Vec<(i64, String)>>, DbErr> {
    let candidates: Vec<Vec<String>> = batch
        .iter()
        .zip(slots)
        .map(|(new, slot)| match slot {
            Slot::New { .. } => mentions::candidates(&new.text),
            _ => Vec::new(),
        })
        .collect();
    let mut wanted: Vec<&str> = candidates.iter().flatten().map(String::as_str).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(vec![Vec::new(); batch.len()]);
    }
    let accounts: HashMap<String, i64> = user::Entity::find()
        .filter(user::Column::Username.is_in(wanted))
        .all(txn)
        .await?
        .into_iter()
        .map(|account| (account.username, account.id))
        .collect();
    Ok(candidates
        .into_iter()
        .map(|names| names.into_iter().filter_map(|name| Some((*accounts.get(&name)?, name))).collect())
        .collect())
}

fn joined(mentioned: &[(i64, String)]) -> Option<String> {
    (!mentioned.is_empty()).then(|| mentioned.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(","))
}

/// Records the batch's new messages in memberships and mentions: each sender's
/// membership of the room moves to its newest message (created if needed); each
/// mentioned user gets a mention and, if the room was not in their list, a
/// membership with the mentioning message unread.
async fn record_memberships(
    txn: &impl ConnectionTrait,
    batch: &[&NewMessage],
    slots: &[Slot],
    mentioned: &[Vec<(i64, String)>],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut read_up_to: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut mention_rows = Vec::new();
    let mut joined_by_mention: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for ((new, slot), mentioned) in batch.iter().zip(slots).zip(mentioned) {
        let Slot::New { room_id, seq } = *slot else { continue };
        let newest = read_up_to.entry((new.sender.id, room_id)).or_default();
        *newest = Ord::max(*newest, seq);
        for &(user_id, _) in mentioned.iter().filter(|(user_id, _)| *user_id != new.sender.id) {
            mention_rows.push(mention::ActiveModel { user_id: Set(user_id), room_id: Set(room_id), seq: Set(seq) });
            joined_by_mention.entry((user_id, room_id)).or_insert(seq - 1);
        }
    }
    let membership = |(user_id, room_id): (i64, i64), last_read_seq: i64| membership::ActiveModel {
        user_id: Set(user_id),
        room_id: Set(room_id),
        last_read_seq: Set(last_read_seq),
        notify: Set(NotifyLevel::default().as_str().to_owned()),
        joined_at: Set(now),
    };
    if !read_up_to.is_empty() {
        let moved_on = OnConflict::columns([membership::Column::UserId, membership::Column::RoomId])
            .update_column(membership::Column::LastReadSeq)
            .action_and_where(
                Expr::col((Alias::new("excluded"), membership::Column::LastReadSeq))
                    .gt(Expr::col((membership::Entity, membership::Column::LastReadSeq))),
            )
            .to_owned();
        membership::Entity::insert_many(read_up_to.into_iter().map(|(key, seq)| membership(key, seq)))
            .on_conflict(moved_on)
            .exec_without_returning(txn)
            .await?;
    }
    if !mention_rows.is_empty() {
        mention::Entity::insert_many(mention_rows).exec_without_returning(txn).await?;
        let already_member = OnConflict::columns([membership::Column::UserId, membership::Column::RoomId]).do_nothing().to_owned();
        membership::Entity::insert_many(joined_by_mention.into_iter().map(|(key, seq)| membership(key, seq)))
            .on_conflict(already_member)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// A user has seen a room up to `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadMarker {
    pub user_id: i64,
    pub room: String,
    pub seq: i64,
}

/// Moves each marker's membership forward (never back, never past the room's
/// newest `seq`) in one transaction; returns the markers that moved, with the
/// `seq` stored.
pub(super) async fn mark_read(db: &DatabaseConnection, markers: &[ReadMarker]) -> Result<Vec<ReadMarker>, DbErr> {
    let mut newest: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    for marker in markers {
        let seq = newest.entry((marker.user_id, marker.room.as_str())).or_default();
        *seq = Ord::max(*seq, marker.seq);
    }
    let names: Vec<&str> = newest.keys().map(|(_, room)| *room).collect();
    let txn = begin_writing(db).await?;
    let rooms: HashMap<String, room::Model> = room::Entity::find()
        .filter(room::Column::Name.is_in(names))
        .all(&txn)
        .await?
        .into_iter()
        .map(|room| (room.name.clone(), room))
        .collect();
    let mut moved = Vec::new();
    for ((user_id, room_name), seq) in newest {
        let Some(room) = rooms.get(room_name) else { continue };
        let seq = Ord::min(seq, room.last_seq);
        let updated = membership::Entity::update_many()
            .col_expr(membership::Column::LastReadSeq, Expr::value(seq))
            .filter(membership::Column::UserId.eq(user_id))
            .filter(membership::Column::RoomId.eq(room.id))
            .filter(membership::Column::LastReadSeq.lt(seq))
            .exec(&txn)
            .await?;
        if updated.rows_affected > 0 {
            moved.push(ReadMarker { user_id, room: room_name.to_owned(), seq });
        }
    }
    txn.commit().await?;
    Ok(moved)
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
fn answers(batch: &[&NewMessage], slots: &[Slot], mentioned: &[Vec<(i64, String)>], now: DateTime<Utc>) -> Vec<Stored> {
    let mut answers: Vec<Stored> = Vec::with_capacity(batch.len());
    for ((new, slot), mentioned) in batch.iter().zip(slots).zip(mentioned) {
        let answer = match slot {
            Slot::Earlier(existing) => Stored { message: existing.clone(), duplicate: true, mentioned: Vec::new() },
            Slot::New { room_id, seq } => {
                let row = MessageRow {
                    seq: *seq,
                    text: new.text.clone(),
                    timestamp: now,
                    client_id: new.client_id.clone(),
                    room_id: *room_id,
                    sender_id: Some(new.sender.id),
                    sender: Some(new.sender.username.clone()),
                    mentions: joined(mentioned),
                };
                let mentioned = mentioned.iter().map(|(user_id, _)| *user_id).filter(|id| *id != new.sender.id).collect();
                Stored { message: row.into(), duplicate: false, mentioned }
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
