//! The order a room socket sends events in: every `seq` once, ascending, with
//! no gaps. The room group's events are offered as they arrive; one that comes
//! ahead of a missing one (most likely another instance's, still on its way
//! through Redis) is held for up to [`REORDER_WAIT`], and what is still missing
//! then is read from the database (a catch-up). A head beacon from another
//! instance (a `seq` it committed) starts the same wait. No I/O here: the
//! consumer sends and reads; this only decides.

use std::{collections::BTreeMap, time::Duration};

use tokio::time::Instant;

/// How long events that came ahead of a missing one are held before the
/// database is asked for what is missing.
pub const REORDER_WAIT: Duration = Duration::from_millis(100);
/// The most events held that way; one more and the socket catches up at once.
pub const MAX_EARLY: usize = 1024;

/// What to do with an offered event.
#[derive(Debug, PartialEq, Eq)]
pub enum Offer<E> {
    /// It follows the last one sent: send it, then whatever
    /// [`Sequencer::next_ready`] gives.
    Deliver(E),
    /// Sent before (a duplicate, or replayed already): drop it.
    Stale,
    /// Held until the missing events come, or until [`Sequencer::deadline`].
    Held,
    /// More is missing than can be held: catch up from the database now.
    CatchUp,
}

/// One socket's position in its room's sequence of events.
#[derive(Debug)]
pub struct Sequencer<E> {
    /// The newest `seq` sent to the client: the next event must be the one after.
    last_sent: i64,
    /// Events that came ahead of a missing one, by `seq`.
    early: BTreeMap<i64, E>,
    /// The newest `seq` another instance says it committed (its head beacon).
    head_seen: i64,
    /// Until when to wait for what is missing before reading the database.
    deadline: Option<Instant>,
}

impl<E> Sequencer<E> {
    /// A socket that has sent (or whose client has shown) everything up to `last_sent`.
    pub fn new(last_sent: i64) -> Self {
        Self { last_sent, early: BTreeMap::new(), head_seen: 0, deadline: None }
    }

    /// The newest `seq` sent.
    pub fn last_sent(&self) -> i64 {
        self.last_sent
    }

    /// When the socket should stop waiting and catch up, if it is waiting.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// An event of the room's group, as it arrived at `now`.
    pub fn offer(&mut self, seq: i64, event: E, now: Instant) -> Offer<E> {
        if seq <= self.last_sent {
            return Offer::Stale;
        }
        if seq == self.last_sent + 1 {
            self.last_sent = seq;
            return Offer::Deliver(event);
        }
        if self.early.len() >= MAX_EARLY && !self.early.contains_key(&seq) {
            return Offer::CatchUp;
        }
        self.early.insert(seq, event);
        self.deadline.get_or_insert(now + REORDER_WAIT);
        Offer::Held
    }

    /// Another instance committed up to `seq`: if that is further than sent,
    /// its publish may still come; if not by the deadline, it was lost.
    pub fn head(&mut self, seq: i64, now: Instant) {
        if seq > self.last_sent {
            self.head_seen = self.head_seen.max(seq);
            self.deadline.get_or_insert(now + REORDER_WAIT);
        }
    }

    /// The held event that follows the last one sent, if it is here (counted
    /// as sent). When none is and nothing more is missing, the wait ends.
    pub fn next_ready(&mut self) -> Option<E> {
        self.early.retain(|seq, _| *seq > self.last_sent);
        if let Some(event) = self.early.remove(&(self.last_sent + 1)) {
            self.last_sent += 1;
            return Some(event);
        }
        if self.early.is_empty() && self.head_seen <= self.last_sent {
            self.deadline = None;
        }
        None
    }

    /// A catch-up from the database begins: it reads everything after
    /// [`Self::last_sent`], so no wait is needed any more. True when it ends a
    /// wait (what was missing never came through the layer).
    pub fn start_catch_up(&mut self) -> bool {
        self.head_seen = 0;
        self.deadline.take().is_some()
    }

    /// The catch-up sent `seq` (read from the database).
    pub fn replayed(&mut self, seq: i64) {
        self.last_sent = self.last_sent.max(seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: u64) -> Instant {
        // One origin for every test instant, so that offsets compare.
        static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *ORIGIN.get_or_init(Instant::now) + Duration::from_millis(millis)
    }

    /// Everything `next_ready` gives now, in order.
    fn drain(order: &mut Sequencer<&'static str>) -> Vec<&'static str> {
        std::iter::from_fn(|| order.next_ready()).collect()
    }

    #[test]
    fn events_in_order_are_delivered_at_once_and_nothing_waits() {
        let mut order = Sequencer::new(4);
        assert_eq!(order.offer(5, "e5", at(0)), Offer::Deliver("e5"));
        assert!(drain(&mut order).is_empty());
        assert_eq!(order.offer(6, "e6", at(1)), Offer::Deliver("e6"));
        assert_eq!(order.last_sent(), 6);
        assert_eq!(order.deadline(), None);
    }

    #[test]
    fn duplicates_and_replayed_events_are_stale() {
        let mut order = Sequencer::new(3);
        assert_eq!(order.offer(3, "again", at(0)), Offer::Stale);
        assert_eq!(order.offer(1, "old", at(0)), Offer::Stale);
        assert_eq!(order.offer(4, "e4", at(0)), Offer::Deliver("e4"));
        assert_eq!(order.offer(4, "e4 again", at(0)), Offer::Stale);
        assert_eq!(order.last_sent(), 4);
    }

    #[test]
    fn an_event_ahead_of_a_gap_is_held_until_the_gap_fills_then_both_go_in_order() {
        let mut order = Sequencer::new(10);
        assert_eq!(order.offer(12, "e12", at(0)), Offer::Held);
        assert_eq!(order.offer(13, "e13", at(20)), Offer::Held);
        assert_eq!(order.deadline(), Some(at(0) + REORDER_WAIT), "the first hold sets the deadline; later ones keep it");
        assert_eq!(order.last_sent(), 10, "nothing held is counted as sent");
        assert_eq!(order.offer(11, "e11", at(40)), Offer::Deliver("e11"));
        assert_eq!(drain(&mut order), ["e12", "e13"]);
        assert_eq!(order.last_sent(), 13);
        assert_eq!(order.deadline(), None, "nothing is missing any more");
    }

    #[test]
    fn a_late_arrival_fills_one_gap_and_the_wait_goes_on_for_the_next() {
        let mut order = Sequencer::new(0);
        assert_eq!(order.offer(2, "e2", at(0)), Offer::Held);
        assert_eq!(order.offer(4, "e4", at(0)), Offer::Held);
        assert_eq!(order.offer(1, "e1", at(50)), Offer::Deliver("e1"));
        assert_eq!(drain(&mut order), ["e2"]);
        assert_eq!(order.deadline(), Some(at(0) + REORDER_WAIT), "3 is still missing");
        assert_eq!(order.offer(3, "e3", at(60)), Offer::Deliver("e3"));
        assert_eq!(drain(&mut order), ["e4"]);
        assert_eq!(order.deadline(), None);
    }

    #[test]
    fn what_never_comes_in_the_window_is_caught_up_and_the_held_events_follow_it() {
        let mut order = Sequencer::new(7);
        assert_eq!(order.offer(9, "e9", at(0)), Offer::Held);
        assert_eq!(order.offer(10, "e10", at(30)), Offer::Held);
        // The consumer's timer fires at the deadline: it reads the database.
        assert!(order.start_catch_up(), "the catch-up ends a wait");
        assert_eq!(order.deadline(), None);
        order.replayed(8);
        order.replayed(9);
        assert_eq!(drain(&mut order), ["e10"], "9 came from the database: only the newer held one is sent");
        assert_eq!(order.last_sent(), 10);
    }

    #[test]
    fn a_catch_up_that_reads_past_the_held_events_drops_them() {
        let mut order = Sequencer::new(0);
        assert_eq!(order.offer(3, "e3", at(0)), Offer::Held);
        assert!(order.start_catch_up());
        for seq in 1..=5 {
            order.replayed(seq);
        }
        assert!(drain(&mut order).is_empty());
        assert_eq!(order.offer(4, "e4 through the layer", at(10)), Offer::Stale);
        assert_eq!(order.offer(6, "e6", at(10)), Offer::Deliver("e6"));
    }

    #[test]
    fn a_head_beyond_what_was_sent_starts_a_wait_that_its_publish_ends() {
        let mut order: Sequencer<&str> = Sequencer::new(5);
        order.head(5, at(0));
        assert_eq!(order.deadline(), None, "a head already sent is no news");
        order.head(6, at(10));
        assert_eq!(order.deadline(), Some(at(10) + REORDER_WAIT));
        assert_eq!(order.offer(6, "e6", at(20)), Offer::Deliver("e6"));
        assert!(drain(&mut order).is_empty());
        assert_eq!(order.deadline(), None, "the publish came in the window");
    }

    #[test]
    fn a_head_whose_publish_is_lost_is_caught_up_at_the_deadline() {
        let mut order: Sequencer<&str> = Sequencer::new(5);
        order.head(8, at(0));
        assert_eq!(order.offer(6, "e6", at(10)), Offer::Deliver("e6"));
        assert!(drain(&mut order).is_empty());
        assert_eq!(order.deadline(), Some(at(0) + REORDER_WAIT), "7 and 8 are still owed");
        assert!(order.start_catch_up());
        order.replayed(8);
        assert!(drain(&mut order).is_empty());
        assert_eq!(order.deadline(), None);
    }

    #[test]
    fn a_catch_up_without_a_wait_says_so() {
        let mut order: Sequencer<&str> = Sequencer::new(0);
        assert!(!order.start_catch_up(), "a lag or a resync is not a missed publish");
    }

    #[test]
    fn too_many_held_events_ask_for_a_catch_up_at_once() {
        let mut order = Sequencer::new(0);
        for seq in 2..2 + MAX_EARLY as i64 {
            assert_eq!(order.offer(seq, seq, at(0)), Offer::Held);
        }
        assert_eq!(order.offer(5000, 5000, at(1)), Offer::CatchUp);
        assert_eq!(order.offer(2, 2, at(1)), Offer::Held, "one already held is not more");
        assert_eq!(order.offer(1, 1, at(2)), Offer::Deliver(1));
        let sent: Vec<i64> = std::iter::from_fn(|| order.next_ready()).collect();
        assert_eq!(sent, (2..2 + MAX_EARLY as i64).collect::<Vec<_>>());
    }
}
