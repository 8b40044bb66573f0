//! Who may write what, judged by the writer inside its transaction with the
//! one policy (`server::policy::decide`) — the last word on access, so that
//! nothing is stored for a member after their removal, or for an account
//! after its deactivation, however close the two come. An incoming
//! webhook's message is judged twice: for the hook's account, and for the
//! account that made the hook (a hook posts only while its maker may). Loaded once per batch
//! and updated as the batch's membership changes are accepted, in batch order.
//!
//! On PostgreSQL the batch's room rows are locked first (`FOR UPDATE`), and
//! membership changes are room events written under the same lock, so a batch
//! reads memberships that cannot change before it commits; the senders' rows are
//! read `FOR SHARE`, so a deactivation waits for the batch or is seen by it. On
//! SQLite the writer's transaction holds the database's one write lock.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::{events::Refusal, writes::NewEvent};
use crate::{
    entity::{membership, room, user},
    protocol::{AccountKind, EventBody, MemberChange, RoomKind},
    server::policy::{self, Place, Role, RoomFacts, Standing},
};

/// What the writer knows about the batch's senders and rooms.
pub(super) struct Admission {
    /// Senders that are administrators.
    admins: HashSet<i64>,
    /// Senders (and members being added) whose accounts are deactivated.
    deactivated: HashSet<i64>,
    /// The kinds of the accounts that made the batch's webhooks.
    makers: HashMap<i64, AccountKind>,
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
            EventBody::Membership(body) => Some(body.user_id),
            _ => None,
        }));
        users.extend(batch.iter().filter_map(|event| event.hook_maker));
        users.sort_unstable();
        users.dedup();
        let mut senders = user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::IsAdmin, user::Column::Deactivated, user::Column::Kind])
            .filter(user::Column::Id.is_in(users.iter().copied()));
        if txn.get_database_backend() == DbBackend::Postgres {
            senders = senders.lock_shared();
        }
        let senders = senders.into_tuple::<(i64, bool, bool, AccountKind)>().all(txn).await?;
        let makers: HashSet<i64> = batch.iter().filter_map(|event| event.hook_maker).collect();
        let closed: Vec<i64> = rooms.values().filter(|room| room.kind != RoomKind::Public).map(|room| room.id).collect();
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
            admins: senders.iter().filter(|(_, admin, ..)| *admin).map(|(id, ..)| *id).collect(),
            deactivated: senders.iter().filter(|(_, _, gone, _)| *gone).map(|(id, ..)| *id).collect(),
            makers: senders.iter().filter(|(id, ..)| makers.contains(id)).map(|(id, _, _, kind)| (*id, *kind)).collect(),
            members: members.into_iter().collect(),
        })
    }

    /// Whether `event` may be stored in `room` (`None`: a room its first
    /// message creates); `own` says whether the message it changes is the
    /// sender's. An accepted membership change takes effect for the events
    /// after it.
    pub fn admit(&mut self, event: &NewEvent, room: Option<&room::Model>, own: bool) -> Result<(), Refusal> {
        let sender = event.sender.id;
        // An account's kind never changes: the sender's model says it.
        let role = Role::of(self.admins.contains(&sender), self.deactivated.contains(&sender), event.sender.kind);
        let facts = self.facts(sender, &event.room, room);
        let action = super::events::action_of(event, own)?;
        policy::decide(role, facts, action)?;
        if let Some(maker) = event.hook_maker {
            // A hook made by an account that no longer exists may do nothing.
            let kind = self.makers.get(&maker).copied().ok_or(Refusal::HookMakerLostAccess)?;
            let role = Role::of(self.admins.contains(&maker), self.deactivated.contains(&maker), kind);
            policy::decide(role, self.facts(maker, &event.room, room), action).map_err(|_| Refusal::HookMakerLostAccess)?;
        }
        match (&event.body, room) {
            (EventBody::Membership(body), Some(room)) => self.change_membership(body.user_id, room.id, body.change),
            _ => Ok(()),
        }
    }

    /// What the policy needs to know of `room` (`None`: a free name) for `user_id`.
    fn facts(&self, user_id: i64, name: &str, room: Option<&room::Model>) -> RoomFacts {
        match room {
            None => RoomFacts { place: Place::free(name), standing: Standing::Outsider },
            Some(room) => RoomFacts {
                place: Place::of(room.kind),
                standing: Standing::of(user_id, self.members.contains(&(user_id, room.id)), room.owner_id),
            },
        }
    }

    /// Applies an allowed membership change, if the member's state allows it.
    fn change_membership(&mut self, user_id: i64, room_id: i64, change: MemberChange) -> Result<(), Refusal> {
        let key = (user_id, room_id);
        if change.ends_access() {
            self.members.remove(&key).then_some(()).ok_or(Refusal::NotMember)
        } else if self.deactivated.contains(&user_id) {
            Err(Refusal::NoAccess)
        } else {
            self.members.insert(key).then_some(()).ok_or(Refusal::AlreadyMember)
        }
    }
}
