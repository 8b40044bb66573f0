//! A room's incoming webhooks: `/hooks/{secret}` (128 random bits, kept as
//! their SHA-256), each posting as its own account. A revoked hook keeps its
//! row, so that its URL answers "revoked" rather than "no such hook", and its
//! account is deactivated (the policy then refuses whatever it sends).

use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};

use super::secret_hash;
use crate::{
    entity::{incoming_hook, room, user},
    server::storage::{Store, StoreError, accounts::AccountFlag, room_access::random_token},
};

/// A hook just made: its secret (shown once, in its URL) and its row.
pub struct NewHook {
    pub secret: String,
    pub row: incoming_hook::Model,
}

/// What a webhook URL's secret turned out to be.
// Made once per post and taken apart at once: nothing is kept of it to box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum HookLookup {
    /// It works: post to `room` as `account`, while `maker` (who made the
    /// hook) may post there too.
    Active {
        hook: incoming_hook::Model,
        account: user::Model,
        maker: Option<user::Model>,
        room: String,
    },
    /// It was revoked.
    Revoked,
    Missing,
}

/// The store's handle on rooms' incoming webhooks.
#[derive(Clone, Copy)]
pub struct Hooks<'a>(&'a Store);

impl Store {
    /// Rooms' incoming webhooks.
    pub fn hooks(&self) -> Hooks<'_> {
        Hooks(self)
    }
}

impl Hooks<'_> {
    /// A new webhook of room `room_id` named `name`, posting as `account_id`.
    pub async fn create_hook(&self, room_id: i64, account_id: i64, name: &str, by: i64) -> Result<NewHook, StoreError> {
        let secret = random_token();
        let row = incoming_hook::ActiveModel {
            id: NotSet,
            room_id: Set(room_id),
            user_id: Set(account_id),
            name: Set(name.to_owned()),
            secret_hash: Set(secret_hash(&secret)),
            created_by: Set(Some(by)),
            created_at: Set(Utc::now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        };
        let row = incoming_hook::Entity::insert(row).exec_with_returning(self.0.db()).await?;
        Ok(NewHook { secret, row })
    }

    /// Room `room_id`'s webhooks that work, newest first, with their
    /// accounts' usernames and their makers' (empty when unknown).
    pub async fn hooks_of(&self, room_id: i64) -> Result<Vec<(incoming_hook::Model, String, String)>, StoreError> {
        let rows = incoming_hook::Entity::find()
            .filter(incoming_hook::Column::RoomId.eq(room_id))
            .filter(incoming_hook::Column::RevokedAt.is_null())
            .order_by_desc(incoming_hook::Column::Id)
            .all(self.0.db())
            .await?;
        let mut listed = Vec::with_capacity(rows.len());
        for row in rows {
            let username = self.0.find_user(row.user_id).await?.map(|account| account.username).unwrap_or_default();
            let maker = match row.created_by {
                Some(id) => self.0.find_user(id).await?.map(|account| account.username).unwrap_or_default(),
                None => String::new(),
            };
            listed.push((row, username, maker));
        }
        Ok(listed)
    }

    /// The webhook whose URL's secret is `secret`; marks it used.
    pub async fn find_hook(&self, secret: &str) -> Result<HookLookup, StoreError> {
        let found = incoming_hook::Entity::find()
            .filter(incoming_hook::Column::SecretHash.eq(secret_hash(secret)))
            .one(self.0.db())
            .await?;
        let Some(hook) = found else { return Ok(HookLookup::Missing) };
        if hook.revoked_at.is_some() {
            return Ok(HookLookup::Revoked);
        }
        let account = self.0.find_user(hook.user_id).await?;
        let maker = match hook.created_by {
            Some(id) => self.0.find_user(id).await?,
            None => None,
        };
        let room = room::Entity::find_by_id(hook.room_id).one(self.0.db()).await?;
        let (Some(account), Some(room)) = (account, room) else { return Ok(HookLookup::Missing) };
        incoming_hook::Entity::update_many()
            .col_expr(incoming_hook::Column::LastUsedAt, Expr::value(Utc::now()))
            .filter(incoming_hook::Column::Id.eq(hook.id))
            .exec(self.0.db())
            .await?;
        Ok(HookLookup::Active { hook, account, maker, room: room.name })
    }

    /// How many hooks that work room `room_id` has, and how many `maker` made (in any room).
    pub async fn working_hooks(&self, room_id: i64, maker: i64) -> Result<(u64, u64), StoreError> {
        use sea_orm::PaginatorTrait;
        let working = || incoming_hook::Entity::find().filter(incoming_hook::Column::RevokedAt.is_null());
        let in_room = working().filter(incoming_hook::Column::RoomId.eq(room_id)).count(self.0.db()).await?;
        let by_maker = working().filter(incoming_hook::Column::CreatedBy.eq(maker)).count(self.0.db()).await?;
        Ok((in_room, by_maker))
    }

    /// Revokes room `room_id`'s webhook `id` and deactivates its account;
    /// the revoked hook, or `None` when the room has no such working hook.
    pub async fn revoke_hook(&self, room_id: i64, id: i64) -> Result<Option<incoming_hook::Model>, StoreError> {
        let found = incoming_hook::Entity::find_by_id(id)
            .filter(incoming_hook::Column::RoomId.eq(room_id))
            .filter(incoming_hook::Column::RevokedAt.is_null())
            .one(self.0.db())
            .await?;
        let Some(hook) = found else { return Ok(None) };
        incoming_hook::Entity::update_many()
            .col_expr(incoming_hook::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(incoming_hook::Column::Id.eq(hook.id))
            .exec(self.0.db())
            .await?;
        if let Some(account) = self.0.find_user(hook.user_id).await? {
            self.0.accounts().set_account_flag(&account.username, AccountFlag::Deactivated, true).await?;
        }
        Ok(Some(hook))
    }
}
