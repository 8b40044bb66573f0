//! An edit: new text for one's own message. The client's `edit` is stored as
//! a room event about the message (the text at the time); every reader gets
//! an `edit` frame, which replaces the message's text, mentions and HTML, and
//! the quotes of replies to it.

use serde::{Deserialize, Serialize};

use crate::protocol::{
    ChatMessage, FrameRejection, REPLY_QUOTE_CHARS, ReplyRef,
    checks::{check_client_id, check_target, check_text},
};

/// `{"type":"edit"}`: replace the text of one's own message `target`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub target: i64,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// New text for message `target`, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub target: i64,
    pub text: String,
}

impl Request {
    /// The edit to store, and its `client_id`.
    pub fn check(self) -> Result<(Body, Option<String>), FrameRejection> {
        let client_id = check_client_id(self.client_id)?;
        let refuse = |code| FrameRejection::new(code, client_id.clone());
        let target = check_target(self.target).map_err(refuse)?;
        let text = check_text(&self.text).map_err(refuse)?;
        Ok((Body { target, text }, client_id))
    }
}

/// `{"type":"edit"}`: a message's text was edited (event `seq`, about message `target`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub room: String,
    pub seq: i64,
    pub target: i64,
    pub text: String,
    /// RFC 3339, UTC.
    pub edited_at: String,
    pub sender: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// The new text formatted as HTML (see [`ChatMessage::html`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// What an edit changes in the message a client shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edited {
    pub text: String,
    pub edited_at: String,
    pub mentions: Vec<String>,
    /// The new text formatted (as the server sends it).
    pub html: Option<String>,
}

impl Frame {
    /// The change this frame makes to its message.
    pub fn edited(&self) -> Edited {
        Edited {
            text: self.text.clone(),
            edited_at: self.edited_at.clone(),
            mentions: self.mentions.clone(),
            html: self.html.clone(),
        }
    }
}

impl Edited {
    pub fn apply_to(&self, message: &mut ChatMessage) {
        message.text.clone_from(&self.text);
        message.edited_at = Some(self.edited_at.clone());
        message.mentions.clone_from(&self.mentions);
        message.html.clone_from(&self.html);
    }

    pub fn apply_to_quote(&self, quote: &mut ReplyRef) {
        quote.text = self.text.chars().take(REPLY_QUOTE_CHARS).collect();
    }
}
