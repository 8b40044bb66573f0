//! A bearer token for the API and the sockets (`Authorization: Bearer …`):
//! kept as the SHA-256 of the token, which is shown once; gone with its account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// What its owner called it.
    pub name: String,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The token's first characters, so its owner can tell tokens apart.
    pub hint: String,
    pub created_at: DateTimeUtc,
    /// When it last authenticated a request (kept to within a minute).
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
