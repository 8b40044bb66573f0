//! A bot's subscription of a URL to room events, delivered in order, once:
//! tied to the token that made it (gone with it), paused after days of
//! failures, delivered by one instance at a time (its lease).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_subscription")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The bot whose access decides what it is sent.
    pub user_id: i64,
    pub token_id: i64,
    pub url: String,
    /// `whsec_` + base64 of the signing key (Standard Webhooks).
    pub secret: String,
    /// Every room the bot is a member of (`"*"`), rather than the rooms listed.
    pub all_rooms: bool,
    /// The event kinds sent, comma-separated (`message,edit,…`).
    pub events: String,
    pub paused_at: Option<DateTimeUtc>,
    pub paused_reason: Option<String>,
    /// The instance delivering it, until `lease_until` (Unix ms).
    pub lease_owner: Option<i64>,
    pub lease_until: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
