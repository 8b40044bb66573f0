//! Sending: the paced senders (with, in the mix, their read markers, typing,
//! reactions and edits) and `--then-send`'s bursts.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use futures::SinkExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite;

use crate::{
    connect::Sink,
    frames::{message_frame, read_frame, thread_reply_frame},
    run::Run,
};

/// `--then-send`: once every socket is connected, sends its messages at once.
pub async fn burst(mut sink: Sink, run: Arc<Run>, index: usize) {
    let mut started = run.started.clone();
    let _ = started.wait_for(|&started| started).await;
    for n in 0..run.args.then_send {
        if sink.send(message_frame(&run, index, n, run.args.words)).await.is_err() {
            return;
        }
        run.totals.sent.fetch_add(1, Relaxed);
    }
}

/// In the mix, every this many messages of a sender is a reply in the thread of
/// its newest acked message (20%).
const THREAD_REPLY_EVERY: u64 = 5;

/// What a sender of the mix learns from its acks: the newest seq it has seen
/// (read markers), and its newest acked message that can be a thread's root.
#[derive(Clone, Default)]
pub struct Acked {
    pub seen: Arc<AtomicI64>,
    pub root: Arc<AtomicI64>,
}

/// Sends at `per_second`, paced against the clock, from the start until
/// `sending` turns false. In the mix, also a read marker once a second, a typing
/// frame every 3 s, a thread reply for every fifth message, and the reactions
/// and edits [`receive`](crate::receive::receive) asks for.
pub async fn send(
    mut sink: Sink,
    run: Arc<Run>,
    index: usize,
    per_second: f64,
    acked: Option<Acked>,
    mut to_change: Option<mpsc::UnboundedReceiver<(i64, i64)>>,
) {
    let mut started = run.started.clone();
    let _ = started.wait_for(|&started| started).await;
    let began = Instant::now();
    let mut sent: u64 = 0;
    let (mut last_read, mut last_typing) = (began, began);
    // Wake about once per message (1-10 ms): hundreds of senders waking every
    // millisecond would cost the generator more than the sends themselves.
    let period = Duration::from_secs_f64(1.0 / per_second.max(1.0)).clamp(Duration::from_millis(1), Duration::from_millis(10));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while run.sending.load(Relaxed) {
        tick.tick().await;
        let mut extra = Vec::new();
        if let Some(acked) = &acked {
            if last_read.elapsed() >= Duration::from_secs(1) {
                last_read = Instant::now();
                extra.extend(read_frame(acked.seen.load(Relaxed)));
            }
            if last_typing.elapsed() >= Duration::from_secs(3) {
                last_typing = Instant::now();
                extra.push(tungstenite::Message::text(r#"{"type":"typing"}"#));
            }
        }
        for frame in extra {
            if sink.send(frame).await.is_err() {
                return;
            }
        }
        let due = (began.elapsed().as_secs_f64() * per_second) as u64;
        while sent < due {
            let root = acked.as_ref().map_or(0, |acked| acked.root.load(Relaxed));
            let frame = if root > 0 && sent % THREAD_REPLY_EVERY == THREAD_REPLY_EVERY - 1 {
                thread_reply_frame(&run, index, sent, run.args.words, root)
            } else {
                message_frame(&run, index, sent, run.args.words)
            };
            if sink.send(frame).await.is_err() {
                return;
            }
            sent += 1;
            run.totals.sent.fetch_add(1, Relaxed);
        }
        while let Some(Ok((react_on, edit))) = to_change.as_mut().map(|changes| changes.try_recv()) {
            // Client ids named by the target: unique per change, also in a room an
            // earlier run used (a repeated id is a resend, stored once, not broadcast).
            let react = format!(r#"{{"type":"react","target":{react_on},"emoji":"👍","client_id":"c{index}-r{react_on}"}}"#);
            let edit = format!(r#"{{"type":"edit","target":{edit},"text":"edited","client_id":"c{index}-e{edit}"}}"#);
            for frame in [react, edit] {
                if sink.send(tungstenite::Message::text(frame)).await.is_err() {
                    return;
                }
                run.totals.changes_sent.fetch_add(1, Relaxed);
            }
        }
    }
}
