//! The Redis layer's head beacon: a publish can be lost (the queue is full,
//! or Redis was briefly unreachable from the publisher), so each instance
//! beacons the newest `seq` it committed in each room (a `Head` event) every
//! [`BEACON_PERIOD`] while the room is recently active or its head has not yet
//! been published successfully; a subscriber behind the head catches up from
//! the database.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use super::{
    publisher::Publisher,
    wire::{channel, encode},
};
use crate::server::bus::Event;

/// How often rooms' heads are beaconed.
pub(super) const BEACON_PERIOD: Duration = Duration::from_secs(2);
/// How long after a room's last message its head keeps being beaconed (once
/// published successfully).
const BEACON_WINDOW: Duration = Duration::from_secs(10);

/// The newest seq this instance committed per room, and what the beacon has
/// published of it.
#[derive(Default)]
pub(super) struct Heads(HashMap<String, Head>);

struct Head {
    seq: i64,
    /// When `seq` last grew.
    changed: Instant,
    /// The highest seq a beacon published successfully.
    confirmed: i64,
}

impl Heads {
    pub(super) fn record(&mut self, group_key: &str, seq: i64, now: Instant) {
        let head = self.0.entry(group_key.to_owned()).or_insert(Head { seq, changed: now, confirmed: 0 });
        if seq >= head.seq {
            head.seq = seq;
            head.changed = now;
        }
    }

    /// Heads to beacon now: recently changed, or not yet confirmed. Forgets the rest.
    fn due(&mut self, now: Instant) -> Vec<(String, i64)> {
        self.0.retain(|_, head| head.confirmed < head.seq || now.duration_since(head.changed) < BEACON_WINDOW);
        self.0.iter().map(|(key, head)| (key.clone(), head.seq)).collect()
    }

    fn confirm(&mut self, group_key: &str, seq: i64) {
        if let Some(head) = self.0.get_mut(group_key) {
            head.confirmed = head.confirmed.max(seq);
        }
    }
}

/// Publishes the due heads straight to Redis (not through the queue, which may
/// be the part that is failing).
#[derive(Clone)]
pub(super) struct Beacon {
    pub(super) publisher: Publisher,
    pub(super) heads: Arc<Mutex<Heads>>,
    pub(super) instance: u64,
}

impl Beacon {
    pub(super) async fn send(mut self) {
        let due = self.heads.lock().unwrap_or_else(|p| p.into_inner()).due(Instant::now());
        for (group_key, seq) in due {
            let Some(payload) = encode(self.instance, &Event::Head { seq }) else { continue };
            if self.publisher.publish(&channel(&group_key), payload).await.is_ok() {
                self.heads.lock().unwrap_or_else(|p| p.into_inner()).confirm(&group_key, seq);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unconfirmed_or_recent_heads_are_beaconed() {
        let now = Instant::now();
        let mut heads = Heads::default();
        heads.record("room:a", 5, now);
        heads.record("room:a", 4, now);
        assert_eq!(heads.due(now), vec![("room:a".to_owned(), 5)]);
        heads.confirm("room:a", 5);
        let later = now + BEACON_WINDOW + Duration::from_secs(1);
        assert!(heads.due(later).is_empty(), "confirmed and quiet: no more beacons");
        heads.record("room:a", 6, later);
        heads.confirm("room:a", 5);
        let much_later = later + BEACON_WINDOW * 3;
        assert_eq!(heads.due(much_later), vec![("room:a".to_owned(), 6)], "unconfirmed heads keep beaconing");
    }
}
