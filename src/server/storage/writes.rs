//! What is asked of the writer and what it answers: a [`NewEvent`] to store
//! and, once committed, its [`Stored`].

use crate::{
    entity::user,
    protocol::{EventBody, ServerFrame},
};

/// A room event to store: a message, or a change to one.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub room: String,
    pub sender: user::Model,
    /// The sender's idempotency key.
    pub client_id: Option<String>,
    pub body: EventBody,
    /// The name a message is shown under instead of the sender's own (an
    /// incoming webhook's `username`; `None` for everyone else).
    pub display_as: Option<String>,
    /// For an incoming webhook's message: the account that made the hook. A
    /// hook posts only while its maker may post there too (the writer asks the
    /// policy for both, in its transaction).
    pub hook_maker: Option<i64>,
}

/// An event that is committed.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub seq: i64,
    /// Its frame, to publish (`None` for a resend: published before).
    pub frame: Option<ServerFrame>,
    /// True when the same send was already stored: nothing new was written.
    pub duplicate: bool,
    /// The ids of the users it mentions (its sender excepted).
    pub mentioned: Vec<i64>,
    /// Whether it is a new message (counts as unread) rather than a change.
    pub is_message: bool,
    /// The user whose access to the room ends with it (removed, or left).
    pub revoked: Option<i64>,
    /// For a thread reply: who starts following the thread with it (the root's
    /// author at the first reply, the mentioned), its sender excepted.
    pub followers: Vec<i64>,
}

impl Stored {
    /// The answer to a resend of the event stored as `seq`.
    pub fn repeat(seq: i64) -> Self {
        Self { seq, frame: None, duplicate: true, mentioned: Vec::new(), is_message: false, revoked: None, followers: Vec::new() }
    }
}
