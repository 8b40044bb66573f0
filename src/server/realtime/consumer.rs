//! The `ChatConsumer`: a room's WebSocket, in the words of Django Channels.
//! [`connect`] checks the user, the origin, the room's permission, the user's
//! socket cap and the upgrade rate, then upgrades; `receive` hands each parsed
//! client frame to its handler (one per frame type, e.g. `on_send`);
//! `chat_message` forwards the room group's events to the socket in `seq`
//! order, catching up from the database whenever it sees a gap, lags behind or
//! hears of a newer head. A send is handed to the store's writer and acked once
//! committed, in the order sent, while the socket keeps reading (up to
//! [`MAX_IN_FLIGHT`] sends wait at once). The sender is always the session's user.
//!
//! A socket also ends with its session: it listens to its user's group for
//! log-outs and new log-ins, and checks the stored session when it would
//! expire. It pings a quiet client and closes one that answers nothing; a
//! client that does not take its frames in time is dropped.

use std::time::{Duration, Instant, SystemTime};

use axum::{
    extract::{Path, Query, State, WebSocketUpgrade, rejection::QueryRejection, ws::WebSocket},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures::{FutureExt, StreamExt, future::BoxFuture, stream::FuturesOrdered};
use serde::Deserialize;
use tower_sessions::session::Id;

use super::{
    layer::{Event, Group, Received, Subscription},
    open_sockets::SocketSlot,
    room_socket::{self, Incoming, RoomSocket, WriteError},
};
use crate::{
    entity::user,
    error::AppError,
    protocol::{
        CloseReason, Command, FrameErrorCode, FrameRejection, MAX_FRAME_BYTES, MAX_PAGE_SIZE, ServerFrame, ValidSend,
    },
    server::{
        accounts::{
            access::{self, Need},
            session_control::SessionKey,
        },
        http::{client_ip::ClientIp, gate::RequireSession, origin, params::SeqParam},
        metrics as m,
        state::AppState,
        storage::{AppendError, NewMessage, Stored, store::HistoryQuery},
    },
};

/// Most queued room events written to a socket with one flush.
const MAX_FRAMES_PER_WRITE: usize = 64;
/// Sends of one socket waiting for their commit before the socket stops reading.
const MAX_IN_FLIGHT: usize = 64;
/// Bytes of frames a socket gathers before writing them without waiting for the flush.
const WRITE_BUFFER_BYTES: usize = 16 * 1024;
/// Pings a client may leave unanswered (sending nothing at all) before it is closed.
const UNANSWERED_PINGS: u32 = 3;
/// How long a socket keeps a send that could not be stored first in line.
const STORE_RETRY_WAIT: Duration = Duration::from_secs(5);
/// How long the server waits for the client's reply to its close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// How soon a session whose check was inconclusive is checked again.
const SESSION_RECHECK: Duration = Duration::from_secs(1);

/// The query of `GET /ws/room/{room}/`.
#[derive(Debug, Deserialize)]
pub struct SocketParams {
    /// The last `seq` the client has shown: replay starts after it.
    after: Option<SeqParam>,
}

/// `GET /ws/room/{room}/?after=SEQ`: the `connect` step, then the upgrade.
pub async fn connect(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    RequireSession { user, session }: RequireSession,
    Path(room): Path<String>,
    params: Result<Query<SocketParams>, QueryRejection>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let room = access::room(&state.store, &user, &room, Need::Read).await?;
    if !origin::is_same_origin(&headers) {
        return Err(AppError::CrossSite);
    }
    if let Err(throttled) = state.limits.check_upgrade(client) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    let Query(params) = params.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let session_id = session.id().ok_or(AppError::Unauthorized)?;
    let max = state.config.max_sockets_per_user;
    let slot = state.open_sockets.claim(user.0.id, max).ok_or(AppError::TooManySockets { max })?;
    let expires_at = state.sessions.expires_at(&session).await;
    let consumer = ChatConsumer { state, room, user: user.0, session_id, _slot: slot };
    let sockets = consumer.state.sockets.clone();
    let after = params.after.map(|seq| seq.0);
    // Small buffers: an idle socket should cost kilobytes, not tungstenite's
    // default 128 KiB read buffer. The write buffer fills only while frames are
    // queued for one flush.
    Ok(ws
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| sockets.track_future(consumer.serve(socket, after, expires_at)))
        .into_response())
}

/// Why a socket ended early.
#[derive(Debug, thiserror::Error)]
enum ConsumerError {
    #[error("socket: {0}")]
    Write(#[from] WriteError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("channel layer: {0}")]
    Layer(#[from] super::layer::LayerError),
}

/// A socket's sends on their way through the writer, answered in the order they came.
type InFlight = FuturesOrdered<BoxFuture<'static, (Option<String>, Result<Stored, AppendError>)>>;

/// What the consumer does next.
enum Next {
    KeepGoing,
    Close(Option<CloseReason>),
}

/// One user's socket in one room.
struct ChatConsumer {
    state: AppState,
    room: String,
    user: user::Model,
    /// The session the socket belongs to: it ends with it.
    session_id: Id,
    /// Counts against the user's socket cap while the socket lives.
    _slot: SocketSlot,
}

/// What changes while a socket lives.
struct Live {
    socket: RoomSocket,
    /// The newest `seq` sent to the client: the next event must be the one after.
    last_sent: i64,
    in_flight: InFlight,
    /// When the client last sent anything (a frame, a pong).
    last_heard: Instant,
    /// When the session expires unless it is used meanwhile.
    session_expires_at: SystemTime,
    /// Whether the room is known to exist (its first message creates it).
    room_exists: bool,
    /// A send refused for now (rate, storage) and until when: until it comes
    /// again (or the wait is over, when the client gave it up), later sends
    /// are refused too, so that a sender's messages are stored in order.
    blocked_on: Option<(String, Instant)>,
}

impl ChatConsumer {
    async fn serve(self, socket: WebSocket, after: Option<i64>, expires_at: SystemTime) {
        if let Err(err) = self.run(socket, after, expires_at).await {
            tracing::debug!(%err, room = self.room, "room socket ended");
        }
    }

    async fn run(&self, socket: WebSocket, after: Option<i64>, session_expires_at: SystemTime) -> Result<(), ConsumerError> {
        // Join the groups before reading the database, so nothing committed or
        // ended in between is missed.
        let mut room_group = self.state.layer.group_add(&Group::Room(self.room.clone())).await?;
        let mut user_group = self.state.layer.group_add(&Group::User(self.user.id)).await?;
        let write_timeout = Duration::from_secs(self.state.config.write_timeout_secs);
        let (socket, mut reader) = room_socket::split(socket, write_timeout);
        let head = self.state.store.last_seq(&self.room).await?;
        let mut live = Live {
            socket,
            last_sent: head,
            in_flight: InFlight::new(),
            last_heard: Instant::now(),
            session_expires_at,
            room_exists: head > 0,
            blocked_on: None,
        };
        match after {
            Some(after) if head.saturating_sub(after) > self.state.config.replay_limit as i64 => {
                live.socket.send(&ServerFrame::Reset { room: self.room.clone(), seq: head }).await?;
            }
            Some(after) => live.last_sent = after,
            None => {}
        }
        self.catch_up(&mut live).await?;
        let ping_every = Duration::from_secs(self.state.config.ping_secs);
        let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
        let shutdown = self.state.shutdown.clone();
        let mut expiry_armed_for = live.session_expires_at;
        let expiry = tokio::time::sleep_until(until(expiry_armed_for));
        tokio::pin!(expiry);
        loop {
            if live.session_expires_at != expiry_armed_for {
                expiry_armed_for = live.session_expires_at;
                expiry.as_mut().reset(until(expiry_armed_for));
            }
            let next = tokio::select! {
                incoming = reader.next(), if live.in_flight.len() < MAX_IN_FLIGHT => {
                    live.last_heard = Instant::now();
                    self.receive(&mut live, incoming).await?
                }
                Some((client_id, stored)) = live.in_flight.next() => {
                    self.acknowledge(&mut live, client_id, stored).await?;
                    Next::KeepGoing
                }
                received = room_group.recv() => {
                    self.chat_message(&mut live, &mut room_group, received).await?;
                    // Whatever else is already waiting goes out in the same write.
                    for _ in 1..MAX_FRAMES_PER_WRITE {
                        let Some(received) = room_group.try_recv() else { break };
                        self.chat_message(&mut live, &mut room_group, received).await?;
                    }
                    live.socket.flush().await?;
                    Next::KeepGoing
                }
                received = user_group.recv() => self.user_event(&mut live, &mut user_group, received).await?,
                _ = pings.tick() => {
                    if live.last_heard.elapsed() > ping_every * UNANSWERED_PINGS {
                        Next::Close(Some(CloseReason::Idle))
                    } else {
                        live.socket.ping().await?;
                        Next::KeepGoing
                    }
                }
                () = &mut expiry => {
                    let next = self.check_session(&mut live).await;
                    // Re-armed above when the expiry moved; otherwise check again in a while.
                    expiry.as_mut().reset(until(live.session_expires_at.max(SystemTime::now() + SESSION_RECHECK)));
                    next
                }
                () = shutdown.wait() => {
                    // Answer every send that was accepted before closing.
                    while let Some((client_id, stored)) = live.in_flight.next().await {
                        self.acknowledge(&mut live, client_id, stored).await?;
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

    /// Handles what the client sent: each valid frame goes to its handler.
    async fn receive(&self, live: &mut Live, incoming: Incoming) -> Result<Next, ConsumerError> {
        match incoming {
            Incoming::Command(Command::Send(send)) => self.on_send(live, send).await?,
            Incoming::Refused(rejection) => live.socket.send_error(rejection).await?,
            Incoming::Control => {}
            Incoming::Closed => return Ok(Next::Close(None)),
            Incoming::Broken(reason) => return Ok(Next::Close(Some(reason))),
        }
        Ok(Next::KeepGoing)
    }

    /// `send`: checks the sender's rates (messages; new rooms, for the first
    /// message of a room), then queues the message to the writer; it joins
    /// `in_flight`, to be acked once committed.
    async fn on_send(&self, live: &mut Live, send: ValidSend) -> Result<(), ConsumerError> {
        if let Some((blocked, until)) = &live.blocked_on {
            if send.client_id.as_ref() != Some(blocked) && Instant::now() < *until {
                return Ok(live.socket.send_error(FrameRejection::new(FrameErrorCode::OutOfOrder, send.client_id)).await?);
            }
            live.blocked_on = None;
        }
        if let Err(throttled) = self.state.limits.check_message(self.user.id) {
            let wait = Duration::from_secs(throttled.retry_after_secs);
            live.blocked_on = send.client_id.clone().map(|id| (id, Instant::now() + wait));
            return Ok(live.socket.send_error(FrameRejection::rate_limited(send.client_id, throttled.retry_after_secs)).await?);
        }
        if !live.room_exists {
            if let Err(throttled) = self.state.limits.check_new_room(self.user.id) {
                let rejection = FrameRejection {
                    code: FrameErrorCode::RoomLimit,
                    client_id: send.client_id,
                    retry_after_secs: Some(throttled.retry_after_secs),
                };
                return Ok(live.socket.send_error(rejection).await?);
            }
            live.room_exists = true;
        }
        let message = NewMessage {
            room: self.room.clone(),
            sender: self.user.clone(),
            text: send.text,
            client_id: send.client_id.clone(),
        };
        // Queued now, so the socket's sends are stored in the order they came.
        let committed = self.state.store.append(message).await;
        live.in_flight.push_back(async move { (send.client_id, committed.await) }.boxed());
        Ok(())
    }

    /// Answers a send once the writer is done with it: `ack` after the commit,
    /// `store_failed` when the database could not be reached (retry later),
    /// `not_stored` when it refused this message.
    async fn acknowledge(
        &self,
        live: &mut Live,
        client_id: Option<String>,
        stored: Result<Stored, AppendError>,
    ) -> Result<(), ConsumerError> {
        let stored = match stored {
            Ok(stored) => stored,
            Err(err) => {
                metrics::counter!(m::STORE_ERRORS).increment(1);
                tracing::error!(%err, room = self.room, "storing a message failed");
                let code = match err {
                    AppendError::Refused(_) => FrameErrorCode::NotStored,
                    AppendError::Unavailable(_) | AppendError::Stopped => {
                        live.blocked_on = client_id.clone().map(|id| (id, Instant::now() + STORE_RETRY_WAIT));
                        FrameErrorCode::StoreFailed
                    }
                };
                return Ok(live.socket.send_error(FrameRejection::new(code, client_id)).await?);
            }
        };
        // The writer has published it to the room already.
        let counter = if stored.duplicate { m::MESSAGES_DUPLICATE } else { m::MESSAGES_STORED };
        metrics::counter!(counter).increment(1);
        live.socket.send(&ServerFrame::Ack { client_id, seq: stored.message.seq }).await?;
        Ok(())
    }

    /// Queues the room group's next event for the socket (the caller flushes),
    /// keeping the socket's `seq` order gap-free.
    async fn chat_message(&self, live: &mut Live, group: &mut Subscription, received: Received) -> Result<(), ConsumerError> {
        match received {
            Received::Event(Event::Sequenced { seq, .. }) if seq <= live.last_sent => {}
            Received::Event(Event::Sequenced { seq, frame }) if seq == live.last_sent + 1 => {
                live.socket.queue(frame).await?;
                live.last_sent = seq;
                live.room_exists = true;
            }
            // A gap (events published out of order, or one missed): the database has it all.
            Received::Event(Event::Sequenced { .. } | Event::Resync) => self.catch_up(live).await?,
            // Another instance committed further than this socket has seen: a publish was lost.
            Received::Event(Event::Head { seq }) if seq > live.last_sent => {
                metrics::counter!(m::SOCKET_LAG).increment(1);
                self.catch_up(live).await?;
            }
            Received::Event(Event::Head { .. } | Event::EndSessions { .. }) => {}
            Received::Lagged { missed } => {
                metrics::counter!(m::SOCKET_LAG).increment(1);
                tracing::debug!(room = self.room, missed, "socket lagged; catching up from the database");
                self.catch_up(live).await?;
            }
            Received::Closed => {
                *group = self.state.layer.group_add(&Group::Room(self.room.clone())).await?;
                self.catch_up(live).await?;
            }
        }
        Ok(())
    }

    /// Handles an event for the socket's user: the end of its session.
    async fn user_event(&self, live: &mut Live, group: &mut Subscription, received: Received) -> Result<Next, ConsumerError> {
        match received {
            Received::Event(Event::EndSessions { session, reason })
                if session.is_none_or(|key| key == SessionKey::of(&self.session_id)) =>
            {
                Ok(Next::Close(Some(reason)))
            }
            Received::Event(_) => Ok(Next::KeepGoing),
            // Something may have been missed: ask the database whether the session still stands.
            Received::Lagged { .. } => Ok(self.check_session(live).await),
            Received::Closed => {
                *group = self.state.layer.group_add(&Group::User(self.user.id)).await?;
                Ok(self.check_session(live).await)
            }
        }
    }

    /// Closes the socket if its session has ended; otherwise learns when it expires next.
    async fn check_session(&self, live: &mut Live) -> Next {
        match self.state.sessions.valid_until(&self.session_id).await {
            Some(expires_at) if expires_at > SystemTime::now() => {
                live.session_expires_at = expires_at;
                Next::KeepGoing
            }
            _ => Next::Close(Some(CloseReason::SessionEnded)),
        }
    }

    /// Sends every stored message after `last_sent`, oldest first.
    async fn catch_up(&self, live: &mut Live) -> Result<(), ConsumerError> {
        loop {
            let query = HistoryQuery { before: None, after: Some(live.last_sent), limit: MAX_PAGE_SIZE };
            let page = self.state.store.history(&self.room, query).await?;
            let full_page = page.len() as u64 == MAX_PAGE_SIZE;
            metrics::counter!(m::CATCH_UP_MESSAGES).increment(page.len() as u64);
            for message in page {
                let seq = message.seq;
                let frame = ServerFrame::Message { room: self.room.clone(), message };
                live.socket.queue(frame.encode().into()).await?;
                live.last_sent = seq;
                live.room_exists = true;
            }
            if !full_page {
                return Ok(live.socket.flush().await?);
            }
        }
    }
}

/// The tokio instant of a wall-clock time (now, if it is past).
fn until(at: SystemTime) -> tokio::time::Instant {
    let left = at.duration_since(SystemTime::now()).unwrap_or_default();
    tokio::time::Instant::now() + left
}
