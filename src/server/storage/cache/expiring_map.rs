//! [`ExpiringMap`]: a bounded map of values read from the database that forgets
//! a key when told, everything when told to, and any entry older than
//! [`MAX_AGE`](super::MAX_AGE) — and never keeps a value read before it was told.

use std::{
    hash::Hash,
    sync::atomic::{AtomicU64, Ordering},
    time::Instant,
};

use quick_cache::sync::Cache;

use super::MAX_AGE;

/// Values of `K` read from the database, each with the time it was read.
pub struct ExpiringMap<K, V> {
    entries: Cache<K, (Instant, V)>,
    /// Counts every forget, so that a value read before one is not kept.
    generation: AtomicU64,
}

/// Taken before reading a value from the database; [`ExpiringMap::keep`] keeps
/// the value only if nothing was forgotten since.
#[derive(Clone, Copy, Debug)]
pub struct Ticket(u64);

impl<K: Eq + Hash + Clone, V: Clone> ExpiringMap<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self { entries: Cache::new(capacity), generation: AtomicU64::new(0) }
    }

    /// The value of `key`, if it is here and young enough.
    pub fn get(&self, key: &K) -> Option<V> {
        let (read_at, value) = self.entries.get(key)?;
        (read_at.elapsed() < MAX_AGE).then_some(value)
    }

    /// Take one before reading the value from the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::SeqCst))
    }

    /// Keeps `value`, read after `ticket` was taken, unless something was
    /// forgotten meanwhile (it may be the value's own key).
    pub fn keep(&self, ticket: Ticket, key: K, value: V) {
        if self.generation.load(Ordering::SeqCst) != ticket.0 {
            return;
        }
        self.entries.insert(key.clone(), (Instant::now(), value));
        // A forget between the check and the insert removed nothing: undo.
        if self.generation.load(Ordering::SeqCst) != ticket.0 {
            self.entries.remove(&key);
        }
    }

    pub fn forget(&self, key: &K) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.remove(key);
    }

    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_read_before_a_forget_is_not_kept() {
        let cache = ExpiringMap::<i64, &str>::new(8);
        let ticket = cache.ticket();
        cache.forget(&1);
        cache.keep(ticket, 1, "old");
        assert_eq!(cache.get(&1), None);
        let ticket = cache.ticket();
        cache.keep(ticket, 1, "new");
        assert_eq!(cache.get(&1), Some("new"));
        cache.forget_all();
        assert_eq!(cache.get(&1), None);
    }
}
