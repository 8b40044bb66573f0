//! A room's topic: a line under its name, set (or cleared, with empty text)
//! by the room's owner or an administrator. The client's `set_topic` is
//! stored as a room event with its own `seq` (replayed and searchable like a
//! message); every reader gets a `topic` frame, and the room's page shows
//! the newest.

use serde::{Deserialize, Serialize};

use crate::protocol::{
    FrameErrorCode, FrameRejection,
    checks::{check_client_id, check_text},
};

/// Longest topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 250;

/// `{"type":"set_topic"}`: the room's topic is `topic` from now on (empty: none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    #[serde(default)]
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// The room's new topic, checked (trimmed, one line; empty clears it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub topic: String,
}

impl Request {
    /// The topic to store, and its `client_id`.
    pub fn check(self) -> Result<(Body, Option<String>), FrameRejection> {
        let client_id = check_client_id(self.client_id)?;
        let refuse = |code| FrameRejection::new(code, client_id.clone());
        let topic = match check_text(&self.topic) {
            Err(FrameErrorCode::EmptyText) => String::new(),
            checked => checked.map_err(refuse)?,
        };
        if topic.chars().count() > MAX_TOPIC_CHARS {
            return Err(refuse(FrameErrorCode::TextTooLong));
        }
        if topic.contains(['\n', '\t']) {
            return Err(refuse(FrameErrorCode::ControlCharacters));
        }
        Ok((Body { topic }, client_id))
    }
}

/// `{"type":"topic"}`: the room's topic changed (a room event with its `seq`), set by `sender`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub room: String,
    pub seq: i64,
    /// The new topic (empty: none).
    pub topic: String,
    pub sender: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}
