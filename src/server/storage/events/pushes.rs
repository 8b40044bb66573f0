//! Web Push's outbox rows, written in the batch's own transaction, so that a
//! committed message is pushed even if the server dies right after (the
//! worker, `server::push`, delivers them). Who is pushed a new message is
//! decided by the room's notification level, as the open tab would notify:
//! `all` — every message of the timeline, and the replies of threads one
//! follows; `mentions` — messages that mention one; a direct room — every
//! message. Never the sender, never someone whose access ends in the batch.
//! An edit or deletion of a message that was pushed queues an update or a
//! close of its notification. Whether the user is away (no socket open) is
//! judged when the row is delivered, not here.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, sea_query::OnConflict};

use super::{read_state::access_ended, slot::Slot};
use crate::protocol::events::{deletion, edit, message};
use crate::{
    entity::{push_outbox, room},
    protocol::{EventBody, NotifyLevel, RoomKind},
    server::storage::{
        db::{insert_chunked, statement},
        push::{PUSH_TTL, PushKind, PushState, Urgency},
        writes::NewEvent,
    },
};

/// A new message of the batch, as the outbox needs it.
struct NewMessage<'a> {
    room: &'a room::Model,
    seq: i64,
    /// In the room's timeline (not a reply kept in its thread).
    in_timeline: bool,
    thread: Option<i64>,
    sender: i64,
    mentioned: HashSet<i64>,
}

/// A subscribed member of one of the batch's rooms.
struct Subscriber {
    subscription: i64,
    user_id: i64,
    room_id: i64,
    level: NotifyLevel,
}

/// Queues the pushes the batch's new messages, edits and deletions cause.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    slots: &[Slot],
    mentioned: &[Vec<(i64, String)>],
    rooms: &HashMap<String, room::Model>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut messages = Vec::new();
    for ((event, slot), mentioned) in batch.iter().zip(slots).zip(mentioned) {
        let Slot::New { seq, .. } = *slot else { continue };
        let Some(room) = rooms.get(&event.room) else { continue };
        match &event.body {
            EventBody::Message(message::Body { thread, .. }) => messages.push(NewMessage {
                room,
                seq,
                in_timeline: event.body.in_timeline(),
                thread: thread.map(|thread| thread.root),
                sender: event.sender.id,
                mentioned: mentioned.iter().map(|(id, _)| *id).collect(),
            }),
            EventBody::Edit(edit::Body { target, .. }) => follow_up(txn, room.id, seq, *target, PushKind::Update, now).await?,
            EventBody::Deletion(deletion::Body { target }) => follow_up(txn, room.id, seq, *target, PushKind::Close, now).await?,
            _ => {}
        }
    }
    if messages.is_empty() {
        return Ok(());
    }
    let subscribers = subscribers(txn, &messages).await?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let follows = follows(txn, &messages, &subscribers).await?;
    let ended = access_ended(batch, slots);
    let now_ms = now.timestamp_millis();
    let mut rows = Vec::new();
    for message in &messages {
        for subscriber in subscribers.iter().filter(|s| s.room_id == message.room.id && s.user_id != message.sender) {
            if ended.contains(&(subscriber.user_id, message.room.id)) {
                continue;
            }
            let mentions_them = message.mentioned.contains(&subscriber.user_id);
            let direct = message.room.kind == RoomKind::Direct;
            let follows_thread =
                message.thread.is_some_and(|root| follows.contains(&(subscriber.user_id, message.room.id, root)));
            let wanted = match subscriber.level {
                NotifyLevel::None => false,
                NotifyLevel::Mentions => mentions_them || direct,
                NotifyLevel::All => mentions_them || direct || message.in_timeline || follows_thread,
            };
            if !wanted {
                continue;
            }
            let urgency = if mentions_them || direct { Urgency::High } else { Urgency::Normal };
            rows.push(push_outbox::ActiveModel {
                subscription_id: Set(subscriber.subscription),
                user_id: Set(subscriber.user_id),
                room_id: Set(Some(message.room.id)),
                seq: Set(message.seq),
                target_seq: Set(message.seq),
                thread: Set(message.thread),
                kind: Set(PushKind::Message.as_str().to_owned()),
                urgency: Set(urgency.as_str().to_owned()),
                state: Set(PushState::Pending.as_str().to_owned()),
                closed: Set(false),
                attempts: Set(0),
                cut: Set(false),
                due_at: Set(now_ms),
                expires_at: Set(now_ms + PUSH_TTL.as_millis() as i64),
                lease_until: Set(None),
                created_at: Set(now_ms),
                ..Default::default()
            });
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let once = OnConflict::columns([
        push_outbox::Column::SubscriptionId,
        push_outbox::Column::RoomId,
        push_outbox::Column::Seq,
        push_outbox::Column::Kind,
    ])
    .do_nothing()
    .to_owned();
    insert_chunked(txn, rows, Some(&once)).await
}

/// The head of an `INSERT … SELECT` of follow-up rows (updates, closes)
/// made from the rows they follow.
const INSERT_FOLLOW_UP: &str = "INSERT INTO push_outbox (subscription_id, user_id, room_id, seq, target_seq, thread, kind, \
     urgency, state, closed, attempts, cut, due_at, expires_at, created_at)";

/// The rows a change or a read follows up: pushes sent, or being sent now
/// (claimed: their outcome is not known yet, and may be a notification shown).
const SHOWN: &str = "(state = 'sent' OR (state = 'pending' AND lease_until IS NOT NULL))";

/// The subscriptions of the members of the messages' rooms whose sessions
/// are live, with each member's notification level there.
async fn subscribers(txn: &impl ConnectionTrait, messages: &[NewMessage<'_>]) -> Result<Vec<Subscriber>, DbErr> {
    let room_ids: BTreeSet<i64> = messages.iter().map(|message| message.room.id).collect();
    let marks = vec!["?"; room_ids.len()].join(", ");
    let sql = format!(
        "SELECT s.id AS subscription, s.user_id AS user_id, m.room_id AS room_id, m.notify AS notify \
         FROM push_subscription s JOIN membership m ON m.user_id = s.user_id \
         JOIN device d ON d.handle = s.device_handle JOIN session se ON se.id = d.session_id \
         WHERE se.expires_at > ? AND m.room_id IN ({marks})"
    );
    let now = chrono::Utc::now().timestamp();
    let values = std::iter::once(now.into()).chain(room_ids.into_iter().map(Into::into));
    let rows = txn.query_all_raw(statement(txn, &sql, values)).await?;
    rows.iter()
        .map(|row| {
            let notify: String = row.try_get("", "notify")?;
            Ok(Subscriber {
                subscription: row.try_get("", "subscription")?,
                user_id: row.try_get("", "user_id")?,
                room_id: row.try_get("", "room_id")?,
                level: notify.parse().unwrap_or_default(),
            })
        })
        .collect()
}

/// Which subscribers follow which of the messages' threads: (user, room, root).
async fn follows(
    txn: &impl ConnectionTrait,
    messages: &[NewMessage<'_>],
    subscribers: &[Subscriber],
) -> Result<HashSet<(i64, i64, i64)>, DbErr> {
    let threads: BTreeSet<(i64, i64)> = messages.iter().filter_map(|message| Some((message.room.id, message.thread?))).collect();
    if threads.is_empty() {
        return Ok(HashSet::new());
    }
    let users: BTreeSet<i64> = subscribers.iter().map(|subscriber| subscriber.user_id).collect();
    let marks = |n: usize| vec!["?"; n].join(", ");
    let rooms: BTreeSet<i64> = threads.iter().map(|(room_id, _)| *room_id).collect();
    let sql = format!(
        "SELECT user_id, room_id, thread FROM thread_follow WHERE user_id IN ({}) AND room_id IN ({})",
        marks(users.len()),
        marks(rooms.len())
    );
    let values = users.into_iter().chain(rooms).map(Into::into);
    let rows = txn.query_all_raw(statement(txn, &sql, values)).await?;
    let mut found = HashSet::new();
    for row in rows {
        let key = (row.try_get("", "user_id")?, row.try_get("", "room_id")?, row.try_get("", "thread")?);
        if threads.contains(&(key.1, key.2)) {
            found.insert(key);
        }
    }
    Ok(found)
}

/// An edit (`Update`) or deletion (`Close`) of message `target`: every
/// subscription its notification was pushed to, and not closed since, gets
/// the change; a deletion also closes the notification and drops its pushes
/// still waiting.
async fn follow_up(
    txn: &impl ConnectionTrait,
    room_id: i64,
    seq: i64,
    target: i64,
    kind: PushKind,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let now_ms = now.timestamp_millis();
    let insert = format!(
        "{INSERT_FOLLOW_UP} SELECT DISTINCT subscription_id, user_id, room_id, ?, target_seq, thread, ?, ?, ?, ?, 0, ?, ?, ?, ? \
         FROM push_outbox WHERE room_id = ? AND target_seq = ? AND kind = ? AND {SHOWN} AND closed = ? \
         ON CONFLICT DO NOTHING"
    );
    let urgency = if kind == PushKind::Close { Urgency::Low } else { Urgency::Normal };
    let values: Vec<sea_orm::Value> = vec![
        seq.into(),
        kind.as_str().into(),
        urgency.as_str().into(),
        PushState::Pending.as_str().into(),
        false.into(),
        false.into(),
        now_ms.into(),
        (now_ms + PUSH_TTL.as_millis() as i64).into(),
        now_ms.into(),
        room_id.into(),
        target.into(),
        PushKind::Message.as_str().into(),
        false.into(),
    ];
    txn.execute_raw(statement(txn, &insert, values)).await?;
    if kind == PushKind::Close {
        let close = "UPDATE push_outbox SET closed = ? WHERE room_id = ? AND target_seq = ? AND kind = ?";
        let values: [sea_orm::Value; 4] = [true.into(), room_id.into(), target.into(), PushKind::Message.as_str().into()];
        txn.execute_raw(statement(txn, close, values)).await?;
        let drop_waiting =
            "UPDATE push_outbox SET state = ? WHERE room_id = ? AND target_seq = ? AND state = ? AND kind IN (?, ?)";
        let values: [sea_orm::Value; 6] = [
            PushState::Dropped.as_str().into(),
            room_id.into(),
            target.into(),
            PushState::Pending.as_str().into(),
            PushKind::Message.as_str().into(),
            PushKind::Update.as_str().into(),
        ];
        txn.execute_raw(statement(txn, drop_waiting, values)).await?;
    }
    Ok(())
}

/// A user read `room_id` (or, with `thread`, that thread) up to `seq`: the
/// notifications pushed for what they read are closed on every device, and
/// pushes of it still waiting are not sent.
pub async fn close_read(
    txn: &impl ConnectionTrait,
    user_id: i64,
    room_id: i64,
    thread: Option<i64>,
    seq: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let now_ms = now.timestamp_millis();
    // A room's read closes all its notifications (they share its tag); a
    // thread's, those of its replies.
    let in_thread = if thread.is_some() { " AND thread = ?" } else { "" };
    let scope = format!("user_id = ? AND room_id = ?{in_thread} AND target_seq <= ? AND kind = ?");
    let scoped = || -> Vec<sea_orm::Value> {
        let mut values: Vec<sea_orm::Value> = vec![user_id.into(), room_id.into()];
        values.extend(thread.map(Into::into));
        values.extend([seq.into(), PushKind::Message.as_str().into()]);
        values
    };
    // Closes first, from what was shown (or is being sent now); then what
    // still waits is not sent.
    let insert = format!(
        "{INSERT_FOLLOW_UP} SELECT subscription_id, user_id, room_id, ?, ?, MAX(thread), ?, ?, ?, ?, 0, ?, ?, ?, ? \
         FROM push_outbox WHERE {scope} AND {SHOWN} AND closed = ? GROUP BY subscription_id, user_id, room_id \
         ON CONFLICT DO NOTHING"
    );
    let mut values: Vec<sea_orm::Value> = vec![
        seq.into(),
        seq.into(),
        PushKind::Read.as_str().into(),
        Urgency::Low.as_str().into(),
        PushState::Pending.as_str().into(),
        false.into(),
        false.into(),
        now_ms.into(),
        (now_ms + PUSH_TTL.as_millis() as i64).into(),
        now_ms.into(),
    ];
    values.extend(scoped());
    values.push(false.into());
    txn.execute_raw(statement(txn, &insert, values)).await?;
    let closed = format!("UPDATE push_outbox SET closed = ? WHERE {scope} AND {SHOWN} AND closed = ?");
    let mut values = vec![true.into()];
    values.extend(scoped());
    values.push(false.into());
    txn.execute_raw(statement(txn, &closed, values)).await?;
    let skip = format!("UPDATE push_outbox SET state = ? WHERE {scope} AND state = ?");
    let mut values = vec![PushState::Skipped.as_str().into()];
    values.extend(scoped());
    values.push(PushState::Pending.as_str().into());
    txn.execute_raw(statement(txn, &skip, values)).await?;
    Ok(())
}
