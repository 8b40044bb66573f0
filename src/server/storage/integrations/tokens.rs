//! API tokens: `plr_` and 43 base64url characters (256 random bits), shown
//! once and kept as their SHA-256; found by that hash on every request that
//! carries one, revoked by deleting the row (the subscriptions it made go
//! with it), all of an account's deleted with the account's deactivation.

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};

use super::{random_bytes, secret_hash};
use crate::{
    entity::{api_token, user},
    server::storage::{Store, StoreError},
};

/// What every token starts with (so that secret scanners can spot one).
pub const TOKEN_PREFIX: &str = "plr_";
/// Characters of a token its owner is shown again (its "hint").
const HINT_CHARS: usize = 8;
/// How stale a token's "last used" may get before it is written again.
const USED_EVERY: Duration = Duration::seconds(60);

/// A token just made: the secret (shown once) and its row.
pub struct NewToken {
    pub token: String,
    pub row: api_token::Model,
}

/// A fresh token's text.
fn fresh_token() -> String {
    format!("{TOKEN_PREFIX}{}", Base64UrlUnpadded::encode_string(&random_bytes::<32>()))
}

/// The store's handle on aPI tokens.
#[derive(Clone, Copy)]
pub struct Tokens<'a>(&'a Store);

impl Store {
    /// API tokens.
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens(self)
    }
}

impl Tokens<'_> {
    /// A new token named `name` for `user_id`.
    pub async fn create_token(&self, user_id: i64, name: &str) -> Result<NewToken, StoreError> {
        let token = fresh_token();
        let row = api_token::ActiveModel {
            id: NotSet,
            user_id: Set(user_id),
            name: Set(name.to_owned()),
            token_hash: Set(secret_hash(&token)),
            hint: Set(token.chars().take(HINT_CHARS).collect()),
            created_at: Set(Utc::now()),
            last_used_at: Set(None),
        };
        let row = api_token::Entity::insert(row).exec_with_returning(self.0.db()).await?;
        Ok(NewToken { token, row })
    }

    /// `user_id`'s tokens, newest first.
    pub async fn tokens_of(&self, user_id: i64) -> Result<Vec<api_token::Model>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(user_id))
            .order_by_desc(api_token::Column::Id)
            .all(self.0.db())
            .await?)
    }

    /// The token whose text is `token`, with its account; its "last used" is
    /// brought up to date (at most once a minute).
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<(api_token::Model, user::Model)>, StoreError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let found =
            api_token::Entity::find().filter(api_token::Column::TokenHash.eq(secret_hash(token))).one(self.0.db()).await?;
        let Some(row) = found else { return Ok(None) };
        let Some(account) = self.0.find_user(row.user_id).await? else { return Ok(None) };
        let now = Utc::now();
        if row.last_used_at.is_none_or(|at| now - at >= USED_EVERY) {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
                .filter(api_token::Column::Id.eq(row.id))
                .exec(self.0.db())
                .await?;
        }
        Ok(Some((row, account)))
    }

    /// Whether token `id` still stands (a socket opened with it lives while it does).
    pub async fn token_alive(&self, id: i64) -> Result<bool, StoreError> {
        Ok(api_token::Entity::find_by_id(id).one(self.0.db()).await?.is_some())
    }

    /// Revokes `user_id`'s token `id`. False when they have no such token.
    pub async fn revoke_token(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let deleted = api_token::Entity::delete_many()
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::UserId.eq(user_id))
            .exec(self.0.db())
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Revokes every token of `user_id` (a deactivation, a new password); the revoked ones.
    pub async fn revoke_tokens_of(&self, user_id: i64) -> Result<Vec<api_token::Model>, StoreError> {
        let tokens = self.tokens_of(user_id).await?;
        api_token::Entity::delete_many()
            .filter(api_token::Column::Id.is_in(tokens.iter().map(|token| token.id)))
            .exec(self.0.db())
            .await?;
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_its_prefix_and_256_random_bits() {
        let (a, b) = (fresh_token(), fresh_token());
        assert!(a.starts_with(TOKEN_PREFIX) && b.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43);
        assert_ne!(a, b);
        assert_eq!(Base64UrlUnpadded::decode_vec(&a[TOKEN_PREFIX.len()..]).unwrap().len(), 32);
    }
}
