//! The groups of one instance: a tokio broadcast channel per group with local
//! subscribers, keyed by [`Group::key`]. Both channel layers deliver through
//! it; the Redis layer also learns from it which groups this instance must
//! subscribe to. Joining and leaving hold one lock, and the "group is empty"
//! call is made under it, so the Redis layer hears subscribe and unsubscribe in
//! the order the map changed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use tokio::sync::broadcast;

use super::{Event, Group, SMALL_GROUP_CAPACITY, Subscription};

type Senders = HashMap<String, broadcast::Sender<Event>>;

/// Called with a group's key when its last local subscriber leaves (under the
/// groups' lock: it must only queue work, never block).
pub type OnEmpty = Arc<dyn Fn(&str) + Send + Sync>;

/// This instance's room groups.
#[derive(Clone)]
pub struct LocalGroups {
    senders: Arc<Mutex<Senders>>,
    /// Events a room's group buffers for its slowest subscriber before that one lags.
    room_capacity: usize,
    on_empty: Option<OnEmpty>,
}

impl LocalGroups {
    pub fn new(room_capacity: usize, on_empty: Option<OnEmpty>) -> Self {
        Self { senders: Arc::default(), room_capacity: room_capacity.max(1), on_empty }
    }

    fn lock(&self) -> MutexGuard<'_, Senders> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.senders.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Subscribes to `group`; the flag says whether the group is new here.
    pub fn join(&self, group: &Group) -> (Subscription, bool) {
        let key = group.key();
        let capacity = match group {
            // A burst of forgets (ending every session of a user) must not lag.
            Group::Room(_) | Group::Caches => self.room_capacity,
            Group::User(_) | Group::Presence(_) => SMALL_GROUP_CAPACITY,
        };
        let mut senders = self.lock();
        let created = !senders.contains_key(&key);
        let receiver = senders.entry(key.clone()).or_insert_with(|| broadcast::channel(capacity).0).subscribe();
        let leave = LeaveGroup { groups: self.clone(), name: key };
        (Subscription::new(receiver, Some(Box::new(leave))), created)
    }

    /// Whether the group with this key has local subscribers.
    pub fn has(&self, key: &str) -> bool {
        self.lock().contains_key(key)
    }

    /// Hands `event` to the local subscribers of the group with this key, if any.
    pub fn deliver(&self, group: &str, event: Event) {
        if let Some(sender) = self.lock().get(group) {
            // No receivers means nobody is listening; that is not an error.
            let _ = sender.send(event);
        }
    }

    /// Tells every local subscriber to catch up from the database.
    pub fn resync_all(&self) {
        for sender in self.lock().values() {
            let _ = sender.send(Event::Resync);
        }
    }

    /// Names of the groups with local subscribers.
    pub fn names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Number of groups with local subscribers.
    pub fn count(&self) -> usize {
        self.lock().len()
    }
}

/// Removes a group once its last subscriber is gone.
struct LeaveGroup {
    groups: LocalGroups,
    name: String,
}

impl Drop for LeaveGroup {
    fn drop(&mut self) {
        let mut senders = self.groups.lock();
        // This subscription's receiver is still alive while it drops, hence `<= 1`.
        let last = senders.get(&self.name).is_some_and(|tx| tx.receiver_count() <= 1);
        if last && senders.remove(&self.name).is_some() {
            // Still under the lock: a join that re-creates the group comes after.
            if let Some(on_empty) = &self.groups.on_empty {
                on_empty(&self.name);
            }
        }
    }
}
