//! What travels on the channel layer: the [`Group`] an event is for, the
//! [`Event`] itself, and the keys events carry ([`SessionKey`]).

use std::{
    hash::{Hash, Hasher},
    sync::Arc,
};

use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use tower_sessions::session::Id;

use crate::protocol::events::{deletion, message};
use crate::protocol::{CloseReason, Latest, REPLY_QUOTE_CHARS, ServerFrame};

/// Names a session without revealing its id: what sockets and the channel
/// layer use to say "this session".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey(pub u64);

impl SessionKey {
    pub fn of(id: &Id) -> Self {
        Self::hashed(&id.to_string())
    }

    /// The key of the sockets opened with API token `id` (revoking it ends them).
    pub fn of_token(id: i64) -> Self {
        Self::hashed(&format!("token:{id}"))
    }

    fn hashed(text: &str) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        Self(hasher.finish())
    }
}

/// Who an event is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Every socket of a room.
    Room(String),
    /// Every socket of a user, whatever the room (and the user's inbox).
    User(i64),
    /// The presence trackers of every instance that has sockets in a room.
    Presence(String),
    /// Every instance's caches (`storage::cache`): what to forget.
    Caches,
}

impl Group {
    /// The group's name in the layer (and, prefixed, its Redis channel).
    pub fn key(&self) -> String {
        match self {
            Self::Room(room) => format!("room:{room}"),
            Self::User(id) => format!("user:{id}"),
            Self::Presence(room) => format!("presence:{room}"),
            Self::Caches => "caches".to_owned(),
        }
    }
}

/// What a group carries to its subscribers.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A committed room event, encoded once for every subscriber.
    Sequenced(Arc<RoomEvent>),
    /// The newest `seq` an instance has committed in the room: a subscriber that
    /// has sent less missed an event (a publish was dropped) and catches up.
    Head { seq: i64 },
    /// The layer may have lost events (it reconnected): every subscriber must
    /// catch up from the database.
    Resync,
    /// Close the user's sockets of one session (or of all its sessions) with
    /// `reason`: a log-out, a new log-in, an account's removal.
    EndSessions { session: Option<SessionKey>, reason: CloseReason },
    /// A frame relayed to a room's sockets, never stored (typing); the sockets
    /// of its author (`from`) skip it.
    Relay { frame: Utf8Bytes, from: Option<i64> },
    /// A `seen` frame relayed to the room's sockets whose users share their
    /// reads (never stored beyond the read marker it reports).
    Seen { frame: Utf8Bytes },
    /// On a presence group: the users with sockets to the room on `instance`.
    Presence { instance: u64, users: Vec<String> },
    /// On a user's group: something changed about the user's rooms.
    Notice(UserNotice),
    /// On the caches group: a cached read that changed.
    Forget(Forget),
}

/// A cached read every instance must drop, because it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forget {
    /// A session record (by its key).
    Session(u64),
    /// An account (by id).
    User(i64),
}

/// A committed room event: its `seq` (so a subscriber can spot gaps and
/// duplicates), its frame, and what the inbox needs to count it.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomEvent {
    pub seq: i64,
    pub frame: Utf8Bytes,
    pub meta: EventMeta,
}

/// What unread and mention counts need to know about a room event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMeta {
    /// The user who caused it (their own messages are read by them).
    pub sender_id: Option<i64>,
    /// The users it mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentioned: Vec<i64>,
    /// For a new message: its summary (for notifications). Only messages count
    /// as unread; edits and reactions have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<Latest>,
    /// The user whose access to the room ends with this event: their sockets
    /// to the room send it, then close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<i64>,
    /// For a deletion: the message it deletes (an inbox drops its preview).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<i64>,
    /// For a thread reply: its root's `seq` (it counts in the thread's unread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<i64>,
    /// A reply kept in its thread: not the room's unread (its thread's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thread_only: bool,
}

/// News about one of a user's rooms, for all the user's sockets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UserNotice {
    /// The user has seen `room` (or with `thread`, that thread) up to `seq`.
    Read {
        room: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<i64>,
        seq: i64,
    },
    /// `room` joined the user's list (e.g. someone mentioned them there).
    Joined { room: String },
    /// `room` left the user's list.
    Left { room: String },
    /// The user started or stopped following the thread of root `thread` in `room`.
    Thread { room: String, thread: i64 },
}

impl Event {
    /// A committed room event, its frame encoded once for every subscriber;
    /// a message carries its summary for notifications.
    pub fn sequenced(seq: i64, frame: ServerFrame, sender_id: Option<i64>, mentioned: Vec<i64>, revoked: Option<i64>) -> Self {
        let latest = match &frame {
            ServerFrame::Message(message::Frame { message, .. }) => Some(Latest {
                seq,
                sender: message.sender.clone(),
                text: message.text.chars().take(REPLY_QUOTE_CHARS).collect(),
                bot: message.bot,
            }),
            _ => None,
        };
        let deleted = match &frame {
            ServerFrame::Deletion(deletion::Frame { target, .. }) => Some(*target),
            _ => None,
        };
        let (thread, thread_only) = match &frame {
            ServerFrame::Message(message::Frame { message, .. }) => {
                (message.thread, message.thread.is_some() && !message.also_in_room)
            }
            _ => (None, false),
        };
        let frame = frame.encode().into();
        let meta = EventMeta { sender_id, mentioned, latest, revoked, deleted, thread, thread_only };
        Self::Sequenced(Arc::new(RoomEvent { seq, frame, meta }))
    }
}
