//! What an account's owner is told once on their settings page (the API
//! tokens a password change or reset revoked), until they dismiss it.

use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::{error::StoreError, store::Store};
use crate::{
    entity::account_notice,
    protocol::{Notice, format_timestamp},
};

/// The store's handle on what an account's owner is told once.
#[derive(Clone, Copy)]
pub struct Notices<'a>(&'a Store);

impl Store {
    /// What an account's owner is told once.
    pub fn notices(&self) -> Notices<'_> {
        Notices(self)
    }
}

impl Notices<'_> {
    /// Tells `user_id` of `notice` on their settings page.
    pub async fn add_notice(&self, user_id: i64, notice: &Notice) -> Result<(), StoreError> {
        let (kind, detail) = notice.to_row();
        let row = account_notice::ActiveModel {
            id: NotSet,
            user_id: Set(user_id),
            kind: Set(kind.to_owned()),
            detail: Set(detail),
            created_at: Set(Utc::now()),
        };
        account_notice::Entity::insert(row).exec_without_returning(self.0.db()).await?;
        Ok(())
    }

    /// `user_id`'s notices, oldest first (a row this version cannot read is skipped).
    pub async fn notices_of(&self, user_id: i64) -> Result<Vec<Notice>, StoreError> {
        let rows = account_notice::Entity::find()
            .filter(account_notice::Column::UserId.eq(user_id))
            .order_by_asc(account_notice::Column::Id)
            .all(self.0.db())
            .await?;
        Ok(rows.iter().filter_map(|row| Notice::from_row(&row.kind, &row.detail, format_timestamp(row.created_at))).collect())
    }

    /// `user_id` has read their notices.
    pub async fn dismiss_notices(&self, user_id: i64) -> Result<(), StoreError> {
        account_notice::Entity::delete_many().filter(account_notice::Column::UserId.eq(user_id)).exec(self.0.db()).await?;
        Ok(())
    }
}
