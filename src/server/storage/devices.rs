//! The `device` rows beside the `session` table: each logged-in session's
//! public handle, browser, first and last use — what a user's settings list,
//! and how one session (or all) is found to be ended.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict, Query},
};

use super::{error::StoreError, room_access::random_token, sessions::DbSessionStore};
use crate::entity::{device, session};

/// Longest user agent kept, in characters.
const MAX_USER_AGENT_CHARS: usize = 500;

impl DbSessionStore {
    /// Records a logged-in session (once: the concurrent first requests of a
    /// session all ask); the handle of its device row.
    pub async fn record_device(&self, session_id: &str, user_id: i64, user_agent: &str) -> Result<String, StoreError> {
        let now = Utc::now();
        let row = device::ActiveModel {
            handle: Set(random_token()),
            session_id: Set(session_id.to_owned()),
            user_id: Set(user_id),
            user_agent: Set(user_agent.chars().take(MAX_USER_AGENT_CHARS).collect()),
            created_at: Set(now),
            last_seen: Set(now),
        };
        let first_only = OnConflict::column(device::Column::SessionId).do_nothing().to_owned();
        device::Entity::insert(row).on_conflict(first_only).exec_without_returning(self.db()).await?;
        let handle = device::Entity::find()
            .select_only()
            .column(device::Column::Handle)
            .filter(device::Column::SessionId.eq(session_id))
            .into_tuple::<String>()
            .one(self.db())
            .await?;
        handle.ok_or(StoreError::NotFound)
    }

    /// The device `handle` was used just now.
    pub async fn device_seen(&self, handle: &str) -> Result<(), StoreError> {
        device::Entity::update_many()
            .col_expr(device::Column::LastSeen, Expr::value(Utc::now()))
            .filter(device::Column::Handle.eq(handle))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The user's sessions that still exist, most recently used first.
    pub async fn devices_of(&self, user_id: i64) -> Result<Vec<device::Model>, StoreError> {
        let live = Query::select().column(session::Column::Id).from(session::Entity).to_owned();
        Ok(device::Entity::find()
            .filter(device::Column::UserId.eq(user_id))
            .filter(device::Column::SessionId.in_subquery(live))
            .order_by_desc(device::Column::LastSeen)
            .all(self.db())
            .await?)
    }

    /// The device `handle` of user `user_id`, if it is theirs.
    pub async fn device_of(&self, user_id: i64, handle: &str) -> Result<Option<device::Model>, StoreError> {
        Ok(device::Entity::find_by_id(handle).filter(device::Column::UserId.eq(user_id)).one(self.db()).await?)
    }

    /// Forgets the device `handle`.
    pub async fn forget_device(&self, handle: &str) -> Result<(), StoreError> {
        device::Entity::delete_by_id(handle).exec(self.db()).await?;
        Ok(())
    }

    /// Forgets devices whose session has ended (expired or deleted).
    pub async fn forget_ended_devices(&self) -> Result<u64, StoreError> {
        let live = Query::select().column(session::Column::Id).from(session::Entity).to_owned();
        let gone = device::Entity::delete_many().filter(device::Column::SessionId.not_in_subquery(live)).exec(self.db()).await?;
        Ok(gone.rows_affected)
    }

    /// Forgets the device of session `session_id` (the session ended).
    pub async fn forget_device_of(&self, session_id: &str) -> Result<(), StoreError> {
        device::Entity::delete_many().filter(device::Column::SessionId.eq(session_id)).exec(self.db()).await?;
        Ok(())
    }

    /// The ids of every session of user `user_id`, whether or not it has been
    /// used since its log-in.
    pub async fn session_ids_of(&self, user_id: i64) -> Result<Vec<String>, StoreError> {
        Ok(session::Entity::find()
            .select_only()
            .column(session::Column::Id)
            .filter(session::Column::UserId.eq(user_id))
            .into_tuple()
            .all(self.db())
            .await?)
    }
}
