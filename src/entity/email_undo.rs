//! A link mailed to an account's old verified address when the address
//! changes or is removed, kept as the SHA-256 of its token: for 7 days it
//! puts the old address back, ends every session of the account and lets
//! the address's owner choose a new password.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_undo")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i64,
    /// The verified address the change replaced.
    pub old_address: String,
    /// What it was changed to (`None`: removed).
    pub new_address: Option<String>,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
