//! Every frame of the room and inbox sockets: what a browser sends
//! ([`ClientFrame`]) and what the server sends ([`ServerFrame`]), each encoded
//! here and nowhere else.

use serde::{Deserialize, Serialize};

use super::{
    FrameRejection, Latest, RoomKind, ThreadStatus,
    codes::FrameErrorCode,
    events::{command, deletion, edit, membership, message, preview, reaction, topic},
};

/// Frames a browser sends over the room socket. A room event's request is
/// its kind's (`protocol::events`); the `type` names stay as they were.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, strum::VariantNames)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClientFrame {
    /// Post a message to the room.
    #[serde(rename = "send")]
    #[strum(serialize = "send")]
    Message(message::Request),
    /// Replace the text of one's own message.
    Edit(edit::Request),
    /// Delete a message (its placeholder stays).
    #[serde(rename = "delete")]
    #[strum(serialize = "delete")]
    Deletion(deletion::Request),
    /// Toggle one's reaction on a message.
    #[serde(rename = "react")]
    #[strum(serialize = "react")]
    Reaction(reaction::Request),
    /// Remove the link preview under a message (one's own, or as a moderator).
    #[serde(rename = "remove_preview")]
    #[strum(serialize = "remove_preview")]
    PreviewRemoval(preview::RemovalRequest),
    /// Set the room's topic (its owner or an administrator).
    #[serde(rename = "set_topic")]
    #[strum(serialize = "set_topic")]
    Topic(topic::Request),
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
    /// Run a bot's slash command.
    Command(command::Request),
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
    Message(message::Frame),
    /// The sender's message with `client_id` is committed as `seq`.
    Ack {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        seq: i64,
    },
    /// A message's text was edited.
    Edit(edit::Frame),
    /// A message was deleted.
    #[serde(rename = "delete")]
    Deletion(deletion::Frame),
    /// A reaction was added or taken back.
    Reaction(reaction::Frame),
    /// A link preview is shown under a message.
    Preview(preview::Frame),
    /// A link preview was removed.
    #[serde(rename = "preview_removed")]
    PreviewRemoval(preview::RemovedFrame),
    /// The room's topic changed.
    Topic(topic::Frame),
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
    /// A bot's slash command was typed in the room; browsers show nothing of it.
    Command(command::Frame),
    /// Someone's membership of this private room changed.
    #[serde(rename = "member")]
    Membership(membership::Frame),
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
        let frame = ServerFrame::Message(message::Frame {
            room: "lobby".into(),
            message: crate::protocol::ChatMessage {
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
        });
        let json: serde_json::Value = serde_json::from_str(&frame.encode()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type":"message","room":"lobby","seq":3,"sender":"alice",
                "text":"hi","timestamp":"2026-11-24T00:00:00Z"})
        );
    }
}
