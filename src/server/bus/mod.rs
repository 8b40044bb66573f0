//! The channel layer: how a committed event reaches every socket that should
//! see it, in the words of Django Channels (`group_send`, `group_add`). This is
//! the bottom of the server: it knows the shared wire types and nothing of
//! storage, accounts, sockets or HTTP, which all build on it.
//!
//! - [`events`]: who an event is for ([`Group`]) and what it carries
//!   ([`Event`]): a sequenced room event with its frame encoded once, a head
//!   beacon, a resync, the end of sessions (by [`SessionKey`]), relayed frames,
//!   presence, news about a user's rooms, cached reads to forget.
//! - [`groups`]: the groups of one instance (a tokio broadcast channel each).
//! - [`memory`]: the in-memory layer (one instance).
//! - [`redis`]: the Redis layers (several instances): pub/sub on one server,
//!   or sharded pub/sub on a Redis Cluster; with a head beacon that heals lost
//!   publishes.
//!
//! Inside an instance, a group's subscribers share one tokio broadcast channel;
//! the memory layer feeds it directly, the Redis layer also feeds it from one
//! Redis subscription per group and instance.

mod events;
mod groups;
mod memory;
mod redis;

use async_trait::async_trait;
use tokio::sync::broadcast;

pub use events::{Event, EventMeta, Forget, Group, RoomEvent, SessionKey, UserNotice};
pub use memory::MemoryLayer;
pub use redis::RedisLayer;

/// Events a user's or a presence group buffers: they are rare and small.
const SMALL_GROUP_CAPACITY: usize = 16;

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

    /// The room events `group` delivered on this instance lately that follow
    /// `after` without a gap (what a subscriber that lagged missed, without
    /// the database); `None` when the next one is not remembered.
    fn recent(&self, group: &Group, after: i64) -> Option<Vec<std::sync::Arc<RoomEvent>>>;

    /// Whether `group` has a subscriber on any instance now (for a user's
    /// group: whether they have a room or inbox socket open anywhere).
    async fn has_listeners(&self, group: &Group) -> Result<bool, LayerError>;

    /// Whether the layer can deliver right now.
    async fn health(&self) -> Result<(), LayerError>;
}

/// What a subscriber receives next.
#[derive(Debug)]
pub enum Received {
    Event(Event),
    /// The subscriber fell behind and `missed` events were dropped for it: it
    /// must catch up (from the group's recent events, else the database).
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
