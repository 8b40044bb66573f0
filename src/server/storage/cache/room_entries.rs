//! [`RoomCache`]: what every reader of a room asks first — its access facts (kind,
//! owner, title, topic, the members of a private or direct room) and its newest page —
//! kept per room while nothing happens in it. Each entry holds a subscription
//! to the room's group, taken *before* the entry is read from the database:
//! any committed event of the room (on any instance), a head beacon past what
//! the entry saw, a resync or a lag makes the entry stale, and it is read again.

use std::{
    collections::HashSet,
    future::Future,
    sync::{Arc, Mutex},
    time::Instant,
};

use quick_cache::sync::Cache;
use sea_orm::DbErr;
use tokio::sync::OnceCell;

use super::MAX_AGE;
use crate::{
    protocol::{ChatMessage, RoomKind, SeenRead},
    server::{
        bodies::SharedBody,
        bus::{ChannelLayer, Event, Group, Received, Subscription},
    },
};

/// A room as its row said when the entry was read.
#[derive(Clone, Debug)]
pub struct RoomRecord {
    pub id: i64,
    pub kind: RoomKind,
    pub owner_id: Option<i64>,
    pub title: Option<String>,
    /// Its topic (the newest `topic` event's).
    pub topic: Option<String>,
    pub last_seq: i64,
    pub message_count: i64,
    /// The members of a private or direct room (empty for a public one: it
    /// has no members to keep).
    pub members: HashSet<i64>,
}

/// One room's cached reads, valid while its subscription is quiet.
pub struct RoomEntry {
    pub facts: RoomRecord,
    newest: OnceCell<Arc<Vec<ChatMessage>>>,
    /// The newest page as the JSON history API answers it, made once.
    newest_body: OnceCell<Arc<SharedBody>>,
    /// How far the room's sharing readers have read ("Seen by"), while no
    /// marker of theirs moved: a `seen` event clears it (the generation
    /// counts the clears, so that a read started before one is not kept).
    seen: Mutex<(u64, Option<Arc<Vec<SeenMarker>>>)>,
    watch: Mutex<Subscription>,
    read_at: Instant,
}

/// A sharing reader's marker in a small room, for "Seen by".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenMarker {
    pub user_id: i64,
    pub read: SeenRead,
}

impl RoomEntry {
    /// Whether nothing has happened in the room since the entry was read.
    fn fresh(&self) -> bool {
        if self.read_at.elapsed() >= MAX_AGE {
            return false;
        }
        let mut watch = self.watch.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            match watch.try_recv() {
                None => return true,
                // A reader's marker moved: only "Seen by" changes.
                Some(Received::Event(Event::Seen { .. })) => {
                    let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    *seen = (seen.0 + 1, None);
                }
                // Typing, presence and the like change nothing stored.
                Some(Received::Event(
                    Event::Relay { .. }
                    | Event::Presence { .. }
                    | Event::Notice(_)
                    | Event::EndSessions { .. }
                    | Event::Forget(_),
                )) => {}
                Some(Received::Event(Event::Head { seq })) if seq <= self.facts.last_seq => {}
                Some(_) => return false,
            }
        }
    }

    /// The room's newest page, read once per entry with `read`.
    pub async fn newest<F, Fut>(&self, read: F) -> Result<Arc<Vec<ChatMessage>>, DbErr>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<ChatMessage>, DbErr>>,
    {
        self.newest.get_or_try_init(|| async { read().await.map(Arc::new) }).await.cloned()
    }

    /// The sharing readers' markers ("Seen by"), read with `read` when a
    /// marker moved since the last read (or never read).
    pub async fn seen<F, Fut>(&self, read: F) -> Result<Arc<Vec<SeenMarker>>, DbErr>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<SeenMarker>, DbErr>>,
    {
        let generation = {
            let seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(markers) = &seen.1 {
                return Ok(markers.clone());
            }
            seen.0
        };
        let markers = Arc::new(read().await?);
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.0 == generation {
            seen.1 = Some(markers.clone());
        }
        Ok(markers)
    }

    /// The newest page's response body, made once per entry with `make`.
    pub async fn newest_body(&self, make: impl FnOnce() -> SharedBody) -> Arc<SharedBody> {
        self.newest_body.get_or_init(|| async { Arc::new(make()) }).await.clone()
    }
}

/// The entries of the rooms read lately.
pub struct RoomCache {
    entries: Cache<String, Arc<RoomEntry>>,
    layer: Arc<dyn ChannelLayer>,
}

impl RoomCache {
    pub fn new(layer: Arc<dyn ChannelLayer>, capacity: usize) -> Self {
        Self { entries: Cache::new(capacity), layer }
    }

    /// The fresh entry of `room`, read with `read` when there is none. `None`
    /// when the room does not exist, and also when the channel layer cannot
    /// watch the room: the caller then reads the database itself.
    pub async fn entry<F, Fut>(&self, room: &str, read: F) -> Result<Option<Arc<RoomEntry>>, DbErr>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<RoomRecord>, DbErr>>,
    {
        if let Some(entry) = self.fresh(room) {
            return Ok(Some(entry));
        }
        // Watch first, then read: whatever is committed after the read was
        // taken arrives on the watch.
        let Ok(watch) = self.layer.group_add(&Group::Room(room.to_owned())).await else { return Ok(None) };
        let Some(facts) = read().await? else { return Ok(None) };
        let entry = Arc::new(RoomEntry {
            facts,
            newest: OnceCell::new(),
            newest_body: OnceCell::new(),
            seen: Mutex::new((0, None)),
            watch: Mutex::new(watch),
            read_at: Instant::now(),
        });
        self.entries.insert(room.to_owned(), entry.clone());
        Ok(Some(entry))
    }

    /// The entry of `room` if there is one and it is fresh; never reads. For
    /// readers that run while the room is busy (a socket catching up), where an
    /// entry read now would be stale at once.
    pub fn fresh(&self, room: &str) -> Option<Arc<RoomEntry>> {
        let entry = self.entries.get(room)?;
        if entry.fresh() {
            return Some(entry);
        }
        // Only this stale entry: another reader may have put a fresh one since.
        self.entries.remove_if(room, |kept| Arc::ptr_eq(kept, &entry));
        None
    }

    /// Drops the entries that are stale, and with them their subscriptions: a
    /// room read once and then left alone does not keep this instance in its
    /// group (on Redis, subscribed to its channel) until it is evicted.
    pub fn sweep(&self) {
        self.entries.retain(|_, entry| entry.fresh());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::bus::MemoryLayer;

    fn facts(last_seq: i64) -> RoomRecord {
        RoomRecord {
            id: 1,
            kind: RoomKind::Public,
            owner_id: None,
            title: None,
            topic: None,
            last_seq,
            message_count: last_seq,
            members: HashSet::new(),
        }
    }

    #[tokio::test]
    async fn an_entry_made_stale_is_dropped_with_its_subscription_by_the_sweep() {
        let layer = Arc::new(MemoryLayer::new(16));
        let cache = RoomCache::new(layer.clone(), 10);
        let (quiet, busy) = ("quiet", "busy");
        for room in [quiet, busy] {
            let entry = cache.entry(room, || async { Ok(Some(facts(1))) }).await.unwrap();
            assert!(entry.is_some(), "{room} is cached");
        }
        assert_eq!(layer.group_count(), 2, "each entry watches its room");

        layer.group_send(&Group::Room(busy.into()), Event::Head { seq: 2 }).await.unwrap();
        cache.sweep();
        assert_eq!(layer.group_count(), 1, "the changed room's entry and watch are gone");
        assert!(cache.entries.get(quiet).is_some(), "the quiet room stays cached");
        assert!(cache.entries.get(busy).is_none());
    }
}
