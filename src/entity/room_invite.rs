//! An invite link to a private room: whoever opens `/join/{code}` while logged
//! in becomes a member, until it expires or is revoked.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invite")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Random and unguessable (128 bits, URL-safe), unique.
    #[sea_orm(unique)]
    pub code: String,
    pub room_id: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    /// None: valid until revoked.
    pub expires_at: Option<DateTimeUtc>,
    pub revoked: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::room::Entity", from = "Column::RoomId", to = "super::room::Column::Id")]
    Room,
}

impl Related<super::room::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Room.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
