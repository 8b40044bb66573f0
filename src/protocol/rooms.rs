//! Rooms as both sides name them: who may read one ([`RoomKind`]), how
//! loudly a room notifies, a user's room as listed and counted.

use serde::{Deserialize, Serialize};

use super::Latest;

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
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case"))]
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
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case"))]
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
    /// The newest message not deleted (its first 140 characters): the
    /// list's preview line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<Latest>,
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
