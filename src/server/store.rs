//! Every query Parlor makes: accounts, the rooms of the lobby, appending a message
//! with its per-room `seq`, and reading history. Pages, server functions, the JSON
//! API and the consumer all come here, so each question has one answer.

use std::{
    cmp,
    collections::{BTreeMap, HashMap},
};

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set}, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

use crate::{
    entity::{message, room, user},
    server::db::find_unique,
    protocol::{ChatMessage, MAX_PAGE_SIZE},
};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("username is taken")]
    UsernameTaken,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Creates an account. The username must already be canonical.
pub async fn create_user(
    db: &DatabaseConnection,
    username: &str,
    password_hash: String,
) -> Result<user::Model, StoreError> {
    let row = user::ActiveModel {
        id: NotSet,
        username: Set(username.to_owned()),
        password_hash: Set(password_hash),
        created_at: Set(Utc::now()),
    };
    user::Entity::insert(row).exec_with_returning(db).await.map_err(|err| {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::UsernameTaken,
            _ => StoreError::Db(err),
        }
    })
}

pub async fn find_user_by_name(db: &DatabaseConnection, username: &str) -> Result<Option<user::Model>, DbErr> {
    find_unique(user::Entity::find().filter(user::Column::Username.eq(username)), db).await
}

pub async fn find_user(db: &DatabaseConnection, id: i64) -> Result<Option<user::Model>, DbErr> {
    find_unique(user::Entity::find_by_id(id), db).await
}

/// A room as the lobby lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomSummary {
    pub name: String,
    pub message_count: i64,
    pub last_activity: DateTime<Utc>,
}

/// Rooms with at least one message, most recently active first.
pub async fn active_rooms(db: &DatabaseConnection, limit: u64) -> Result<Vec<RoomSummary>, DbErr> {
    let rooms = room::Entity::find()
        .filter(room::Column::LastSeq.gt(0))
        .order_by_desc(room::Column::LastActivity)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rooms
        .into_iter()
        .map(|r| RoomSummary { name: r.name, message_count: r.last_seq, last_activity: r.last_activity })
        .collect())
}

/// The `seq` of a room's newest message (0 for a room without messages).
pub async fn last_seq(db: &DatabaseConnection, room_name: &str) -> Result<i64, DbErr> {
    Ok(find_room(db, room_name).await?.map_or(0, |r| r.last_seq))
}

/// A message that is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub message: ChatMessage,
    /// True when `(sender, client_id)` was already stored: nothing new was written.
    pub duplicate: bool,
}

/// Stores one message with its room's next `seq`, in one transaction (a batch of
/// one). A repeated `(sender, client_id)` returns the first copy instead.
pub async fn append_message(db: &DatabaseConnection, new: &NewMessage) -> Result<Stored, DbErr> {
    match append_batch(db, &[new]).await {
        Ok(mut stored) => stored.pop().ok_or_else(|| DbErr::Custom("a batch of one stored nothing".into())),
        // A concurrent send with the same client_id (on another instance) won the race: answer with its copy.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            match stored_resends(db, &[new]).await?.into_values().next() {
                Some(existing) => Ok(Stored { message: existing, duplicate: true }),
                None => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

/// SQLite has one writer per file; a second connection that tries to write waits
/// in SQLite's busy handler, which sleeps in steps of milliseconds. Queueing the
/// writers of this process here instead hands the lock over without sleeping.
/// (PostgreSQL needs no such queue: the room row's lock orders writers.)
static SQLITE_WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn sqlite_writer(db: &DatabaseConnection) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    match db.get_database_backend() {
        DbBackend::Sqlite => Some(SQLITE_WRITER.lock().await),
        _ => None,
    }
}

/// A message to store.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub room: String,
    pub sender: user::Model,
    pub text: String,
    pub client_id: Option<String>,
}

/// What [`append_batch`] decided for one message of the batch.
enum Slot {
    /// Stored before this batch: answered with that copy.
    Earlier(ChatMessage),
    /// The same `(sender, client_id)` as an earlier message of this batch.
    SameAs(usize),
    /// New: stored with this `seq`.
    New(i64),
}

/// Stores several messages in one transaction (group commit), each with its
/// room's next `seq`, in order. Resends are answered with their first copy. The
/// work is a few statements per batch, not per message: one lookup of resends,
/// one upsert that reserves every room's seqs, one multi-row insert. If anything
/// fails the whole batch is rolled back and the error returned: nothing is
/// half-stored.
pub async fn append_batch(db: &DatabaseConnection, batch: &[&NewMessage]) -> Result<Vec<Stored>, DbErr> {
    let _writer = sqlite_writer(db).await;
    let now = Utc::now();
    let txn = db.begin().await?;
    let earlier = stored_resends(&txn, batch).await?;
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
            slots[i] = Slot::New(seq);
            rows.push(message::ActiveModel {
                id: NotSet,
                room_id: Set(room.id),
                seq: Set(seq),
                sender_id: Set(batch[i].sender.id),
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
    mut earlier: HashMap<(i64, String), ChatMessage>,
) -> (Vec<Slot>, BTreeMap<&'a str, Vec<usize>>) {
    let mut first_of: HashMap<(i64, &str), usize> = HashMap::new();
    let mut per_room: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut slots = Vec::with_capacity(batch.len());
    for (i, new) in batch.iter().enumerate() {
        if let Some(client_id) = new.client_id.as_deref() {
            if let Some(existing) = earlier.remove(&(new.sender.id, client_id.to_owned())) {
                slots.push(Slot::Earlier(existing));
                first_of.insert((new.sender.id, client_id), i);
                continue;
            }
            if let Some(&first) = first_of.get(&(new.sender.id, client_id)) {
                slots.push(Slot::SameAs(first));
                continue;
            }
            first_of.insert((new.sender.id, client_id), i);
        }
        per_room.entry(new.room.as_str()).or_default().push(i);
        slots.push(Slot::New(0));
    }
    (slots, per_room)
}

/// What each sender of the batch is told, once the batch is committed.
fn answers(batch: &[&NewMessage], slots: &[Slot], now: DateTime<Utc>) -> Vec<Stored> {
    let timestamp = format_timestamp(now);
    let mut answers: Vec<Stored> = Vec::with_capacity(batch.len());
    for (new, slot) in batch.iter().zip(slots) {
        let answer = match slot {
            Slot::Earlier(existing) => Stored { message: existing.clone(), duplicate: true },
            Slot::New(seq) => {
                let message = ChatMessage {
                    seq: *seq,
                    sender: new.sender.username.clone(),
                    text: new.text.clone(),
                    timestamp: timestamp.clone(),
                    client_id: new.client_id.clone(),
                };
                Stored { message, duplicate: false }
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

/// The batch's messages that were stored before, keyed by `(sender id, client_id)`.
async fn stored_resends(
    txn: &impl ConnectionTrait,
    batch: &[&NewMessage],
) -> Result<HashMap<(i64, String), ChatMessage>, DbErr> {
    // Per sender, its client_ids: each term walks the unique (sender_id, client_id) index.
    let mut client_ids: HashMap<i64, Vec<&str>> = HashMap::new();
    for new in batch {
        if let Some(client_id) = new.client_id.as_deref() {
            client_ids.entry(new.sender.id).or_default().push(client_id);
        }
    }
    if client_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let senders: HashMap<i64, &str> = batch.iter().map(|new| (new.sender.id, new.sender.username.as_str())).collect();
    let any_of_them = client_ids.into_iter().fold(Condition::any(), |any, (sender_id, ids)| {
        any.add(message::Column::SenderId.eq(sender_id).and(message::Column::ClientId.is_in(ids)))
    });
    let found = message::Entity::find().filter(any_of_them).all(txn).await?;
    Ok(found
        .into_iter()
        .filter_map(|m| {
            let sender = (*senders.get(&m.sender_id)?).to_owned();
            let key = (m.sender_id, m.client_id.clone()?);
            Some((key, to_dto(m, sender)))
        })
        .collect())
}

/// Which slice of a room's history to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Only messages with a smaller `seq`.
    pub before: Option<i64>,
    /// Only messages with a larger `seq`.
    pub after: Option<i64>,
    /// At most this many (capped at [`MAX_PAGE_SIZE`]).
    pub limit: u64,
}

/// Reads a page of history in ascending `seq` order. With `after`, the page starts
/// right after it (oldest first); otherwise it is the newest page (before `before`).
///
/// A room's seqs are gap-free (each commit takes the next ones, and messages are
/// never deleted), so a page is a range of seqs: the query walks the unique
/// (room, seq) index between two bounds, with no `LIMIT` to re-plan.
pub async fn history(
    db: &DatabaseConnection,
    room_name: &str,
    query: HistoryQuery,
) -> Result<Vec<ChatMessage>, DbErr> {
    let Some(room) = find_room(db, room_name).await? else {
        return Ok(Vec::new());
    };
    let limit = query.limit.clamp(1, MAX_PAGE_SIZE) as i64;
    // Exclusive bounds: the page is the seqs strictly between `low` and `high`.
    let high = cmp::min(query.before.unwrap_or(i64::MAX), room.last_seq + 1);
    let (low, high) = match query.after {
        Some(after) => (after, cmp::min(high, after.saturating_add(limit).saturating_add(1))),
        None => (cmp::max(high.saturating_sub(limit + 1), 0), high),
    };
    let rows = message::Entity::find()
        .select_only()
        .columns([message::Column::Seq, message::Column::Text, message::Column::Timestamp, message::Column::ClientId])
        .column_as(user::Column::Username, "sender")
        .left_join(user::Entity)
        .filter(message::Column::RoomId.eq(room.id))
        .filter(message::Column::Seq.gt(low))
        .filter(message::Column::Seq.lt(high))
        .order_by_asc(message::Column::Seq)
        .into_model::<HistoryRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(HistoryRow::into_message).collect())
}

/// One message of a history page, with its sender's name.
#[derive(FromQueryResult)]
struct HistoryRow {
    seq: i64,
    text: String,
    timestamp: DateTime<Utc>,
    client_id: Option<String>,
    sender: Option<String>,
}

impl HistoryRow {
    fn into_message(self) -> ChatMessage {
        ChatMessage {
            seq: self.seq,
            sender: self.sender.unwrap_or_else(|| "[deleted]".to_owned()),
            text: self.text,
            timestamp: format_timestamp(self.timestamp),
            client_id: self.client_id,
        }
    }
}

async fn find_room(db: &DatabaseConnection, room_name: &str) -> Result<Option<room::Model>, DbErr> {
    find_unique(room::Entity::find().filter(room::Column::Name.eq(room_name)), db).await
}

fn to_dto(m: message::Model, sender: String) -> ChatMessage {
    ChatMessage { seq: m.seq, sender, text: m.text, timestamp: format_timestamp(m.timestamp), client_id: m.client_id }
}

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-24T09:15:02.123Z`.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
