//! Something an account's owner is told once on their settings page (the API
//! tokens a password change or reset revoked), until they dismiss it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// What happened (`protocol::NoticeKind`).
    pub kind: String,
    /// Its particulars, as JSON (for `tokens_revoked`: the tokens' names).
    pub detail: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
