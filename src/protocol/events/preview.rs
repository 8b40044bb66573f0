//! A link preview: after a message with a web link commits, the server reads
//! the page and stores what it says of itself (a `preview` event about the
//! message, made by the server for the message's author, never sent by a
//! client); the author or a moderator removes it (`remove_preview` →
//! `preview_removed`), and it goes with the message's deletion.

use serde::{Deserialize, Serialize};

use crate::protocol::{
    ChatMessage, FrameRejection, LinkPreview, PreviewRecord,
    checks::{check_client_id, check_target},
};

/// The preview of message `target`'s first link, as the server read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub target: i64,
    pub record: Box<PreviewRecord>,
}

/// `{"type":"remove_preview"}`: remove the preview under message `target`
/// (one's own, or as a moderator).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovalRequest {
    pub target: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// Removes the preview under message `target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Removal {
    pub target: i64,
}

impl RemovalRequest {
    /// The removal to store, and its `client_id`.
    pub fn check(self) -> Result<(Removal, Option<String>), FrameRejection> {
        let client_id = check_client_id(self.client_id)?;
        let target = check_target(self.target).map_err(|code| FrameRejection::new(code, client_id.clone()))?;
        Ok((Removal { target }, client_id))
    }
}

/// `{"type":"preview"}`: the server read the page message `target` links to
/// (event `seq`): its preview, shown under the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub room: String,
    pub seq: i64,
    pub target: i64,
    #[serde(flatten)]
    pub preview: LinkPreview,
}

/// `{"type":"preview_removed"}`: the preview under message `target` was
/// removed (by its author, or a moderator: `sender`), or went with the
/// message's deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedFrame {
    pub room: String,
    pub seq: i64,
    pub target: i64,
    pub sender: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// The preview shown under a message a client shows (never under a deleted one).
pub fn show(preview: &LinkPreview, message: &mut ChatMessage) {
    if !message.deleted {
        message.preview = Some(preview.clone());
    }
}

/// The preview gone from under a message a client shows.
pub fn remove(message: &mut ChatMessage) {
    message.preview = None;
}
