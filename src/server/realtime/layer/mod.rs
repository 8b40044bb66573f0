//! The channel layer: how a committed event reaches every socket that should
//! see it, in the words of Django Channels (`group_send`, `group_add`).
//!
//! A [`Group`] is a room (its sockets) or a user (all of that user's sockets,
//! for session control). A published [`Event`] is typed: a sequenced room event
//! carries its frame already encoded, so a message is encoded once and the same
//! bytes go to every subscriber; a resync, a head beacon and the end of sessions
//! are variants of their own. Inside an instance, a group's subscribers share
//! one tokio broadcast channel ([`groups`]); the memory layer feeds it directly,
//! the Redis layer also feeds it from one Redis subscription per group and
//! instance.

mod groups;
mod memory;
mod redis;

use async_trait::async_trait;
use axum::extract::ws::Utf8Bytes;
use tokio::sync::broadcast;

use crate::{
    protocol::{ChatMessage, CloseReason, ServerFrame},
    server::accounts::session_control::SessionKey,
};

pub use memory::MemoryLayer;
pub use redis::RedisLayer;

/// Events a user's group buffers: session control is rare and small.
const USER_GROUP_CAPACITY: usize = 16;

/// Who an event is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Every socket of a room.
    Room(String),
    /// Every socket of a user, whatever the room.
    User(i64),
}

impl Group {
    /// The group's name in the layer (and, prefixed, its Redis channel).
    pub fn key(&self) -> String {
        match self {
            Self::Room(room) => format!("room:{room}"),
            Self::User(id) => format!("user:{id}"),
        }
    }
}

/// What a group carries to its subscribers.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A committed room event: its `seq` (so a subscriber can spot gaps and
    /// duplicates) and its frame, encoded once for every subscriber.
    Sequenced { seq: i64, frame: Utf8Bytes },
    /// The newest `seq` an instance has committed in the room: a subscriber that
    /// has sent less missed an event (a publish was dropped) and catches up.
    Head { seq: i64 },
    /// The layer may have lost events (it reconnected): every subscriber must
    /// catch up from the database.
    Resync,
    /// Close the user's sockets of one session (or of all its sessions) with
    /// `reason`: a log-out, a new log-in, an account's removal.
    EndSessions { session: Option<SessionKey>, reason: CloseReason },
}

impl Event {
    /// The `message` frame of `message` in `room`, encoded once for every subscriber.
    pub fn message(room: &str, message: ChatMessage) -> Self {
        let seq = message.seq;
        Self::Sequenced { seq, frame: ServerFrame::Message { room: room.to_owned(), message }.encode().into() }
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
    Lagged { missed: u64 },
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
