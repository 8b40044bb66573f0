//! A membership change of a private room — added, joined by an invite link,
//! removed, left — as a room event, so that it takes its place in the room's
//! order (the policy and `storage::admission` decided it may happen). Its row
//! names the member (`target` their id, the text their username); the sender
//! is who made the change.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::OnConflict};

use super::{Fields, Refusal};
use crate::{
    entity::{membership, message::EventKind, thread_follow},
    protocol::{MemberChange, NotifyLevel, ServerFrame, events::membership as event},
    server::{
        policy::Action,
        storage::events::{event_rows::EventRow, markers::last_message_n},
    },
};

/// What a membership change by `sender` needs of the policy: one joins or
/// leaves only oneself; adding and removing are the room's managers'.
pub fn action(body: &event::Body, sender: i64) -> Result<Action, Refusal> {
    match (body.change, body.user_id == sender) {
        (MemberChange::Joined, true) => Ok(Action::Join),
        (MemberChange::Left, true) => Ok(Action::Leave),
        (MemberChange::Added, _) => Ok(Action::AddMember),
        (MemberChange::Removed, _) => Ok(Action::RemoveMember),
        // Nobody joins or leaves on someone else's behalf.
        (MemberChange::Joined | MemberChange::Left, false) => Err(Refusal::NotAllowed),
    }
}

pub fn fields(body: &event::Body) -> Fields {
    let event::Body { user_id, ref username, change } = *body;
    let kind = match change {
        MemberChange::Added => EventKind::MemberAdded,
        MemberChange::Joined => EventKind::MemberJoined,
        MemberChange::Removed => EventKind::MemberRemoved,
        MemberChange::Left => EventKind::MemberLeft,
    };
    Fields { kind, text: username.to_owned(), target: Some(user_id), reply_to: None }
}

pub async fn apply(
    txn: &impl ConnectionTrait,
    room_id: i64,
    user_id: i64,
    change: MemberChange,
    seq: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if change.ends_access() {
        membership::Entity::delete_many()
            .filter(membership::Column::UserId.eq(user_id))
            .filter(membership::Column::RoomId.eq(room_id))
            .exec(txn)
            .await?;
        // The room's threads go with it.
        thread_follow::Entity::delete_many()
            .filter(thread_follow::Column::UserId.eq(user_id))
            .filter(thread_follow::Column::RoomId.eq(room_id))
            .exec(txn)
            .await?;
        return Ok(());
    }
    // A new member sees the history; nothing from before they joined is new.
    let joined = membership::ActiveModel {
        user_id: Set(user_id),
        room_id: Set(room_id),
        last_read_seq: Set(seq),
        last_read_n: Set(last_message_n(txn, room_id, seq).await?),
        notify: Set(NotifyLevel::default()),
        joined_at: Set(now),
    };
    let keep = OnConflict::columns([membership::Column::UserId, membership::Column::RoomId]).do_nothing().to_owned();
    membership::Entity::insert(joined).on_conflict(keep).exec_without_returning(txn).await?;
    Ok(())
}

/// The frame of a row of the kind `change` writes.
pub fn frame(row: EventRow, room: &str, change: MemberChange) -> ServerFrame {
    ServerFrame::Membership(event::Frame {
        room: room.to_owned(),
        seq: row.seq,
        by: row.sender_username(),
        user: row.text,
        change,
    })
}
