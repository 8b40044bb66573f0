//! Invite links of private rooms: made by the room's managers, listed while
//! they work, revoked, and looked up when opened.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};

use super::{
    error::StoreError,
    room_access::random_token,
    store::{Store, find_room},
};
use crate::entity::{room, room_invite};

/// What an invite code turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InviteLookup {
    /// Valid: opening it makes one a member of this room.
    Valid {
        room: String,
    },
    /// It existed, but expired or was revoked.
    Ended,
    Missing,
}

/// The store's handle on private rooms' invite links.
#[derive(Clone, Copy)]
pub struct Invites<'a>(&'a Store);

impl Store {
    /// Private rooms' invite links.
    pub fn invites(&self) -> Invites<'_> {
        Invites(self)
    }
}

impl Invites<'_> {
    /// A new invite link to `room_name`, valid until `expires_at` (or revoked).
    pub async fn create_invite(
        &self,
        room_name: &str,
        by: i64,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<room_invite::Model, StoreError> {
        let room = find_room(self.0.db(), room_name).await?.ok_or_else(|| DbErr::RecordNotFound(room_name.to_owned()))?;
        let row = room_invite::ActiveModel {
            id: NotSet,
            code: Set(random_token()),
            room_id: Set(room.id),
            created_by: Set(Some(by)),
            created_at: Set(Utc::now()),
            expires_at: Set(expires_at),
            revoked: Set(false),
        };
        Ok(room_invite::Entity::insert(row).exec_with_returning(self.0.db()).await?)
    }

    /// The room's invite links that still work, newest first.
    pub async fn open_invites(&self, room_name: &str) -> Result<Vec<room_invite::Model>, StoreError> {
        let Some(room) = find_room(self.0.db(), room_name).await? else { return Ok(Vec::new()) };
        let now = Utc::now();
        let invites = room_invite::Entity::find()
            .filter(room_invite::Column::RoomId.eq(room.id))
            .filter(room_invite::Column::Revoked.eq(false))
            .order_by_desc(room_invite::Column::Id)
            .all(self.0.db())
            .await?;
        Ok(invites.into_iter().filter(|invite| invite.expires_at.is_none_or(|at| at > now)).collect())
    }

    /// Revokes one of the room's invite links. False when the room has no such code.
    pub async fn revoke_invite(&self, room_name: &str, code: &str) -> Result<bool, StoreError> {
        let Some(room) = find_room(self.0.db(), room_name).await? else { return Ok(false) };
        let updated = room_invite::Entity::update_many()
            .col_expr(room_invite::Column::Revoked, Expr::value(true))
            .filter(room_invite::Column::RoomId.eq(room.id))
            .filter(room_invite::Column::Code.eq(code))
            .exec(self.0.db())
            .await?;
        Ok(updated.rows_affected > 0)
    }

    /// What an invite code opens.
    pub async fn find_invite(&self, code: &str) -> Result<InviteLookup, StoreError> {
        let found = room_invite::Entity::find()
            .find_also_related(room::Entity)
            .filter(room_invite::Column::Code.eq(code))
            .one(self.0.db())
            .await?;
        Ok(match found {
            Some((invite, Some(room))) if !invite.revoked && invite.expires_at.is_none_or(|at| at > Utc::now()) => {
                InviteLookup::Valid { room: room.name }
            }
            Some(_) => InviteLookup::Ended,
            None => InviteLookup::Missing,
        })
    }
}
