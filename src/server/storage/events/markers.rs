//! Read markers: a user has seen a room (or a thread they follow) up to a
//! `seq`. Moved forward only (never back, never past the room's newest event);
//! a room's with the `n` of the newest message read, so that unread counts are
//! a subtraction. A marker that moves closes the pushed notifications of
//! what it covers, and is shown to the room's other readers ("Seen by") when
//! the room is small and the reader shares reads ([`shared`]).

use std::collections::{BTreeMap, HashMap};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use super::{
    pushes,
    seqs::{Lock, begin_writing, rooms_named},
};
use crate::{
    entity::{membership, message, thread_follow},
    protocol::{SEEN_BY_MAX_MEMBERS, SeenRead},
    server::storage::db::statement,
};

/// A user has seen a room (or with `thread`, the thread of that root) up to `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadMarker {
    pub user_id: i64,
    pub room: String,
    pub thread: Option<i64>,
    pub seq: i64,
}

/// Moves each marker's membership forward (never back, never past the room's
/// newest `seq`) in one transaction, with the `n` of the newest message read;
/// returns the markers that moved, with the `seq` stored.
pub async fn mark_read(db: &DatabaseConnection, markers: &[ReadMarker]) -> Result<Vec<ReadMarker>, DbErr> {
    let mut newest: BTreeMap<(i64, &str, Option<i64>), i64> = BTreeMap::new();
    for marker in markers {
        let seq = newest.entry((marker.user_id, marker.room.as_str(), marker.thread)).or_default();
        *seq = Ord::max(*seq, marker.seq);
    }
    let now = chrono::Utc::now();
    let txn = begin_writing(db).await?;
    let rooms = rooms_named(&txn, newest.keys().map(|(_, room, _)| *room), Lock::None).await?;
    let mut moved = Vec::new();
    for ((user_id, room_name, thread), seq) in newest {
        let Some(room) = rooms.get(room_name) else { continue };
        let seq = Ord::min(seq, room.last_seq);
        if let Some(root) = thread {
            // Only a followed thread keeps a marker.
            let updated = thread_follow::Entity::update_many()
                .col_expr(thread_follow::Column::LastReadSeq, Expr::value(seq))
                .filter(thread_follow::Column::UserId.eq(user_id))
                .filter(thread_follow::Column::RoomId.eq(room.id))
                .filter(thread_follow::Column::Thread.eq(root))
                .filter(thread_follow::Column::LastReadSeq.lt(seq))
                .exec(&txn)
                .await?;
            if updated.rows_affected > 0 {
                pushes::close_read(&txn, user_id, room.id, thread, seq, now).await?;
                moved.push(ReadMarker { user_id, room: room_name.to_owned(), thread, seq });
            }
            continue;
        }
        let n = last_message_n(&txn, room.id, seq).await?;
        let updated = membership::Entity::update_many()
            .col_expr(membership::Column::LastReadSeq, Expr::value(seq))
            .col_expr(membership::Column::LastReadN, Expr::value(n))
            .filter(membership::Column::UserId.eq(user_id))
            .filter(membership::Column::RoomId.eq(room.id))
            .filter(membership::Column::LastReadSeq.lt(seq))
            .exec(&txn)
            .await?;
        if updated.rows_affected > 0 {
            pushes::close_read(&txn, user_id, room.id, None, seq, now).await?;
            moved.push(ReadMarker { user_id, room: room_name.to_owned(), thread: None, seq });
        }
    }
    txn.commit().await?;
    Ok(moved)
}

/// The `n` of the newest message at or before `seq` in a room (0 for none).
pub async fn last_message_n(db: &impl ConnectionTrait, room_id: i64, seq: i64) -> Result<i64, DbErr> {
    let n = message::Entity::find()
        .select_only()
        .column(message::Column::N)
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.lte(seq))
        .filter(message::Column::N.is_not_null())
        .order_by_desc(message::Column::Seq)
        .limit(1)
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?;
    Ok(n.flatten().unwrap_or(0))
}

/// Which of the readers and rooms of a batch of moved markers may be shown:
/// the reader shares reads, and the room is direct or small. One statement
/// per batch, whatever its size (`?` lists filled in by [`shared`]).
const SHOWN_OF_BATCH: &str = r#"SELECT u.id AS user_id, u.username AS username, r.name AS room FROM membership ms
    JOIN room r ON r.id = ms.room_id JOIN "user" u ON u.id = ms.user_id
    WHERE ms.user_id IN (USERS) AND r.name IN (ROOMS) AND u.share_reads AND NOT u.deactivated
    AND (r.kind = 'direct' OR (SELECT COUNT(*) FROM membership c WHERE c.room_id = r.id) <= ?)"#;

/// Of markers that just moved, those others may be shown, with the room they
/// are in: the reader shares reads and the room is small.
pub async fn shared(db: &impl ConnectionTrait, moved: &[ReadMarker]) -> Result<Vec<(String, SeenRead)>, DbErr> {
    if moved.is_empty() {
        return Ok(Vec::new());
    }
    let mut users: Vec<i64> = moved.iter().map(|m| m.user_id).collect();
    users.sort_unstable();
    users.dedup();
    let mut rooms: Vec<&str> = moved.iter().map(|m| m.room.as_str()).collect();
    rooms.sort_unstable();
    rooms.dedup();
    let marks = |n: usize| vec!["?"; n].join(", ");
    let sql = SHOWN_OF_BATCH.replace("USERS", &marks(users.len())).replace("ROOMS", &marks(rooms.len()));
    let mut values: Vec<sea_orm::Value> = users.into_iter().map(Into::into).collect();
    values.extend(rooms.into_iter().map(Into::into));
    values.push((SEEN_BY_MAX_MEMBERS as i64).into());
    let mut shown: HashMap<(i64, String), String> = HashMap::new();
    for row in db.query_all_raw(statement(db, &sql, values)).await? {
        shown.insert((row.try_get("", "user_id")?, row.try_get("", "room")?), row.try_get("", "username")?);
    }
    Ok(moved
        .iter()
        .filter_map(|marker| {
            let user = shown.get(&(marker.user_id, marker.room.clone()))?;
            Some((marker.room.clone(), SeenRead { user: user.clone(), seq: marker.seq }))
        })
        .collect())
}
