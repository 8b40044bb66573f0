//! The `Store`: a handle that owns the database connection and the group-commit
//! writer. Every query Parlor makes is a method here (accounts, the lobby's rooms,
//! history), so each question has one answer; messages are written only through
//! [`Store::append`], which queues them to the writer.

use std::{cmp, future::Future, sync::Arc};

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};

use crate::{
    entity::{message, room, user},
    protocol::{ChatMessage, MAX_PAGE_SIZE},
    server::{
        realtime::layer::ChannelLayer,
        storage::{
            appender::{AppendError, Appender},
            db::{self, DbSetupError, SqliteSync, find_unique},
        },
        tasks::Background,
    },
};

/// The database and its writer. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    appender: Appender,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("username is taken")]
    UsernameTaken,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// A message to store.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub room: String,
    pub sender: user::Model,
    pub text: String,
    pub client_id: Option<String>,
}

/// A message that is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub message: ChatMessage,
    /// True when the same send was already stored: nothing new was written.
    pub duplicate: bool,
    /// The ids of the users it mentions (its sender excepted).
    pub mentioned: Vec<i64>,
}

/// A room as the lobby lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomSummary {
    pub name: String,
    pub message_count: i64,
    pub last_activity: DateTime<Utc>,
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

impl Store {
    /// Opens `url` (running pending migrations) and starts the writer, which
    /// publishes committed messages through `layer`.
    pub async fn open(
        url: &str,
        sync: SqliteSync,
        layer: Arc<dyn ChannelLayer>,
        background: &Background,
    ) -> Result<Self, DbSetupError> {
        let db = db::connect_and_migrate(url, sync).await?;
        Ok(Self::start(db, layer, background))
    }

    /// A store over an open, migrated database.
    pub fn start(db: DatabaseConnection, layer: Arc<dyn ChannelLayer>, background: &Background) -> Self {
        let appender = Appender::start(db.clone(), layer, background);
        Self { db, appender }
    }

    /// The connection, for the session store and the authentication backend.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub(super) fn appender(&self) -> &Appender {
        &self.appender
    }

    /// Queues `message` for the writer (waiting while its queue is full) and
    /// returns what resolves once it is committed and published. A socket's
    /// messages are stored in the order they were queued, and a queued message is
    /// stored even if nobody waits for the answer.
    pub async fn append(&self, message: NewMessage) -> impl Future<Output = Result<Stored, AppendError>> + Send + 'static {
        self.appender.submit(message).await
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), DbErr> {
        db::ping(&self.db).await
    }

    /// Creates an account. The username must already be canonical.
    pub async fn create_user(&self, username: &str, password_hash: String) -> Result<user::Model, StoreError> {
        let row = user::ActiveModel {
            id: NotSet,
            username: Set(username.to_owned()),
            password_hash: Set(password_hash),
            created_at: Set(Utc::now()),
        };
        user::Entity::insert(row).exec_with_returning(&self.db).await.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::UsernameTaken,
            _ => StoreError::Db(err),
        })
    }

    pub async fn find_user_by_name(&self, username: &str) -> Result<Option<user::Model>, DbErr> {
        find_unique(user::Entity::find().filter(user::Column::Username.eq(username)), &self.db).await
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<user::Model>, DbErr> {
        find_unique(user::Entity::find_by_id(id), &self.db).await
    }

    /// Rooms with at least one message, most recently active first.
    pub async fn active_rooms(&self, limit: u64) -> Result<Vec<RoomSummary>, DbErr> {
        let rooms = room::Entity::find()
            .filter(room::Column::LastSeq.gt(0))
            .order_by_desc(room::Column::LastActivity)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rooms
            .into_iter()
            .map(|r| RoomSummary { name: r.name, message_count: r.last_seq, last_activity: r.last_activity })
            .collect())
    }

    /// The `seq` of a room's newest message (0 for a room without messages).
    pub async fn last_seq(&self, room_name: &str) -> Result<i64, DbErr> {
        Ok(find_room(&self.db, room_name).await?.map_or(0, |r| r.last_seq))
    }

    /// Reads a page of history in ascending `seq` order. With `after`, the page
    /// starts right after it (oldest first); otherwise it is the newest page (before
    /// `before`).
    ///
    /// A room's seqs are gap-free (each commit takes the next ones, and messages
    /// are never deleted), so a page is a range of seqs: the query walks the unique
    /// (room, seq) index between two bounds, with no `LIMIT` to re-plan.
    pub async fn history(&self, room_name: &str, query: HistoryQuery) -> Result<Vec<ChatMessage>, DbErr> {
        let Some(room) = find_room(&self.db, room_name).await? else {
            return Ok(Vec::new());
        };
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE) as i64;
        // Exclusive bounds: the page is the seqs strictly between `low` and `high`.
        let high = cmp::min(query.before.unwrap_or(i64::MAX), room.last_seq + 1);
        let (low, high) = match query.after {
            Some(after) => (after, cmp::min(high, after.saturating_add(limit).saturating_add(1))),
            None => (cmp::max(high.saturating_sub(limit + 1), 0), high),
        };
        let rows = MessageRow::select()
            .filter(message::Column::RoomId.eq(room.id))
            .filter(message::Column::Seq.gt(low))
            .filter(message::Column::Seq.lt(high))
            .order_by_asc(message::Column::Seq)
            .into_model::<MessageRow>()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(ChatMessage::from).collect())
    }
}

/// One stored message with its sender's name: what every read of messages
/// returns, and the one place a [`ChatMessage`] is built from the database.
#[derive(Clone, Debug, FromQueryResult)]
pub(super) struct MessageRow {
    pub seq: i64,
    pub text: String,
    pub timestamp: DateTime<Utc>,
    pub client_id: Option<String>,
    pub room_id: i64,
    /// `None` once the sender's account is deleted.
    pub sender_id: Option<i64>,
    /// `None` once the sender's account is deleted.
    pub sender: Option<String>,
    /// Mentioned usernames, comma-separated.
    pub mentions: Option<String>,
}

impl MessageRow {
    /// The select that reads rows of this shape (message joined with its sender).
    pub fn select() -> sea_orm::Select<message::Entity> {
        message::Entity::find()
            .select_only()
            .columns([
                message::Column::Seq,
                message::Column::Text,
                message::Column::Timestamp,
                message::Column::ClientId,
                message::Column::RoomId,
                message::Column::SenderId,
                message::Column::Mentions,
            ])
            .column_as(user::Column::Username, "sender")
            .left_join(user::Entity)
    }
}

impl From<MessageRow> for ChatMessage {
    fn from(row: MessageRow) -> Self {
        ChatMessage {
            seq: row.seq,
            sender: row.sender.unwrap_or_else(|| "[deleted]".to_owned()),
            text: row.text,
            timestamp: format_timestamp(row.timestamp),
            client_id: row.client_id,
            mentions: row.mentions.map(|names| names.split(',').map(str::to_owned).collect()).unwrap_or_default(),
        }
    }
}

pub(super) async fn find_room(db: &impl ConnectionTrait, room_name: &str) -> Result<Option<room::Model>, DbErr> {
    find_unique(room::Entity::find().filter(room::Column::Name.eq(room_name)), db).await
}

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-24T09:15:02.123Z`.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
