//! Wire types shared by the server and the browser: WebSocket frames, the message
//! DTO, and history pages. These shapes are Parlor's public interface
//! (see `DESIGN.md`), so fields are renamed only with great care.

use serde::{Deserialize, Serialize};

/// Longest message text accepted, in characters, after trimming.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest `client_id` accepted, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Largest WebSocket frame the server reads, in bytes.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Messages a room page shows when it first renders.
pub const PAGE_SIZE: u64 = 50;
/// Largest history page anyone may ask for.
pub const MAX_PAGE_SIZE: u64 = 200;

/// One stored chat message as clients see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Position in the room's history, starting at 1, without gaps.
    pub seq: i64,
    /// Username of the author.
    pub sender: String,
    pub text: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// The sender's idempotency key, when it gave one: lets its outbox match
    /// replayed messages to what it sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// A slice of a room's history, in ascending `seq` order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub room: String,
    pub messages: Vec<ChatMessage>,
}

/// Frames a browser sends over the room socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Post `text` to the room. `client_id` makes the send idempotent.
    Send {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
}

/// Frames the server sends over the room socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// A message of the room, live or replayed.
    Message {
        room: String,
        #[serde(flatten)]
        message: ChatMessage,
    },
    /// The sender's message with `client_id` is committed as `seq`.
    Ack {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        seq: i64,
    },
    /// A frame was refused; the socket stays open.
    Error {
        code: FrameErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
}

impl ServerFrame {
    /// The frame as JSON text, the one encoding every socket sends.
    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Why a client frame was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameErrorCode {
    /// Not JSON, or not the shape of any known frame.
    BadFrame,
    /// A `type` the server does not know.
    UnknownType,
    /// Text empty after trimming.
    EmptyText,
    /// Text longer than [`MAX_TEXT_CHARS`].
    TextTooLong,
    /// `client_id` longer than [`MAX_CLIENT_ID_CHARS`] or empty.
    BadClientId,
    /// Binary frames are not part of the protocol.
    BinaryFrame,
    /// The message could not be stored; the client should retry later.
    StoreFailed,
    /// The sender is over its message rate; the client should retry later.
    RateLimited,
}

impl FrameErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadFrame => "bad_frame",
            Self::UnknownType => "unknown_type",
            Self::EmptyText => "empty_text",
            Self::TextTooLong => "text_too_long",
            Self::BadClientId => "bad_client_id",
            Self::BinaryFrame => "binary_frame",
            Self::StoreFailed => "store_failed",
            Self::RateLimited => "rate_limited",
        }
    }

    /// A sentence a person can read, for the `message` field.
    pub fn describe(self) -> &'static str {
        match self {
            Self::BadFrame => "frame is not valid JSON of a known shape",
            Self::UnknownType => "unknown frame type",
            Self::EmptyText => "message text is empty",
            Self::TextTooLong => "message text is longer than 4000 characters",
            Self::BadClientId => "client_id must be 1-64 characters",
            Self::BinaryFrame => "binary frames are not supported; send JSON text frames",
            Self::StoreFailed => "the message could not be stored; try again",
            Self::RateLimited => "too many messages; slow down",
        }
    }
}

/// A `send` frame that passed validation: trimmed text, checked client id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidSend {
    pub text: String,
    pub client_id: Option<String>,
}

/// Parses and validates a client text frame. On failure returns the error code and
/// whatever `client_id` could be recovered, so the error can be matched to the send.
pub fn parse_client_frame(raw: &str) -> Result<ValidSend, (FrameErrorCode, Option<String>)> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|_| (FrameErrorCode::BadFrame, None))?;
    let client_id = value
        .get("client_id")
        .and_then(|v| v.as_str())
        .map(|s| s.chars().take(MAX_CLIENT_ID_CHARS).collect::<String>());
    match value.get("type").and_then(|t| t.as_str()) {
        Some("send") => {}
        Some(_) => return Err((FrameErrorCode::UnknownType, client_id)),
        None => return Err((FrameErrorCode::BadFrame, client_id)),
    }
    let ClientFrame::Send { text, client_id: raw_id } = serde_json::from_value(value)
        .map_err(|_| (FrameErrorCode::BadFrame, client_id.clone()))?;
    if let Some(id) = &raw_id {
        if id.is_empty() || id.chars().count() > MAX_CLIENT_ID_CHARS {
            return Err((FrameErrorCode::BadClientId, None));
        }
    }
    let text = text.trim();
    if text.is_empty() {
        return Err((FrameErrorCode::EmptyText, raw_id));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err((FrameErrorCode::TextTooLong, raw_id));
    }
    Ok(ValidSend { text: text.to_owned(), client_id: raw_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_frame_is_trimmed_and_keeps_client_id() {
        let parsed = parse_client_frame(r#"{"type":"send","text":"  hi  ","client_id":"c1"}"#);
        assert_eq!(
            parsed,
            Ok(ValidSend { text: "hi".into(), client_id: Some("c1".into()) })
        );
    }

    #[test]
    fn each_bad_frame_has_its_code() {
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().0;
        assert_eq!(code("not json"), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"text":"x"}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"dance"}"#), FrameErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"send","text":42}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"send","text":"   "}"#), FrameErrorCode::EmptyText);
        let long = format!(r#"{{"type":"send","text":"{}"}}"#, "a".repeat(4001));
        assert_eq!(code(&long), FrameErrorCode::TextTooLong);
        let long_id = format!(r#"{{"type":"send","text":"x","client_id":"{}"}}"#, "c".repeat(65));
        assert_eq!(code(&long_id), FrameErrorCode::BadClientId);
    }

    #[test]
    fn error_codes_print_as_they_serialize() {
        for code in [FrameErrorCode::BadFrame, FrameErrorCode::TextTooLong, FrameErrorCode::StoreFailed] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    #[test]
    fn message_frame_has_the_documented_shape() {
        let frame = ServerFrame::Message {
            room: "lobby".into(),
            message: ChatMessage {
                seq: 3,
                sender: "alice".into(),
                text: "hi".into(),
                timestamp: "2026-11-24T00:00:00Z".into(),
                client_id: None,
            },
        };
        let json: serde_json::Value = serde_json::to_value(&frame).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type":"message","room":"lobby","seq":3,"sender":"alice",
                "text":"hi","timestamp":"2026-11-24T00:00:00Z"})
        );
    }
}
