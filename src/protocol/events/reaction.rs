//! A reaction: the sender's emoji (or short word) on a message, toggled — a
//! `react` adds it when it is not there and takes it back when it is. Stored
//! as a room event about the message; every reader gets a `reaction` frame.

use serde::{Deserialize, Serialize};

use crate::protocol::{
    ChatMessage, FrameErrorCode, FrameRejection, MAX_REACTION_CHARS,
    checks::{check_client_id, check_target},
};

/// `{"type":"react"}`: toggle one's reaction `emoji` on message `target`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub target: i64,
    pub emoji: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// Toggles the sender's reaction `emoji` on message `target`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub target: i64,
    pub emoji: String,
}

impl Request {
    /// The reaction to store, and its `client_id`.
    pub fn check(self) -> Result<(Body, Option<String>), FrameRejection> {
        let client_id = check_client_id(self.client_id)?;
        let refuse = |code| FrameRejection::new(code, client_id.clone());
        let target = check_target(self.target).map_err(refuse)?;
        let emoji = check_emoji(&self.emoji).map_err(refuse)?;
        Ok((Body { target, emoji }, client_id))
    }
}

/// A trimmed reaction of 1-[`MAX_REACTION_CHARS`] characters without control characters.
fn check_emoji(emoji: &str) -> Result<String, FrameErrorCode> {
    let emoji = emoji.trim();
    let length = emoji.chars().count();
    if length == 0 || length > MAX_REACTION_CHARS || emoji.chars().any(char::is_control) {
        return Err(FrameErrorCode::BadReaction);
    }
    Ok(emoji.to_owned())
}

/// `{"type":"reaction"}`: `user` added (`on`) or took back a reaction on message `target`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub room: String,
    pub seq: i64,
    pub target: i64,
    pub emoji: String,
    pub user: String,
    pub on: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// What a reaction changes in the message a client shows: `user` added
/// (`on`) or took back `emoji`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reacted {
    pub emoji: String,
    pub user: String,
    pub on: bool,
}

impl Frame {
    /// The change this frame makes to its message.
    pub fn reacted(&self) -> Reacted {
        Reacted { emoji: self.emoji.clone(), user: self.user.clone(), on: self.on }
    }
}

impl Reacted {
    pub fn apply_to(&self, message: &mut ChatMessage) {
        let users = message.reactions.entry(self.emoji.clone()).or_default();
        users.retain(|u| *u != self.user);
        if self.on {
            users.push(self.user.clone());
        }
        if users.is_empty() {
            message.reactions.remove(&self.emoji);
        }
    }
}
