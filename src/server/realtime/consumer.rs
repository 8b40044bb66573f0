//! The `ChatConsumer`: a room's WebSocket, in the words of Django Channels.
//! [`connect`] checks the user, the origin and the room's permission, then
//! upgrades; `receive` hands each parsed client frame to its handler (one per
//! frame type, e.g. `on_send`); `chat_message` forwards the group's events to the
//! socket in `seq` order, catching up from the database whenever it sees a gap or
//! lags behind. A send is handed to the store's writer and acked once committed,
//! in the order sent, while the socket keeps reading (up to [`MAX_IN_FLIGHT`]
//! sends wait at once). The sender is always the session's user.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, Query, State, WebSocketUpgrade, ws::WebSocket},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures::{FutureExt, StreamExt, future::BoxFuture, stream::FuturesOrdered};
use serde::Deserialize;

use super::{
    layer::{Event, Received, Subscription},
    room_socket::{self, Incoming, RoomSocket},
};
use crate::{
    entity::user,
    error::AppError,
    protocol::{CloseReason, Command, FrameRejection, MAX_FRAME_BYTES, MAX_PAGE_SIZE, ServerFrame, ValidSend},
    server::{
        accounts::access::{self, Need},
        http::{gate::RequireUser, origin, params::SeqParam},
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
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    params: Result<Query<SocketParams>, axum::extract::rejection::QueryRejection>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let room = access::room(&state.store, &user, &room, Need::Read).await?;
    if !origin::is_same_origin(&headers) {
        return Err(AppError::CrossSite);
    }
    if let Err(throttled) = state.limits.check_upgrade(peer.ip()) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    let Query(params) = params.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let after = params.after.map(|seq| seq.0);
    let sockets = state.sockets.clone();
    let consumer = ChatConsumer { state, room, user: user.0 };
    // Small buffers: an idle socket should cost kilobytes, not tungstenite's
    // default 128 KiB read buffer. The write buffer fills only while frames are
    // queued for one flush.
    Ok(ws
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| sockets.track_future(consumer.serve(socket, after)))
        .into_response())
}

/// Why a socket ended early.
#[derive(Debug, thiserror::Error)]
enum ConsumerError {
    #[error("socket: {0}")]
    Socket(#[from] axum::Error),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("channel layer: {0}")]
    Layer(#[from] super::layer::LayerError),
}

/// A socket's sends on their way through the writer, answered in the order they came.
type InFlight = FuturesOrdered<BoxFuture<'static, (Option<String>, Result<Stored, AppendError>)>>;

/// What the consumer does after handling a client frame.
enum Next {
    KeepReading,
    Close(Option<CloseReason>),
}

/// One user's socket in one room.
struct ChatConsumer {
    state: AppState,
    room: String,
    user: user::Model,
}

impl ChatConsumer {
    async fn serve(self, socket: WebSocket, after: Option<i64>) {
        let _counted = OpenSocket::count();
        if let Err(err) = self.run(socket, after).await {
            tracing::debug!(%err, room = self.room, "room socket ended");
        }
    }

    async fn run(&self, socket: WebSocket, after: Option<i64>) -> Result<(), ConsumerError> {
        // Join the group before reading the database, so nothing committed in between is missed.
        let mut group = self.state.layer.group_add(&self.room).await?;
        let (mut socket, mut reader) = room_socket::split(socket);
        let mut last_sent = match after {
            Some(seq) => seq,
            None => self.state.store.last_seq(&self.room).await?,
        };
        self.catch_up(&mut socket, &mut last_sent).await?;
        let shutdown = self.state.shutdown.clone();
        let mut in_flight = InFlight::new();
        loop {
            tokio::select! {
                incoming = reader.next(), if in_flight.len() < MAX_IN_FLIGHT => {
                    match self.receive(&mut socket, incoming, &mut in_flight).await? {
                        Next::KeepReading => {}
                        Next::Close(reason) => {
                            if let Some(reason) = reason {
                                socket.close(reason).await;
                            }
                            return Ok(());
                        }
                    }
                }
                Some((client_id, stored)) = in_flight.next() => self.acknowledge(&mut socket, client_id, stored).await?,
                received = group.recv() => {
                    self.chat_message(&mut socket, &mut group, received, &mut last_sent).await?;
                    // Whatever else is already waiting goes out in the same write.
                    for _ in 1..MAX_FRAMES_PER_WRITE {
                        let Some(received) = group.try_recv() else { break };
                        self.chat_message(&mut socket, &mut group, received, &mut last_sent).await?;
                    }
                    socket.flush().await?;
                },
                () = shutdown.wait() => {
                    // Answer every send that was accepted before closing.
                    while let Some((client_id, stored)) = in_flight.next().await {
                        self.acknowledge(&mut socket, client_id, stored).await?;
                    }
                    socket.close(CloseReason::Restart).await;
                    return Ok(());
                }
            }
        }
    }

    /// Handles what the client sent: each valid frame goes to its handler.
    async fn receive(&self, socket: &mut RoomSocket, incoming: Incoming, in_flight: &mut InFlight) -> Result<Next, ConsumerError> {
        match incoming {
            Incoming::Command(Command::Send(send)) => self.on_send(socket, send, in_flight).await?,
            Incoming::Refused(rejection) => socket.send_error(rejection).await?,
            Incoming::Control => {}
            Incoming::Closed => return Ok(Next::Close(None)),
            Incoming::Broken(reason) => return Ok(Next::Close(Some(reason))),
        }
        Ok(Next::KeepReading)
    }

    /// `send`: checks the sender's rate, then queues the message to the writer;
    /// it joins `in_flight`, to be acked once committed.
    async fn on_send(&self, socket: &mut RoomSocket, send: ValidSend, in_flight: &mut InFlight) -> Result<(), ConsumerError> {
        if let Err(throttled) = self.state.limits.check_message(self.user.id, &self.room) {
            return Ok(socket.send_error(FrameRejection::rate_limited(send.client_id, throttled.retry_after_secs)).await?);
        }
        let message = NewMessage {
            room: self.room.clone(),
            sender: self.user.clone(),
            text: send.text,
            client_id: send.client_id.clone(),
        };
        // Queued now, so the socket's sends are stored in the order they came.
        let committed = self.state.store.append(message).await;
        in_flight.push_back(async move { (send.client_id, committed.await) }.boxed());
        Ok(())
    }

    /// Answers a send once the writer is done with it: `ack` after the commit,
    /// `store_failed` when it could not be stored.
    async fn acknowledge(
        &self,
        socket: &mut RoomSocket,
        client_id: Option<String>,
        stored: Result<Stored, AppendError>,
    ) -> Result<(), ConsumerError> {
        let stored = match stored {
            Ok(stored) => stored,
            Err(err) => {
                metrics::counter!(m::STORE_ERRORS).increment(1);
                tracing::error!(%err, room = self.room, "storing a message failed");
                let rejection = FrameRejection::new(crate::protocol::FrameErrorCode::StoreFailed, client_id);
                return Ok(socket.send_error(rejection).await?);
            }
        };
        // The writer has published it to the room already.
        let counter = if stored.duplicate { m::MESSAGES_DUPLICATE } else { m::MESSAGES_STORED };
        metrics::counter!(counter).increment(1);
        socket.send(&ServerFrame::Ack { client_id, seq: stored.message.seq }).await?;
        Ok(())
    }

    /// Queues the group's next event for the socket (the caller flushes), keeping
    /// the socket's `seq` order gap-free.
    async fn chat_message(
        &self,
        socket: &mut RoomSocket,
        group: &mut Subscription,
        received: Received,
        last_sent: &mut i64,
    ) -> Result<(), ConsumerError> {
        match received {
            Received::Event(Event::Sequenced { seq, .. }) if seq <= *last_sent => {}
            Received::Event(Event::Sequenced { seq, frame }) if seq == *last_sent + 1 => {
                socket.queue(frame).await?;
                *last_sent = seq;
            }
            // A gap (events published out of order, or one missed): the database has it all.
            Received::Event(Event::Sequenced { .. } | Event::Resync) => self.catch_up(socket, last_sent).await?,
            Received::Lagged { missed } => {
                metrics::counter!(m::SOCKET_LAG).increment(1);
                tracing::debug!(room = self.room, missed, "socket lagged; catching up from the database");
                self.catch_up(socket, last_sent).await?;
            }
            Received::Closed => {
                *group = self.state.layer.group_add(&self.room).await?;
                self.catch_up(socket, last_sent).await?;
            }
        }
        Ok(())
    }

    /// Sends every stored message after `last_sent`, oldest first.
    async fn catch_up(&self, socket: &mut RoomSocket, last_sent: &mut i64) -> Result<(), ConsumerError> {
        loop {
            let query = HistoryQuery { before: None, after: Some(*last_sent), limit: MAX_PAGE_SIZE };
            let page = self.state.store.history(&self.room, query).await?;
            let full_page = page.len() as u64 == MAX_PAGE_SIZE;
            metrics::counter!(m::CATCH_UP_MESSAGES).increment(page.len() as u64);
            for message in page {
                let seq = message.seq;
                let frame = ServerFrame::Message { room: self.room.clone(), message };
                socket.queue(frame.encode().into()).await?;
                *last_sent = seq;
            }
            if !full_page {
                return Ok(socket.flush().await?);
            }
        }
    }
}

/// Counts a socket in `parlor_sockets_open` for as long as it lives, however it ends.
struct OpenSocket;

impl OpenSocket {
    fn count() -> Self {
        metrics::gauge!(m::SOCKETS_OPEN).increment(1.0);
        Self
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        metrics::gauge!(m::SOCKETS_OPEN).decrement(1.0);
    }
}
