//! Where a subscription's delivery stands in one room: the newest `seq`
//! delivered (a 2xx) or passed over, whether its bot was a member there at
//! that point, and when the next try is due.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_cursor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub subscription_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub room_id: i64,
    pub delivered_seq: i64,
    /// The bot was a member of the (private or direct) room at `delivered_seq`.
    pub member: bool,
    /// Failed tries of the next event.
    pub attempts: i32,
    /// Not tried again before this (Unix ms).
    pub due_at: i64,
    /// When the next event's first try failed (Unix ms).
    pub failing_since: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
