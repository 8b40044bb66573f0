//! Why a frame was refused (the `error` frame's codes) and why a socket was
//! closed (close codes and reasons).

use const_format::formatcp;
use serde::{Deserialize, Serialize};

use super::{MAX_CLIENT_ID_CHARS, MAX_FRAME_BYTES, MAX_REACTION_CHARS, MAX_TEXT_CHARS};

/// Why a client frame was refused: the `code` of an `error` frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FrameErrorCode {
    /// Not JSON, or not the shape of any known frame.
    #[default]
    BadFrame,
    /// A `type` the server does not know.
    UnknownType,
    /// Text empty after trimming.
    EmptyText,
    /// Text longer than [`MAX_TEXT_CHARS`].
    TextTooLong,
    /// Text with control characters other than newline and tab.
    ControlCharacters,
    /// `client_id` longer than [`MAX_CLIENT_ID_CHARS`] or empty.
    BadClientId,
    /// Binary frames are not part of the protocol.
    BinaryFrame,
    /// The message could not be stored; the client should retry later.
    StoreFailed,
    /// The database refused this message; sending it again will not help.
    NotStored,
    /// The sender is over its message rate; the client should retry later.
    RateLimited,
    /// The sender created too many rooms lately; this room does not exist yet.
    RoomLimit,
    /// The message an edit, deletion, reaction or reply is about does not exist
    /// in this room (or is not a message).
    NotFound,
    /// Only a message's author may edit or delete it.
    NotYours,
    /// The message is deleted: it cannot be edited or reacted to.
    Deleted,
    /// A reaction must be 1-16 characters of text, without control characters.
    BadReaction,
    /// An earlier send of this socket was refused for now: the socket keeps a
    /// sender's messages in order, so it takes nothing else until that one
    /// (same `client_id`) is sent again.
    OutOfOrder,
    /// The sender may not post in this room (no longer a member, or deactivated).
    NoAccess,
    /// The `attachment` is not a file the sender uploaded to this room, or
    /// another message carries it already.
    BadAttachment,
    /// A `send`'s `thread` names a message that is itself a reply in a thread.
    BadThread,
    /// A `command` no bot has registered.
    UnknownCommand,
    /// The bot of a `command` may not read this room (it is not a member), or
    /// none of its subscriptions covers the room.
    BotNotInRoom,
}

impl FrameErrorCode {
    /// The code as it appears on the wire (the same string serde writes).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A sentence a person can read, for the `message` field.
    pub fn describe(self) -> &'static str {
        match self {
            Self::BadFrame => "frame is not valid JSON of a known shape",
            Self::UnknownType => "unknown frame type",
            Self::EmptyText => "message text is empty",
            Self::TextTooLong => formatcp!("message text is longer than {MAX_TEXT_CHARS} characters"),
            Self::ControlCharacters => "message text may not contain control characters other than newline and tab",
            Self::BadClientId => formatcp!("client_id must be 1-{MAX_CLIENT_ID_CHARS} characters"),
            Self::BinaryFrame => "binary frames are not supported; send JSON text frames",
            Self::StoreFailed => "the message could not be stored; try again",
            Self::NotStored => "the database refused this message",
            Self::RateLimited => "too many messages",
            Self::RoomLimit => "you created too many rooms lately",
            Self::NotFound => "there is no such message in this room",
            Self::NotYours => "only its author can change a message",
            Self::Deleted => "that message is deleted",
            Self::BadReaction => formatcp!("a reaction is 1-{MAX_REACTION_CHARS} characters of text"),
            Self::OutOfOrder => "an earlier message was refused for now; send it again first",
            Self::NoAccess => "you no longer have access to this room",
            Self::BadAttachment => "no such attachment: upload the file to this room first",
            Self::BadThread => "that message is a reply in a thread: answer in its thread instead",
            Self::UnknownCommand => "no bot has registered that command",
            Self::BotNotInRoom => "that command's bot is not listening in this room: add it first",
        }
    }

    /// Whether the same frame may succeed later (the browser keeps and resends it).
    pub fn is_transient(self) -> bool {
        matches!(self, Self::StoreFailed | Self::RateLimited | Self::OutOfOrder)
    }
}

/// Why the server closed a room socket: the close code and its reason text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumIter)]
pub enum CloseReason {
    /// 1012: the server is restarting; reconnect with `?after=`.
    Restart,
    /// 1009: a frame was larger than [`MAX_FRAME_BYTES`].
    FrameTooBig,
    /// 1002: the peer broke the WebSocket protocol.
    ProtocolError,
    /// 4000: the client answered nothing, not even the server's pings, for too long.
    Idle,
    /// 4001: the session ended (log-out, expiry, a new log-in, the account's
    /// removal); the client must log in again.
    SessionEnded,
    /// 4003: the user no longer has access to the room (removed, left, or the
    /// account was deactivated); the client must not reconnect.
    AccessEnded,
}

impl CloseReason {
    /// The close code (RFC 6455 registry, or 4000-4999 for Parlor's own).
    pub fn code(self) -> u16 {
        match self {
            Self::Restart => 1012,
            Self::FrameTooBig => 1009,
            Self::ProtocolError => 1002,
            Self::Idle => 4000,
            Self::SessionEnded => 4001,
            Self::AccessEnded => 4003,
        }
    }

    /// The close frame's reason text.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Restart => "server restarting",
            Self::FrameTooBig => formatcp!("frame larger than {} KiB", MAX_FRAME_BYTES / 1024),
            Self::ProtocolError => "protocol error",
            Self::Idle => "no answer to pings",
            Self::SessionEnded => "session ended; log in again",
            Self::AccessEnded => "you no longer have access to this room",
        }
    }
}

/// A refused client frame: its error code and whatever `client_id` could be
/// recovered, so that the error can be matched to the send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRejection {
    pub code: FrameErrorCode,
    pub client_id: Option<String>,
    /// For a transient refusal: seconds until the same frame may succeed.
    pub retry_after_secs: Option<u64>,
}

impl FrameRejection {
    pub fn new(code: FrameErrorCode, client_id: Option<String>) -> Self {
        Self { code, client_id, retry_after_secs: None }
    }

    /// A send over the sender's rate, which may be retried after `secs`.
    pub fn rate_limited(client_id: Option<String>, secs: u64) -> Self {
        Self { code: FrameErrorCode::RateLimited, client_id, retry_after_secs: Some(secs) }
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn every_error_code_round_trips_and_prints_as_it_serializes() {
        for code in FrameErrorCode::iter() {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, code.as_str());
            assert_eq!(serde_json::from_value::<FrameErrorCode>(wire).unwrap(), code);
            assert!(!code.describe().is_empty());
        }
        assert!(FrameErrorCode::TextTooLong.describe().contains("4000"));
    }

    #[test]
    fn close_reasons_have_distinct_codes() {
        let codes: std::collections::HashSet<u16> = CloseReason::iter().map(CloseReason::code).collect();
        assert_eq!(codes.len(), CloseReason::iter().count());
        assert_eq!(CloseReason::FrameTooBig.reason(), "frame larger than 16 KiB");
    }
}
