//! A slash command a bot registered: `/name args` typed in a room sends the
//! bot a `command` event instead of a message.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bot_command")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Without the slash; unique.
    #[sea_orm(unique)]
    pub name: String,
    pub description: String,
    /// The bot it goes to.
    pub user_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::user::Entity", from = "Column::UserId", to = "super::user::Column::Id", on_delete = "Cascade")]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
