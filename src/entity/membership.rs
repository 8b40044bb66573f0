//! A user's place in a room: what they have read there and how loudly the room
//! may notify them. A row exists while the room is in the user's list.

use sea_orm::entity::prelude::*;

use crate::protocol::NotifyLevel;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub room_id: i64,
    /// The newest `seq` the user has seen; only ever grows.
    pub last_read_seq: i64,
    /// The `n` of the newest message the user has seen (unread = the room's
    /// `message_count` minus this).
    pub last_read_n: i64,
    /// How loudly the room may notify the user.
    pub notify: NotifyLevel,
    pub joined_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::room::Entity", from = "Column::RoomId", to = "super::room::Column::Id", on_delete = "Cascade")]
    Room,
    #[sea_orm(belongs_to = "super::user::Entity", from = "Column::UserId", to = "super::user::Column::Id", on_delete = "Cascade")]
    User,
}

impl Related<super::room::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Room.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
