//! An account: a unique username, its argon2 password hash, its role, and
//! what it is (a person, a bot, an incoming webhook's account).

use sea_orm::entity::prelude::*;

use crate::protocol::AccountKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// 1-32 characters of `a-z 0-9 _ -`, unique.
    #[sea_orm(unique)]
    pub username: String,
    /// PHC string (argon2id) produced by `password-auth`.
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    /// May moderate every room and manage accounts (the first account is).
    pub is_admin: bool,
    /// Cannot log in; their messages stay.
    pub deactivated: bool,
    /// Shown beside the username, when set.
    pub display_name: Option<String>,
    /// Others may see how far this user has read ("Seen by"); when false,
    /// the user is shown no one's reads either.
    pub share_reads: bool,
    /// A person, a bot (API tokens only) or an incoming webhook's account.
    pub kind: AccountKind,
    /// Who made a bot or webhook account (an administrator, a room's member).
    pub created_by: Option<i64>,
    /// The language the person chose (`en`, `es`); none follows the browser.
    pub locale: Option<String>,
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
