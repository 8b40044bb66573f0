//! A membership change of a private room: someone added by its owner or an
//! administrator, joining by an invite link, removed, or leaving. Made by the
//! server (never parsed from a client frame), stored as a room event, sent to
//! the room's readers as a `member` frame; the removed or leaving member's
//! socket closes after it.

use serde::{Deserialize, Serialize};

/// How someone's membership of a private room changed.
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

/// Someone's membership changes (`user_id` is theirs; the event's sender is
/// who changed it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub user_id: i64,
    pub username: String,
    pub change: MemberChange,
}

/// `{"type":"member"}`: someone's membership of this private room changed
/// (a room event with its `seq`). When it is the socket's own user who was
/// removed or left, this is the last frame: the socket closes with 4003.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub room: String,
    pub seq: i64,
    pub user: String,
    pub change: MemberChange,
    pub by: String,
}
