//! Rooms as the permission check and their creators see them: what the
//! policy needs to know of a room for one user ([`RoomAccess`], one query or
//! the room's cached entry), creating public and private rooms, and the direct
//! room of two users. Membership changes of a private room are room events,
//! written by the writer (`storage::events`), never here.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    RelationTrait, SqlErr, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{
    error::{StoreError, Taken},
    store::{Store, find_room},
};
use crate::{
    entity::{membership, room, user},
    protocol::{NotifyLevel, RoomKind},
    server::policy::GENERATED_PREFIX,
};

/// What the permission check needs to know about a room, for one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomAccess {
    pub kind: RoomKind,
    pub owner_id: Option<i64>,
    /// Whether the user is a member of a private or direct room (always false
    /// for a public room: it has no members to keep).
    pub member: bool,
    pub title: Option<String>,
    /// The room's topic (none when never set, or cleared).
    pub topic: Option<String>,
}

#[derive(FromQueryResult)]
struct AccessRow {
    kind: RoomKind,
    owner_id: Option<i64>,
    title: Option<String>,
    topic: Option<String>,
    member_id: Option<i64>,
}

/// 128 random bits as 32 lowercase hex digits: invite codes and private room names.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The store's handle on a room's door for one user; making public, private and direct rooms.
#[derive(Clone, Copy)]
pub struct Rooms<'a>(&'a Store);

impl Store {
    /// A room's door for one user; making public, private and direct rooms.
    pub fn rooms(&self) -> Rooms<'_> {
        Rooms(self)
    }
}

impl Rooms<'_> {
    /// The room named `room_name` as seen by `user_id`; `None` when no room has
    /// that name. From the room's cached entry (`storage::cache::room_entries`), or in
    /// one query (the room with the user's membership) when the channel layer
    /// cannot watch the room.
    pub async fn room_access(&self, room_name: &str, user_id: i64) -> Result<Option<RoomAccess>, StoreError> {
        if let Some(entry) = self.0.room_entry(room_name).await? {
            let facts = &entry.facts;
            return Ok(Some(RoomAccess {
                kind: facts.kind,
                owner_id: facts.owner_id,
                member: facts.members.contains(&user_id),
                title: facts.title.clone(),
                topic: facts.topic.clone(),
            }));
        }
        self.room_access_stored(room_name, user_id).await
    }

    /// The room named `room_name` as seen by `user_id`, read from the database
    /// even when the room's entry is cached: for a check that must see a
    /// change committed a moment ago (the cache hears of it a moment later).
    pub async fn room_access_stored(&self, room_name: &str, user_id: i64) -> Result<Option<RoomAccess>, StoreError> {
        let row = room::Entity::find()
            .select_only()
            .columns([room::Column::Kind, room::Column::OwnerId, room::Column::Title, room::Column::Topic])
            .column_as(membership::Column::UserId, "member_id")
            .join(
                JoinType::LeftJoin,
                room::Relation::Membership.def().on_condition(move |_, member| {
                    Condition::all().add(Expr::col((member, membership::Column::UserId)).eq(user_id))
                }),
            )
            .filter(room::Column::Name.eq(room_name))
            .into_model::<AccessRow>()
            .one(self.0.db())
            .await?;
        Ok(row.map(|row| {
            let kind = row.kind;
            RoomAccess {
                kind,
                owner_id: row.owner_id,
                member: kind != RoomKind::Public && row.member_id.is_some(),
                title: row.title,
                topic: row.topic,
            }
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
        let txn = self.0.db().begin().await?;
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
        let key = direct_key(me, other);
        if let Some(found) = self.room_with_direct_key(&key).await? {
            return Ok(found);
        }
        let name = format!("{GENERATED_PREFIX}{}", random_token());
        let txn = self.0.db().begin().await?;
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

    /// The direct room of `me` and `other`, if they have one already.
    pub async fn find_direct_room(&self, me: &user::Model, other: &user::Model) -> Result<Option<String>, StoreError> {
        Ok(self.room_with_direct_key(&direct_key(me, other)).await?)
    }

    async fn room_with_direct_key(&self, key: &str) -> Result<Option<String>, DbErr> {
        room::Entity::find()
            .select_only()
            .column(room::Column::Name)
            .filter(room::Column::DirectKey.eq(key))
            .into_tuple::<String>()
            .one(self.0.db())
            .await
    }

    /// The other member of a direct room, for `user_id`.
    pub async fn direct_partner(&self, room_name: &str, user_id: i64) -> Result<Option<String>, StoreError> {
        let Some(room) = find_room(self.0.db(), room_name).await? else { return Ok(None) };
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
            .all(self.0.db())
            .await?;
        Ok(rows.into_iter().collect())
    }
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
        topic: Set(None),
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

/// A direct room's pair of users: `"{smaller id}:{larger id}"`.
fn direct_key(me: &user::Model, other: &user::Model) -> String {
    format!("{}:{}", Ord::min(me.id, other.id), Ord::max(me.id, other.id))
}
