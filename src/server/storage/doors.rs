//! Rooms with doors, as stored: what the permission check reads about a room
//! for one user (one query), creating private and direct rooms, invite links,
//! and the accounts an administrator manages. Membership changes of a private
//! room are room events, written by the writer ([`super::events`]), never here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait, SqlErr, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{
    error::{StoreError, Taken},
    store::{Store, find_room},
};
use crate::{
    entity::{invite, membership, message, room, user},
    protocol::{Account, NotifyLevel, RoomKind},
    server::policy::GENERATED_PREFIX,
};

/// What the permission check needs to know about a room, for one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Door {
    pub kind: RoomKind,
    pub owner_id: Option<i64>,
    /// Whether the user is a member of a private or direct room (always false
    /// for a public room: it has no door to keep).
    pub member: bool,
    pub title: Option<String>,
}

#[derive(FromQueryResult)]
struct DoorRow {
    kind: RoomKind,
    owner_id: Option<i64>,
    title: Option<String>,
    member_id: Option<i64>,
}

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

/// 128 random bits as 32 lowercase hex digits: invite codes and private room names.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// The room named `room_name` as seen by `user_id`; `None` when no room has
    /// that name. From the room's cached entry (`storage::cache::rooms`), or in
    /// one query (the room with the user's membership) when the channel layer
    /// cannot watch the room.
    pub async fn door(&self, room_name: &str, user_id: i64) -> Result<Option<Door>, StoreError> {
        if let Some(entry) = self.room_entry(room_name).await? {
            let facts = &entry.facts;
            return Ok(Some(Door {
                kind: facts.kind,
                owner_id: facts.owner_id,
                member: facts.members.contains(&user_id),
                title: facts.title.clone(),
            }));
        }
        let row = room::Entity::find()
            .select_only()
            .columns([room::Column::Kind, room::Column::OwnerId, room::Column::Title])
            .column_as(membership::Column::UserId, "member_id")
            .join(
                JoinType::LeftJoin,
                room::Relation::Membership.def().on_condition(move |_, member| {
                    Condition::all().add(Expr::col((member, membership::Column::UserId)).eq(user_id))
                }),
            )
            .filter(room::Column::Name.eq(room_name))
            .into_model::<DoorRow>()
            .one(self.db())
            .await?;
        Ok(row.map(|row| {
            let kind = row.kind;
            Door { kind, owner_id: row.owner_id, member: kind != RoomKind::Public && row.member_id.is_some(), title: row.title }
        }))
    }

    /// Creates a room owned by `owner` (its first member) and returns its name.
    /// A public room is named `name` (taken → a [`Taken::RoomName`] conflict); a
    /// private room gets a random name and `name` as its title.
    pub async fn create_room(&self, owner: &user::Model, kind: RoomKind, name: &str) -> Result<String, StoreError> {
        let (room_name, title) = match kind {
            RoomKind::Public => (name.to_owned(), None),
            RoomKind::Private | RoomKind::Direct => (format!("{GENERATED_PREFIX}{}", random_token()), Some(name.to_owned())),
        };
        let txn = self.db().begin().await?;
        let created = insert_room(&txn, &room_name, kind, Some(owner.id), title, None).await;
        let room = created.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(Taken::RoomName),
            _ => StoreError::from(err),
        })?;
        add_member(&txn, owner.id, room.id, NotifyLevel::default()).await?;
        txn.commit().await?;
        Ok(room_name)
    }

    /// The direct room of `me` and `other`, created (with both as members,
    /// notified of every message) on first use. Returns its name.
    pub async fn direct_room(&self, me: &user::Model, other: &user::Model) -> Result<String, StoreError> {
        let key = format!("{}:{}", Ord::min(me.id, other.id), Ord::max(me.id, other.id));
        if let Some(found) = self.room_with_direct_key(&key).await? {
            return Ok(found);
        }
        let name = format!("{GENERATED_PREFIX}{}", random_token());
        let txn = self.db().begin().await?;
        let created = insert_room(&txn, &name, RoomKind::Direct, Some(me.id), None, Some(key.clone())).await;
        match created {
            Ok(room) => {
                add_member(&txn, me.id, room.id, NotifyLevel::All).await?;
                add_member(&txn, other.id, room.id, NotifyLevel::All).await?;
                txn.commit().await?;
                Ok(name)
            }
            // Both opened it at once: the other request created it.
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                txn.rollback().await?;
                self.room_with_direct_key(&key).await?.ok_or_else(|| err.into())
            }
            Err(err) => Err(err.into()),
        }
    }

    async fn room_with_direct_key(&self, key: &str) -> Result<Option<String>, DbErr> {
        room::Entity::find()
            .select_only()
            .column(room::Column::Name)
            .filter(room::Column::DirectKey.eq(key))
            .into_tuple::<String>()
            .one(self.db())
            .await
    }

    /// The other member of a direct room, for `user_id`.
    pub async fn direct_partner(&self, room_name: &str, user_id: i64) -> Result<Option<String>, StoreError> {
        let Some(room) = find_room(self.db(), room_name).await? else { return Ok(None) };
        Ok(self.partners(user_id, &[room.id]).await?.into_values().next())
    }

    /// For each of these rooms, a member other than `user_id` (the other
    /// person of a direct room), by room id.
    pub(super) async fn partners(&self, user_id: i64, room_ids: &[i64]) -> Result<HashMap<i64, String>, DbErr> {
        if room_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = membership::Entity::find()
            .select_only()
            .column(membership::Column::RoomId)
            .column(user::Column::Username)
            .inner_join(user::Entity)
            .filter(membership::Column::RoomId.is_in(room_ids.iter().copied()))
            .filter(membership::Column::UserId.ne(user_id))
            .into_tuple::<(i64, String)>()
            .all(self.db())
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// A new invite link to `room_name`, valid until `expires_at` (or revoked).
    pub async fn create_invite(
        &self,
        room_name: &str,
        by: i64,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<invite::Model, StoreError> {
        let room = find_room(self.db(), room_name).await?.ok_or_else(|| DbErr::RecordNotFound(room_name.to_owned()))?;
        let row = invite::ActiveModel {
            id: NotSet,
            code: Set(random_token()),
            room_id: Set(room.id),
            created_by: Set(Some(by)),
            created_at: Set(Utc::now()),
            expires_at: Set(expires_at),
            revoked: Set(false),
        };
        Ok(invite::Entity::insert(row).exec_with_returning(self.db()).await?)
    }

    /// The room's invite links that still work, newest first.
    pub async fn open_invites(&self, room_name: &str) -> Result<Vec<invite::Model>, StoreError> {
        let Some(room) = find_room(self.db(), room_name).await? else { return Ok(Vec::new()) };
        let now = Utc::now();
        let invites = invite::Entity::find()
            .filter(invite::Column::RoomId.eq(room.id))
            .filter(invite::Column::Revoked.eq(false))
            .order_by_desc(invite::Column::Id)
            .all(self.db())
            .await?;
        Ok(invites.into_iter().filter(|invite| invite.expires_at.is_none_or(|at| at > now)).collect())
    }

    /// Revokes one of the room's invite links. False when the room has no such code.
    pub async fn revoke_invite(&self, room_name: &str, code: &str) -> Result<bool, StoreError> {
        let Some(room) = find_room(self.db(), room_name).await? else { return Ok(false) };
        let updated = invite::Entity::update_many()
            .col_expr(invite::Column::Revoked, Expr::value(true))
            .filter(invite::Column::RoomId.eq(room.id))
            .filter(invite::Column::Code.eq(code))
            .exec(self.db())
            .await?;
        Ok(updated.rows_affected > 0)
    }

    /// What an invite code opens.
    pub async fn find_invite(&self, code: &str) -> Result<InviteLookup, StoreError> {
        let found =
            invite::Entity::find().find_also_related(room::Entity).filter(invite::Column::Code.eq(code)).one(self.db()).await?;
        Ok(match found {
            Some((invite, Some(room))) if !invite.revoked && invite.expires_at.is_none_or(|at| at > Utc::now()) => {
                InviteLookup::Valid { room: room.name }
            }
            Some(_) => InviteLookup::Ended,
            None => InviteLookup::Missing,
        })
    }

    /// Every account, oldest first.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let users = user::Entity::find().order_by_asc(user::Column::Id).all(self.db()).await?;
        Ok(users
            .into_iter()
            .map(|u| Account {
                username: u.username,
                is_admin: u.is_admin,
                deactivated: u.deactivated,
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
        let Some(account) = self.find_user_by_name(username).await? else { return Ok(false) };
        let updated = user::Entity::update_many()
            .col_expr(column, Expr::value(value))
            .filter(user::Column::Id.eq(account.id))
            .exec(self.db())
            .await?;
        self.forget_user(account.id).await;
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
            .all(self.db())
            .await?)
    }
}

/// A flag of an account an administrator sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountFlag {
    Admin,
    Deactivated,
}

async fn insert_room(
    txn: &impl ConnectionTrait,
    name: &str,
    kind: RoomKind,
    owner_id: Option<i64>,
    title: Option<String>,
    direct_key: Option<String>,
) -> Result<room::Model, DbErr> {
    let now = Utc::now();
    let row = room::ActiveModel {
        id: NotSet,
        name: Set(name.to_owned()),
        last_seq: Set(0),
        message_count: Set(0),
        created_at: Set(now),
        last_activity: Set(now),
        kind: Set(kind),
        owner_id: Set(owner_id),
        direct_key: Set(direct_key),
        title: Set(title),
    };
    room::Entity::insert(row).exec_with_returning(txn).await
}

async fn add_member(txn: &impl ConnectionTrait, user_id: i64, room_id: i64, notify: NotifyLevel) -> Result<(), DbErr> {
    let row = membership::ActiveModel {
        user_id: Set(user_id),
        room_id: Set(room_id),
        last_read_seq: Set(0),
        last_read_n: Set(0),
        notify: Set(notify),
        joined_at: Set(Utc::now()),
    };
    membership::Entity::insert(row).exec_without_returning(txn).await?;
    Ok(())
}
