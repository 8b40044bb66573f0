//! Threads as their readers see them: a thread's page (its root and a slice of
//! its replies), following a thread or not, and the threads a user follows with
//! their unread and mention counts. Replies are written by the writer like any
//! room event (`storage::events`, which also makes repliers and the mentioned
//! follow); read markers of threads move with the rooms' (`events::markers`).

use std::cmp;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, sea_query::OnConflict,
};

use super::{
    db::statement,
    error::StoreError,
    events::{EventRow, Extras},
    store::{HistoryQuery, Store},
};
use crate::{
    entity::{message, message::EventKind, thread_follow},
    protocol::{ChatMessage, Latest, MAX_PAGE_SIZE, REPLY_QUOTE_CHARS, ThreadStatus, ThreadSummary, format_timestamp},
    server::policy,
};

/// A thread's page: its root and a slice of its replies, oldest first.
pub struct ThreadPage {
    pub root: ChatMessage,
    pub replies: Vec<ChatMessage>,
}

/// The followed threads of a user with their counts, newest activity first
/// (`EXTRA` narrows it to one thread).
const FOLLOWED: &str = r#"SELECT r.name AS room, f.thread AS thread, f.last_read_seq AS last_read_seq,
    m.text AS text, m.deleted AS deleted, u.username AS sender, m.reply_count AS reply_count,
    m.last_reply_seq AS last_reply_seq, m.last_reply_at AS last_reply_at, m.participants AS participants,
    (SELECT COUNT(*) FROM message x WHERE x.room_id = f.room_id AND x.thread = f.thread
        AND x.kind = 'message' AND x.seq > f.last_read_seq) AS unread,
    (SELECT COUNT(*) FROM mention mm JOIN message x ON x.room_id = mm.room_id AND x.seq = mm.seq
        WHERE mm.user_id = f.user_id AND mm.room_id = f.room_id AND x.thread = f.thread
        AND mm.seq > f.last_read_seq) AS mentions
    FROM thread_follow f JOIN room r ON r.id = f.room_id
    JOIN message m ON m.room_id = f.room_id AND m.seq = f.thread
    LEFT JOIN "user" u ON u.id = m.sender_id
    WHERE f.user_id = ? AND READABLE EXTRA
    ORDER BY COALESCE(m.last_reply_seq, m.seq) DESC, r.name"#;

/// How many followed threads a list shows at most.
const MAX_LISTED: i64 = 200;

/// The store's handle on a thread's page, following threads, the followed ones with their counts.
#[derive(Clone, Copy)]
pub struct Threads<'a>(&'a Store);

impl Store {
    /// A thread's page, following threads, the followed ones with their counts.
    pub fn threads(&self) -> Threads<'_> {
        Threads(self)
    }
}

impl Threads<'_> {
    /// The thread of root `root` in `room_name`: the root and the replies the
    /// query selects (by `seq`: `after` oldest first, else the newest before
    /// `before`). `None` when `root` is not a message of the room that can
    /// have a thread (none, or itself a reply in one).
    pub async fn thread_page(&self, room_name: &str, root: i64, query: HistoryQuery) -> Result<Option<ThreadPage>, StoreError> {
        let Some(room) = self.0.room_numbers(room_name).await? else { return Ok(None) };
        let Some(root_row) = self.root_row(room.id, root).await? else { return Ok(None) };
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE);
        let mut select = EventRow::select()
            .filter(message::Column::RoomId.eq(room.id))
            .filter(message::Column::Thread.eq(root))
            .filter(message::Column::Kind.eq(EventKind::Message));
        if let Some(before) = query.before {
            select = select.filter(message::Column::Seq.lt(before));
        }
        let mut rows = match query.after {
            Some(after) => {
                select
                    .filter(message::Column::Seq.gt(after))
                    .order_by_asc(message::Column::Seq)
                    .limit(limit)
                    .into_model()
                    .all(self.0.db())
                    .await?
            }
            None => {
                let mut newest: Vec<EventRow> =
                    select.order_by_desc(message::Column::Seq).limit(limit).into_model().all(self.0.db()).await?;
                newest.reverse();
                newest
            }
        };
        rows.insert(0, root_row);
        let extras = Extras::load(self.0.db(), room.id, &rows).await?;
        let mut messages = rows.into_iter().map(|row| row.into_message(&extras));
        let root = messages.next().ok_or_else(|| DbErr::RecordNotFound("thread root".into()))?;
        Ok(Some(ThreadPage { root, replies: messages.collect() }))
    }

    /// The root of the thread message `seq` of `room_name` replies in, if it is a thread reply.
    pub async fn thread_root_of(&self, room_name: &str, seq: i64) -> Result<Option<i64>, StoreError> {
        let Some(room) = self.0.room_numbers(room_name).await? else { return Ok(None) };
        let root = message::Entity::find()
            .select_only()
            .column(message::Column::Thread)
            .filter(message::Column::RoomId.eq(room.id))
            .filter(message::Column::Seq.eq(seq))
            .filter(message::Column::Kind.eq(EventKind::Message))
            .into_tuple::<Option<i64>>()
            .one(self.0.db())
            .await?;
        Ok(root.flatten())
    }

    /// Message `seq` of room `room_id` if it can be a thread's root.
    async fn root_row(&self, room_id: i64, seq: i64) -> Result<Option<EventRow>, DbErr> {
        let row = EventRow::select()
            .filter(message::Column::RoomId.eq(room_id))
            .filter(message::Column::Seq.eq(seq))
            .filter(message::Column::Kind.eq(EventKind::Message))
            .into_model::<EventRow>()
            .one(self.0.db())
            .await?;
        Ok(row.filter(|row| row.thread.is_none()))
    }

    /// User `user_id` follows the thread of `root` in `room_name` (read up to
    /// now), or stops following it. `None` when there is no such thread root.
    pub async fn follow_thread(
        &self,
        user_id: i64,
        room_name: &str,
        root: i64,
        follow: bool,
    ) -> Result<Option<ThreadStatus>, StoreError> {
        let Some(room) = self.0.room_numbers(room_name).await? else { return Ok(None) };
        if self.root_row(room.id, root).await?.is_none() {
            return Ok(None);
        }
        if follow {
            let row = thread_follow::ActiveModel {
                user_id: sea_orm::ActiveValue::Set(user_id),
                room_id: sea_orm::ActiveValue::Set(room.id),
                thread: sea_orm::ActiveValue::Set(root),
                last_read_seq: sea_orm::ActiveValue::Set(cmp::max(room.last_seq, root)),
                followed_at: sea_orm::ActiveValue::Set(Utc::now()),
            };
            let keep = OnConflict::columns([
                thread_follow::Column::UserId,
                thread_follow::Column::RoomId,
                thread_follow::Column::Thread,
            ])
            .do_nothing()
            .to_owned();
            thread_follow::Entity::insert(row).on_conflict(keep).exec_without_returning(self.0.db()).await?;
        } else {
            thread_follow::Entity::delete_many()
                .filter(thread_follow::Column::UserId.eq(user_id))
                .filter(thread_follow::Column::RoomId.eq(room.id))
                .filter(thread_follow::Column::Thread.eq(root))
                .exec(self.0.db())
                .await?;
        }
        let status = self.thread_status(user_id, room_name, root).await?;
        Ok(Some(status.unwrap_or_else(|| ThreadStatus::unfollowed(room_name, root))))
    }

    /// The threads user `user_id` follows, with their counts, newest activity first.
    pub async fn followed_threads(&self, user_id: i64) -> Result<Vec<ThreadStatus>, StoreError> {
        let sql = FOLLOWED.replace("READABLE", &policy::readable_sql::readable_rooms("r")).replace("EXTRA", "")
            + &format!(" LIMIT {MAX_LISTED}");
        let rows = self.0.db().query_all_raw(statement(self.0.db(), &sql, [user_id.into(), user_id.into()])).await?;
        Ok(rows.iter().map(status_of).collect::<Result<_, DbErr>>()?)
    }

    /// One followed thread's status; `None` when the user does not follow it
    /// (or may no longer read its room).
    pub async fn thread_status(&self, user_id: i64, room_name: &str, root: i64) -> Result<Option<ThreadStatus>, StoreError> {
        let sql = FOLLOWED
            .replace("READABLE", &policy::readable_sql::readable_rooms("r"))
            .replace("EXTRA", "AND r.name = ? AND f.thread = ?");
        let values = [user_id.into(), user_id.into(), room_name.into(), root.into()];
        let rows = self.0.db().query_all_raw(statement(self.0.db(), &sql, values)).await?;
        Ok(rows.first().map(status_of).transpose()?)
    }
}

impl ThreadStatus {
    /// What the frame that says a user stopped following a thread carries.
    pub fn unfollowed(room: &str, thread: i64) -> Self {
        let room = room.to_owned();
        Self { room, thread, unread: 0, mentions: 0, last_read_seq: 0, following: false, root: None, replies: None, latest: None }
    }
}

fn status_of(row: &QueryResult) -> Result<ThreadStatus, DbErr> {
    let thread: i64 = row.try_get("", "thread")?;
    let deleted: bool = row.try_get("", "deleted")?;
    let text: String = row.try_get("", "text")?;
    let root = Latest {
        seq: thread,
        sender: row.try_get::<Option<String>>("", "sender")?.unwrap_or_else(|| "[deleted]".to_owned()),
        text: if deleted { String::new() } else { text.chars().take(REPLY_QUOTE_CHARS).collect() },
        bot: false,
    };
    let last_at: Option<DateTime<Utc>> = row.try_get("", "last_reply_at")?;
    let last_seq: Option<i64> = row.try_get("", "last_reply_seq")?;
    let replies = last_seq.zip(last_at).map(|(last_seq, last_at)| ThreadSummary {
        count: row.try_get("", "reply_count").unwrap_or(0),
        last_seq,
        last_at: format_timestamp(last_at),
        participants: row
            .try_get::<Option<String>>("", "participants")
            .ok()
            .flatten()
            .map(|names| names.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
    });
    Ok(ThreadStatus {
        room: row.try_get("", "room")?,
        thread,
        unread: row.try_get("", "unread")?,
        mentions: row.try_get("", "mentions")?,
        last_read_seq: row.try_get("", "last_read_seq")?,
        following: true,
        root: Some(root),
        replies,
        latest: None,
    })
}
