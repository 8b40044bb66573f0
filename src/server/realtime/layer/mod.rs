//! The channel layer: how a committed event reaches every socket that should
//! see it, in the words of Django Channels (`group_send`, `group_add`).
//!
//! A [`Group`] is a room (its sockets), a user (all of that user's sockets and
//! inboxes) or a room's presence trackers. A published [`Event`] is typed: a
//! sequenced room event carries its frame already encoded, so a message is
//! encoded once and the same bytes go to every subscriber; a resync, a head
//! beacon, the end of sessions, relayed frames, presence and news about a
//! user's rooms are variants of their own. Inside an instance, a group's subscribers share
//! one tokio broadcast channel ([`groups`]); the memory layer feeds it directly,
//! the Redis layer also feeds it from one Redis subscription per group and
//! instance.

mod groups;
mod memory;
mod redis;

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::{
    protocol::{CloseReason, Latest, REPLY_QUOTE_CHARS, ServerFrame},
    server::accounts::session_control::SessionKey,
};

pub use memory::MemoryLayer;
pub use redis::RedisLayer;

/// Events a user's or a presence group buffers: they are rare and small.
const SMALL_GROUP_CAPACITY: usize = 16;

/// Who an event is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Every socket of a room.
    Room(String),
    /// Every socket of a user, whatever the room (and the user's inbox).
    User(i64),
    /// The presence trackers of every instance that has sockets in a room.
    Presence(String),
    /// Every instance's caches (`storage::cache`): what to forget.
    Caches,
}

impl Group {
    /// The group's name in the layer (and, prefixed, its Redis channel).
    pub fn key(&self) -> String {
        match self {
            Self::Room(room) => format!("room:{room}"),
            Self::User(id) => format!("user:{id}"),
            Self::Presence(room) => format!("presence:{room}"),
            Self::Caches => "caches".to_owned(),
        }
    }
}

/// What a group carries to its subscribers.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A committed room event, encoded once for every subscriber.
    Sequenced(Arc<RoomEvent>),
    /// The newest `seq` an instance has committed in the room: a subscriber that
    /// has sent less missed an event (a publish was dropped) and catches up.
    Head { seq: i64 },
    /// The layer may have lost events (it reconnected): every subscriber must
    /// catch up from the database.
    Resync,
    /// Close the user's sockets of one session (or of all its sessions) with
    /// `reason`: a log-out, a new log-in, an account's removal.
    EndSessions { session: Option<SessionKey>, reason: CloseReason },
    /// A frame relayed to a room's sockets, never stored (typing); the sockets
    /// of its author (`from`) skip it.
    Relay { frame: Utf8Bytes, from: Option<i64> },
    /// On a presence group: the users with sockets to the room on `instance`.
    Presence { instance: u64, users: Vec<String> },
    /// On a user's group: something changed about the user's rooms.
    Notice(UserNotice),
    /// On the caches group: a cached read that changed.
    Forget(Forget),
}

/// A cached read every instance must drop, because it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forget {
    /// A session record (by its key).
    Session(u64),
    /// An account (by id).
    User(i64),
}

/// A committed room event: its `seq` (so a subscriber can spot gaps and
/// duplicates), its frame, and what the inbox needs to count it.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomEvent {
    pub seq: i64,
    pub frame: Utf8Bytes,
    pub meta: EventMeta,
}

/// What unread and mention counts need to know about a room event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMeta {
    /// The user who caused it (their own messages are read by them).
    pub sender_id: Option<i64>,
    /// The users it mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentioned: Vec<i64>,
    /// For a new message: its summary (for notifications). Only messages count
    /// as unread; edits and reactions have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<Latest>,
    /// The user whose access to the room ends with this event: their sockets
    /// to the room send it, then close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<i64>,
}

/// News about one of a user's rooms, for all the user's sockets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UserNotice {
    /// The user has seen `room` up to `seq`.
    Read { room: String, seq: i64 },
    /// `room` joined the user's list (e.g. someone mentioned them there).
    Joined { room: String },
    /// `room` left the user's list.
    Left { room: String },
}

impl Event {
    /// A committed room event, its frame encoded once for every subscriber;
    /// a message carries its summary for notifications.
    pub fn sequenced(seq: i64, frame: ServerFrame, sender_id: Option<i64>, mentioned: Vec<i64>, revoked: Option<i64>) -> Self {
        let latest = match &frame {
            ServerFrame::Message { message, .. } => {
                Some(Latest { seq, sender: message.sender.clone(), text: message.text.chars().take(REPLY_QUOTE_CHARS).collect() })
            }
            _ => None,
        };
        let frame = frame.encode().into();
        Self::Sequenced(Arc::new(RoomEvent { seq, frame, meta: EventMeta { sender_id, mentioned, latest, revoked } }))
    }
}

/// The layer could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("channel layer unavailable: {0}")]
pub struct LayerError(pub String);

/// Publishes to and subscribes to groups.
#[async_trait]
pub trait ChannelLayer: Send + Sync + 'static {
    /// Delivers `event` to every current subscriber of `group`, on every instance.
    async fn group_send(&self, group: &Group, event: Event) -> Result<(), LayerError>;

    /// Delivers `event` to the subscribers of `group` on this instance only.
    fn deliver_local(&self, group: &Group, event: Event);

    /// Subscribes to `group`; events published from now on arrive on the result.
    async fn group_add(&self, group: &Group) -> Result<Subscription, LayerError>;

    /// Whether the layer can deliver right now.
    async fn health(&self) -> Result<(), LayerError>;
}

/// What a subscriber receives next.
#[derive(Debug)]
pub enum Received {
    Event(Event),
    /// The subscriber fell behind and `missed` events were dropped for it: it
    /// must catch up from the database.
    Lagged {
        missed: u64,
    },
    /// The group was closed.
    Closed,
}

/// A socket's membership of one group. Dropping it leaves the group.
pub struct Subscription {
    /// Runs when the subscription is dropped (lets the layer forget empty groups).
    /// Declared first so it drops while `receiver` is still counted.
    _leave: Option<Box<dyn Send + Sync>>,
    receiver: broadcast::Receiver<Event>,
}

impl Subscription {
    pub(crate) fn new(receiver: broadcast::Receiver<Event>, leave: Option<Box<dyn Send + Sync>>) -> Self {
        Self { receiver, _leave: leave }
    }

    /// Waits for the next event of the group.
    pub async fn recv(&mut self) -> Received {
        match self.receiver.recv().await {
            Ok(event) => Received::Event(event),
            Err(broadcast::error::RecvError::Lagged(missed)) => Received::Lagged { missed },
            Err(broadcast::error::RecvError::Closed) => Received::Closed,
        }
    }

    /// What is already waiting, if anything, without waiting.
    pub fn try_recv(&mut self) -> Option<Received> {
        match self.receiver.try_recv() {
            Ok(event) => Some(Received::Event(event)),
            Err(broadcast::error::TryRecvError::Empty) => None,
            Err(broadcast::error::TryRecvError::Lagged(missed)) => Some(Received::Lagged { missed }),
            Err(broadcast::error::TryRecvError::Closed) => Some(Received::Closed),
        }
    }
}
