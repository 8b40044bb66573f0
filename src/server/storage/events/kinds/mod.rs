//! Each kind of room event in a file of its own, the server's half of its
//! home (the shared half is `protocol::events`, of the same name): the
//! policy action it needs, its rules (judged in batch order against what the
//! batch loaded), the row it writes, what it changes elsewhere once written,
//! and the frame of its row. This file only sends each event to its kind.
//! Who may write at all is decided by the policy (`storage::admission`),
//! with the action the kind names here.
//!
//! Adding a kind: `docs/architecture.md` ("Adding a room-event kind") lists
//! the files; here it is a file and one arm in each match below.

mod command;
mod deletion;
mod edit;
mod membership;
mod message;
mod preview;
mod reaction;
mod topic;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::{
    Refusal,
    event_rows::{EventRow, Extras, joined},
    targets::Loaded,
};
use crate::{
    entity::message::EventKind,
    protocol::{EventBody, MemberChange, ServerFrame},
    server::{policy::Action, storage::writes::NewEvent},
};

/// The policy action `event` needs (`own`: the message it is about is the sender's).
pub fn action(event: &NewEvent, own: bool) -> Result<Action, Refusal> {
    Ok(match &event.body {
        EventBody::Message(_) => message::ACTION,
        EventBody::Command(_) => command::ACTION,
        EventBody::Reaction(_) => reaction::ACTION,
        EventBody::Edit(_) => edit::action(own),
        EventBody::Deletion(_) => deletion::action(own),
        EventBody::Preview(_) => preview::action(own),
        EventBody::PreviewRemoval(_) => preview::removal_action(own),
        EventBody::Membership(body) => membership::action(body, event.sender.id)?,
        EventBody::Topic(_) => topic::ACTION,
    })
}

/// An accepted event in its place in the room: what its row and its changes need.
pub struct Placed<'a> {
    pub event: &'a NewEvent,
    pub room_id: i64,
    pub seq: i64,
    /// For a message: its place among the room's messages.
    pub n: Option<i64>,
    /// For a reaction: added (or taken back).
    pub on: bool,
    /// The accounts its text mentions.
    pub mentioned: &'a [(i64, String)],
    pub now: DateTime<Utc>,
}

/// The columns that differ by kind.
pub struct Fields {
    pub kind: EventKind,
    pub text: String,
    pub target: Option<i64>,
    pub reply_to: Option<i64>,
}

/// Whether the kind's rules accept `event` in room `room_id` (`None`: a room
/// its first message creates), applying it to `loaded`; for a reaction, whether
/// it is added (`true`) or taken back.
pub fn judge(event: &NewEvent, room_id: Option<i64>, loaded: &mut Loaded) -> Result<bool, Refusal> {
    match (&event.body, room_id) {
        (EventBody::Message(body), room_id) => message::judge(event, room_id, body, loaded).map(|()| false),
        (EventBody::Membership(_) | EventBody::Command(_), _) => Ok(false),
        // There is nothing to change in a room that does not exist.
        (_, None) => Err(Refusal::NotFound),
        (EventBody::Topic(_), Some(_)) => Ok(false),
        (EventBody::Edit(body), Some(room_id)) => edit::judge(room_id, body.target, &body.text, loaded).map(|()| false),
        (EventBody::Deletion(body), Some(room_id)) => deletion::judge(room_id, body.target, loaded).map(|()| false),
        (EventBody::Reaction(body), Some(room_id)) => reaction::judge(room_id, body, event.sender.id, loaded),
        (EventBody::Preview(body), Some(room_id)) => preview::judge_preview(room_id, body.target, loaded).map(|()| false),
        (EventBody::PreviewRemoval(body), Some(room_id)) => preview::judge_removal(room_id, body.target, loaded).map(|()| false),
    }
}

/// The row that records an accepted event.
pub fn row(placed: &Placed<'_>) -> EventRow {
    let Placed { event, room_id, seq, n, on, mentioned, now } = *placed;
    let Fields { kind, text, target, reply_to } = match &event.body {
        EventBody::Message(body) => message::fields(&body.text, body.reply_to),
        EventBody::Edit(body) => edit::fields(body.target, &body.text),
        EventBody::Deletion(body) => deletion::fields(body.target),
        EventBody::Reaction(body) => reaction::fields(body.target, &body.emoji, on),
        EventBody::Membership(body) => membership::fields(body),
        EventBody::Preview(body) => preview::fields(body.target, Some(&body.record)),
        EventBody::PreviewRemoval(body) => preview::fields(body.target, None),
        EventBody::Command(body) => command::fields(body),
        EventBody::Topic(body) => topic::fields(body),
    };
    EventRow {
        seq,
        kind,
        target,
        n,
        text,
        timestamp: now,
        client_id: event.client_id.clone(),
        room_id,
        sender_id: Some(event.sender.id),
        sender: Some(event.sender.username.clone()),
        mentions: joined(mentioned),
        edited_at: None,
        deleted: false,
        reply_to,
        // Admitted, so not deactivated.
        sender_deactivated: Some(false),
        sender_name: event.display_as.clone().or_else(|| event.sender.display_name.clone()),
        attachment_id: event.body.attachment().map(str::to_owned),
        // A new message shows no preview yet: the worker reads its link after it commits.
        preview: None,
        thread: event.body.thread().map(|thread| thread.root),
        // Nobody has answered in its thread yet.
        reply_count: 0,
        last_reply_seq: None,
        last_reply_at: None,
        participants: None,
        display_as: event.display_as.clone(),
        sender_kind: Some(event.sender.kind),
    }
}

/// What an event just written changes elsewhere: the message it is about,
/// reactions, mentions, memberships, files, previews.
pub async fn apply(txn: &impl ConnectionTrait, placed: &Placed<'_>) -> Result<(), DbErr> {
    let Placed { event, room_id, seq, on, mentioned, now, .. } = *placed;
    match &event.body {
        EventBody::Message(body) => message::apply(txn, body.attachment.as_deref(), seq).await,
        EventBody::Edit(body) => edit::apply(txn, room_id, body.target, &body.text, event.sender.id, mentioned, now).await,
        EventBody::Deletion(body) => deletion::apply(txn, room_id, body.target, event.sender.id).await,
        EventBody::Reaction(body) => reaction::apply(txn, room_id, body, event.sender.id, on, now).await,
        EventBody::Membership(body) => membership::apply(txn, room_id, body.user_id, body.change, seq, now).await,
        EventBody::Preview(body) => preview::apply(txn, room_id, body.target, Some(&body.record)).await,
        EventBody::PreviewRemoval(body) => preview::apply(txn, room_id, body.target, None).await,
        EventBody::Command(_) => Ok(()),
        EventBody::Topic(body) => topic::apply(txn, room_id, body).await,
    }
}

/// The frame of a stored row: the one function that makes it, for the live
/// delivery of an event just written and for a replay alike.
pub fn frame(row: EventRow, room: &str, extras: &Extras) -> ServerFrame {
    match row.kind {
        EventKind::Message => message::frame(row, room, extras),
        EventKind::Edit => edit::frame(row, room),
        EventKind::Delete => deletion::frame(row, room),
        EventKind::React | EventKind::Unreact => reaction::frame(row, room),
        EventKind::MemberAdded => membership::frame(row, room, MemberChange::Added),
        EventKind::MemberJoined => membership::frame(row, room, MemberChange::Joined),
        EventKind::MemberRemoved => membership::frame(row, room, MemberChange::Removed),
        EventKind::MemberLeft => membership::frame(row, room, MemberChange::Left),
        EventKind::Preview | EventKind::PreviewRemoved => preview::frame(row, room),
        EventKind::Command => command::frame(row, room),
        EventKind::Topic => topic::frame(row, room),
    }
}
