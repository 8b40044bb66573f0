//! The two halves of an upgraded room socket, as mini-redis's `Connection` owns
//! reading and writing frames: [`FrameReader`] turns incoming WebSocket messages
//! into parsed client frames (or typed refusals), and [`RoomSocket`] owns the
//! outgoing sink with its batching (queue, then one flush), error frames and
//! close codes. Every frame is encoded by `protocol`; nothing here builds JSON.

use std::time::Duration;

use axum::extract::{
    WebSocketUpgrade,
    ws::{CloseFrame, Message, Utf8Bytes, WebSocket},
};
use futures::{
    SinkExt, StreamExt,
    stream::{SplitSink, SplitStream},
};

use crate::{
    protocol::{CloseReason, Command, FrameErrorCode, FrameRejection, MAX_FRAME_BYTES, ServerFrame, parse_client_frame},
    server::metrics as m,
};

/// Bytes of frames a room socket gathers before writing them without waiting for the flush.
const WRITE_BUFFER_BYTES: usize = 16 * 1024;

/// A room socket's sizes. Small buffers: an idle socket should cost
/// kilobytes, not tungstenite's default 128 KiB read buffer. Client frames
/// are small (a send is a few hundred bytes), so 1 KiB holds several; a larger
/// one takes more reads. The write buffer fills only while frames are queued
/// for one flush.
pub fn room_sized(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(1024)
        .write_buffer_size(WRITE_BUFFER_BYTES)
}

/// An inbox socket's sizes: it reads nothing but pongs.
pub fn inbox_sized(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_FRAME_BYTES).read_buffer_size(1024)
}

/// Splits an upgraded socket into its writing and reading halves. A write that
/// the client does not take within `write_timeout` fails the socket.
pub fn split(socket: WebSocket, write_timeout: Duration) -> (RoomSocket, FrameReader) {
    let (sink, stream) = socket.split();
    (RoomSocket { sink, write_timeout }, FrameReader { stream })
}

/// Why a frame could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("socket: {0}")]
    Socket(#[from] axum::Error),
    /// The client did not take its frames in time (a stalled reader).
    #[error("the client did not read its frames in time")]
    TimedOut,
}

/// What the client sent next.
#[derive(Debug)]
pub enum Incoming {
    /// A valid frame, ready for its handler.
    Command(Command),
    /// A frame that was refused; the socket stays open.
    Refused(FrameRejection),
    /// A ping or pong (answered by the WebSocket layer itself).
    Control,
    /// The client closed the socket, or the connection dropped.
    Closed,
    /// The client broke the protocol; the socket must close with this reason.
    Broken(CloseReason),
}

/// The reading half: client frames, parsed and validated.
pub struct FrameReader {
    stream: SplitStream<WebSocket>,
}

impl FrameReader {
    /// Waits for the client's next frame.
    pub async fn next(&mut self) -> Incoming {
        match self.stream.next().await {
            Some(Ok(Message::Text(text))) => match parse_client_frame(text.as_str()) {
                Ok(command) => Incoming::Command(command),
                Err(rejection) => Incoming::Refused(rejection),
            },
            Some(Ok(Message::Binary(_))) => Incoming::Refused(FrameRejection::new(FrameErrorCode::BinaryFrame, None)),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Incoming::Control,
            Some(Ok(Message::Close(_))) | None => Incoming::Closed,
            Some(Err(err)) => Incoming::Broken(close_reason_for(err)),
        }
    }
}

impl FrameReader {
    /// After the server's close frame: waits (at most `grace`) for the client's
    /// close reply, ignoring anything else, so that the client reads the close
    /// frame before the connection goes away.
    pub async fn finish_closing(&mut self, grace: Duration) {
        let _ =
            tokio::time::timeout(grace, async { while !matches!(self.next().await, Incoming::Closed | Incoming::Broken(_)) {} })
                .await;
    }
}

/// 1009 for a frame over the size limit, 1002 for anything else the peer got wrong.
fn close_reason_for(err: axum::Error) -> CloseReason {
    use tungstenite::error::{CapacityError, Error};
    match err.into_inner().downcast_ref::<Error>() {
        Some(Error::Capacity(CapacityError::MessageTooLong { .. })) => CloseReason::FrameTooBig,
        _ => CloseReason::ProtocolError,
    }
}

/// The writing half: frames queued and flushed together, errors, pings,
/// closes; every write bounded by the write timeout.
pub struct RoomSocket {
    sink: SplitSink<WebSocket, Message>,
    write_timeout: Duration,
}

impl RoomSocket {
    /// Queues an already encoded frame; it leaves with the next [`Self::flush`]
    /// (or earlier, once the write buffer is full).
    pub async fn queue(&mut self, frame: Utf8Bytes) -> Result<(), WriteError> {
        self.bounded(|sink| sink.feed(Message::Text(frame))).await
    }

    /// Writes every queued frame.
    pub async fn flush(&mut self) -> Result<(), WriteError> {
        self.bounded(|sink| sink.flush()).await
    }

    /// Sends `frame` now (with anything queued before it).
    pub async fn send(&mut self, frame: &ServerFrame) -> Result<(), WriteError> {
        let message = Message::Text(frame.encode().into());
        self.bounded(|sink| sink.send(message)).await
    }

    /// Tells the client why its frame was refused, and counts the refusal.
    pub async fn send_error(&mut self, rejection: FrameRejection) -> Result<(), WriteError> {
        metrics::counter!(m::FRAMES_REJECTED, "code" => rejection.code.as_str()).increment(1);
        self.send(&ServerFrame::refusal(rejection)).await
    }

    /// Sends a ping; the client's pong (or any frame) shows it is still there.
    pub async fn ping(&mut self) -> Result<(), WriteError> {
        self.bounded(|sink| sink.send(Message::Ping(Default::default()))).await
    }

    /// Sends the close frame for `reason`. The peer may already be gone, which is fine.
    pub async fn close(&mut self, reason: CloseReason) {
        let frame = CloseFrame { code: reason.code(), reason: Utf8Bytes::from_static(reason.reason()) };
        let _ = self.bounded(|sink| sink.send(Message::Close(Some(frame)))).await;
    }

    async fn bounded<'a, F>(
        &'a mut self,
        write: impl FnOnce(&'a mut SplitSink<WebSocket, Message>) -> F,
    ) -> Result<(), WriteError>
    where
        F: Future<Output = Result<(), axum::Error>> + 'a,
    {
        match tokio::time::timeout(self.write_timeout, write(&mut self.sink)).await {
            Ok(written) => Ok(written?),
            Err(_) => Err(WriteError::TimedOut),
        }
    }
}
