//! The answer of `POST /api/messages/{room}/`: a message sent over HTTP.

use serde::{Deserialize, Serialize};

/// `POST /api/messages/{room}/` → `{"room", "seq", "duplicate"}`: where the
/// message was stored (a `send` frame's `ack`, over HTTP).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSent {
    /// The room's name.
    pub room: String,
    /// The message's place in the room.
    pub seq: i64,
    /// `true` when the same `(sender, room, client_id)` was stored before:
    /// `seq` is then the first one's.
    pub duplicate: bool,
}
