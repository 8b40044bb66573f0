//! What a batch's thread replies do: their roots' summaries are counted, and
//! who follows the thread changes: the sender
//! follows it, read up to their reply; the root's author follows it when its
//! first reply arrives; everyone the reply mentions follows it, with the reply
//! unread. An explicit unfollow stands until one replies or is mentioned again.
//! In a private or direct room only its members follow (the root's author may
//! have left), and nobody whose access ends in the same batch.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

use super::{slot::Slot, targets::Loaded};
use crate::{
    entity::{message, room, thread_follow},
    protocol::{InThread, RoomKind, ThreadSummary, format_timestamp},
    server::storage::{db::insert_chunked, writes::NewEvent},
};

/// A follow to write: (user, room, root) with the marker it starts at and the
/// batch's event that brings it.
type Follow = ((i64, i64, i64), (i64, usize));

/// Records the follows of the batch's new thread replies (see the module);
/// returns, per event of the batch, who starts following with it (besides its sender).
pub async fn record(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    slots: &[Slot],
    mentioned: &[Vec<(i64, String)>],
    rooms: &HashMap<String, room::Model>,
    loaded: &Loaded,
    now: DateTime<Utc>,
) -> Result<Vec<Vec<i64>>, DbErr> {
    let ended = super::read_state::access_ended(batch, slots);
    // Repliers: read up to their newest reply. Others: unread from the first
    // reply that brought them in.
    let mut repliers: BTreeMap<(i64, i64, i64), i64> = BTreeMap::new();
    let mut brought_in: BTreeMap<(i64, i64, i64), (i64, usize)> = BTreeMap::new();
    for (i, ((event, slot), mentioned)) in batch.iter().zip(slots).zip(mentioned).enumerate() {
        let (&Slot::New { room_id, seq, .. }, Some(InThread { root, .. })) = (slot, event.body.thread()) else { continue };
        let sender = event.sender.id;
        if !ended.contains(&(sender, room_id)) {
            let newest = repliers.entry((sender, room_id, root)).or_default();
            *newest = Ord::max(*newest, seq);
        }
        let author = loaded.targets.get(&(room_id, root)).filter(|root| root.replies == 0).and_then(|root| root.sender_id);
        let others = mentioned.iter().map(|(user_id, _)| *user_id).chain(author);
        for user_id in others.filter(|user_id| *user_id != sender && !ended.contains(&(*user_id, room_id))) {
            brought_in.entry((user_id, room_id, root)).or_insert((seq - 1, i));
        }
    }
    let closed: HashSet<i64> = rooms.values().filter(|room| room.kind != RoomKind::Public).map(|room| room.id).collect();
    let brought_in = members_only(txn, brought_in.into_iter().collect(), &closed).await?;
    let mut followers = vec![Vec::new(); batch.len()];
    for ((user_id, ..), (_, i)) in &brought_in {
        followers[*i].push(*user_id);
    }
    let brought_in = brought_in.into_iter().map(|(key, (last_read_seq, _))| (key, last_read_seq));
    let follow = |((user_id, room_id, thread), last_read_seq): ((i64, i64, i64), i64)| thread_follow::ActiveModel {
        user_id: Set(user_id),
        room_id: Set(room_id),
        thread: Set(thread),
        last_read_seq: Set(last_read_seq),
        followed_at: Set(now),
    };
    let key = [thread_follow::Column::UserId, thread_follow::Column::RoomId, thread_follow::Column::Thread];
    if !repliers.is_empty() {
        let read_on = OnConflict::columns(key)
            .update_column(thread_follow::Column::LastReadSeq)
            .action_and_where(
                Expr::col((Alias::new("excluded"), thread_follow::Column::LastReadSeq))
                    .gt(Expr::col((thread_follow::Entity, thread_follow::Column::LastReadSeq))),
            )
            .to_owned();
        insert_chunked(txn, repliers.into_iter().map(follow), Some(&read_on)).await?;
    }
    if followers.iter().any(|users| !users.is_empty()) {
        // Following already: their own marker stands.
        let keep = OnConflict::columns(key).do_nothing().to_owned();
        insert_chunked(txn, brought_in.map(follow), Some(&keep)).await?;
    }
    Ok(followers)
}

/// `follows` without those in a private or direct room (`closed`) who are not its members.
async fn members_only(txn: &impl ConnectionTrait, follows: Vec<Follow>, closed: &HashSet<i64>) -> Result<Vec<Follow>, DbErr> {
    let wanted: Vec<(i64, i64)> = follows
        .iter()
        .map(|((user_id, room_id, _), _)| (*user_id, *room_id))
        .filter(|(_, room_id)| closed.contains(room_id))
        .collect();
    if wanted.is_empty() {
        return Ok(follows);
    }
    let members = crate::server::storage::memberships::members_among(txn, &wanted).await?;
    Ok(follows
        .into_iter()
        .filter(|((user_id, room_id, _), _)| !closed.contains(room_id) || members.contains(&(*user_id, *room_id)))
        .collect())
}

/// Counts the batch's new replies in their roots' summaries, by the rule
/// browsers fold live replies with ([`ThreadSummary::add_reply`]): one update
/// per root however many replies the batch brings it.
pub async fn count_replies(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    slots: &[Slot],
    loaded: &Loaded,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let at = format_timestamp(now);
    let mut summaries: BTreeMap<(i64, i64), ThreadSummary> = BTreeMap::new();
    for (event, slot) in batch.iter().zip(slots) {
        let (&Slot::New { room_id, seq, .. }, Some(InThread { root, .. })) = (slot, event.body.thread()) else { continue };
        let before = summaries.get(&(room_id, root)).cloned().or_else(|| loaded.targets.get(&(room_id, root))?.summary.clone());
        summaries.insert((room_id, root), ThreadSummary::add_reply(before.as_ref(), seq, &event.sender.username, &at));
    }
    for ((room_id, root), summary) in summaries {
        message::Entity::update_many()
            .col_expr(message::Column::ReplyCount, Expr::value(summary.count))
            .col_expr(message::Column::LastReplySeq, Expr::value(summary.last_seq))
            .col_expr(message::Column::LastReplyAt, Expr::value(now))
            .col_expr(message::Column::Participants, Expr::value(summary.participants.join(",")))
            .filter(message::Column::RoomId.eq(room_id))
            .filter(message::Column::Seq.eq(root))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Whether the batch has a message replying in a thread (else there is nothing to record).
pub fn any_reply(batch: &[&NewEvent]) -> bool {
    batch.iter().any(|event| event.body.thread().is_some())
}
