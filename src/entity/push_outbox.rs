//! One push to deliver (or delivered): for a subscription, about one event of
//! a room, written in the event's own transaction. The worker claims due rows
//! and records how each ended. Times are Unix milliseconds.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subscription_id: i64,
    pub user_id: i64,
    /// `None` for a test push.
    pub room_id: Option<i64>,
    /// The event this row is for (its room's `seq`; the read marker's for a `read`).
    pub seq: i64,
    /// The message the notification shows.
    pub target_seq: i64,
    /// The root of the message's thread, for a reply kept in its thread.
    pub thread: Option<i64>,
    /// `message`, `update`, `close`, `read` or `test` (`storage::push::PushKind`).
    pub kind: String,
    /// RFC 8030 `Urgency`: `high` or `normal` (`low` for a close).
    pub urgency: String,
    /// `pending`, `sent`, `skipped`, `dropped` or `expired`.
    pub state: String,
    /// A sent message's notification was closed since (read or deleted).
    pub closed: bool,
    pub attempts: i32,
    /// The push service refused the payload as too large once: cut shorter.
    pub cut: bool,
    pub due_at: i64,
    /// Past this (the push's TTL) it is not tried again.
    pub expires_at: i64,
    /// Claimed by a worker until then.
    pub lease_until: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
