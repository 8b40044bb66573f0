//! The accounts an administrator manages: listed, their flags (administrator,
//! deactivated) set, and the messages of one found (to remove them).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};

use super::{error::StoreError, store::Store};
use crate::{
    entity::{message, room, user},
    protocol::{Account, AccountKind},
};

/// The store's handle on the accounts an administrator manages: listing, flags, an account's messages.
#[derive(Clone, Copy)]
pub struct Accounts<'a>(&'a Store);

impl Store {
    /// The accounts an administrator manages: listing, flags, an account's messages.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts(self)
    }
}

impl Accounts<'_> {
    /// Every account of a person or a bot, oldest first (webhooks' accounts
    /// are their rooms', listed with the room's webhooks).
    pub async fn all(&self) -> Result<Vec<Account>, StoreError> {
        let users = user::Entity::find()
            .filter(user::Column::Kind.ne(AccountKind::Hook))
            .order_by_asc(user::Column::Id)
            .all(self.0.db())
            .await?;
        Ok(users
            .into_iter()
            .map(|u| Account {
                username: u.username,
                is_admin: u.is_admin,
                deactivated: u.deactivated,
                kind: u.kind,
                created_at: crate::protocol::format_timestamp(u.created_at),
            })
            .collect())
    }

    /// Sets an account's role or state. False when there is no such account.
    pub async fn set_account_flag(&self, username: &str, flag: AccountFlag, value: bool) -> Result<bool, StoreError> {
        let column = match flag {
            AccountFlag::Admin => user::Column::IsAdmin,
            AccountFlag::Deactivated => user::Column::Deactivated,
        };
        let Some(account) = self.0.find_user_by_name(username).await? else { return Ok(false) };
        let updated = user::Entity::update_many()
            .col_expr(column, Expr::value(value))
            .filter(user::Column::Id.eq(account.id))
            .exec(self.0.db())
            .await?;
        self.0.forget_user(account.id).await;
        Ok(updated.rows_affected > 0)
    }

    /// The (room, seq) of every message of `user_id` that is not deleted.
    pub async fn messages_of(&self, user_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(message::Entity::find()
            .select_only()
            .column(room::Column::Name)
            .column(message::Column::Seq)
            .inner_join(room::Entity)
            .filter(message::Column::SenderId.eq(user_id))
            .filter(message::Column::N.is_not_null())
            .filter(message::Column::Deleted.eq(false))
            .order_by_asc(message::Column::Id)
            .into_tuple::<(String, i64)>()
            .all(self.0.db())
            .await?)
    }
}

/// A flag of an account an administrator sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountFlag {
    Admin,
    Deactivated,
}
