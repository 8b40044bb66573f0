//! A user following a thread (by its room and root `seq`): its replies count
//! as their unread until read. A row exists while they follow it, and goes
//! with their access to the room.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "thread_follow")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub room_id: i64,
    /// The `seq` of the thread's root.
    #[sea_orm(primary_key, auto_increment = false)]
    pub thread: i64,
    /// The newest `seq` of the thread the user has seen; only ever grows.
    pub last_read_seq: i64,
    pub followed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
