//! A mail waiting to be sent: a user's mentions and direct messages in one
//! room not read yet (coalesced: the first and newest `seq`, how many), due
//! at `due_at` (Unix ms).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub room_id: i64,
    pub first_seq: i64,
    pub last_seq: i64,
    pub count: i32,
    pub due_at: i64,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
