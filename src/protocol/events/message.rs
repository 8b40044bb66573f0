//! A message: the `send` a client posts (text, optionally a reply, a file, a
//! thread), stored as the room's next message, sent to every reader as a
//! `message` frame carrying the whole [`ChatMessage`].

use serde::{Deserialize, Serialize};

use crate::protocol::{
    ChatMessage, FrameErrorCode, FrameRejection,
    checks::{check_attachment_id, check_client_id, check_target, check_text},
    message::is_false,
};

/// `{"type":"send"}`: post `text` to the room. `client_id` makes the send idempotent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The `seq` of the message this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<i64>,
    /// The `id` of a file the sender uploaded to this room (the text may
    /// then be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<String>,
    /// The `seq` of the root of the thread this message replies in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<i64>,
    /// A thread reply shown in the room's timeline too.
    #[serde(default, skip_serializing_if = "is_false")]
    pub also_in_room: bool,
}

/// A new message, checked. `attachment`: the id of a file the sender
/// uploaded to the room (well formed; the writer checks it is the sender's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub text: String,
    pub reply_to: Option<i64>,
    pub attachment: Option<String>,
    pub thread: Option<InThread>,
}

impl Body {
    /// A message of plain text (a webhook's, a bot's answer).
    pub fn text(text: String) -> Self {
        Self { text, reply_to: None, attachment: None, thread: None }
    }
}

/// Where a thread reply goes: under the root `seq`, and also in the room's
/// timeline when `also_in_room`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InThread {
    pub root: i64,
    pub also_in_room: bool,
}

impl Request {
    /// The message to store, and its `client_id`.
    pub fn check(self) -> Result<(Body, Option<String>), FrameRejection> {
        let Self { text, client_id, reply_to, attachment, thread, also_in_room } = self;
        let client_id = check_client_id(client_id)?;
        let refuse = |code| FrameRejection::new(code, client_id.clone());
        let attachment = attachment.map(|id| check_attachment_id(id).map_err(refuse)).transpose()?;
        let text = match check_text(&text) {
            // A file may go without words.
            Err(FrameErrorCode::EmptyText) if attachment.is_some() => String::new(),
            checked => checked.map_err(refuse)?,
        };
        let reply_to = reply_to.map(|seq| check_target(seq).map_err(refuse)).transpose()?;
        let thread = match (thread, also_in_room) {
            (Some(root), also_in_room) => Some(InThread { root: check_target(root).map_err(refuse)?, also_in_room }),
            // Shown in the room "too" needs a thread to be in.
            (None, true) => return Err(refuse(FrameErrorCode::BadFrame)),
            (None, false) => None,
        };
        Ok((Body { text, reply_to, attachment, thread }, client_id))
    }
}

/// `{"type":"message"}`: a message of the room, live or replayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub room: String,
    #[serde(flatten)]
    pub message: ChatMessage,
}
