//! The answers about a user's rooms: the list, a room made, its members
//! (added, removed, left), a private room's invite links and the user's
//! notification level.

use serde::{Deserialize, Serialize};

use crate::protocol::{NotifyLevel, RoomStatus};

/// `GET /api/rooms/` → `{"rooms": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomList {
    /// The user's rooms, unread ones first, then the most recently active.
    pub rooms: Vec<RoomStatus>,
}

/// `POST /api/rooms/` → `{"room", "title", "private", "url"}`: the room made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomCreated {
    /// The room's name (a private room's is random).
    pub room: String,
    /// A private room's title; `null` for a public room.
    pub title: Option<String>,
    /// Whether the room is private.
    pub private: bool,
    /// The room's page.
    pub url: String,
}

/// `GET /api/rooms/{room}/members` → `{"room", "members", "bots"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMembers {
    /// The room's name.
    pub room: String,
    /// The members' usernames, sorted.
    pub members: Vec<String>,
    /// Which of them are bots or webhooks (shown with a BOT badge).
    #[serde(default)]
    pub bots: Vec<String>,
}

/// `POST /api/rooms/{room}/members` → `{"room", "member", "added", "seq"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAdded {
    /// The room's name.
    pub room: String,
    /// The member's username.
    pub member: String,
    /// Always `true`.
    pub added: bool,
    /// The membership event's `seq`.
    pub seq: i64,
}

/// `POST /api/rooms/{room}/members/remove` → `{"room", "member", "left", "seq"?}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRemoved {
    /// The room's name.
    pub room: String,
    /// The username of who left or was removed.
    pub member: String,
    /// Whether they are out now (leaving a public room not in one's list: `false`).
    pub left: bool,
    /// The membership event's `seq` (a private room's); absent for a public
    /// room, which stores no event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// A private room's invite link as its owner sees it: the answer of `POST
/// /api/rooms/{room}/invites`, and one of `GET`'s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteLink {
    /// 32 random hex digits.
    pub code: String,
    /// `/join/{code}`.
    pub url: String,
    /// When it was made.
    pub created_at: String,
    /// When it stops working; `null`: when revoked.
    pub expires_at: Option<String>,
}

/// `GET /api/rooms/{room}/invites` → `{"room", "invites": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteList {
    /// The room's name.
    pub room: String,
    /// The links that still work, newest first.
    pub invites: Vec<InviteLink>,
}

/// `POST /api/rooms/{room}/invites/revoke` → `{"room", "code", "revoked"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRevoked {
    /// The room's name.
    pub room: String,
    /// The link's code, as it was given.
    pub code: String,
    /// Always `true`.
    pub revoked: bool,
}

/// `POST /api/rooms/{room}/notify` → `{"room", "notify"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifySet {
    /// The room's name.
    pub room: String,
    /// The user's notification level there now.
    pub notify: NotifyLevel,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn leaving_a_public_room_has_no_seq_and_a_public_room_no_title() {
        let left = MemberRemoved { room: "lobby".into(), member: "ann".into(), left: true, seq: None };
        assert_eq!(serde_json::to_value(&left).unwrap(), json!({ "room": "lobby", "member": "ann", "left": true }));
        let removed = MemberRemoved { seq: Some(9), ..left };
        assert_eq!(serde_json::to_value(&removed).unwrap()["seq"], json!(9));
        let made = RoomCreated { room: "lobby".into(), title: None, private: false, url: "/room/lobby/".into() };
        assert_eq!(serde_json::to_value(&made).unwrap()["title"], json!(null), "present, as null");
    }
}
