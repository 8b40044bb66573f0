//! The groups of one instance: a tokio broadcast channel per room with local
//! subscribers. Both channel layers deliver through it; the Redis layer also
//! learns from it which rooms this instance must subscribe to.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use tokio::sync::broadcast;

use super::{Event, Subscription};

type Senders = HashMap<String, broadcast::Sender<Event>>;

/// Called with a room's name when its last local subscriber leaves.
pub type OnEmpty = Arc<dyn Fn(&str) + Send + Sync>;

/// This instance's room groups.
#[derive(Clone)]
pub struct LocalGroups {
    senders: Arc<Mutex<Senders>>,
    /// Events a group buffers for its slowest subscriber before that one lags.
    capacity: usize,
    on_empty: Option<OnEmpty>,
}

impl LocalGroups {
    pub fn new(capacity: usize, on_empty: Option<OnEmpty>) -> Self {
        Self { senders: Arc::default(), capacity: capacity.max(1), on_empty }
    }

    fn lock(&self) -> MutexGuard<'_, Senders> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.senders.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Subscribes to `group`; the flag says whether the group is new here.
    pub fn join(&self, group: &str) -> (Subscription, bool) {
        let mut senders = self.lock();
        let created = !senders.contains_key(group);
        let receiver = senders
            .entry(group.to_owned())
            .or_insert_with(|| broadcast::channel(self.capacity).0)
            .subscribe();
        let leave = LeaveGroup { groups: self.clone(), name: group.to_owned() };
        (Subscription::new(receiver, Some(Box::new(leave))), created)
    }

    /// Hands `event` to the group's local subscribers, if any.
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
        let removed = {
            let mut senders = self.groups.lock();
            // This subscription's receiver is still alive while it drops, hence `<= 1`.
            let last = senders.get(&self.name).is_some_and(|tx| tx.receiver_count() <= 1);
            last && senders.remove(&self.name).is_some()
        };
        if let (true, Some(on_empty)) = (removed, &self.groups.on_empty) {
            on_empty(&self.name);
        }
    }
}
