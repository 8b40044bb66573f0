//! A browser's Web Push subscription (its `PushSubscription`): where to push
//! and the keys to encrypt for, tied to the logged-in session's device row
//! and gone with it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_subscription")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// The device (session) that subscribed.
    pub device_handle: String,
    /// The push service's URL for this browser (a secret of sorts: never shown
    /// to anyone but its user).
    #[sea_orm(unique)]
    pub endpoint: String,
    /// The browser's P-256 public key (base64url, uncompressed point).
    pub p256dh: String,
    /// The browser's authentication secret (base64url, 16 bytes).
    pub auth: String,
    pub created_at: DateTimeUtc,
    /// When a push was last accepted by the push service.
    pub last_success: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
