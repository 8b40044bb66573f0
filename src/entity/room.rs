//! A chat room, created by its first message.

use sea_orm::entity::prelude::*;

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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::message::Entity")]
    Message,
}

impl Related<super::message::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Message.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
