//! The `ChatConsumer`: a room's WebSocket. `connect` checks the session and the
//! origin and joins the room's group; `receive` validates a client frame and hands
//! the message to the appender (the sender is always the session's user), which
//! stores and publishes it; each send is acked once committed, in the order sent,
//! while the socket keeps reading (up to [`MAX_IN_FLIGHT`] sends wait at once);
//! `chat_message` forwards the group's events to the socket in `seq` order,
//! catching up from the database whenever it sees a gap or lags behind.

use std::{collections::HashMap, net::SocketAddr};

use axum::{
    extract::{
        ConnectInfo, Path, Query, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures::{
    FutureExt, SinkExt, StreamExt,
    future::BoxFuture,
    stream::{FuturesOrdered, SplitSink},
};
use sea_orm::DbErr;

use crate::{
    error::AppError,
    names::canonical_room,
    protocol::{FrameErrorCode, MAX_FRAME_BYTES, MAX_PAGE_SIZE, ServerFrame, parse_client_frame},
    server::{
        auth::{AuthSession, User},
        layer::{Event, Received, Subscription},
        metrics as m,
        origin,
        state::AppState,
        store::{self, HistoryQuery, NewMessage, Stored},
    },
};

/// Close code sent when the server restarts (RFC 6455 registry: 1012 "Service Restart").
const CLOSE_RESTART: u16 = 1012;
/// Most queued room events written to a socket with one flush.
const MAX_FRAMES_PER_WRITE: usize = 64;
/// Sends of one socket waiting for their commit before the socket stops reading.
const MAX_IN_FLIGHT: usize = 64;
/// Bytes of frames a socket gathers before writing them without waiting for the flush.
const WRITE_BUFFER_BYTES: usize = 16 * 1024;

/// `GET /ws/room/{room}/?after=SEQ`: the `connect` step, then the upgrade.
pub async fn connect(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    auth: AuthSession,
    Path(room): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let Some(User(user)) = auth.user else {
        return AppError::Unauthorized.into_response();
    };
    let room = match canonical_room(&room) {
        Ok(room) => room,
        Err(why) => return AppError::BadRoom(why.into()).into_response(),
    };
    if !origin::is_same_origin(&headers) {
        return AppError::CrossSite.into_response();
    }
    if let Err(throttled) = state.limits.check_upgrade(peer.ip()) {
        return AppError::RateLimited { retry_after_secs: throttled.retry_after_secs }.into_response();
    }
    let after = match params.get("after").map(|raw| raw.parse::<i64>()) {
        None => None,
        Some(Ok(seq)) if seq >= 0 => Some(seq),
        Some(_) => return AppError::BadRequest("`after` must be a non-negative integer".into()).into_response(),
    };
    let sockets = state.sockets.clone();
    // Small buffers: an idle socket should cost kilobytes, not tungstenite's
    // default 128 KiB read buffer. The write buffer fills only while frames are
    // queued for one flush.
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| {
            sockets.track_future(async move {
                let consumer = ChatConsumer { state, room, user };
                if let Err(err) = consumer.run(socket, after).await {
                    tracing::debug!(%err, "room socket ended");
                }
            })
        })
}

/// Why a socket ended early.
#[derive(Debug, thiserror::Error)]
enum ConsumerError {
    #[error("socket: {0}")]
    Socket(#[from] axum::Error),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("channel layer: {0}")]
    Layer(#[from] crate::server::layer::LayerError),
}

type Sink = SplitSink<WebSocket, Message>;
/// A socket's sends on their way through the appender, answered in the order they came.
type InFlight = FuturesOrdered<BoxFuture<'static, (Option<String>, Result<Stored, DbErr>)>>;

/// One user's socket in one room.
struct ChatConsumer {
    state: AppState,
    room: String,
    user: crate::entity::user::Model,
}

impl ChatConsumer {
    async fn run(self, socket: WebSocket, after: Option<i64>) -> Result<(), ConsumerError> {
        let _counted = OpenSocket::count();
        // Join the group before reading the database, so nothing committed in between is missed.
        let mut group = self.state.layer.group_add(&self.room).await?;
        let (mut sink, mut stream) = socket.split();
        let mut last_sent = match after {
            Some(seq) => seq,
            None => store::last_seq(&self.state.db, &self.room).await?,
        };
        self.catch_up(&mut sink, &mut last_sent).await?;
        let mut shutdown = self.state.shutdown.clone();
        let mut in_flight = InFlight::new();
        loop {
            tokio::select! {
                incoming = stream.next(), if in_flight.len() < MAX_IN_FLIGHT => match incoming {
                    Some(Ok(message)) => {
                        if !self.receive(&mut sink, message, &mut in_flight).await? {
                            return Ok(());
                        }
                    }
                    Some(Err(err)) => return self.close_after_error(&mut sink, err).await,
                    None => return Ok(()),
                },
                Some((client_id, stored)) = in_flight.next() => self.acknowledge(&mut sink, client_id, stored).await?,
                received = group.recv() => {
                    self.chat_message(&mut sink, &mut group, received, &mut last_sent).await?;
                    // Whatever else is already waiting goes out in the same write.
                    for _ in 1..MAX_FRAMES_PER_WRITE {
                        let Some(received) = group.try_recv() else { break };
                        self.chat_message(&mut sink, &mut group, received, &mut last_sent).await?;
                    }
                    sink.flush().await?;
                },
                () = shutdown.wait() => {
                    // Answer every send that was accepted before closing.
                    while let Some((client_id, stored)) = in_flight.next().await {
                        self.acknowledge(&mut sink, client_id, stored).await?;
                    }
                    let frame = CloseFrame { code: CLOSE_RESTART, reason: Utf8Bytes::from_static("server restarting") };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    return Ok(());
                }
            }
        }
    }

    /// Handles one frame from the client: a valid send is handed to the appender
    /// and joins `in_flight`, to be acked once committed. Returns false when the
    /// socket should close.
    async fn receive(&self, sink: &mut Sink, message: Message, in_flight: &mut InFlight) -> Result<bool, ConsumerError> {
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                send_error(sink, FrameErrorCode::BinaryFrame, None).await?;
                return Ok(true);
            }
            Message::Close(_) => return Ok(false),
            Message::Ping(_) | Message::Pong(_) => return Ok(true),
        };
        let send = match parse_client_frame(text.as_str()) {
            Ok(send) => send,
            Err((code, client_id)) => {
                send_error(sink, code, client_id).await?;
                return Ok(true);
            }
        };
        if let Err(throttled) = self.state.limits.check_message(self.user.id, &self.room) {
            let message = format!("too many messages; try again in {} s", throttled.retry_after_secs);
            metrics::counter!(m::FRAMES_REJECTED, "code" => FrameErrorCode::RateLimited.as_str()).increment(1);
            let frame = ServerFrame::Error { code: FrameErrorCode::RateLimited, message, client_id: send.client_id };
            send_frame(sink, &frame).await?;
            return Ok(true);
        }
        let message = NewMessage {
            room: self.room.clone(),
            sender: self.user.clone(),
            text: send.text,
            client_id: send.client_id.clone(),
        };
        // Queued now, so the socket's sends are stored in the order they came.
        let committed = self.state.appender.submit(message).await;
        in_flight.push_back(async move { (send.client_id, committed.await) }.boxed());
        Ok(true)
    }

    /// Answers a send once the appender is done with it: `ack` after the commit,
    /// `store_failed` when it could not be stored.
    async fn acknowledge(
        &self,
        sink: &mut Sink,
        client_id: Option<String>,
        stored: Result<Stored, DbErr>,
    ) -> Result<(), ConsumerError> {
        let stored = match stored {
            Ok(stored) => stored,
            Err(err) => {
                metrics::counter!(m::STORE_ERRORS).increment(1);
                tracing::error!(%err, room = self.room, "storing a message failed");
                return Ok(send_error(sink, FrameErrorCode::StoreFailed, client_id).await?);
            }
        };
        // The appender has published it to the room already.
        let counter = if stored.duplicate { m::MESSAGES_DUPLICATE } else { m::MESSAGES_STORED };
        metrics::counter!(counter).increment(1);
        send_frame(sink, &ServerFrame::Ack { client_id, seq: stored.message.seq }).await?;
        Ok(())
    }

    /// Queues the group's next event for the socket (the caller flushes), keeping
    /// the socket's `seq` order gap-free.
    async fn chat_message(
        &self,
        sink: &mut Sink,
        group: &mut Subscription,
        received: Received,
        last_sent: &mut i64,
    ) -> Result<(), ConsumerError> {
        match received {
            Received::Event(event) if event.seq <= *last_sent => {}
            Received::Event(event) if event.seq == *last_sent + 1 => {
                sink.feed(Message::Text(event.frame)).await?;
                *last_sent = event.seq;
            }
            // A gap (events published out of order, or one missed): the database has it all.
            Received::Event(_) => self.catch_up(sink, last_sent).await?,
            Received::Lagged { missed } => {
                metrics::counter!(m::SOCKET_LAG).increment(1);
                tracing::debug!(room = self.room, missed, "socket lagged; catching up from the database");
                self.catch_up(sink, last_sent).await?;
            }
            Received::Closed => {
                *group = self.state.layer.group_add(&self.room).await?;
                self.catch_up(sink, last_sent).await?;
            }
        }
        Ok(())
    }

    /// Sends every stored message after `last_sent`, oldest first.
    async fn catch_up(&self, sink: &mut Sink, last_sent: &mut i64) -> Result<(), ConsumerError> {
        loop {
            let query = HistoryQuery { before: None, after: Some(*last_sent), limit: MAX_PAGE_SIZE };
            let page = store::history(&self.state.db, &self.room, query).await?;
            let full_page = page.len() as u64 == MAX_PAGE_SIZE;
            metrics::counter!(m::CATCH_UP_MESSAGES).increment(page.len() as u64);
            for message in page {
                let seq = message.seq;
                sink.feed(Message::Text(Event::message(&self.room, message).frame)).await?;
                *last_sent = seq;
            }
            if !full_page {
                return Ok(sink.flush().await?);
            }
        }
    }

    /// Ends the socket after a protocol error, with 1009 for an oversized frame.
    async fn close_after_error(&self, sink: &mut Sink, err: axum::Error) -> Result<(), ConsumerError> {
        let too_big = std::error::Error::source(&err)
            .map(|source| source.to_string())
            .unwrap_or_else(|| err.to_string())
            .contains("too long");
        let (code, reason) = if too_big {
            (close_code::SIZE, "frame larger than 16 KiB")
        } else {
            (close_code::PROTOCOL, "protocol error")
        };
        let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
        let _ = sink.send(Message::Close(Some(frame))).await;
        Ok(())
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

async fn send_frame(sink: &mut Sink, frame: &ServerFrame) -> Result<(), axum::Error> {
    sink.send(Message::Text(frame.to_json().into())).await
}

async fn send_error(sink: &mut Sink, code: FrameErrorCode, client_id: Option<String>) -> Result<(), axum::Error> {
    metrics::counter!(m::FRAMES_REJECTED, "code" => code.as_str()).increment(1);
    send_frame(sink, &ServerFrame::Error { code, message: code.describe().to_owned(), client_id }).await
}
