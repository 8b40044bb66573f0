//! Each kind of room event in a file of its own: its rules (judged in batch
//! order against what the batch loaded), the row it writes, what it changes
//! elsewhere once written, and the frame of its row. This file only sends each
//! event to its kind. Who may write at all is decided before, by the policy
//! (`storage::admission`).
//!
//! Adding a kind: its `EventBody` variant and frame in `protocol`, its
//! `EventKind` value in `entity::message`, a file here, and one arm in each
//! match below.

mod command;
mod delete;
mod edit;
mod member;
mod message;
mod preview;
mod reaction;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::{
    Refusal,
    rows::{EventRow, Extras, joined},
    targets::Loaded,
};
use crate::{
    entity::message::EventKind,
    protocol::{EventBody, MemberChange, ServerFrame},
    server::storage::store::NewEvent,
};

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
        (EventBody::Message { reply_to, attachment, thread, .. }, room_id) => {
            message::judge(event, room_id, *reply_to, *thread, attachment.as_deref(), loaded).map(|()| false)
        }
        (EventBody::Member { .. } | EventBody::BotCommand { .. }, _) => Ok(false),
        // There is nothing to change in a room that does not exist.
        (_, None) => Err(Refusal::NotFound),
        (EventBody::Edit { target, text }, Some(room_id)) => edit::judge(room_id, *target, text, loaded).map(|()| false),
        (EventBody::Delete { target }, Some(room_id)) => delete::judge(room_id, *target, loaded).map(|()| false),
        (EventBody::React { target, emoji }, Some(room_id)) => reaction::judge(room_id, *target, event.sender.id, emoji, loaded),
        (EventBody::Preview { target, .. }, Some(room_id)) => preview::judge_preview(room_id, *target, loaded).map(|()| false),
        (EventBody::Unpreview { target }, Some(room_id)) => preview::judge_removal(room_id, *target, loaded).map(|()| false),
    }
}

/// The row that records an accepted event.
pub fn row(placed: &Placed<'_>) -> EventRow {
    let Placed { event, room_id, seq, n, on, mentioned, now } = *placed;
    let Fields { kind, text, target, reply_to } = match &event.body {
        EventBody::Message { text, reply_to, .. } => message::fields(text, *reply_to),
        EventBody::Edit { target, text } => edit::fields(*target, text),
        EventBody::Delete { target } => delete::fields(*target),
        EventBody::React { target, emoji } => reaction::fields(*target, emoji, on),
        EventBody::Member { user_id, username, change } => member::fields(*user_id, username, *change),
        EventBody::Preview { target, record } => preview::fields(*target, Some(record)),
        EventBody::Unpreview { target } => preview::fields(*target, None),
        EventBody::BotCommand { bot_id, bot, name, args } => command::fields(*bot_id, bot, name, args),
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
        EventBody::Message { attachment, .. } => message::apply(txn, attachment.as_deref(), seq).await,
        EventBody::Edit { target, text } => edit::apply(txn, room_id, *target, text, event.sender.id, mentioned, now).await,
        EventBody::Delete { target } => delete::apply(txn, room_id, *target, event.sender.id).await,
        EventBody::React { target, emoji } => reaction::apply(txn, room_id, *target, event.sender.id, emoji, on, now).await,
        EventBody::Member { user_id, change, .. } => member::apply(txn, room_id, *user_id, *change, seq, now).await,
        EventBody::Preview { target, record } => preview::apply(txn, room_id, *target, Some(record)).await,
        EventBody::Unpreview { target } => preview::apply(txn, room_id, *target, None).await,
        EventBody::BotCommand { .. } => Ok(()),
    }
}

/// The frame of a stored row (see `rows::frame_of`).
pub fn frame(row: EventRow, room: &str, extras: &Extras) -> ServerFrame {
    match row.kind {
        EventKind::Message => message::frame(row, room, extras),
        EventKind::Edit => edit::frame(row, room),
        EventKind::Delete => delete::frame(row, room),
        EventKind::React | EventKind::Unreact => reaction::frame(row, room),
        EventKind::MemberAdded => member::frame(row, room, MemberChange::Added),
        EventKind::MemberJoined => member::frame(row, room, MemberChange::Joined),
        EventKind::MemberRemoved => member::frame(row, room, MemberChange::Removed),
        EventKind::MemberLeft => member::frame(row, room, MemberChange::Left),
        EventKind::Preview | EventKind::PreviewRemoved => preview::frame(row, room),
        EventKind::Command => command::frame(row, room),
    }
}
