//! Receiving: the counted sockets' reading tasks, which count every frame
//! (deliveries and their latency, acks, errors, changes, presence) into the
//! totals and, in the mix, send read markers and pick messages to change.

use std::{
    sync::{Arc, atomic::Ordering::Relaxed},
    time::Duration,
};

use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite;

use crate::{
    connect::{Socket, Stream},
    frames::{Frame, is_change, is_thread_reply, read_frame},
    run::{Run, SHARDS},
    send::Acked,
};

/// In the mix, every this many acked messages of a sender get a reaction and an edit (5%).
const CHANGE_EVERY: u64 = 20;

/// What a counted socket has heard: its room, its newest message, whether it
/// heard the server yet and got a message yet.
struct Counter {
    room: usize,
    shard: usize,
    seen: i64,
    ready: bool,
    reached: bool,
}

impl Counter {
    fn new(run: &Run, index: usize) -> Self {
        Self { room: index % run.rooms, shard: index % SHARDS, seen: 0, ready: false, reached: false }
    }

    /// Counts one text frame into the totals and returns it parsed.
    fn count<'a>(&mut self, run: &Run, text: &'a str) -> Option<Frame<'a>> {
        let totals = &run.totals;
        if !self.ready {
            self.ready = true;
            totals.ready.fetch_add(1, Relaxed);
        }
        let frame = serde_json::from_str::<Frame>(text).ok()?;
        match frame.kind {
            "message" => {
                if let Some(seq) = frame.seq {
                    self.seen = self.seen.max(seq);
                }
                if let Some(sent_at) = frame.text.and_then(|t| t.split(' ').next()?.parse::<u128>().ok()) {
                    let latency = run.clock.elapsed().as_micros().saturating_sub(sent_at) as u64;
                    let _ = totals.latencies[self.shard].0.lock().expect("histogram").record(latency);
                    totals.deliveries.fetch_add(1, Relaxed);
                    if !self.reached {
                        self.reached = true;
                        totals.reached.fetch_add(1, Relaxed);
                    }
                }
            }
            "edit" | "reaction" => {
                totals.changes.fetch_add(1, Relaxed);
            }
            "presence" => {
                totals.presence.fetch_add(1, Relaxed);
            }
            "ack" if is_change(frame.client_id) => {
                totals.changes_acked[self.room].fetch_add(1, Relaxed);
            }
            "ack" => {
                totals.acked[self.room].fetch_add(1, Relaxed);
            }
            "error" if is_change(frame.client_id) => {
                totals.change_errors.fetch_add(1, Relaxed);
            }
            "error" => {
                totals.errors.fetch_add(1, Relaxed);
            }
            // Typing and read markers of the mix.
            _ => {}
        }
        Some(frame)
    }
}

/// Waits for the next tick, or forever without an interval.
async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// A counted socket that only reads (answering pings as it does); in the mix,
/// it also marks its room read once a second while the senders send.
pub async fn read(mut socket: Socket, run: Arc<Run>, index: usize) {
    let mut counter = Counter::new(&run, index);
    let mut marks = run.args.mix.then(|| tokio::time::interval(Duration::from_secs(1)));
    loop {
        tokio::select! {
            message = socket.next() => match message {
                Some(Ok(tungstenite::Message::Text(text))) => {
                    counter.count(&run, &text);
                }
                Some(Ok(_)) => {}
                _ => break,
            },
            () = tick(&mut marks) => {
                if !run.sending.load(Relaxed) {
                    marks = None;
                } else if let Some(frame) = read_frame(counter.seen)
                    && socket.send(frame).await.is_err()
                {
                    break;
                }
            }
        }
    }
    run.totals.closed.fetch_add(1, Relaxed);
}

/// The reading half of a sending socket: counts like [`read`], shares the
/// newest seq for read markers and, in the mix, hands every 20th acked message
/// (and the one acked before it) to the sending half for a reaction and an edit.
pub async fn receive(
    mut stream: Stream,
    run: Arc<Run>,
    index: usize,
    acked_by: Option<Acked>,
    changes: Option<mpsc::UnboundedSender<(i64, i64)>>,
) {
    let mut counter = Counter::new(&run, index);
    let (mut acked, mut previous) = (0u64, None);
    while let Some(Ok(message)) = stream.next().await {
        let tungstenite::Message::Text(text) = message else { continue };
        let Some(frame) = counter.count(&run, &text) else { continue };
        if let Some(acked_by) = &acked_by {
            acked_by.seen.store(counter.seen, Relaxed);
            if frame.kind == "ack"
                && !is_change(frame.client_id)
                && !is_thread_reply(frame.client_id)
                && let Some(seq) = frame.seq
            {
                acked_by.root.store(seq, Relaxed);
            }
        }
        if let Some(changes) = &changes
            && frame.kind == "ack"
            && !is_change(frame.client_id)
            && let Some(seq) = frame.seq
        {
            acked += 1;
            if acked % CHANGE_EVERY == 0
                && let Some(previous) = previous
            {
                let _ = changes.send((seq, previous));
            }
            previous = Some(seq);
        }
    }
    run.totals.closed.fetch_add(1, Relaxed);
}
