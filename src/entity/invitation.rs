//! An account invitation: `/welcome/{code}` lets `uses` people register
//! (whatever the registration mode), until it expires or is revoked; the new
//! accounts join its rooms.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// 32 random hex digits (128 bits).
    #[sea_orm(unique)]
    pub code: String,
    /// How many may register with it.
    pub uses: i32,
    /// How many have.
    pub used: i32,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked: bool,
    /// Rooms the new accounts join (names, comma-separated).
    pub rooms: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
