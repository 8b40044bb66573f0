//! Read markers: a user has seen a room (or a thread they follow) up to a
//! `seq`. Moved forward only (never back, never past the room's newest event);
//! a room's with the `n` of the newest message read, so that unread counts are
//! a subtraction. A marker that moves closes the pushed notifications of
//! what it covers.

use std::collections::BTreeMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use super::{
    pushes,
    seqs::{Lock, begin_writing, rooms_named},
};
use crate::entity::{membership, message, thread_follow};

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
