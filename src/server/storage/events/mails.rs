//! The mail outbox's rows, written in the batch's own transaction: a new
//! message that mentions a user, or any message of a direct room, for each
//! recipient with a verified address who wants such mails — one row per
//! (user, room), later messages coalesced into it (its newest `seq`, how
//! many). Whether it is mailed (still unread after the delay, the user away,
//! the room still theirs) is judged by the worker (`server::mail`).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{read_state::access_ended, slot::Slot};
use crate::{
    entity::{email_address, mail_outbox, room},
    protocol::{EventBody, RoomKind},
    server::storage::{db::insert_chunked, writes::NewEvent},
};

/// Queues mails for the batch's new messages.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    slots: &[Slot],
    mentioned: &[Vec<(i64, String)>],
    rooms: &HashMap<String, room::Model>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let ended = access_ended(batch, slots);
    // (user, room) → (first seq, last seq, count)
    let mut wanted: BTreeMap<(i64, i64), (i64, i64, i32)> = BTreeMap::new();
    for ((event, slot), mentioned) in batch.iter().zip(slots).zip(mentioned) {
        let Slot::New { seq, .. } = *slot else { continue };
        let (EventBody::Message(_), Some(room)) = (&event.body, rooms.get(&event.room)) else { continue };
        let mut recipients: HashSet<i64> = mentioned.iter().map(|(id, _)| *id).collect();
        if room.kind == RoomKind::Direct {
            recipients.extend(direct_members(room));
        }
        recipients.remove(&event.sender.id);
        for user_id in recipients.into_iter().filter(|user_id| !ended.contains(&(*user_id, room.id))) {
            let entry = wanted.entry((user_id, room.id)).or_insert((seq, seq, 0));
            entry.0 = Ord::min(entry.0, seq);
            entry.1 = Ord::max(entry.1, seq);
            entry.2 += 1;
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let users: Vec<i64> = wanted.keys().map(|(user_id, _)| *user_id).collect();
    let mailable: HashSet<i64> = email_address::Entity::find()
        .select_only()
        .column(email_address::Column::UserId)
        .filter(email_address::Column::UserId.is_in(users))
        .filter(email_address::Column::Verified.eq(true))
        .filter(email_address::Column::Notify.eq(true))
        .into_tuple::<i64>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let rows: Vec<mail_outbox::ActiveModel> = wanted
        .into_iter()
        .filter(|((user_id, _), _)| mailable.contains(user_id))
        .map(|((user_id, room_id), (first, last, count))| mail_outbox::ActiveModel {
            user_id: Set(user_id),
            room_id: Set(room_id),
            first_seq: Set(first),
            last_seq: Set(last),
            count: Set(count),
            // The first unread message's time: the worker waits its delay from there.
            due_at: Set(now.timestamp_millis()),
            attempts: Set(0),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let coalesce = OnConflict::columns([mail_outbox::Column::UserId, mail_outbox::Column::RoomId])
        .value(mail_outbox::Column::LastSeq, Expr::col((EXCLUDED, mail_outbox::Column::LastSeq)))
        .value(
            mail_outbox::Column::Count,
            Expr::col((mail_outbox::Entity, mail_outbox::Column::Count)).add(Expr::col((EXCLUDED, mail_outbox::Column::Count))),
        )
        .to_owned();
    insert_chunked(txn, rows, Some(&coalesce)).await
}

/// The `excluded` row of an upsert (the one that was to be inserted).
#[derive(sea_orm::DeriveIden)]
struct Excluded;
const EXCLUDED: Excluded = Excluded;

/// The two members of a direct room, from its key (`"{smaller id}:{larger id}"`).
fn direct_members(room: &room::Model) -> Vec<i64> {
    room.direct_key.as_deref().map(|key| key.split(':').filter_map(|id| id.parse().ok()).collect()).unwrap_or_default()
}
