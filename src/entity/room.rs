//! A chat room: public (created by its first message, open by name), private
//! (created by its owner, members only) or direct (two users' conversation).

use sea_orm::entity::prelude::*;

use crate::protocol::RoomKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "room")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// 1-64 characters of `a-z 0-9 - _`, unique.
    #[sea_orm(unique)]
    pub name: String,
    /// The `seq` of the newest event; the next event takes `last_seq + 1`.
    pub last_seq: i64,
    /// How many messages the room has (the newest message's `n`).
    pub message_count: i64,
    pub created_at: DateTimeUtc,
    /// Timestamp of the newest message.
    pub last_activity: DateTimeUtc,
    /// Public, private or direct.
    pub kind: RoomKind,
    /// Who created a private or direct room.
    pub owner_id: Option<i64>,
    /// A direct room's pair of users, `"{smaller id}:{larger id}"`.
    pub direct_key: Option<String>,
    /// What a private room is called (its name is random).
    pub title: Option<String>,
    /// The room's topic, as its newest `topic` event set it (`None`: never set or cleared).
    pub topic: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::message::Entity")]
    Message,
    #[sea_orm(has_many = "super::membership::Entity")]
    Membership,
}

impl Related<super::message::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Message.def()
    }
}

impl Related<super::membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
