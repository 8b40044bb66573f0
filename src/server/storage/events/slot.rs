//! [`Slot`]: what the batch decided for each of its events, in batch order —
//! what every step after the decision (rows, mentions, reads, pushes, mails,
//! threads) reads.

use super::Refusal;

/// What the batch decided for one event.
pub enum Slot {
    /// Stored before this batch: answered with that copy's `seq`.
    Earlier(i64),
    /// The same send as an earlier event of this batch.
    SameAs(usize),
    /// Refused by the rules.
    Refused(Refusal),
    /// New: stored in this room with this `seq` (and `n`, for a message of
    /// the room's timeline; `on` says whether a reaction was added or taken
    /// back). `timeline_n`: the `n` of the room's newest timeline message at
    /// this point (its own, for one).
    New { room_id: i64, seq: i64, n: Option<i64>, on: bool, timeline_n: i64 },
}
