//! The `Store`: a handle that owns the database connection, the group-commit
//! writer and the caches, with the reads nearly every part needs (an account
//! by id or name, a room's numbers, history pages and replays). Every other
//! question has one answer in a handle of its own concern, each in its own
//! module (`store.rooms()`, `store.memberships()`, `store.tokens()`,
//! `store.push()`, …; `storage/mod.rs` lists them). Room events are written
//! only through [`Store::append`], which queues them to the writer.

use std::{cmp, future::Future, sync::Arc};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

use crate::{
    entity::{message, room, user},
    protocol::{ChatMessage, Latest, MAX_PAGE_SIZE, PAGE_SIZE, REPLY_QUOTE_CHARS, RoomKind, ServerFrame},
    server::{
        bodies::SharedBody,
        bus::{ChannelLayer, Forget},
        config::SqliteSync,
        storage::{
            appender::{AppendError, Appender, NewMessage},
            cache::{Caches, RoomEntry, RoomRecord},
            db::{self, DbSetupError, find_unique},
            error::StoreError,
            events::{self, EventRow, Extras},
            writes::{NewEvent, Stored},
        },
        tasks::Background,
    },
};

/// The database and its writer. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    appender: Appender,
    /// Sessions, accounts and rooms read lately (see `storage::cache`).
    caches: Arc<Caches>,
    /// Searches that may run at once (`storage::full_text`).
    search_slots: Arc<tokio::sync::Semaphore>,
}

/// A room as the lobby lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomSummary {
    pub name: String,
    pub message_count: i64,
    pub last_activity: DateTime<Utc>,
}

/// What most readers of a room need of its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RoomNumbers {
    pub id: i64,
    pub kind: RoomKind,
    pub last_seq: i64,
    pub message_count: i64,
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
    /// The replies of this root's thread instead of the room's timeline.
    pub thread: Option<i64>,
}

impl HistoryQuery {
    /// The room's newest page, as a room opens (the one that is cached).
    pub fn is_newest_page(&self) -> bool {
        self.before.is_none() && self.after.is_none() && self.limit == PAGE_SIZE && self.thread.is_none()
    }
}

impl Store {
    /// Opens `url` (running pending migrations) and starts the writer, which
    /// publishes committed messages through `layer`.
    pub async fn open(
        url: &str,
        sync: SqliteSync,
        writer_queue: usize,
        layer: Arc<dyn ChannelLayer>,
        background: &Background,
    ) -> Result<Self, DbSetupError> {
        let db = db::connect_and_migrate(url, sync).await?;
        Ok(Self::start(db, writer_queue, layer, background))
    }

    /// A store over an open, migrated database, whose writer takes up to
    /// `writer_queue` waiting sends (`--writer-queue`).
    pub fn start(db: DatabaseConnection, writer_queue: usize, layer: Arc<dyn ChannelLayer>, background: &Background) -> Self {
        let caches = Caches::start(layer.clone(), background);
        let appender = Appender::start(db.clone(), writer_queue, layer, background);
        // Half the connections (see `db::connect_and_migrate`): the rest stay for
        // the writer and for reads, however many search at once.
        let slots = if db.get_database_backend() == DbBackend::Sqlite { 2 } else { 8 };
        Self { db, appender, caches, search_slots: Arc::new(tokio::sync::Semaphore::new(slots)) }
    }

    /// New messages that may hold a link, from now on (see [`Appender::watch_links`]).
    pub fn watch_links(&self, capacity: usize) -> Option<tokio::sync::mpsc::Receiver<NewMessage>> {
        self.appender.watch_links(capacity)
    }

    /// The slots searches take (see `storage::full_text`).
    pub(super) fn search_slots(&self) -> &tokio::sync::Semaphore {
        &self.search_slots
    }

    /// The caches, for the session store.
    pub fn caches(&self) -> &Arc<Caches> {
        &self.caches
    }

    /// The connection, for the session store and the authentication backend.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub(super) fn appender(&self) -> &Appender {
        &self.appender
    }

    /// Queues `event` for the writer (waiting a little while its queue is full)
    /// and returns what resolves once it is committed and published. A socket's
    /// events are stored in the order they were queued, and a queued event is
    /// stored even if nobody waits for the answer.
    pub async fn append(&self, event: NewEvent) -> impl Future<Output = Result<Stored, AppendError>> + Send + 'static {
        let queued = self.queue(event).await;
        async move { queued?.await }
    }

    /// Like [`Store::append`], but tells at once when `event` was not even
    /// queued (see `Appender::queue`), so that a socket can hold its later sends.
    pub async fn queue(
        &self,
        event: NewEvent,
    ) -> Result<impl Future<Output = Result<Stored, AppendError>> + Send + 'static, AppendError> {
        self.appender.queue(event).await
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(db::ping(&self.db).await?)
    }

    pub async fn find_user_by_name(&self, username: &str) -> Result<Option<user::Model>, StoreError> {
        Ok(find_unique(user::Entity::find().filter(user::Column::Username.eq(username)), &self.db).await?)
    }

    /// Account `id` (cached: most requests ask for their user).
    pub async fn find_user(&self, id: i64) -> Result<Option<user::Model>, StoreError> {
        if let Some(user) = self.caches.user(id) {
            return Ok(Some(user));
        }
        let ticket = self.caches.user_ticket();
        let found = find_unique(user::Entity::find_by_id(id), &self.db).await?;
        if let Some(user) = &found {
            self.caches.keep_user(ticket, user.clone());
        }
        Ok(found)
    }

    /// Every instance forgets its cached copy of account `id` (after a write to it).
    pub(super) async fn forget_user(&self, id: i64) {
        self.caches.forget(Forget::User(id)).await;
    }

    /// Replaces user `id`'s password hash.
    pub async fn set_password_hash(&self, id: i64, password_hash: String) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .filter(user::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        self.forget_user(id).await;
        Ok(())
    }

    /// Sets (or, with `None`, clears) user `id`'s display name.
    pub async fn set_display_name(&self, id: i64, display_name: Option<String>) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::DisplayName, Expr::value(display_name))
            .filter(user::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        self.forget_user(id).await;
        Ok(())
    }

    /// Whether others may see how far the user has read ("Seen by").
    pub async fn set_share_reads(&self, id: i64, share: bool) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::ShareReads, Expr::value(share))
            .filter(user::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        self.forget_user(id).await;
        Ok(())
    }

    /// Sets the language the user chose (`None`: follow the browser).
    pub async fn set_locale(&self, id: i64, locale: Option<crate::i18n::Locale>) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::Locale, Expr::value(locale.map(|l| l.tag().to_owned())))
            .filter(user::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        self.forget_user(id).await;
        Ok(())
    }

    /// Public rooms with at least one message, most recently active first.
    pub async fn active_rooms(&self, limit: u64) -> Result<Vec<RoomSummary>, StoreError> {
        let rooms = room::Entity::find()
            .filter(room::Column::LastSeq.gt(0))
            .filter(room::Column::Kind.eq(RoomKind::Public))
            .order_by_desc(room::Column::LastActivity)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rooms
            .into_iter()
            .map(|r| RoomSummary { name: r.name, message_count: r.last_seq, last_activity: r.last_activity })
            .collect())
    }

    /// The id of the room named `room_name` (canonical), if there is one.
    pub async fn room_id(&self, room_name: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.room_numbers(room_name).await?.map(|room| room.id))
    }

    /// The name of room `id`, if there is one.
    pub async fn room_name_of(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(room::Entity::find_by_id(id).one(&self.db).await?.map(|room| room.name))
    }

    /// The `seq` of a room's newest message (0 for a room without messages).
    pub async fn last_seq(&self, room_name: &str) -> Result<i64, StoreError> {
        Ok(self.room_numbers(room_name).await?.map_or(0, |room| room.last_seq))
    }

    /// A room's id, newest `seq` and message count: from its cached entry when
    /// that is fresh (a socket opening just passed the permission check, which read it),
    /// else from the database. `None` when the room does not exist.
    pub(super) async fn room_numbers(&self, room_name: &str) -> Result<Option<RoomNumbers>, DbErr> {
        if let Some(entry) = self.caches.rooms.fresh(room_name) {
            let RoomRecord { id, kind, last_seq, message_count, .. } = entry.facts;
            return Ok(Some(RoomNumbers { id, kind, last_seq, message_count }));
        }
        Ok(find_room(&self.db, room_name).await?.map(|room| RoomNumbers {
            id: room.id,
            kind: room.kind,
            last_seq: room.last_seq,
            message_count: room.message_count,
        }))
    }

    /// Reads a page of messages, in their current state, in ascending `seq`
    /// order. With `after`, the page starts right after it (oldest first);
    /// otherwise it is the newest page (before `before`).
    ///
    /// Messages are numbered 1, 2, 3, ... in their room (`n`) while seqs
    /// interleave with edits and reactions, so a page is a range of `n`: the
    /// query walks the unique (room, n) index between two bounds.
    pub async fn history(&self, room_name: &str, query: HistoryQuery) -> Result<Vec<ChatMessage>, StoreError> {
        if query.is_newest_page()
            && let Some(entry) = self.room_entry(room_name).await?
        {
            let RoomRecord { id, message_count, .. } = entry.facts;
            let low = cmp::max(message_count - PAGE_SIZE as i64, 0);
            let page = entry.newest(|| self.messages_between(id, low, message_count)).await?;
            return Ok(page.as_ref().clone());
        }
        let Some(room) = find_room(&self.db, room_name).await? else {
            return Ok(Vec::new());
        };
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE) as i64;
        // Inclusive upper, exclusive lower bounds of `n`.
        let newest = match query.before {
            Some(before) => events::last_message_n(&self.db, room.id, before - 1).await?,
            None => room.message_count,
        };
        let (low, high) = match query.after {
            Some(after) => {
                let low = events::last_message_n(&self.db, room.id, after).await?;
                (low, cmp::min(newest, low + limit))
            }
            None => (cmp::max(newest - limit, 0), newest),
        };
        Ok(self.messages_between(room.id, low, high).await?)
    }

    /// The newest page of `room_name` (canonical) as the JSON history API
    /// answers it, serialized and compressed once while the room is quiet;
    /// `None` when the room is not cached (then read it with [`Self::history`]).
    pub async fn newest_page_body(&self, room_name: &str) -> Result<Option<Arc<SharedBody>>, StoreError> {
        let Some(entry) = self.room_entry(room_name).await? else { return Ok(None) };
        let RoomRecord { id, message_count, .. } = entry.facts;
        let low = cmp::max(message_count - PAGE_SIZE as i64, 0);
        let page = entry.newest(|| self.messages_between(id, low, message_count)).await?;
        #[derive(serde::Serialize)]
        struct Page<'a> {
            room: &'a str,
            messages: &'a [ChatMessage],
        }
        Ok(Some(entry.newest_body(|| SharedBody::json(&Page { room: room_name, messages: &page })).await))
    }

    /// The newest message of `room_name` that is not deleted, as the lobby's
    /// preview shows it, from the room's cached newest page: `None` when it
    /// cannot say (no entry, or every message of that page deleted while
    /// older ones exist: the caller asks the database).
    pub(super) async fn cached_latest(&self, room_name: &str) -> Result<Option<Option<Latest>>, DbErr> {
        let Some(entry) = self.room_entry(room_name).await? else { return Ok(None) };
        let RoomRecord { id, message_count, .. } = entry.facts;
        let low = cmp::max(message_count - PAGE_SIZE as i64, 0);
        let page = entry.newest(|| self.messages_between(id, low, message_count)).await?;
        let newest = page.iter().rev().find(|message| !message.deleted);
        Ok(match newest {
            Some(message) => Some(Some(Latest {
                seq: message.seq,
                sender: message.sender.clone(),
                text: message.text.chars().take(REPLY_QUOTE_CHARS).collect(),
                bot: message.bot,
            })),
            None if low == 0 => Some(None),
            None => None,
        })
    }

    /// The cached entry of `room_name` (its access facts and newest page), read when
    /// there is none; `None` when the room does not exist or the channel layer
    /// cannot watch it (then read the database).
    pub(super) async fn room_entry(&self, room_name: &str) -> Result<Option<Arc<RoomEntry>>, DbErr> {
        self.caches.rooms.entry(room_name, || self.room_record(room_name)).await
    }

    async fn room_record(&self, room_name: &str) -> Result<Option<RoomRecord>, DbErr> {
        let Some(room) = find_room(&self.db, room_name).await? else { return Ok(None) };
        let kind = room.kind;
        let members = match kind {
            RoomKind::Public => Default::default(),
            RoomKind::Private | RoomKind::Direct => self.memberships().member_ids(room.id).await?,
        };
        Ok(Some(RoomRecord {
            id: room.id,
            kind,
            owner_id: room.owner_id,
            title: room.title,
            topic: room.topic,
            last_seq: room.last_seq,
            message_count: room.message_count,
            members,
        }))
    }

    /// The messages of a room with `low < n <= high`, with their reactions and quotes.
    async fn messages_between(&self, room_id: i64, low: i64, high: i64) -> Result<Vec<ChatMessage>, DbErr> {
        let rows = EventRow::select()
            .filter(message::Column::RoomId.eq(room_id))
            .filter(message::Column::N.gt(low))
            .filter(message::Column::N.lte(high))
            .order_by_asc(message::Column::N)
            .into_model::<EventRow>()
            .all(&self.db)
            .await?;
        let extras = Extras::load(&self.db, room_id, &rows).await?;
        Ok(rows.into_iter().map(|row| row.into_message(&extras)).collect())
    }

    /// The room's events after `after`, oldest first, at most `limit` (a
    /// replay): messages in their current state, edits, deletions and reactions.
    /// Seqs have no gaps, so this is a range of seqs.
    pub async fn events_after(&self, room_name: &str, after: i64, limit: u64) -> Result<Vec<(i64, ServerFrame)>, StoreError> {
        let Some(room) = self.room_numbers(room_name).await? else {
            return Ok(Vec::new());
        };
        if after >= room.last_seq {
            // Up to date (the usual socket opening): nothing to read.
            return Ok(Vec::new());
        }
        let high = cmp::min(room.last_seq, after.saturating_add(limit as i64));
        let rows = EventRow::select()
            .filter(message::Column::RoomId.eq(room.id))
            .filter(message::Column::Seq.gt(after))
            .filter(message::Column::Seq.lte(high))
            .order_by_asc(message::Column::Seq)
            .into_model::<EventRow>()
            .all(&self.db)
            .await?;
        let extras = Extras::load(&self.db, room.id, &rows).await?;
        Ok(rows.into_iter().map(|row| (row.seq, events::frame_of(row, room_name, &extras))).collect())
    }

    /// The messages around the one at `seq` (half a page on each side) and
    /// what that seq is: a message, a deleted one, or none (then the newest page).
    pub async fn around(&self, room_name: &str, seq: i64) -> Result<(Vec<ChatMessage>, Found), StoreError> {
        let Some(room) = find_room(&self.db, room_name).await? else {
            return Ok((Vec::new(), Found::Missing));
        };
        let at = EventRow::select()
            .filter(message::Column::RoomId.eq(room.id))
            .filter(message::Column::Seq.eq(seq))
            .into_model::<EventRow>()
            .all(&self.db)
            .await?
            .into_iter()
            .next();
        let Some((n, deleted)) = at.and_then(|row| Some((row.n?, row.deleted))) else {
            let newest = self.history(room_name, HistoryQuery { limit: PAGE_SIZE, ..Default::default() }).await?;
            return Ok((newest, Found::Missing));
        };
        let half = (PAGE_SIZE / 2) as i64;
        let messages = self.messages_between(room.id, n - half, n + half).await?;
        Ok((messages, if deleted { Found::Deleted } else { Found::Message }))
    }
}

/// What a permalink's `seq` turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Found {
    Message,
    Deleted,
    /// No message has that seq (none at all, or it is an edit or a reaction).
    Missing,
}

pub(super) async fn find_room(db: &impl ConnectionTrait, room_name: &str) -> Result<Option<room::Model>, DbErr> {
    find_unique(room::Entity::find().filter(room::Column::Name.eq(room_name)), db).await
}
