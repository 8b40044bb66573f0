//! Every query Parlor makes: accounts, the rooms of the lobby, appending a message
//! with its per-room `seq`, and reading history. Pages, server functions, the JSON
//! API and the consumer all come here, so each question has one answer.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set}, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait, sea_query::{Expr, ExprTrait},
};

use crate::{
    entity::{message, room, user},
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
    user::Entity::find().filter(user::Column::Username.eq(username)).one(db).await
}

pub async fn find_user(db: &DatabaseConnection, id: i64) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
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
    Ok(room::Entity::find()
        .filter(room::Column::Name.eq(room_name))
        .one(db)
        .await?
        .map_or(0, |r| r.last_seq))
}

/// A message that is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub message: ChatMessage,
    /// True when `(sender, client_id)` was already stored: nothing new was written.
    pub duplicate: bool,
}

/// Stores `text` from `sender` in `room_name` with the room's next `seq`, in one
/// transaction. A repeated `(sender, client_id)` returns the first copy instead.
pub async fn append_message(
    db: &DatabaseConnection,
    room_name: &str,
    sender: &user::Model,
    text: &str,
    client_id: Option<&str>,
) -> Result<Stored, DbErr> {
    if let Some(existing) = find_by_client_id(db, sender, client_id).await? {
        return Ok(Stored { message: existing, duplicate: true });
    }
    match insert_next(db, room_name, sender, text, client_id).await {
        Ok(message) => Ok(Stored { message, duplicate: false }),
        // A concurrent send with the same client_id won the race: answer with its copy.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            match find_by_client_id(db, sender, client_id).await? {
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

async fn insert_next(
    db: &DatabaseConnection,
    room_name: &str,
    sender: &user::Model,
    text: &str,
    client_id: Option<&str>,
) -> Result<ChatMessage, DbErr> {
    let _writer = sqlite_writer(db).await;
    let txn = db.begin().await?;
    let message = insert_in(&txn, room_name, sender, text, client_id, Utc::now()).await?;
    txn.commit().await?;
    Ok(message)
}

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

/// Stores several messages in one transaction (group commit), each with its own
/// `seq`, in order. Resends are answered with their first copy. If anything fails
/// the whole batch is rolled back and the error returned: nothing is half-stored.
pub async fn append_batch(db: &DatabaseConnection, batch: &[&NewMessage]) -> Result<Vec<Stored>, DbErr> {
    let _writer = sqlite_writer(db).await;
    let now = Utc::now();
    let txn = db.begin().await?;
    let mut stored = Vec::with_capacity(batch.len());
    for new in batch {
        let client_id = new.client_id.as_deref();
        if let Some(existing) = find_by_client_id(&txn, &new.sender, client_id).await? {
            stored.push(Stored { message: existing, duplicate: true });
            continue;
        }
        let message = insert_in(&txn, &new.room, &new.sender, &new.text, client_id, now).await?;
        stored.push(Stored { message, duplicate: false });
    }
    txn.commit().await?;
    Ok(stored)
}

/// Inserts one message with the room's next `seq`, inside the caller's transaction.
async fn insert_in(
    txn: &impl ConnectionTrait,
    room_name: &str,
    sender: &user::Model,
    text: &str,
    client_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ChatMessage, DbErr> {
    ensure_room(txn, room_name, now).await?;
    // The first write of a transaction takes SQLite's write lock at once (waiting
    // out the busy timeout) and PostgreSQL's lock on the room row: concurrent
    // senders to one room get consecutive seqs.
    let room = room::Entity::update_many()
        .col_expr(room::Column::LastSeq, Expr::col(room::Column::LastSeq).add(1))
        .col_expr(room::Column::LastActivity, Expr::value(now))
        .filter(room::Column::Name.eq(room_name))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| DbErr::RecordNotFound(format!("room {room_name}")))?;
    let row = message::ActiveModel {
        id: NotSet,
        room_id: Set(room.id),
        seq: Set(room.last_seq),
        sender_id: Set(sender.id),
        text: Set(text.to_owned()),
        timestamp: Set(now),
        client_id: Set(client_id.map(str::to_owned)),
    };
    message::Entity::insert(row).exec_without_returning(txn).await?;
    Ok(ChatMessage {
        seq: room.last_seq,
        sender: sender.username.clone(),
        text: text.to_owned(),
        timestamp: format_timestamp(now),
        client_id: client_id.map(str::to_owned),
    })
}

/// Creates the room row if it does not exist yet.
async fn ensure_room(conn: &impl ConnectionTrait, room_name: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    let row = room::ActiveModel {
        id: NotSet,
        name: Set(room_name.to_owned()),
        last_seq: Set(0),
        created_at: Set(now),
        last_activity: Set(now),
    };
    room::Entity::insert(row)
        .on_conflict_do_nothing_on([room::Column::Name])
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

async fn find_by_client_id(
    db: &impl ConnectionTrait,
    sender: &user::Model,
    client_id: Option<&str>,
) -> Result<Option<ChatMessage>, DbErr> {
    let Some(client_id) = client_id else { return Ok(None) };
    let found = message::Entity::find()
        .filter(message::Column::SenderId.eq(sender.id))
        .filter(message::Column::ClientId.eq(client_id))
        .one(db)
        .await?;
    Ok(found.map(|m| to_dto(m, sender.username.clone())))
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
pub async fn history(
    db: &DatabaseConnection,
    room_name: &str,
    query: HistoryQuery,
) -> Result<Vec<ChatMessage>, DbErr> {
    let Some(room) = room::Entity::find().filter(room::Column::Name.eq(room_name)).one(db).await? else {
        return Ok(Vec::new());
    };
    let limit = query.limit.clamp(1, MAX_PAGE_SIZE);
    let mut select = message::Entity::find().filter(message::Column::RoomId.eq(room.id));
    if let Some(before) = query.before {
        select = select.filter(message::Column::Seq.lt(before));
    }
    if let Some(after) = query.after {
        select = select.filter(message::Column::Seq.gt(after));
    }
    let newest_first = query.after.is_none();
    let select = if newest_first {
        select.order_by_desc(message::Column::Seq)
    } else {
        select.order_by_asc(message::Column::Seq)
    };
    let rows = select.limit(limit).find_also_related(user::Entity).all(db).await?;
    let mut messages: Vec<ChatMessage> = rows
        .into_iter()
        .map(|(m, sender)| to_dto(m, sender.map_or_else(|| "[deleted]".to_owned(), |u| u.username)))
        .collect();
    if newest_first {
        messages.reverse();
    }
    Ok(messages)
}

fn to_dto(m: message::Model, sender: String) -> ChatMessage {
    ChatMessage { seq: m.seq, sender, text: m.text, timestamp: format_timestamp(m.timestamp), client_id: m.client_id }
}

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-24T09:15:02.123Z`.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
