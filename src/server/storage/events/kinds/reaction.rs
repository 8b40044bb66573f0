//! A reaction toggled: the sender's `emoji` on a message that is not deleted
//! is added if it is not there, and taken back if it is (`react` and
//! `unreact` rows; the row's text is the emoji).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::{Fields, Refusal};
use crate::{
    entity::{message::EventKind, reaction},
    protocol::{ServerFrame, events::reaction as event},
    server::{
        policy::Action,
        storage::events::{event_rows::EventRow, targets::Loaded},
    },
};

/// What reacting needs of the policy.
pub const ACTION: Action = Action::React;

/// Whether the reaction is added (`true`) or taken back.
pub fn judge(room_id: i64, body: &event::Body, user_id: i64, loaded: &mut Loaded) -> Result<bool, Refusal> {
    if loaded.message(room_id, body.target)?.deleted {
        return Err(Refusal::Deleted);
    }
    let key = (room_id, body.target, user_id, body.emoji.clone());
    match loaded.reactions.iter().position(|r| *r == key) {
        Some(at) => {
            loaded.reactions.remove(at);
            Ok(false)
        }
        None => {
            loaded.reactions.push(key);
            Ok(true)
        }
    }
}

pub fn fields(target: i64, emoji: &str, on: bool) -> Fields {
    let kind = if on { EventKind::React } else { EventKind::Unreact };
    Fields { kind, text: emoji.to_owned(), target: Some(target), reply_to: None }
}

pub async fn apply(
    txn: &impl ConnectionTrait,
    room_id: i64,
    body: &event::Body,
    user_id: i64,
    on: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let event::Body { target, ref emoji } = *body;
    if on {
        let added = reaction::ActiveModel {
            room_id: Set(room_id),
            target: Set(target),
            user_id: Set(user_id),
            emoji: Set(emoji.clone()),
            created_at: Set(now),
        };
        reaction::Entity::insert(added).exec_without_returning(txn).await?;
    } else {
        reaction::Entity::delete_many()
            .filter(reaction::Column::RoomId.eq(room_id))
            .filter(reaction::Column::Target.eq(target))
            .filter(reaction::Column::UserId.eq(user_id))
            .filter(reaction::Column::Emoji.eq(emoji))
            .exec(txn)
            .await?;
    }
    Ok(())
}

pub fn frame(row: EventRow, room: &str) -> ServerFrame {
    ServerFrame::Reaction(event::Frame {
        room: room.to_owned(),
        seq: row.seq,
        target: row.target.unwrap_or_default(),
        user: row.sender_username(),
        on: row.kind == EventKind::React,
        emoji: row.text,
        client_id: row.client_id,
    })
}
