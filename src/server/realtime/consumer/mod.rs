//! The `ChatConsumer`: one user's WebSocket in one room, in the words of
//! Django Channels. HTTP checks the request (session, origin, the room's
//! permission, the upgrade rate) and builds the consumer, which takes one of
//! the user's socket slots; after the upgrade, [`ChatConsumer::serve`] opens
//! the socket (groups joined, missed events replayed, presence entered) and
//! runs its loop:
//!
//! - [`receive`]: each parsed client frame to its handler (`on_event` for the
//!   room events a client sends, `on_read`, `on_typing`); sends are queued to
//!   the store's writer and acked once committed, in the order sent, while the
//!   socket keeps reading (up to [`MAX_IN_FLIGHT`] wait at once).
//! - [`deliver`]: `chat_message`, the room group's events to the socket in
//!   `seq` order (the [`Sequencer`] decides), caught up from the database
//!   whenever something is missing; and the user group's news (sessions
//!   ending, read markers).
//!
//! The sender is always the session's user. A socket ends with its session
//! ([`KeepAlive`]), closes when the user's access to the room ends, pings a
//! quiet client and drops one that does not take its frames in time.

mod deliver;
mod receive;

use std::{sync::Arc, time::Duration};

use axum::extract::ws::WebSocket;
use futures::StreamExt;

use self::receive::{Sends, TypingThrottle};
use super::{
    Realtime, SessionRef, SocketError, SocketHolder,
    keepalive::{Due, KeepAlive},
    open_sockets::SocketSlot,
    presence::Present,
    room_socket::{self, FrameReader, RoomSocket},
    sequencer::Sequencer,
};
use crate::{
    entity::user,
    error::AppError,
    protocol::{CloseReason, RoomKind, ServerFrame},
    server::{
        bus::{Group, RoomEvent, Subscription},
        metrics as m,
    },
};

/// Most queued room events written to a socket with one flush.
const MAX_FRAMES_PER_WRITE: usize = 64;
/// Sends of one socket waiting for their commit before the socket stops reading.
const MAX_IN_FLIGHT: usize = 64;
/// How long the server waits for the client's reply to its close frame.
pub(super) const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// One user's socket in one room.
pub struct ChatConsumer {
    realtime: Realtime,
    room: String,
    /// Public, private or direct, as the upgrade's permission check found it.
    kind: RoomKind,
    user: user::Model,
    /// The session the socket belongs to, and when it expires unless used.
    session: SessionRef,
    /// Counts against the user's socket cap while the socket lives.
    _slot: SocketSlot,
}

/// Why a socket ended early.
type ConsumerError = SocketError;

/// What the consumer does next.
enum Next {
    KeepGoing,
    Close(Option<CloseReason>),
}

/// Whether the socket's room is in the user's list yet.
struct Listing {
    /// Whether the room is known to exist (its first message creates it).
    room_exists: bool,
    /// Whether the room is in the user's list (it could not be, when the room
    /// did not exist yet at connect: then it joins with the first event).
    listed: bool,
    /// That join, made on the side so that deliveries do not wait for it; a
    /// read marker waits for it (the marker needs the membership), and a
    /// failed one is made again with the next event.
    joining: Option<tokio::task::JoinHandle<bool>>,
}

/// What changes while a socket lives.
struct Live {
    socket: RoomSocket,
    /// Which room event goes out next.
    order: Sequencer<Arc<RoomEvent>>,
    sends: Sends,
    typing: TypingThrottle,
    listing: Listing,
    /// Pings and the session.
    keepalive: KeepAlive,
    /// The user's access to the room ended with an event sent: the socket closes.
    access_ended: bool,
}

/// An open socket, ready for its loop.
struct Opened {
    live: Live,
    reader: FrameReader,
    room_group: Subscription,
    user_group: Subscription,
    /// The user counts as present in the room while this lives.
    _present: Present,
}

impl ChatConsumer {
    /// The consumer of `user`'s socket to `room` (which the caller checked
    /// they may read) on `session`: it takes one of the user's socket slots,
    /// or answers `too_many_sockets`.
    pub async fn new(
        realtime: &Realtime,
        (room, kind): (String, RoomKind),
        user: user::Model,
        holder: &SocketHolder,
    ) -> Result<Self, AppError> {
        let (slot, session) = realtime.admit(user.id, holder, m::SOCKETS_OPEN).await?;
        Ok(Self { realtime: realtime.clone(), room, kind, user, session, _slot: slot })
    }

    /// Runs the socket once upgraded, replaying what came after `after`; a
    /// stop of the server waits for it to finish.
    pub fn serve(self, socket: WebSocket, after: Option<i64>) -> impl Future<Output = ()> + Send + 'static {
        let write_timeout = Duration::from_secs(self.realtime.config.write_timeout_secs);
        // Split here, not in the task, and handed over boxed: an async fn
        // keeps its arguments for its whole life (the socket's task would
        // carry the upgraded socket twice over).
        let (socket, reader) = room_socket::split(socket, write_timeout);
        let tasks = self.realtime.tasks.clone();
        tasks.track_future(self.run_to_end(Box::new((socket, reader, after))))
    }

    async fn run_to_end(self, start: Box<(RoomSocket, FrameReader, Option<i64>)>) {
        if let Err(err) = self.run(start).await {
            tracing::debug!(%err, room = self.room, "room socket ended");
        }
    }

    async fn run(&self, start: Box<(RoomSocket, FrameReader, Option<i64>)>) -> Result<(), ConsumerError> {
        // Opening reads the database. Boxed, like every other path that does,
        // so that what an idle socket keeps (its task's future) holds none of
        // those queries' state: kilobytes per socket.
        let Some(Opened { mut live, mut reader, mut room_group, mut user_group, _present }) = Box::pin(self.open(*start)).await?
        else {
            return Ok(());
        };
        let shutdown = self.realtime.shutdown.clone();
        loop {
            let deadline = live.order.deadline();
            let next = tokio::select! {
                incoming = reader.next(), if live.sends.in_flight.len() < MAX_IN_FLIGHT => {
                    live.keepalive.heard();
                    Box::pin(self.receive(&mut live, incoming)).await?
                }
                Some((client_id, stored)) = live.sends.in_flight.next() => {
                    Box::pin(self.acknowledge(&mut live, client_id, stored)).await?;
                    Next::KeepGoing
                }
                received = room_group.recv() => {
                    self.chat_message(&mut live, &mut room_group, received).await?;
                    // Whatever else is already waiting goes out in the same write.
                    for _ in 1..MAX_FRAMES_PER_WRITE {
                        if live.access_ended {
                            break;
                        }
                        let Some(received) = room_group.try_recv() else { break };
                        self.chat_message(&mut live, &mut room_group, received).await?;
                    }
                    live.socket.flush().await?;
                    live.close_if_access_ended()
                }
                // What was missing did not come through the layer in time: the database has it.
                () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                    Box::pin(self.catch_up(&mut live)).await?;
                    live.close_if_access_ended()
                }
                received = user_group.recv() => Box::pin(self.user_event(&mut live, &mut user_group, received)).await?,
                due = live.keepalive.due() => match due {
                    Due::Ping => {
                        live.socket.ping().await?;
                        Next::KeepGoing
                    }
                    Due::Close(reason) => Next::Close(Some(reason)),
                    Due::Nothing => Next::KeepGoing,
                },
                () = shutdown.wait() => {
                    // Answer every send that was accepted before closing.
                    while let Some((client_id, stored)) = live.sends.in_flight.next().await {
                        Box::pin(self.acknowledge(&mut live, client_id, stored)).await?;
                    }
                    Next::Close(Some(CloseReason::Restart))
                }
            };
            if let Next::Close(reason) = next {
                if let Some(reason) = reason {
                    live.socket.close(reason).await;
                    reader.finish_closing(CLOSE_GRACE).await;
                }
                return Ok(());
            }
        }
    }

    /// Joins the room's and the user's groups, replays what the client missed
    /// and enters the room's presence; `None` when the user's access ended
    /// during the replay (the socket is closed then).
    async fn open(
        &self,
        (mut socket, mut reader, after): (RoomSocket, FrameReader, Option<i64>),
    ) -> Result<Option<Opened>, ConsumerError> {
        let layer = &self.realtime.layer;
        // Join the groups before reading the database, so nothing committed or
        // ended in between is missed.
        let room_group = layer.group_add(&Group::Room(self.room.clone())).await?;
        let user_group = layer.group_add(&Group::User(self.user.id)).await?;
        let head = self.realtime.store.last_seq(&self.room).await?;
        // The upgrade's permission check came before the groups were joined: a
        // removal committed in between is at or before `head`, and would never
        // be sent. Asked again now; anything later comes through the groups.
        // (Public rooms have no members to remove.)
        if self.kind != RoomKind::Public && self.access_gone().await {
            socket.close(CloseReason::AccessEnded).await;
            reader.finish_closing(CLOSE_GRACE).await;
            return Ok(None);
        }
        // Opening a room puts it in the user's list; their inbox hears of a new one.
        let listed = head > 0 && self.join(None, false).await;
        let (credential, expires_at) = self.session.clone();
        let keepalive = KeepAlive::new(&self.realtime.config, self.realtime.sessions.clone(), credential, expires_at);
        let mut live = Live {
            socket,
            order: Sequencer::new(head),
            sends: Sends::default(),
            typing: TypingThrottle::default(),
            listing: Listing { room_exists: head > 0, listed, joining: None },
            keepalive,
            access_ended: false,
        };
        match after {
            Some(after) if head.saturating_sub(after) > self.realtime.config.replay_limit as i64 => {
                live.socket.send(&ServerFrame::Reset { room: self.room.clone(), seq: head }).await?;
            }
            Some(after) => live.order = Sequencer::new(after),
            None => {}
        }
        self.catch_up(&mut live).await?;
        if live.access_ended {
            live.socket.close(CloseReason::AccessEnded).await;
            reader.finish_closing(CLOSE_GRACE).await;
            return Ok(None);
        }
        let presence = &self.realtime.presence;
        let _present = presence.enter(&self.room, &self.user.username).await;
        let users = presence.snapshot(&self.room);
        live.socket.send(&ServerFrame::Presence { room: self.room.clone(), users }).await?;
        Ok(Some(Opened { live, reader, room_group, user_group, _present }))
    }
}

impl Live {
    /// Closes the socket once the user's access to the room has ended.
    fn close_if_access_ended(&self) -> Next {
        if self.access_ended { Next::Close(Some(CloseReason::AccessEnded)) } else { Next::KeepGoing }
    }
}
