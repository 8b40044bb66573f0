//! Who may write what, judged by the writer inside its transaction — the last
//! word of the permission check, so that nothing is stored for a member after
//! their removal, or for an account after its deactivation, however close the
//! two come. Loaded once per batch and updated as the batch's membership
//! changes are accepted, in batch order.
//!
//! On PostgreSQL the batch's room rows are locked first (`FOR UPDATE`), and
//! membership changes are room events written under the same lock, so a batch
//! reads memberships that cannot change before it commits; the senders' rows are
//! read `FOR SHARE`, so a deactivation waits for the batch or is seen by it. On
//! SQLite the writer's transaction holds the database's one write lock.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::{
    events::Refusal,
    store::{EventBody, NewEvent},
};
use crate::{
    entity::{membership, room, user},
    protocol::{MemberChange, RoomKind},
    server::accounts::access::GENERATED_PREFIX,
};

/// What the writer knows about the batch's senders and rooms.
pub(super) struct Admission {
    /// Senders that are administrators.
    admins: HashSet<i64>,
    /// Senders whose accounts are deactivated.
    deactivated: HashSet<i64>,
    /// (user id, room id) for the batch's private and direct rooms.
    members: HashSet<(i64, i64)>,
}

impl Admission {
    /// Reads the senders' roles and their (and membership changes' users')
    /// memberships of the batch's rooms that are not public.
    pub async fn load(
        txn: &impl ConnectionTrait,
        batch: &[&NewEvent],
        rooms: &HashMap<String, room::Model>,
    ) -> Result<Self, DbErr> {
        let mut users: Vec<i64> = batch.iter().map(|event| event.sender.id).collect();
        users.extend(batch.iter().filter_map(|event| match &event.body {
            EventBody::Member { user_id, .. } => Some(*user_id),
            _ => None,
        }));
        users.sort_unstable();
        users.dedup();
        let mut senders = user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::IsAdmin, user::Column::Deactivated])
            .filter(user::Column::Id.is_in(users.iter().copied()));
        if txn.get_database_backend() == DbBackend::Postgres {
            senders = senders.lock_shared();
        }
        let senders = senders.into_tuple::<(i64, bool, bool)>().all(txn).await?;
        let closed: Vec<i64> = rooms.values().filter(|room| room.kind != RoomKind::Public.as_str()).map(|room| room.id).collect();
        let members = if closed.is_empty() {
            Vec::new()
        } else {
            membership::Entity::find()
                .select_only()
                .columns([membership::Column::UserId, membership::Column::RoomId])
                .filter(membership::Column::RoomId.is_in(closed))
                .filter(membership::Column::UserId.is_in(users))
                .into_tuple::<(i64, i64)>()
                .all(txn)
                .await?
        };
        Ok(Self {
            admins: senders.iter().filter(|(_, admin, _)| *admin).map(|(id, ..)| *id).collect(),
            deactivated: senders.iter().filter(|(.., gone)| *gone).map(|(id, ..)| *id).collect(),
            members: members.into_iter().collect(),
        })
    }

    /// Whether `event` may be stored in `room` (`None`: a room its first
    /// message creates). An accepted membership change takes effect for the
    /// events after it.
    pub fn admit(&mut self, event: &NewEvent, room: Option<&room::Model>) -> Result<(), Refusal> {
        let sender = event.sender.id;
        if self.deactivated.contains(&sender) {
            return Err(Refusal::NoAccess);
        }
        let Some(room) = room else {
            return match event.body {
                EventBody::Member { .. } => Err(Refusal::NotAllowed),
                _ if event.room.starts_with(GENERATED_PREFIX) => Err(Refusal::NoAccess),
                _ => Ok(()),
            };
        };
        let kind: RoomKind = room.kind.parse().unwrap_or(RoomKind::Private);
        let EventBody::Member { user_id, change, .. } = event.body else {
            return match (kind, &event.body) {
                (RoomKind::Public, _) => Ok(()),
                _ if self.members.contains(&(sender, room.id)) => Ok(()),
                // An administrator removing a deactivated account's messages
                // need not be a member of every room they were in.
                (_, EventBody::Delete { .. }) if self.manages(sender, room) => Ok(()),
                _ => Err(Refusal::NoAccess),
            };
        };
        if kind != RoomKind::Private {
            return Err(Refusal::NotAllowed);
        }
        let by_themselves = user_id == sender;
        let allowed = match change {
            MemberChange::Joined | MemberChange::Left => by_themselves,
            MemberChange::Added | MemberChange::Removed => self.manages(sender, room),
        };
        if !allowed {
            return Err(Refusal::NotAllowed);
        }
        let key = (user_id, room.id);
        if change.ends_access() {
            self.members.remove(&key).then_some(()).ok_or(Refusal::NotMember)
        } else if self.deactivated.contains(&user_id) {
            Err(Refusal::NoAccess)
        } else {
            self.members.insert(key).then_some(()).ok_or(Refusal::AlreadyMember)
        }
    }

    /// Whether `user_id` may manage `room`: an administrator, or the owner of a
    /// private room (they may delete any message there, add and remove members).
    pub fn manages(&self, user_id: i64, room: &room::Model) -> bool {
        self.admins.contains(&user_id) || (room.kind == RoomKind::Private.as_str() && room.owner_id == Some(user_id))
    }
}
