//! A deletion: one's own message deleted, or another's by a moderator. The
//! client's `delete` is stored as a room event about the message; every
//! reader gets a `delete` frame, and the message stays as a placeholder
//! without its text, reactions, file or preview.

use serde::{Deserialize, Serialize};

use crate::protocol::{
    ChatMessage, FrameRejection, ReplyRef,
    checks::{check_client_id, check_target},
};

/// `{"type":"delete"}`: delete message `target` (its placeholder stays).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub target: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// Deletes message `target` (one's own, or as a moderator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Body {
    pub target: i64,
}

impl Request {
    /// The deletion to store, and its `client_id`.
    pub fn check(self) -> Result<(Body, Option<String>), FrameRejection> {
        let client_id = check_client_id(self.client_id)?;
        let target = check_target(self.target).map_err(|code| FrameRejection::new(code, client_id.clone()))?;
        Ok((Body { target }, client_id))
    }
}

/// `{"type":"delete"}`: a message was deleted (by its author, or a moderator: `sender`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub room: String,
    pub seq: i64,
    pub target: i64,
    pub sender: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// The deleted message as a client shows it: a placeholder.
pub fn apply_to(message: &mut ChatMessage) {
    message.deleted = true;
    message.text.clear();
    message.mentions.clear();
    message.reactions.clear();
    message.attachment = None;
    message.preview = None;
    message.html = None;
}

/// A reply's quote of the deleted message.
pub fn apply_to_quote(quote: &mut ReplyRef) {
    quote.deleted = true;
    quote.text.clear();
}
