//! A bot's slash command: `/name text` typed in the composer, for the bot
//! that registered `name`. Stored as a room event; delivered to the bot's
//! subscriptions (which answer in the room), and sent to the room's readers
//! as a `command` frame that browsers show nothing of.

use serde::{Deserialize, Serialize};

use crate::protocol::{
    FrameErrorCode, FrameRejection,
    checks::{check_client_id, check_text},
};

/// Longest bot command name, in characters (without the slash).
pub const MAX_COMMAND_CHARS: usize = 32;

/// `{"type":"command"}`: run the slash command `/command text` that a bot
/// registered: the bot is sent a `command` event instead of a message being posted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub command: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// A command the server may look a bot up for: its name and arguments, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub name: String,
    pub args: String,
    pub client_id: Option<String>,
}

impl Request {
    /// The command's name (lowercased) and arguments, and its `client_id`.
    pub fn check(self) -> Result<Checked, FrameRejection> {
        let client_id = check_client_id(self.client_id)?;
        let refuse = |code| FrameRejection::new(code, client_id.clone());
        let name = check_command_name(&self.command).map_err(refuse)?;
        let args = match check_text(&self.text) {
            Err(FrameErrorCode::EmptyText) => String::new(),
            checked => checked.map_err(refuse)?,
        };
        Ok(Checked { name, args, client_id })
    }
}

/// A bot command's name: 1-[`MAX_COMMAND_CHARS`] of `a-z 0-9 _ -` (any
/// case, lowercased; a leading slash is dropped).
pub fn check_command_name(name: &str) -> Result<String, FrameErrorCode> {
    let name = name.trim().trim_start_matches('/').to_lowercase();
    let valid = !name.is_empty()
        && name.chars().count() <= MAX_COMMAND_CHARS
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid { Ok(name) } else { Err(FrameErrorCode::UnknownCommand) }
}

/// The bot command `/name args` for bot `bot_id` named `bot` (found by the
/// server from the name the client sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub bot_id: i64,
    pub bot: String,
    pub name: String,
    pub args: String,
}

/// `{"type":"command"}`: `sender` typed the bot command `/command text` in
/// the room (a room event with its `seq`): delivered to the bot's
/// subscriptions, which answer in the room; browsers show nothing of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub room: String,
    pub seq: i64,
    pub sender: String,
    pub command: String,
    pub text: String,
    /// The bot it is for.
    pub bot: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}
