//! An incoming webhook: a room's `/hooks/{secret}` URL, kept as the SHA-256
//! of its secret, posting as its own account (`user_id`, kind `hook`).
//! A revoked hook keeps its row, so that its URL answers 410.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incoming_hook")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub room_id: i64,
    /// The hook's own account, which its messages are sent by.
    pub user_id: i64,
    pub name: String,
    /// SHA-256 of the URL's secret, hex.
    #[sea_orm(unique)]
    pub secret_hash: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
