//! Accounts that are not people: an administrator's bots (they never log in
//! with a password: theirs is a string no hash matches), and each incoming
//! webhook's own account (named `hook-` and 10 random hex digits), which its
//! messages are sent by.

use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    EntityTrait, SqlErr,
};

use super::random_bytes;
use crate::{
    entity::user,
    protocol::AccountKind,
    server::storage::{Store, StoreError, error::Taken},
};

/// The password hash of accounts that cannot log in: not a PHC string, so
/// no password verifies against it.
pub const NO_PASSWORD: &str = "!no-password";

/// A fresh name for a webhook's account.
pub fn hook_username() -> String {
    let bytes = random_bytes::<5>();
    format!("hook-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The store's handle on bots' and webhooks' own accounts.
#[derive(Clone, Copy)]
pub struct Bots<'a>(&'a Store);

impl Store {
    /// Bots' and webhooks' own accounts.
    pub fn bots(&self) -> Bots<'_> {
        Bots(self)
    }
}

impl Bots<'_> {
    /// A new account of `kind` (a bot or a webhook's) that logs in with no
    /// password. The username must already be canonical.
    pub async fn create_robot(
        &self,
        username: &str,
        kind: AccountKind,
        display_name: Option<String>,
        created_by: i64,
    ) -> Result<user::Model, StoreError> {
        let row = user::ActiveModel {
            id: NotSet,
            username: Set(username.to_owned()),
            password_hash: Set(NO_PASSWORD.to_owned()),
            created_at: Set(Utc::now()),
            is_admin: Set(false),
            deactivated: Set(false),
            display_name: Set(display_name),
            share_reads: Set(false),
            kind: Set(kind),
            created_by: Set(Some(created_by)),
            locale: Set(None),
        };
        user::Entity::insert(row).exec_with_returning(self.0.db()).await.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(Taken::Username),
            _ => StoreError::from(err),
        })
    }
}
