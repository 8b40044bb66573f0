//! The two halves of an upgraded room socket, as mini-redis's `Connection` owns
//! reading and writing frames: [`FrameReader`] turns incoming WebSocket messages
//! into parsed client frames (or typed refusals), and [`RoomSocket`] owns the
//! outgoing sink with its batching (queue, then one flush), error frames and
//! close codes. Every frame is encoded by `protocol`; nothing here builds JSON.

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures::{
    SinkExt, StreamExt,
    stream::{SplitSink, SplitStream},
};

use crate::{
    protocol::{CloseReason, Command, FrameErrorCode, FrameRejection, ServerFrame, parse_client_frame},
    server::metrics as m,
};

/// Splits an upgraded socket into its writing and reading halves.
pub fn split(socket: WebSocket) -> (RoomSocket, FrameReader) {
    let (sink, stream) = socket.split();
    (RoomSocket { sink }, FrameReader { stream })
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

/// 1009 for a frame over the size limit, 1002 for anything else the peer got wrong.
fn close_reason_for(err: axum::Error) -> CloseReason {
    use tungstenite::error::{CapacityError, Error};
    match err.into_inner().downcast_ref::<Error>() {
        Some(Error::Capacity(CapacityError::MessageTooLong { .. })) => CloseReason::FrameTooBig,
        _ => CloseReason::ProtocolError,
    }
}

/// The writing half: frames queued and flushed together, errors, closes.
pub struct RoomSocket {
    sink: SplitSink<WebSocket, Message>,
}

impl RoomSocket {
    /// Queues an already encoded frame; it leaves with the next [`Self::flush`].
    pub async fn queue(&mut self, frame: Utf8Bytes) -> Result<(), axum::Error> {
        self.sink.feed(Message::Text(frame)).await
    }

    /// Writes every queued frame.
    pub async fn flush(&mut self) -> Result<(), axum::Error> {
        self.sink.flush().await
    }

    /// Sends `frame` now (with anything queued before it).
    pub async fn send(&mut self, frame: &ServerFrame) -> Result<(), axum::Error> {
        self.sink.send(Message::Text(frame.encode().into())).await
    }

    /// Tells the client why its frame was refused, and counts the refusal.
    pub async fn send_error(&mut self, rejection: FrameRejection) -> Result<(), axum::Error> {
        metrics::counter!(m::FRAMES_REJECTED, "code" => rejection.code.as_str()).increment(1);
        self.send(&ServerFrame::refusal(rejection)).await
    }

    /// Sends the close frame for `reason`. The peer may already be gone, which is fine.
    pub async fn close(&mut self, reason: CloseReason) {
        let frame = CloseFrame { code: reason.code(), reason: Utf8Bytes::from_static(reason.reason()) };
        let _ = self.sink.send(Message::Close(Some(frame))).await;
    }
}
