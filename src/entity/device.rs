//! A logged-in session as its user sees it in their settings: a public handle,
//! the browser, when it logged in and when it was last used.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device")]
pub struct Model {
    /// 32 random hex digits: names the session in pages and forms.
    #[sea_orm(primary_key, auto_increment = false)]
    pub handle: String,
    /// The tower-sessions id (a secret: never shown).
    #[sea_orm(unique)]
    pub session_id: String,
    pub user_id: i64,
    pub user_agent: String,
    pub created_at: DateTimeUtc,
    pub last_seen: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
