//! The channel layer: how a committed message reaches every socket of its room,
//! in the words of Django Channels (`group_send`, `group_add`).
//!
//! A published [`Event`] is typed: a sequenced room event carries its frame
//! already encoded, so a message is encoded once and the same bytes go to every
//! subscriber; a resync is a variant of its own. Inside an
//! instance, a room's subscribers share one tokio broadcast channel
//! ([`groups`]); the memory layer feeds it directly, the Redis layer also feeds
//! it from one Redis subscription per room and instance.

mod groups;
mod memory;
mod redis;

use async_trait::async_trait;
use axum::extract::ws::Utf8Bytes;
use tokio::sync::broadcast;

use crate::protocol::{ChatMessage, ServerFrame};

pub use memory::MemoryLayer;
pub use redis::RedisLayer;

/// What a room's group carries to its subscribers.
#[derive(Clone, Debug)]
pub enum Event {
    /// A committed room event: its `seq` (so a subscriber can spot gaps and
    /// duplicates) and its frame, encoded once for every subscriber.
    Sequenced { seq: i64, frame: Utf8Bytes },
    /// Not an event of the room: the layer may have lost some (it reconnected),
    /// so every subscriber must catch up from the database.
    Resync,
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

/// Publishes to and subscribes to room groups.
#[async_trait]
pub trait ChannelLayer: Send + Sync + 'static {
    /// Delivers `event` to every current subscriber of `group`.
    async fn group_send(&self, group: &str, event: Event) -> Result<(), LayerError>;

    /// Subscribes to `group`; events published from now on arrive on the result.
    async fn group_add(&self, group: &str) -> Result<Subscription, LayerError>;

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
