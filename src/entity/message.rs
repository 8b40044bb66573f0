//! An event of a room, in its place (`seq`) in the room's sequence: a chat
//! message (who said what, when, and its current state), or an edit, deletion
//! reaction or link preview about one (`kind`, `target`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub room_id: i64,
    /// Position in the room's sequence of events: 1, 2, 3, ... without gaps.
    pub seq: i64,
    /// `None` once the sender's account is deleted (the message stays).
    pub sender_id: Option<i64>,
    pub text: String,
    /// When the server stored it, in UTC.
    pub timestamp: DateTimeUtc,
    /// The sender's idempotency key: a resend with the same key to the same room
    /// is stored once.
    pub client_id: Option<String>,
    /// The usernames the text mentions, comma-separated (`None` for none).
    pub mentions: Option<String>,
    /// What the event is (each kind's rules: `storage::events::kinds`).
    pub kind: EventKind,
    /// For an edit, deletion or reaction: the `seq` of its message.
    pub target: Option<i64>,
    /// For a message: its place among the room's messages (1, 2, 3, ...).
    pub n: Option<i64>,
    /// For a message: when its text last changed.
    pub edited_at: Option<DateTimeUtc>,
    /// For a message: deleted (its text is removed; the row stays).
    pub deleted: bool,
    /// For a message: the `seq` of the message it answers.
    pub reply_to: Option<i64>,
    /// For a message: the attachment it carries.
    pub attachment_id: Option<String>,
    /// For a message: the preview of its first link, as JSON (`storage::previews`).
    pub preview: Option<String>,
    /// For a reply in a thread: the `seq` of the thread's root. Such a reply
    /// has an `n` only when it is also shown in the room's timeline.
    pub thread: Option<i64>,
    /// For a root: how many replies its thread has (deleted ones included).
    pub reply_count: i64,
    /// For a root: the `seq` and time of its thread's newest reply.
    pub last_reply_seq: Option<i64>,
    pub last_reply_at: Option<DateTimeUtc>,
    /// For a root: the first five who replied, comma-separated.
    pub participants: Option<String>,
    /// For an incoming webhook's message: the name it is shown under (its
    /// payload's `username`), beside the hook's own account.
    pub display_as: Option<String>,
}

/// What kind of event a row is, as the `kind` column stores it; a value not
/// listed here fails to load (it is never read as some other kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)", rename_all = "snake_case")]
pub enum EventKind {
    /// A chat message (its row keeps its current state).
    Message,
    /// New text for message `target` (the text at the time).
    Edit,
    /// Message `target` was deleted.
    Delete,
    /// A reaction (the row's text) added to message `target`.
    React,
    /// A reaction taken back.
    Unreact,
    /// Someone (`target` is their id, the text their username) was added to a private room,
    MemberAdded,
    /// joined it by an invite link,
    MemberJoined,
    /// was removed from it,
    MemberRemoved,
    /// or left it.
    MemberLeft,
    /// The preview of message `target`'s first link (the row's text, as JSON;
    /// emptied when the message is deleted).
    Preview,
    /// The preview of message `target` was removed.
    PreviewRemoved,
    /// A bot's command typed in the room (`target` is the bot's id, the text
    /// `/name args`): delivered to the bot's subscriptions only, never shown.
    Command,
    /// The room's topic was set to the row's text (empty: cleared).
    Topic,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::room::Entity", from = "Column::RoomId", to = "super::room::Column::Id", on_delete = "Cascade")]
    Room,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::SenderId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Sender,
}

impl Related<super::room::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Room.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sender.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
