//! Wire types shared by the server and the browser: WebSocket frames (both
//! directions), their error and close codes, the message DTO and history pages.
//! These shapes are Parlor's public interface, documented field by field in
//! `docs/protocol.md`; every frame is encoded and parsed here and nowhere else.

use std::collections::BTreeMap;

use const_format::formatcp;
use serde::{Deserialize, Serialize};

/// Longest message text accepted, in characters, after trimming.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest `client_id` accepted, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Largest WebSocket frame the server reads, in bytes.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Messages a room page shows when it first renders (and the history API's default page).
pub const PAGE_SIZE: u64 = 50;
/// Largest history page anyone may ask for.
pub const MAX_PAGE_SIZE: u64 = 200;
/// Longest reaction, in characters (an emoji, or a short word).
pub const MAX_REACTION_CHARS: usize = 16;
/// Characters of a parent message quoted in a reply.
pub const REPLY_QUOTE_CHARS: usize = 140;

/// One stored chat message as clients see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Position in the room's history, starting at 1.
    pub seq: i64,
    /// Username of the author.
    pub sender: String,
    /// The author's display name, when they set one (shown beside the username).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    pub text: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// The sender's idempotency key, when it gave one: lets its outbox match
    /// replayed messages to what it sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Usernames the text mentions (`@name` of an existing user), resolved by
    /// the server; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// When the text was last edited (RFC 3339, UTC); absent if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    /// Deleted: the text is removed, the message stays as a placeholder.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Reactions now on it: each reaction with who reacted, in order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reactions: BTreeMap<String, Vec<String>>,
    /// The message it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyRef>,
    /// The sender's account is deactivated (history only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sender_deactivated: bool,
    /// The file it carries (gone once the message is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
}

/// A file posted in a room, as messages carry it and an upload answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attachment {
    /// 32 hex digits; what a `send` frame's `attachment` names.
    pub id: String,
    /// The file's name as uploaded.
    pub name: String,
    /// Bytes.
    pub size: i64,
    pub content_type: String,
    /// Where the file is served (to readers of the room only).
    pub url: String,
    /// For an image: its size in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    /// For an image: a small copy to show inline (at most
    /// [`THUMB_EDGE`] pixels on its longer side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
}

impl Attachment {
    /// The file's size as people read it: "812 B", "4.2 KB", "18.0 MB".
    pub fn human_size(&self) -> String {
        human_size(self.size)
    }
}

/// A size in bytes as people read it (decimal units, like file managers).
pub fn human_size(bytes: i64) -> String {
    match bytes {
        ..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} KB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.1} GB", bytes as f64 / 1e9),
    }
}

/// Longest side of an image attachment's thumbnail, in pixels.
pub const THUMB_EDGE: u32 = 480;

/// The message a reply answers, as quoted with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReplyRef {
    pub seq: i64,
    pub sender: String,
    /// Its first [`REPLY_QUOTE_CHARS`] characters (empty when deleted).
    pub text: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// How loudly a room may notify a member.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NotifyLevel {
    /// Every message.
    All,
    /// Messages that mention the member (the default).
    #[default]
    Mentions,
    /// Nothing.
    None,
}

impl NotifyLevel {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Who may read a room.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RoomKind {
    /// Every account, by name (the room is created by its first message).
    #[default]
    Public,
    /// Its members only; created by its owner, named at random.
    Private,
    /// The conversation of two users; nobody can be added.
    Direct,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How someone's membership of a private room changed (a `member` frame).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString, strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MemberChange {
    /// The owner or an administrator added them.
    Added,
    /// They opened an invite link.
    Joined,
    /// The owner or an administrator removed them.
    Removed,
    /// They left.
    Left,
}

impl MemberChange {
    /// Whether the user loses access to the room with this change.
    pub fn ends_access(self) -> bool {
        matches!(self, Self::Removed | Self::Left)
    }
}

/// One of a user's rooms, as `GET /api/rooms/` lists it and the inbox counts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomStatus {
    pub room: String,
    /// Public, private or direct.
    #[serde(default)]
    pub kind: RoomKind,
    /// What a private room is called (its `room` name is random).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// For a direct room: the other person's username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
    /// The room's newest `seq`.
    pub last_seq: i64,
    /// The newest `seq` the user has seen.
    pub last_read_seq: i64,
    /// Messages after `last_read_seq`.
    pub unread: i64,
    /// Messages after `last_read_seq` that mention the user.
    pub mentions: i64,
    pub notify: NotifyLevel,
    /// RFC 3339, UTC.
    pub last_activity: String,
}

impl RoomStatus {
    /// How people see the room named: `#name`, a private room's title, or the
    /// other person of a direct room.
    pub fn label(&self) -> String {
        room_label(&self.room, self.kind, self.title.as_deref(), self.with.as_deref())
    }
}

/// How people see a room named (see [`RoomStatus::label`]).
pub fn room_label(room: &str, kind: RoomKind, title: Option<&str>, with: Option<&str>) -> String {
    match (kind, title, with) {
        (RoomKind::Direct, _, Some(with)) => format!("@{with}"),
        (RoomKind::Private | RoomKind::Direct, Some(title), _) => title.to_owned(),
        _ => format!("#{room}"),
    }
}

/// An account as administrators see it (`GET /api/admin/users/`, `/admin`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub is_admin: bool,
    pub deactivated: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The newest message of a room, as the inbox reports it (for notifications).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latest {
    pub seq: i64,
    pub sender: String,
    /// The first 140 characters of the text.
    pub text: String,
}

/// A slice of a room's history, in ascending `seq` order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub room: String,
    pub messages: Vec<ChatMessage>,
}

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
    /// The reader has seen the room up to `seq` (the page is visible and the
    /// newest message on screen). A lower `seq` than before is ignored.
    Read { seq: i64 },
    /// The user is composing a message (the browser sends at most one per 3 s).
    Typing,
}

impl ClientFrame {
    /// The frame as JSON text.
    pub fn encode(&self) -> String {
        encode(self)
    }
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
    /// Who has a socket open to the room now, on any instance: a full sorted
    /// snapshot, sent on connect and whenever the set changes (at most once a
    /// second per room).
    Presence { room: String, users: Vec<String> },
    /// `user` is composing a message in the room (relayed, never stored).
    Typing { room: String, user: String },
    /// The same user has seen `room` up to `seq` (on another tab or device).
    Read { room: String, seq: i64 },
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
    },
    /// On the inbox socket: the room left the user's list.
    Left { room: String },
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

/// Why a client frame was refused: the `code` of an `error` frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FrameErrorCode {
    /// Not JSON, or not the shape of any known frame.
    BadFrame,
    /// A `type` the server does not know.
    UnknownType,
    /// Text empty after trimming.
    EmptyText,
    /// Text longer than [`MAX_TEXT_CHARS`].
    TextTooLong,
    /// Text with control characters other than newline and tab.
    ControlCharacters,
    /// `client_id` longer than [`MAX_CLIENT_ID_CHARS`] or empty.
    BadClientId,
    /// Binary frames are not part of the protocol.
    BinaryFrame,
    /// The message could not be stored; the client should retry later.
    StoreFailed,
    /// The database refused this message; sending it again will not help.
    NotStored,
    /// The sender is over its message rate; the client should retry later.
    RateLimited,
    /// The sender created too many rooms lately; this room does not exist yet.
    RoomLimit,
    /// The message an edit, deletion, reaction or reply is about does not exist
    /// in this room (or is not a message).
    NotFound,
    /// Only a message's author may edit or delete it.
    NotYours,
    /// The message is deleted: it cannot be edited or reacted to.
    Deleted,
    /// A reaction must be 1-16 characters of text, without control characters.
    BadReaction,
    /// An earlier send of this socket was refused for now: the socket keeps a
    /// sender's messages in order, so it takes nothing else until that one
    /// (same `client_id`) is sent again.
    OutOfOrder,
    /// The sender may not post in this room (no longer a member, or deactivated).
    NoAccess,
    /// The `attachment` is not a file the sender uploaded to this room, or
    /// another message carries it already.
    BadAttachment,
}

impl FrameErrorCode {
    /// The code as it appears on the wire (the same string serde writes).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A sentence a person can read, for the `message` field.
    pub fn describe(self) -> &'static str {
        match self {
            Self::BadFrame => "frame is not valid JSON of a known shape",
            Self::UnknownType => "unknown frame type",
            Self::EmptyText => "message text is empty",
            Self::TextTooLong => formatcp!("message text is longer than {MAX_TEXT_CHARS} characters"),
            Self::ControlCharacters => "message text may not contain control characters other than newline and tab",
            Self::BadClientId => formatcp!("client_id must be 1-{MAX_CLIENT_ID_CHARS} characters"),
            Self::BinaryFrame => "binary frames are not supported; send JSON text frames",
            Self::StoreFailed => "the message could not be stored; try again",
            Self::NotStored => "the database refused this message",
            Self::RateLimited => "too many messages",
            Self::RoomLimit => "you created too many rooms lately",
            Self::NotFound => "there is no such message in this room",
            Self::NotYours => "only its author can change a message",
            Self::Deleted => "that message is deleted",
            Self::BadReaction => formatcp!("a reaction is 1-{MAX_REACTION_CHARS} characters of text"),
            Self::OutOfOrder => "an earlier message was refused for now; send it again first",
            Self::NoAccess => "you no longer have access to this room",
            Self::BadAttachment => "no such attachment: upload the file to this room first",
        }
    }

    /// Whether the same frame may succeed later (the browser keeps and resends it).
    pub fn is_transient(self) -> bool {
        matches!(self, Self::StoreFailed | Self::RateLimited | Self::OutOfOrder)
    }
}

/// Why the server closed a room socket: the close code and its reason text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumIter)]
pub enum CloseReason {
    /// 1012: the server is restarting; reconnect with `?after=`.
    Restart,
    /// 1009: a frame was larger than [`MAX_FRAME_BYTES`].
    FrameTooBig,
    /// 1002: the peer broke the WebSocket protocol.
    ProtocolError,
    /// 4000: the client answered nothing, not even the server's pings, for too long.
    Idle,
    /// 4001: the session ended (log-out, expiry, a new log-in, the account's
    /// removal); the client must log in again.
    SessionEnded,
    /// 4003: the user no longer has access to the room (removed, left, or the
    /// account was deactivated); the client must not reconnect.
    AccessEnded,
}

impl CloseReason {
    /// The close code (RFC 6455 registry, or 4000-4999 for Parlor's own).
    pub fn code(self) -> u16 {
        match self {
            Self::Restart => 1012,
            Self::FrameTooBig => 1009,
            Self::ProtocolError => 1002,
            Self::Idle => 4000,
            Self::SessionEnded => 4001,
            Self::AccessEnded => 4003,
        }
    }

    /// The close frame's reason text.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Restart => "server restarting",
            Self::FrameTooBig => formatcp!("frame larger than {} KiB", MAX_FRAME_BYTES / 1024),
            Self::ProtocolError => "protocol error",
            Self::Idle => "no answer to pings",
            Self::SessionEnded => "session ended; log in again",
            Self::AccessEnded => "you no longer have access to this room",
        }
    }
}

/// A refused client frame: its error code and whatever `client_id` could be
/// recovered, so that the error can be matched to the send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRejection {
    pub code: FrameErrorCode,
    pub client_id: Option<String>,
    /// For a transient refusal: seconds until the same frame may succeed.
    pub retry_after_secs: Option<u64>,
}

impl FrameRejection {
    pub fn new(code: FrameErrorCode, client_id: Option<String>) -> Self {
        Self { code, client_id, retry_after_secs: None }
    }

    /// A send over the sender's rate, which may be retried after `secs`.
    pub fn rate_limited(client_id: Option<String>, secs: u64) -> Self {
        Self { code: FrameErrorCode::RateLimited, client_id, retry_after_secs: Some(secs) }
    }
}

/// A client frame that passed validation, ready for its consumer handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Send(ValidSend),
    Edit { target: i64, text: String, client_id: Option<String> },
    Delete { target: i64, client_id: Option<String> },
    React { target: i64, emoji: String, client_id: Option<String> },
    Read { seq: i64 },
    Typing,
}

impl Command {
    /// The idempotency key the command carries, if any.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            Self::Send(ValidSend { client_id, .. })
            | Self::Edit { client_id, .. }
            | Self::Delete { client_id, .. }
            | Self::React { client_id, .. } => client_id.as_deref(),
            Self::Read { .. } | Self::Typing => None,
        }
    }
}

/// A `send` frame that passed validation: trimmed text, checked client id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidSend {
    pub text: String,
    pub client_id: Option<String>,
    pub reply_to: Option<i64>,
    /// The attachment's id (well formed; the writer checks it is the sender's).
    pub attachment: Option<String>,
}

/// Parses and validates a client text frame.
pub fn parse_client_frame(raw: &str) -> Result<Command, FrameRejection> {
    let frame = serde_json::from_str::<ClientFrame>(raw).map_err(|_| classify_unparsable(raw))?;
    match frame {
        ClientFrame::Send { text, client_id, reply_to, attachment } => {
            let client_id = check_client_id(client_id)?;
            let refuse = |code| FrameRejection::new(code, client_id.clone());
            let attachment = attachment.map(|id| check_attachment_id(id).map_err(refuse)).transpose()?;
            let text = match check_text(&text) {
                // A file may go without words.
                Err(FrameErrorCode::EmptyText) if attachment.is_some() => String::new(),
                checked => checked.map_err(refuse)?,
            };
            let reply_to = reply_to.map(|seq| check_target(seq).map_err(refuse)).transpose()?;
            Ok(Command::Send(ValidSend { text, client_id, reply_to, attachment }))
        }
        ClientFrame::Edit { target, text, client_id } => {
            let client_id = check_client_id(client_id)?;
            let refuse = |code| FrameRejection::new(code, client_id.clone());
            let target = check_target(target).map_err(refuse)?;
            let text = check_text(&text).map_err(refuse)?;
            Ok(Command::Edit { target, text, client_id })
        }
        ClientFrame::Delete { target, client_id } => {
            let client_id = check_client_id(client_id)?;
            let target = check_target(target).map_err(|code| FrameRejection::new(code, client_id.clone()))?;
            Ok(Command::Delete { target, client_id })
        }
        ClientFrame::React { target, emoji, client_id } => {
            let client_id = check_client_id(client_id)?;
            let refuse = |code| FrameRejection::new(code, client_id.clone());
            let target = check_target(target).map_err(refuse)?;
            let emoji = check_reaction(&emoji).map_err(refuse)?;
            Ok(Command::React { target, emoji, client_id })
        }
        ClientFrame::Read { seq } if seq >= 0 => Ok(Command::Read { seq }),
        ClientFrame::Read { .. } => Err(FrameRejection::new(FrameErrorCode::BadFrame, None)),
        ClientFrame::Typing => Ok(Command::Typing),
    }
}

/// The part of any frame that tells why it did not parse: its `type` and `client_id`.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    client_id: Option<serde_json::Value>,
}

/// The error for a frame that is not a known frame: `unknown_type` when its
/// `type` is a string nobody knows, `bad_frame` otherwise.
fn classify_unparsable(raw: &str) -> FrameRejection {
    let Ok(envelope) = serde_json::from_str::<Envelope>(raw) else {
        return FrameRejection::new(FrameErrorCode::BadFrame, None);
    };
    let client_id =
        envelope.client_id.as_ref().and_then(serde_json::Value::as_str).map(|id| id.chars().take(MAX_CLIENT_ID_CHARS).collect());
    let known = <ClientFrame as strum::VariantNames>::VARIANTS.contains(&envelope.kind.as_str());
    let code = if known { FrameErrorCode::BadFrame } else { FrameErrorCode::UnknownType };
    FrameRejection::new(code, client_id)
}

fn check_client_id(client_id: Option<String>) -> Result<Option<String>, FrameRejection> {
    match client_id {
        Some(id) if id.is_empty() || id.chars().count() > MAX_CLIENT_ID_CHARS => {
            Err(FrameRejection::new(FrameErrorCode::BadClientId, None))
        }
        other => Ok(other),
    }
}

/// A `seq` that names a message: 1 or more.
fn check_target(seq: i64) -> Result<i64, FrameErrorCode> {
    if seq >= 1 { Ok(seq) } else { Err(FrameErrorCode::BadFrame) }
}

/// An attachment id as the server makes them: 32 lowercase hex digits.
fn check_attachment_id(id: String) -> Result<String, FrameErrorCode> {
    if is_attachment_id(&id) { Ok(id) } else { Err(FrameErrorCode::BadAttachment) }
}

/// Whether `id` has the shape of an attachment id (32 lowercase hex digits).
pub fn is_attachment_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A trimmed reaction of 1-16 characters without control characters.
fn check_reaction(emoji: &str) -> Result<String, FrameErrorCode> {
    let emoji = emoji.trim();
    let length = emoji.chars().count();
    if length == 0 || length > MAX_REACTION_CHARS || emoji.chars().any(char::is_control) {
        return Err(FrameErrorCode::BadReaction);
    }
    Ok(emoji.to_owned())
}

/// Trimmed message text, or why it cannot be stored. Control characters (which
/// PostgreSQL refuses outright, in the case of NUL) are refused here, except
/// newline and tab.
fn check_text(text: &str) -> Result<String, FrameErrorCode> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FrameErrorCode::EmptyText);
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(FrameErrorCode::TextTooLong);
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FrameErrorCode::ControlCharacters);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn send_frame_is_trimmed_and_keeps_client_id() {
        let parsed = parse_client_frame(r#"{"type":"send","text":"  hi  ","client_id":"c1"}"#);
        assert_eq!(
            parsed,
            Ok(Command::Send(ValidSend { text: "hi".into(), client_id: Some("c1".into()), reply_to: None, attachment: None }))
        );
    }

    #[test]
    fn each_bad_frame_has_its_code() {
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code("not json"), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"text":"x"}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":7,"text":"x"}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"dance"}"#), FrameErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"send","text":42}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"send","text":"   "}"#), FrameErrorCode::EmptyText);
        let long = format!(r#"{{"type":"send","text":"{}"}}"#, "a".repeat(4001));
        assert_eq!(code(&long), FrameErrorCode::TextTooLong);
        let long_id = format!(r#"{{"type":"send","text":"x","client_id":"{}"}}"#, "c".repeat(65));
        assert_eq!(code(&long_id), FrameErrorCode::BadClientId);
        for control in ["\\u0000", "\\u0007", "\\r", "\\u009b"] {
            let raw = format!(r#"{{"type":"send","text":"a{control}b"}}"#);
            assert_eq!(code(&raw), FrameErrorCode::ControlCharacters, "{raw}");
        }
        let multi_line = parse_client_frame(r#"{"type":"send","text":"line one\n\tline two"}"#);
        assert!(multi_line.is_ok(), "newline and tab are text");
    }

    #[test]
    fn a_send_with_an_attachment_may_have_no_text() {
        let id = "0123456789abcdef0123456789abcdef";
        let raw = format!(r#"{{"type":"send","text":"  ","attachment":"{id}"}}"#);
        let Ok(Command::Send(send)) = parse_client_frame(&raw) else { panic!("{raw} should parse") };
        assert_eq!((send.text.as_str(), send.attachment.as_deref()), ("", Some(id)));
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code(r#"{"type":"send","text":"x","attachment":"../../etc"}"#), FrameErrorCode::BadAttachment);
        assert_eq!(
            code(r#"{"type":"send","text":"x","attachment":"0123456789ABCDEF0123456789ABCDEF"}"#),
            FrameErrorCode::BadAttachment
        );
        let too_long = format!(r#"{{"type":"send","text":"{}","attachment":"{id}"}}"#, "a".repeat(4001));
        assert_eq!(code(&too_long), FrameErrorCode::TextTooLong);
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(4_200), "4.2 KB");
        assert_eq!(human_size(18_000_000), "18.0 MB");
    }

    #[test]
    fn changes_to_messages_parse_and_are_checked() {
        assert_eq!(
            parse_client_frame(r#"{"type":"edit","target":3,"text":" fixed ","client_id":"e1"}"#),
            Ok(Command::Edit { target: 3, text: "fixed".into(), client_id: Some("e1".into()) })
        );
        assert_eq!(parse_client_frame(r#"{"type":"delete","target":3}"#), Ok(Command::Delete { target: 3, client_id: None }));
        assert_eq!(
            parse_client_frame(r#"{"type":"react","target":3,"emoji":"👍"}"#),
            Ok(Command::React { target: 3, emoji: "👍".into(), client_id: None })
        );
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code(r#"{"type":"react","target":3,"emoji":"   "}"#), FrameErrorCode::BadReaction);
        assert_eq!(code(r#"{"type":"react","target":3,"emoji":"seventeen chars!!"}"#), FrameErrorCode::BadReaction);
        assert_eq!(code(r#"{"type":"edit","target":0,"text":"x"}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"edit","target":2,"text":" "}"#), FrameErrorCode::EmptyText);
        let reply = parse_client_frame(r#"{"type":"send","text":"yes","reply_to":7}"#).unwrap();
        assert!(matches!(reply, Command::Send(ValidSend { reply_to: Some(7), .. })));
    }

    #[test]
    fn read_and_typing_frames_parse() {
        assert_eq!(parse_client_frame(r#"{"type":"read","seq":12}"#), Ok(Command::Read { seq: 12 }));
        assert_eq!(parse_client_frame(r#"{"type":"typing"}"#), Ok(Command::Typing));
        assert_eq!(parse_client_frame(r#"{"type":"read","seq":-1}"#).unwrap_err().code, FrameErrorCode::BadFrame);
        assert_eq!(parse_client_frame(r#"{"type":"read"}"#).unwrap_err().code, FrameErrorCode::BadFrame);
    }

    #[test]
    fn a_refusal_carries_the_client_id_it_could_recover() {
        let refused = parse_client_frame(r#"{"type":"send","text":"  ","client_id":"c9"}"#).unwrap_err();
        assert_eq!(refused.client_id.as_deref(), Some("c9"));
        let refused = parse_client_frame(r#"{"type":"dance","client_id":"c8"}"#).unwrap_err();
        assert_eq!(refused.client_id.as_deref(), Some("c8"));
    }

    #[test]
    fn every_error_code_round_trips_and_prints_as_it_serializes() {
        for code in FrameErrorCode::iter() {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, code.as_str());
            assert_eq!(serde_json::from_value::<FrameErrorCode>(wire).unwrap(), code);
            assert!(!code.describe().is_empty());
        }
        assert!(FrameErrorCode::TextTooLong.describe().contains("4000"));
    }

    #[test]
    fn close_reasons_have_distinct_codes() {
        let codes: std::collections::HashSet<u16> = CloseReason::iter().map(CloseReason::code).collect();
        assert_eq!(codes.len(), CloseReason::iter().count());
        assert_eq!(CloseReason::FrameTooBig.reason(), "frame larger than 16 KiB");
    }

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
