//! Real-time delivery: the sockets of one instance. HTTP (`http::sockets`)
//! checks a request and upgrades it, then hands a finished consumer here; what
//! the sockets read and write goes through storage, and what they hear comes
//! from the channel layer (`bus`).
//!
//! - [`consumer`]: the `ChatConsumer`, one user's socket in one room:
//!   `receive` (one handler per client frame type), `chat_message` (the room
//!   group's events to the socket in `seq` order, caught up from the database
//!   whenever something is missing).
//! - [`sequencer`]: the order a room socket sends in (no I/O): duplicates
//!   dropped, early events held a moment, gaps caught up.
//! - [`room_socket`]: `RoomSocket` and `FrameReader`, the two halves of an
//!   upgraded socket: frames in (parsed), frames out (batched), close codes.
//! - [`inbox`]: the user's inbox socket: live unread and mention counts of all
//!   their rooms.
//! - [`keepalive`]: pings and the session, shared by both kinds of socket.
//! - [`presence`]: who has a socket open to each room, on every instance.
//! - [`open_sockets`]: the sockets open per user (the per-user cap).

pub mod consumer;
pub mod inbox;
pub mod keepalive;
pub mod open_sockets;
pub mod presence;
pub mod room_socket;
pub mod sequencer;

use std::{ops::Deref, sync::Arc};

use tokio_util::task::TaskTracker;

use crate::server::{
    accounts::{limits::Limits, session_control::SessionControl},
    bus::ChannelLayer,
    config::Config,
    shutdown::Shutdown,
    storage::Store,
};
use open_sockets::OpenSockets;
use presence::PresenceHub;

/// What every socket of this instance shares; cloning it is one reference
/// count (an idle socket keeps a pointer, not a copy).
#[derive(Clone)]
pub struct Realtime(Arc<Parts>);

/// What [`Realtime`] points to.
pub struct Parts {
    /// Reads, and the writer that stores what sockets send.
    pub store: Store,
    /// Where room, user and presence events come from and go to.
    pub layer: Arc<dyn ChannelLayer>,
    /// Sessions: a socket ends with its session.
    pub sessions: SessionControl,
    /// Message and new-room rates.
    pub limits: Arc<Limits>,
    /// Who is in which room, on every instance.
    pub presence: PresenceHub,
    /// Sockets open on this instance, per user.
    pub open_sockets: Arc<OpenSockets>,
    /// Tells sockets to close when the server stops.
    pub shutdown: Shutdown,
    /// Socket tasks, so a stop can wait for them to finish.
    pub tasks: TaskTracker,
    /// Replay limit, ping and write timeouts, the per-user cap.
    pub config: Arc<Config>,
}

impl Realtime {
    pub fn new(parts: Parts) -> Self {
        Self(Arc::new(parts))
    }
}

impl Deref for Realtime {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}
