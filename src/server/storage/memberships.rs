//! A user's rooms: a room joins the list when the user opens it (or posts, or is
//! mentioned there: see [`super::messages`]) and leaves it when they leave.
//! Each membership keeps the newest `seq` read and a notification level; from
//! them come the unread and mention counts of the lobby, the sidebar and the
//! inbox.

use std::{
    collections::{HashMap, HashSet},
    sync::LazyLock,
};

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
    sea_query::{Expr, OnConflict},
};

use super::{
    ReadMarker,
    db::statement,
    error::StoreError,
    events,
    store::{Store, find_room},
};
use crate::{
    entity::{membership, room, user},
    protocol::{AccountKind, Latest, NotifyLevel, REPLY_QUOTE_CHARS, RoomKind, RoomStatus, format_timestamp},
    server::policy,
};

/// A membership with its room, as one row.
#[derive(FromQueryResult)]
struct StatusRow {
    room_id: i64,
    name: String,
    last_seq: i64,
    message_count: i64,
    last_activity: chrono::DateTime<Utc>,
    last_read_seq: i64,
    last_read_n: i64,
    notify: NotifyLevel,
    kind: RoomKind,
    title: Option<String>,
    /// How many unread messages mention the user ([`UNREAD_MENTIONS`]).
    mentions: i64,
}

impl StatusRow {
    fn into_status(self, with: Option<String>, latest: Option<Latest>) -> RoomStatus {
        RoomStatus {
            unread: (self.message_count - self.last_read_n).max(0),
            room: self.name,
            kind: self.kind,
            title: self.title,
            with,
            last_seq: self.last_seq,
            last_read_seq: self.last_read_seq,
            mentions: self.mentions,
            notify: self.notify,
            last_activity: format_timestamp(self.last_activity),
            latest,
        }
    }
}

/// The store's handle on a user's rooms: joining, leaving, read markers, counts, notification levels, members.
#[derive(Clone, Copy)]
pub struct Memberships<'a>(&'a Store);

impl Store {
    /// A user's rooms: joining, leaving, read markers, counts, notification levels, members.
    pub fn memberships(&self) -> Memberships<'_> {
        Memberships(self)
    }
}

impl Memberships<'_> {
    /// Puts an existing room in the user's list, as read up to `read_up_to` (by
    /// default its newest message: nothing from before one joined is "new"),
    /// and returns the membership with whether it was just added; `None` when
    /// the room has no messages yet (it has no row: its first message creates
    /// it), and for a private or direct room the user is not a member of:
    /// there, memberships come only from membership events, so that a page or
    /// socket opened as its user is being removed cannot write theirs back.
    /// Reads only, when the room is in the list already.
    pub async fn join_room(
        &self,
        user_id: i64,
        room_name: &str,
        read_up_to: Option<i64>,
    ) -> Result<Option<(membership::Model, bool)>, StoreError> {
        let Some(room) = self.0.room_numbers(room_name).await? else { return Ok(None) };
        let existing = membership::Entity::find_by_id((user_id, room.id)).all(self.0.db()).await?.into_iter().next();
        if let Some(existing) = existing {
            return Ok(Some((existing, false)));
        }
        if room.kind != RoomKind::Public {
            return Ok(None);
        }
        let last_read_seq = read_up_to.unwrap_or(room.last_seq).min(room.last_seq);
        let last_read_n = match read_up_to {
            None => room.message_count,
            Some(_) => events::last_message_n(self.0.db(), room.id, last_read_seq).await?,
        };
        let row = membership::Model {
            user_id,
            room_id: room.id,
            last_read_seq,
            last_read_n,
            notify: NotifyLevel::default(),
            joined_at: Utc::now(),
        };
        let keep = OnConflict::columns([membership::Column::UserId, membership::Column::RoomId]).do_nothing().to_owned();
        let txn = self.0.db().begin().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            // The room row first, as the writer takes it (then memberships):
            // a membership's key held while waiting for the room behind a
            // writer that upserts the same membership would be a deadlock.
            room::Entity::find_by_id(room.id).lock_shared().one(&txn).await?;
        }
        let inserted = membership::Entity::insert(membership::ActiveModel::from(row.clone()))
            .on_conflict(keep)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        if inserted > 0 && last_read_seq > 0 {
            // A first visit reads the room at once: its readers see it ("Seen by").
            self.0
                .appender()
                .announce_read(ReadMarker { user_id, room: room_name.to_owned(), thread: None, seq: last_read_seq })
                .await;
        }
        Ok(Some((row, inserted > 0)))
    }

    /// Takes the room out of the user's list (its history stays). False when it was not there.
    pub async fn leave_room(&self, user_id: i64, room_name: &str) -> Result<bool, StoreError> {
        let Some(room) = find_room(self.0.db(), room_name).await? else { return Ok(false) };
        let deleted = membership::Entity::delete_many()
            .filter(membership::Column::UserId.eq(user_id))
            .filter(membership::Column::RoomId.eq(room.id))
            .exec(self.0.db())
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Sets how loudly the room notifies the user. False when it is not in their list.
    pub async fn set_notify(&self, user_id: i64, room_name: &str, level: NotifyLevel) -> Result<bool, StoreError> {
        let Some(room) = find_room(self.0.db(), room_name).await? else { return Ok(false) };
        let updated = membership::Entity::update_many()
            .col_expr(membership::Column::Notify, sea_orm::sea_query::Expr::value(level))
            .filter(membership::Column::UserId.eq(user_id))
            .filter(membership::Column::RoomId.eq(room.id))
            .exec(self.0.db())
            .await?;
        Ok(updated.rows_affected > 0)
    }

    /// Queues a read marker to the writer (it only ever moves forward).
    pub async fn mark_read(&self, marker: ReadMarker) {
        self.0.appender().mark_read(marker).await;
    }

    /// The user's rooms with their counts: unread rooms first, then the most
    /// recently active; with each one's newest message when `previews` (the
    /// lobby's list and `GET /api/rooms/`, not the sidebar or the inbox).
    pub async fn rooms_of(&self, user_id: i64, previews: bool) -> Result<Vec<RoomStatus>, StoreError> {
        let rows = status_rows(self.0, user_id, None).await?;
        let direct: Vec<i64> = rows.iter().filter(|row| row.kind == RoomKind::Direct).map(|row| row.room_id).collect();
        let mut partners = self.0.rooms().partners(user_id, &direct).await?;
        let mut latest = if previews { self.latest(user_id, &rows).await? } else { HashMap::new() };
        let mut rooms: Vec<RoomStatus> = rows
            .into_iter()
            .map(|row| {
                let with = partners.remove(&row.room_id);
                let newest = latest.remove(&row.room_id);
                row.into_status(with, newest)
            })
            .collect();
        rooms.sort_by(|a, b| (b.unread > 0).cmp(&(a.unread > 0)).then_with(|| b.last_activity.cmp(&a.last_activity)));
        Ok(rooms)
    }

    /// One room of the user's list with its counts, if it is in the list.
    pub async fn room_status(&self, user_id: i64, room_name: &str) -> Result<Option<RoomStatus>, StoreError> {
        let Some(row) = status_rows(self.0, user_id, Some(room_name)).await?.into_iter().next() else { return Ok(None) };
        let with = match row.kind == RoomKind::Direct {
            true => self.0.rooms().partners(user_id, &[row.room_id]).await?.into_values().next(),
            false => None,
        };
        Ok(Some(row.into_status(with, None)))
    }

    /// The seqs after `after` of the messages of `room_name` that mention the user.
    pub async fn unread_mentions(&self, user_id: i64, room_name: &str, after: i64) -> Result<Vec<i64>, StoreError> {
        let Some(room) = find_room(self.0.db(), room_name).await? else { return Ok(Vec::new()) };
        Ok(self.mention_seqs(user_id, room.id, after).await?)
    }

    /// The unread mentions of the user in a room: in its timeline after
    /// `after`, in a followed thread after the thread's own marker.
    async fn mention_seqs(&self, user_id: i64, room_id: i64, after: i64) -> Result<Vec<i64>, DbErr> {
        let sql = format!(
            "SELECT mention.seq AS seq FROM mention {UNREAD_MENTION_JOINS} \
             WHERE mention.user_id = ? AND mention.room_id = ? AND mention.seq > {} ORDER BY mention.seq",
            unread_after("?")
        );
        let rows =
            self.0.db().query_all_raw(statement(self.0.db(), &sql, [user_id.into(), room_id.into(), after.into()])).await?;
        rows.iter().map(|row| row.try_get::<i64>("", "seq")).collect()
    }

    /// The usernames of a room's members, sorted (for `@` completion), each
    /// with what its account is (bots and webhooks show a badge).
    pub async fn members(&self, room_name: &str) -> Result<Vec<(String, AccountKind)>, StoreError> {
        let Some(room) = find_room(self.0.db(), room_name).await? else { return Ok(Vec::new()) };
        let names = membership::Entity::find()
            .select_only()
            .column(user::Column::Username)
            .column(user::Column::Kind)
            .inner_join(user::Entity)
            .filter(membership::Column::RoomId.eq(room.id))
            .order_by_asc(user::Column::Username)
            .into_tuple::<(String, AccountKind)>()
            .all(self.0.db())
            .await?;
        Ok(names)
    }

    /// The ids of the members of room `room_id` (who may read a private or direct room).
    pub(super) async fn member_ids(&self, room_id: i64) -> Result<std::collections::HashSet<i64>, DbErr> {
        let ids = membership::Entity::find()
            .select_only()
            .column(membership::Column::UserId)
            .filter(membership::Column::RoomId.eq(room_id))
            .into_tuple::<i64>()
            .all(self.0.db())
            .await?;
        Ok(ids.into_iter().collect())
    }

    /// The newest message of each of `rows`' rooms, by room id: from the
    /// rooms' cached newest pages (which the writer's events keep fresh on
    /// every instance), and from the database only for rooms the cache cannot
    /// answer for.
    async fn latest(&self, user_id: i64, rows: &[StatusRow]) -> Result<HashMap<i64, Latest>, DbErr> {
        let mut found = HashMap::new();
        let mut unknown = false;
        for row in rows {
            match self.0.cached_latest(&row.name).await? {
                Some(Some(latest)) => {
                    found.insert(row.room_id, latest);
                }
                Some(None) => {}
                None => unknown = true,
            }
        }
        if unknown {
            let mut stored = self.latest_messages(user_id).await?;
            for row in rows {
                if let (false, Some(latest)) = (found.contains_key(&row.room_id), stored.remove(&row.room_id)) {
                    found.insert(row.room_id, latest);
                }
            }
        }
        Ok(found)
    }

    /// The newest message of each of the user's rooms that it may read, by
    /// room id (deleted ones are never a preview). Each room's is found from
    /// the newest end of its `(room_id, seq)` index.
    async fn latest_messages(&self, user_id: i64) -> Result<HashMap<i64, Latest>, DbErr> {
        let sql = format!(
            r#"SELECT m.room_id AS room_id, m.seq AS seq, u.username AS sender, u.kind AS sender_kind, m.text AS text FROM membership mine
               JOIN room r ON r.id = mine.room_id
               JOIN message m ON m.id = (SELECT x.id FROM message x WHERE x.room_id = mine.room_id
                   AND x.kind = 'message' AND NOT x.deleted AND x.n IS NOT NULL ORDER BY x.seq DESC LIMIT 1)
               LEFT JOIN "user" u ON u.id = m.sender_id
               WHERE mine.user_id = ? AND {}"#,
            policy::readable_sql::readable_rooms("r")
        );
        let rows = self.0.db().query_all_raw(statement(self.0.db(), &sql, [user_id.into(), user_id.into()])).await?;
        rows.iter()
            .map(|row| {
                let text: String = row.try_get("", "text")?;
                let kind: Option<String> = row.try_get("", "sender_kind")?;
                let latest = Latest {
                    seq: row.try_get("", "seq")?,
                    sender: row.try_get::<Option<String>>("", "sender")?.unwrap_or_default(),
                    text: text.chars().take(REPLY_QUOTE_CHARS).collect(),
                    bot: kind.and_then(|kind| kind.parse::<AccountKind>().ok()).is_some_and(AccountKind::is_bot),
                };
                Ok((row.try_get::<i64>("", "room_id")?, latest))
            })
            .collect()
    }
}

/// What a mention's unread state needs: its message (in the timeline, or a
/// thread) and the mentioned user's follow of that thread.
const UNREAD_MENTION_JOINS: &str = "JOIN message mx ON mx.room_id = mention.room_id AND mx.seq = mention.seq \
     LEFT JOIN thread_follow tf ON tf.user_id = mention.user_id AND tf.room_id = mention.room_id AND tf.thread = mx.thread";

/// The marker a mention is unread after: a followed thread's own for a reply
/// kept in it, else the room's (`room_marker`). Mentions count everywhere, and
/// are read where they were read.
fn unread_after(room_marker: &str) -> String {
    format!("(CASE WHEN mx.n IS NULL AND tf.last_read_seq IS NOT NULL THEN tf.last_read_seq ELSE {room_marker} END)")
}

/// A membership row's count of unread messages that mention its user: a
/// column of [`status_rows`], one range of the mention index per room.
static UNREAD_MENTIONS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "(SELECT COUNT(*) FROM mention {UNREAD_MENTION_JOINS} \
          WHERE mention.user_id = membership.user_id AND mention.room_id = membership.room_id AND mention.seq > {})",
        unread_after("membership.last_read_seq")
    )
});

/// The user's memberships joined with their rooms (one room, when named),
/// with their unread mentions: the one query behind a list of rooms.
async fn status_rows(store: &Store, user_id: i64, room_name: Option<&str>) -> Result<Vec<StatusRow>, DbErr> {
    let mut query = membership::Entity::find()
        .select_only()
        .column_as(room::Column::Id, "room_id")
        .column(room::Column::Name)
        .column(room::Column::LastSeq)
        .column(room::Column::MessageCount)
        .column(room::Column::LastActivity)
        .column(membership::Column::LastReadSeq)
        .column(membership::Column::LastReadN)
        .column(membership::Column::Notify)
        .column(room::Column::Kind)
        .column(room::Column::Title)
        .column_as(Expr::cust(UNREAD_MENTIONS.as_str()), "mentions")
        .inner_join(room::Entity)
        .filter(membership::Column::UserId.eq(user_id));
    if let Some(name) = room_name {
        query = query.filter(room::Column::Name.eq(name));
    }
    query.into_model::<StatusRow>().all(store.db()).await
}

/// Which of the (user, room) pairs `wanted` are memberships (one query; none for none).
pub(in crate::server::storage) async fn members_among(
    txn: &impl ConnectionTrait,
    wanted: &[(i64, i64)],
) -> Result<HashSet<(i64, i64)>, DbErr> {
    if wanted.is_empty() {
        return Ok(HashSet::new());
    }
    let any = wanted.iter().fold(sea_orm::Condition::any(), |any, &(user_id, room_id)| {
        any.add(sea_orm::sea_query::ExprTrait::and(
            membership::Column::UserId.eq(user_id),
            membership::Column::RoomId.eq(room_id),
        ))
    });
    Ok(membership::Entity::find()
        .select_only()
        .columns([membership::Column::UserId, membership::Column::RoomId])
        .filter(any)
        .into_tuple::<(i64, i64)>()
        .all(txn)
        .await?
        .into_iter()
        .collect())
}
