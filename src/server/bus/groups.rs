//! The groups of one instance: a tokio broadcast channel per group with local
//! subscribers, keyed by [`Group::key`]. Both channel layers deliver through
//! it; the Redis layer also learns from it which groups this instance must
//! subscribe to. Joining and leaving hold one lock, and the "group is empty"
//! call is made under it, so the Redis layer hears subscribe and unsubscribe in
//! the order the map changed.
//!
//! A group also remembers the room events it delivered lately ([`Recent`]):
//! a socket that falls behind its channel catches up from them, in memory,
//! and asks the database only for what they no longer hold. Unlike the
//! channel's ring (allocated whole when the group is made), they grow with
//! the room's traffic and are forgotten after [`RECENT_FOR`].

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use tokio::sync::broadcast;

use super::{Event, Group, RoomEvent, SMALL_GROUP_CAPACITY, Subscription};

/// How many room events a group remembers for each one its channel buffers.
const RECENT_PER_BUFFERED: usize = 8;

/// How long a group remembers a room event it delivered.
pub const RECENT_FOR: Duration = Duration::from_secs(60);

type Senders = HashMap<String, Entry>;

/// A group's channel and the room events it delivered lately.
struct Entry {
    sender: broadcast::Sender<Event>,
    recent: Recent,
}

/// The newest room events a group delivered, oldest first (as they arrived:
/// through Redis not always in `seq` order), with when.
#[derive(Default)]
struct Recent {
    events: VecDeque<(Instant, Arc<RoomEvent>)>,
}

impl Recent {
    fn remember(&mut self, event: Arc<RoomEvent>, capacity: usize, now: Instant) {
        self.events.push_back((now, event));
        while self.events.len() > capacity || self.events.front().is_some_and(|(at, _)| now.duration_since(*at) > RECENT_FOR) {
            self.events.pop_front();
        }
    }

    /// The events after `after` that follow it without a gap, oldest first;
    /// `None` when the one right after it is not remembered.
    fn after(&self, after: i64, now: Instant) -> Option<Vec<Arc<RoomEvent>>> {
        let mut found: Vec<Arc<RoomEvent>> = self
            .events
            .iter()
            .filter(|(at, event)| event.seq > after && now.duration_since(*at) <= RECENT_FOR)
            .map(|(_, event)| event.clone())
            .collect();
        found.sort_by_key(|event| event.seq);
        found.dedup_by_key(|event| event.seq);
        let run = found.iter().zip(after + 1..).take_while(|(event, seq)| event.seq == *seq).count();
        found.truncate(run);
        (run > 0).then_some(found)
    }
}

/// Called with a group's key when its last local subscriber leaves (under the
/// groups' lock: it must only queue work, never block).
pub type OnEmpty = Arc<dyn Fn(&str) + Send + Sync>;

/// This instance's room groups.
#[derive(Clone)]
pub struct LocalGroups {
    senders: Arc<Mutex<Senders>>,
    /// Events a room's group buffers for its slowest subscriber before that one lags.
    room_capacity: usize,
    /// Room events a group remembers for subscribers that lagged.
    recent_capacity: usize,
    on_empty: Option<OnEmpty>,
}

impl LocalGroups {
    pub fn new(room_capacity: usize, on_empty: Option<OnEmpty>) -> Self {
        let room_capacity = room_capacity.max(1);
        Self { senders: Arc::default(), room_capacity, recent_capacity: room_capacity * RECENT_PER_BUFFERED, on_empty }
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
        let receiver = senders
            .entry(key.clone())
            .or_insert_with(|| Entry { sender: broadcast::channel(capacity).0, recent: Recent::default() })
            .sender
            .subscribe();
        let leave = LeaveGroup { groups: self.clone(), name: key };
        (Subscription::new(receiver, Some(Box::new(leave))), created)
    }

    /// Whether the group with this key has local subscribers.
    pub fn has(&self, key: &str) -> bool {
        self.lock().contains_key(key)
    }

    /// Hands `event` to the local subscribers of the group with this key, if
    /// any (remembering a room event for those that lag).
    pub fn deliver(&self, group: &str, event: Event) {
        if let Some(entry) = self.lock().get_mut(group) {
            if let Event::Sequenced(room_event) = &event {
                entry.recent.remember(room_event.clone(), self.recent_capacity, Instant::now());
            }
            // No receivers means nobody is listening; that is not an error.
            let _ = entry.sender.send(event);
        }
    }

    /// The room events the group with this key delivered lately that follow
    /// `after` without a gap; `None` when the next one is not remembered.
    pub fn recent(&self, group: &str, after: i64) -> Option<Vec<Arc<RoomEvent>>> {
        self.lock().get(group)?.recent.after(after, Instant::now())
    }

    /// Tells every local subscriber to catch up from the database.
    pub fn resync_all(&self) {
        for entry in self.lock().values() {
            let _ = entry.sender.send(Event::Resync);
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
        let last = senders.get(&self.name).is_some_and(|entry| entry.sender.receiver_count() <= 1);
        if last && senders.remove(&self.name).is_some() {
            // Still under the lock: a join that re-creates the group comes after.
            if let Some(on_empty) = &self.groups.on_empty {
                on_empty(&self.name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::bus::EventMeta;

    fn event(seq: i64) -> Arc<RoomEvent> {
        Arc::new(RoomEvent { seq, frame: format!("{seq}").into(), meta: EventMeta::default() })
    }

    fn seqs(events: Option<Vec<Arc<RoomEvent>>>) -> Option<Vec<i64>> {
        events.map(|events| events.iter().map(|event| event.seq).collect())
    }

    #[test]
    fn recent_events_follow_without_a_gap_in_seq_order_within_their_capacity_and_age() {
        let start = Instant::now();
        let mut recent = Recent::default();
        // As through Redis: 3 before 2, and 5 missing.
        for seq in [1, 3, 2, 4, 6] {
            recent.remember(event(seq), 4, start);
        }
        // 1 fell out (capacity 4): what follows 0 is not remembered.
        assert_eq!(seqs(recent.after(0, start)), None);
        assert_eq!(seqs(recent.after(1, start)), Some(vec![2, 3, 4]), "up to the gap at 5");
        assert_eq!(seqs(recent.after(3, start)), Some(vec![4]));
        assert_eq!(seqs(recent.after(4, start)), None, "5 is missing");
        assert_eq!(seqs(recent.after(6, start)), None, "nothing newer");
        // Older than RECENT_FOR: forgotten, on reading and on the next event.
        let later = start + RECENT_FOR + Duration::from_secs(1);
        assert_eq!(seqs(recent.after(1, later)), None);
        recent.remember(event(7), 4, later);
        assert_eq!(recent.events.len(), 1);
        assert_eq!(seqs(recent.after(6, later)), Some(vec![7]));
    }

    #[test]
    fn a_group_remembers_the_room_events_it_delivered_until_it_is_left() {
        let groups = LocalGroups::new(2, None);
        let room = Group::Room("r".into());
        let (subscription, _) = groups.join(&room);
        for seq in 1..=5 {
            groups.deliver(&room.key(), Event::Sequenced(event(seq)));
        }
        groups.deliver(&room.key(), Event::Head { seq: 9 });
        // Two buffered, sixteen remembered.
        assert_eq!(seqs(groups.recent(&room.key(), 2)), Some(vec![3, 4, 5]));
        drop(subscription);
        assert_eq!(seqs(groups.recent(&room.key(), 2)), None, "an empty group is forgotten");
    }
}
