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
//!   their rooms, and (with [`followed`]) of the threads they follow.
//! - [`keepalive`]: pings and the session, shared by both kinds of socket.
//! - [`presence`]: who has a socket open to each room, on every instance.
//! - [`open_sockets`]: the sockets open per user (the per-user cap).

pub mod consumer;
pub mod followed;
pub mod inbox;
pub mod keepalive;
pub mod open_sockets;
pub mod presence;
pub mod room_socket;
pub mod sequencer;

use std::{ops::Deref, sync::Arc, time::SystemTime};

use tokio_util::task::TaskTracker;
use tower_sessions::Session;

use crate::{
    error::AppError,
    server::{
        accounts::{
            limits::Limits,
            session_control::{Credential, SessionControl},
        },
        bus::{ChannelLayer, LayerError},
        config::Config,
        shutdown::Shutdown,
        storage::{Store, StoreError},
    },
};
use open_sockets::{OpenSockets, SocketSlot};
use presence::PresenceHub;
use room_socket::WriteError;

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

    /// One more socket of `user_id` opened with `holder`, counted in the
    /// gauge `gauge`: its slot (freed when dropped) and what it rests on (a
    /// session or token, and until when), or `too_many_sockets` when the
    /// user has the most open here.
    pub async fn admit(
        &self,
        user_id: i64,
        holder: &SocketHolder,
        gauge: &'static str,
    ) -> Result<(SocketSlot, SessionRef), AppError> {
        let credential = match holder {
            SocketHolder::Session(session) => Credential::Session(session.id().ok_or(AppError::Unauthorized)?),
            SocketHolder::Token(id) => Credential::Token(*id),
        };
        let max = self.config.max_sockets_per_user;
        let slot = self.open_sockets.claim(user_id, max, gauge).ok_or(AppError::TooManySockets { max })?;
        let until = match holder {
            SocketHolder::Session(session) => self.sessions.expires_at(session).await,
            // Checked now and then; its revocation closes the socket at once.
            SocketHolder::Token(_) => SystemTime::now(),
        };
        Ok((slot, (credential, until)))
    }
}

/// What a socket is opened with: the request's log-in session, or an API token (by id).
pub enum SocketHolder {
    Session(Session),
    Token(i64),
}

/// What a socket rests on, and until when (a session expires unless used).
pub type SessionRef = (Credential, SystemTime);

/// Why a socket ended early.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("socket: {0}")]
    Write(#[from] WriteError),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("channel layer: {0}")]
    Layer(#[from] LayerError),
}

impl Deref for Realtime {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}
