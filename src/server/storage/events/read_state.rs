//! What a batch's new messages do to memberships: each sender has read up to
//! their newest message (their membership is created if needed), and each
//! mentioned user gets a mention and, if the room was not in their list, a
//! membership with the mentioning message unread.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ConnectionTrait, DbErr,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

use super::slot::Slot;
use crate::{
    entity::{membership, mention},
    protocol::{EventBody, NotifyLevel},
    server::storage::{db::insert_chunked, writes::NewEvent},
};

/// Records the batch's new messages in memberships and mentions: each sender's
/// membership of the room moves to its newest message (created if needed); each
/// mentioned user gets a mention and, if the room was not in their list, a
/// membership with the mentioning message unread. A user whose access to a
/// room ends in this batch gets none of that there: the end of access wins
/// over everything else in its batch (their earlier message, a mention judged
/// before the removal), or it would write their membership back.
pub async fn record(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    slots: &[Slot],
    mentioned: &[Vec<(i64, String)>],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut read_up_to: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
    let mut mention_rows = Vec::new();
    let mut joined_by_mention: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
    let ended = access_ended(batch, slots);
    for ((event, slot), mentioned) in batch.iter().zip(slots).zip(mentioned) {
        let Slot::New { room_id, seq, n, timeline_n, .. } = *slot else { continue };
        if !event.body.is_message() {
            continue;
        }
        // A reply kept in its thread is read there (`storage::events::thread_replies`),
        // not in the room's timeline.
        if let Some(n) = n
            && !ended.contains(&(event.sender.id, room_id))
        {
            let newest = read_up_to.entry((event.sender.id, room_id)).or_default();
            *newest = Ord::max(*newest, (seq, n));
        }
        // Unread from the mentioning message on (or, in a thread, its timeline up to it read).
        let read_before = (seq - 1, if n.is_some() { timeline_n - 1 } else { timeline_n });
        let others = mentioned.iter().filter(|(user_id, _)| *user_id != event.sender.id);
        for &(user_id, _) in others.filter(|(user_id, _)| !ended.contains(&(*user_id, room_id))) {
            mention_rows.push(mention::ActiveModel { user_id: Set(user_id), room_id: Set(room_id), seq: Set(seq) });
            joined_by_mention.entry((user_id, room_id)).or_insert(read_before);
        }
    }
    let membership = |(user_id, room_id): (i64, i64), (last_read_seq, last_read_n): (i64, i64)| membership::ActiveModel {
        user_id: Set(user_id),
        room_id: Set(room_id),
        last_read_seq: Set(last_read_seq),
        last_read_n: Set(last_read_n),
        notify: Set(NotifyLevel::default()),
        joined_at: Set(now),
    };
    if !read_up_to.is_empty() {
        let moved_on = OnConflict::columns([membership::Column::UserId, membership::Column::RoomId])
            .update_columns([membership::Column::LastReadSeq, membership::Column::LastReadN])
            .action_and_where(
                Expr::col((Alias::new("excluded"), membership::Column::LastReadSeq))
                    .gt(Expr::col((membership::Entity, membership::Column::LastReadSeq))),
            )
            .to_owned();
        insert_chunked(txn, read_up_to.into_iter().map(|(key, read)| membership(key, read)), Some(&moved_on)).await?;
    }
    if !mention_rows.is_empty() {
        insert_chunked(txn, mention_rows, None).await?;
        let already_member =
            OnConflict::columns([membership::Column::UserId, membership::Column::RoomId]).do_nothing().to_owned();
        insert_chunked(txn, joined_by_mention.into_iter().map(|(key, read)| membership(key, read)), Some(&already_member))
            .await?;
    }
    Ok(())
}

/// The (user, room) pairs whose access ends with this batch: the last
/// accepted membership change of the pair in the batch takes it away.
pub(super) fn access_ended(batch: &[&NewEvent], slots: &[Slot]) -> HashSet<(i64, i64)> {
    let mut ended = HashSet::new();
    for (event, slot) in batch.iter().zip(slots) {
        let (Slot::New { room_id, .. }, EventBody::Membership(body)) = (slot, &event.body) else { continue };
        let (user_id, change) = (&body.user_id, &body.change);
        if change.ends_access() {
            ended.insert((*user_id, *room_id));
        } else {
            ended.remove(&(*user_id, *room_id));
        }
    }
    ended
}
