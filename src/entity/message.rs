//! A chat message: who said what, in which room, when, and its place (`seq`) in
//! that room's history.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub room_id: i64,
    /// Position in the room's history: 1, 2, 3, ... without gaps.
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::room::Entity",
        from = "Column::RoomId",
        to = "super::room::Column::Id",
        on_delete = "Cascade"
    )]
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
