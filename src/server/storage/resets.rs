//! Password reset links: a one-time `/reset/{token}` (128 random bits, kept
//! as their SHA-256) valid for a day, made by an administrator or mailed to
//! an account's verified address; using one sets the password (the caller
//! then ends every session of the account).

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};

use super::{error::StoreError, integrations::secret_hash, room_access::random_token, store::Store};
use crate::entity::{password_reset, user};

/// How long a reset link works.
pub const RESET_VALID: Duration = Duration::hours(24);

/// What a reset link's token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResetState {
    /// It works, for this account.
    Valid(user::Model),
    /// Used, or expired.
    Ended,
    Missing,
}

/// The store's handle on password reset links.
#[derive(Clone, Copy)]
pub struct Resets<'a>(&'a Store);

impl Store {
    /// Password reset links.
    pub fn resets(&self) -> Resets<'_> {
        Resets(self)
    }
}

impl Resets<'_> {
    /// A new reset link's token for `user_id`.
    pub async fn create_reset(&self, user_id: i64) -> Result<(String, chrono::DateTime<Utc>), StoreError> {
        let token = random_token();
        let now = Utc::now();
        let row = password_reset::ActiveModel {
            id: NotSet,
            token_hash: Set(secret_hash(&token)),
            user_id: Set(user_id),
            expires_at: Set(now + RESET_VALID),
            used_at: Set(None),
            created_at: Set(now),
        };
        password_reset::Entity::insert(row).exec_without_returning(self.0.db()).await?;
        Ok((token, now + RESET_VALID))
    }

    /// What reset token `token` is now.
    pub async fn reset(&self, token: &str) -> Result<ResetState, StoreError> {
        let found = password_reset::Entity::find()
            .filter(password_reset::Column::TokenHash.eq(secret_hash(token)))
            .one(self.0.db())
            .await?;
        let Some(reset) = found else { return Ok(ResetState::Missing) };
        if reset.used_at.is_some() || reset.expires_at <= Utc::now() {
            return Ok(ResetState::Ended);
        }
        Ok(match self.0.find_user(reset.user_id).await? {
            Some(account) => ResetState::Valid(account),
            None => ResetState::Missing,
        })
    }

    /// Every link of `user_id` that still works stops working (its password
    /// was just set: a link mailed earlier must not set it again).
    pub async fn end_resets(&self, user_id: i64) -> Result<(), StoreError> {
        password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(Utc::now()))
            .filter(password_reset::Column::UserId.eq(user_id))
            .filter(password_reset::Column::UsedAt.is_null())
            .exec(self.0.db())
            .await?;
        Ok(())
    }

    /// Whether a link was made for `user_id` since `since` (a mailed link is
    /// not made again so soon).
    pub async fn reset_made_since(&self, user_id: i64, since: chrono::DateTime<Utc>) -> Result<bool, StoreError> {
        let found = password_reset::Entity::find()
            .filter(password_reset::Column::UserId.eq(user_id))
            .filter(password_reset::Column::CreatedAt.gt(since))
            .one(self.0.db())
            .await?;
        Ok(found.is_some())
    }

    /// Uses reset token `token` (once: a second use, or one racing it, finds
    /// it used) and sets its account's password hash; the account.
    pub async fn use_reset(&self, token: &str, password_hash: String) -> Result<ResetState, StoreError> {
        let now = Utc::now();
        let hash = secret_hash(token);
        let taken = password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(now))
            .filter(password_reset::Column::TokenHash.eq(&hash))
            .filter(password_reset::Column::UsedAt.is_null())
            .filter(password_reset::Column::ExpiresAt.gt(now))
            .exec(self.0.db())
            .await?;
        let found = password_reset::Entity::find().filter(password_reset::Column::TokenHash.eq(hash)).one(self.0.db()).await?;
        let Some(reset) = found else { return Ok(ResetState::Missing) };
        if taken.rows_affected != 1 {
            return Ok(ResetState::Ended);
        }
        self.0.set_password_hash(reset.user_id, password_hash).await?;
        self.end_resets(reset.user_id).await?;
        Ok(match self.0.find_user(reset.user_id).await? {
            Some(account) => ResetState::Valid(account),
            None => ResetState::Missing,
        })
    }
}
