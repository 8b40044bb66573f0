//! Every frame of the room and inbox sockets: what a browser sends
//! ([`ClientFrame`]) and what the server sends ([`ServerFrame`]), each encoded
//! here and nowhere else.

use serde::{Deserialize, Serialize};

use super::{ChatMessage, FrameRejection, Latest, LinkPreview, MemberChange, RoomKind, ThreadStatus, codes::FrameErrorCode};

/// Frames a browser sends over the room socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, strum::VariantNames)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClientFrame {
    /// Post `text` to the room. `client_id` makes the send idempotent.
    Send {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// The `seq` of the message this one answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<i64>,
        /// The `id` of a file the sender uploaded to this room (the text may
        /// then be empty).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<String>,
        /// The `seq` of the root of the thread this message replies in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<i64>,
        /// A thread reply shown in the room's timeline too.
        #[serde(default, skip_serializing_if = "super::message::is_false")]
        also_in_room: bool,
    },
    /// Replace the text of one's own message `target`.
    Edit {
        target: i64,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Delete one's own message `target` (its placeholder stays).
    Delete {
        target: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Toggle one's reaction `emoji` on message `target`.
    React {
        target: i64,
        emoji: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Remove the link preview under message `target` (one's own, or as a moderator).
    RemovePreview {
        target: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// The reader has seen the room up to `seq` (the page is visible and the
    /// newest message on screen), or with `thread`, that thread up to `seq`.
    /// A lower `seq` than before is ignored.
    Read {
        seq: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<i64>,
    },
    /// The user is composing a message (the browser sends at most one per 3 s).
    Typing,
    /// Run the slash command `/command text` that a bot registered: the bot
    /// is sent a `command` event instead of a message being posted.
    Command {
        command: String,
        #[serde(default)]
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
}

impl ClientFrame {
    /// The frame as JSON text.
    pub fn encode(&self) -> String {
        encode(self)
    }
}

/// Frames the server sends over the room socket.
// A frame lives only from being built to being encoded (once, for every
// subscriber): the size of its largest variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
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
    /// A message's text was edited (event `seq`, about message `target`).
    Edit {
        room: String,
        seq: i64,
        target: i64,
        text: String,
        /// RFC 3339, UTC.
        edited_at: String,
        sender: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mentions: Vec<String>,
        /// The new text formatted as HTML (see [`ChatMessage::html`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        html: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// A message was deleted (by its author, or a moderator: `sender`).
    Delete {
        room: String,
        seq: i64,
        target: i64,
        sender: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// `user` added (`on`) or took back a reaction on message `target`.
    Reaction {
        room: String,
        seq: i64,
        target: i64,
        emoji: String,
        user: String,
        on: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// The server read the page message `target` links to (event `seq`): its
    /// preview, shown under the message.
    Preview {
        room: String,
        seq: i64,
        target: i64,
        #[serde(flatten)]
        preview: LinkPreview,
    },
    /// The preview under message `target` was removed (by its author, or a
    /// moderator: `sender`), or went with the message's deletion.
    PreviewRemoved {
        room: String,
        seq: i64,
        target: i64,
        sender: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Who has a socket open to the room now, on any instance: a full sorted
    /// snapshot, sent on connect and whenever the set changes (at most once a
    /// second per room).
    Presence { room: String, users: Vec<String> },
    /// `user` is composing a message in the room (relayed, never stored).
    Typing { room: String, user: String },
    /// The same user has seen `room` (or with `thread`, that thread) up to
    /// `seq` (on another tab or device).
    Read {
        room: String,
        seq: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<i64>,
    },
    /// Another reader of a small room (direct, or at most
    /// [`SEEN_BY_MAX_MEMBERS`](super::SEEN_BY_MAX_MEMBERS) members) has seen it
    /// up to `seq` ("Seen by"). Sent only between users who share their reads.
    Seen { room: String, user: String, seq: i64 },
    /// On the inbox socket: one of the user's rooms changed.
    Room {
        room: String,
        #[serde(default)]
        kind: RoomKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// For a direct room: the other person.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        with: Option<String>,
        last_seq: i64,
        unread: i64,
        mentions: i64,
        /// The newest message, when the change is a new message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latest: Option<Latest>,
        /// A message of the room reported as `latest` before was deleted: its
        /// preview and its notification go.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retract: Option<i64>,
    },
    /// On the inbox socket: the room left the user's list.
    Left { room: String },
    /// On the inbox socket: a thread the user follows changed (a reply, a
    /// read marker), or they stopped following it (`following: false`).
    Thread {
        #[serde(flatten)]
        status: ThreadStatus,
    },
    /// `sender` typed the bot command `/command text` in the room (a room
    /// event with its `seq`): delivered to the bot's subscriptions, which
    /// answer in the room; browsers show nothing of it.
    Command {
        room: String,
        seq: i64,
        sender: String,
        command: String,
        text: String,
        /// The bot it is for.
        bot: String,
        /// RFC 3339, UTC.
        timestamp: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Someone's membership of this private room changed (a room event with
    /// its `seq`). When it is the socket's own user who was removed or left,
    /// this is the last frame: the socket closes with 4003.
    Member { room: String, seq: i64, user: String, change: MemberChange, by: String },
    /// The client's `?after=` is further back than the server replays: the
    /// client drops what it shows, loads the newest page of history, and
    /// continues from `seq` (live events follow this frame).
    Reset { room: String, seq: i64 },
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
    pub fn encode(&self) -> String {
        encode(self)
    }

    /// The `error` frame for a refused client frame.
    pub fn refusal(rejection: FrameRejection) -> Self {
        let message = match rejection.retry_after_secs {
            Some(secs) => format!("{}; try again in {secs} s", rejection.code.describe()),
            None => rejection.code.describe().to_owned(),
        };
        Self::Error { code: rejection.code, message, client_id: rejection.client_id }
    }
}

fn encode(frame: &impl Serialize) -> String {
    // Frames are plain structs of strings and numbers: serializing them cannot fail.
    serde_json::to_string(frame).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn message_frame_has_the_documented_shape() {
        let frame = ServerFrame::Message {
            room: "lobby".into(),
            message: ChatMessage {
                seq: 3,
                sender: "alice".into(),
                sender_name: None,
                text: "hi".into(),
                timestamp: "2026-11-24T00:00:00Z".into(),
                client_id: None,
                mentions: Vec::new(),
                edited_at: None,
                deleted: false,
                reactions: BTreeMap::new(),
                reply_to: None,
                sender_deactivated: false,
                attachment: None,
                preview: None,
                html: None,
                thread: None,
                also_in_room: false,
                replies: None,
                bot: false,
            },
        };
        let json: serde_json::Value = serde_json::from_str(&frame.encode()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type":"message","room":"lobby","seq":3,"sender":"alice",
                "text":"hi","timestamp":"2026-11-24T00:00:00Z"})
        );
    }
}
