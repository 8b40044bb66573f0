//! A user's e-mail address: verified, or waiting for its link; whether they
//! are mailed what they missed; the token of their one-click unsubscribe link.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_address")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub address: String,
    pub verified: bool,
    /// SHA-256 of the verification link's token, while it waits.
    pub verify_hash: Option<String>,
    pub verify_expires_at: Option<DateTimeUtc>,
    /// Mail mentions and direct messages not read in time.
    pub notify: bool,
    /// 32 random hex digits: the mails' one-click unsubscribe link.
    pub unsubscribe_token: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
