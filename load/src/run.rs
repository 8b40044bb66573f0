//! What every socket task of a run shares: its settings and clock, the start
//! signal, the cookies, and the counters and latency histograms.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
    },
    time::Instant,
};

use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::{BoxError, args::Args, connect::Connector};

/// Latency histograms shared by the sockets (socket i records into i mod
/// SHARDS): one per socket would cost ~100 KB each at 100k sockets.
pub const SHARDS: usize = 64;

/// One latency histogram, on a cache line of its own.
#[repr(align(128))]
pub struct Shard(pub Mutex<Histogram<u64>>);

/// Counters shared by all sockets. "Changes" are reactions and edits.
pub struct Totals {
    pub sent: AtomicU64,
    /// Message acks, per room.
    pub acked: Vec<AtomicU64>,
    pub errors: AtomicU64,
    /// `message` frames received by counted sockets.
    pub deliveries: AtomicU64,
    pub changes_sent: AtomicU64,
    /// Change acks, per room.
    pub changes_acked: Vec<AtomicU64>,
    pub change_errors: AtomicU64,
    /// `edit` and `reaction` frames received by counted sockets.
    pub changes: AtomicU64,
    /// `presence` frames received by counted sockets.
    pub presence: AtomicU64,
    /// Counted sockets that heard from the server (it sends presence once the socket joined the room).
    pub ready: AtomicU64,
    /// Counted sockets that received at least one message.
    pub reached: AtomicU64,
    /// Counted sockets the server closed (or that failed) before the report.
    pub closed: AtomicU64,
    /// Churn sockets opened, and churn connects that failed.
    pub reconnects: AtomicU64,
    pub churn_failed: AtomicU64,
    pub latencies: Vec<Shard>,
}

impl Totals {
    pub fn new(rooms: usize) -> Result<Self, BoxError> {
        let counters = || (0..rooms).map(|_| AtomicU64::new(0)).collect();
        let mut latencies = Vec::with_capacity(SHARDS);
        for _ in 0..SHARDS {
            latencies.push(Shard(Mutex::new(Histogram::new(3)?)));
        }
        Ok(Self {
            sent: AtomicU64::new(0),
            acked: counters(),
            errors: AtomicU64::new(0),
            deliveries: AtomicU64::new(0),
            changes_sent: AtomicU64::new(0),
            changes_acked: counters(),
            change_errors: AtomicU64::new(0),
            changes: AtomicU64::new(0),
            presence: AtomicU64::new(0),
            ready: AtomicU64::new(0),
            reached: AtomicU64::new(0),
            closed: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            churn_failed: AtomicU64::new(0),
            latencies,
        })
    }
}

/// Sums per-room counters.
pub fn sum(counters: &[AtomicU64]) -> u64 {
    counters.iter().map(|c| c.load(Relaxed)).sum()
}

/// What every socket task of the run shares.
pub struct Run {
    pub args: Args,
    pub connector: Connector,
    pub totals: Totals,
    /// The clock of the send times written into message texts.
    pub clock: Instant,
    /// True while the senders send (and read markers and churn go on).
    pub sending: AtomicBool,
    /// Turns true once every socket is connected: the senders start.
    pub started: watch::Receiver<bool>,
    pub rooms: usize,
    /// Sockets 0..senders send at the rate, with their own accounts.
    pub senders: usize,
    /// With --then-send, sockets 0..bursts (one per room) send once.
    pub bursts: usize,
    pub reader_cookie: HeaderValue,
    pub sender_cookies: Vec<HeaderValue>,
}

impl Run {
    /// The room socket `index` joins.
    pub fn room(&self, index: usize) -> String {
        format!("{}-{}", self.args.room_prefix, index % self.rooms)
    }

    /// Counted sockets in `room`.
    fn clients_in(&self, room: usize) -> u64 {
        (self.args.clients / self.rooms + usize::from(room < self.args.clients % self.rooms)) as u64
    }

    /// Every acked event in `acked` is due to every socket of its room, its sender's included.
    pub fn expected(&self, acked: &[AtomicU64]) -> u64 {
        acked.iter().enumerate().map(|(room, a)| a.load(Relaxed) * self.clients_in(room)).sum()
    }

    /// Every send and change answered, every delivery arrived.
    pub fn settled(&self) -> bool {
        let t = &self.totals;
        sum(&t.acked) + t.errors.load(Relaxed) >= t.sent.load(Relaxed)
            && sum(&t.changes_acked) + t.change_errors.load(Relaxed) >= t.changes_sent.load(Relaxed)
            && t.deliveries.load(Relaxed) >= self.expected(&t.acked)
            && t.changes.load(Relaxed) >= self.expected(&t.changes_acked)
    }
}
