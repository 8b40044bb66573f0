//! Clients that behave like Parlor's browser through faults: a sender keeps an
//! outbox of messages not yet acknowledged and sends it again, in order and
//! with the same `client_id`s, after every reconnect and after a refusal (with
//! a backoff, as the browser does); a reader reconnects with `?after=` the
//! last `seq` it showed. Both record what they saw for [`crate::verify`].

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::Value;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

/// First wait before reconnecting or resending; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// What every client of a run shares.
pub struct Shared {
    pub ws_base: String,
    pub origin: HeaderValue,
    pub room_prefix: String,
    pub clock: Instant,
    /// True while senders make new messages.
    pub sending: AtomicBool,
    /// True once the run is over: readers close.
    pub done: AtomicBool,
    pub record: Mutex<Record>,
    pub reconnects: AtomicU64,
    pub sent: AtomicU64,
    /// Each reader's newest seq shown (indexed like the readers).
    pub progress: Mutex<Vec<i64>>,
    /// From a message's first send to its ack, in µs.
    pub ack_latency: Mutex<Histogram<u64>>,
}

/// What the clients saw.
#[derive(Default)]
pub struct Record {
    /// Acked messages: client id → (room, seq).
    pub acked: HashMap<String, (String, i64)>,
    /// Error frames by code.
    pub errors: BTreeMap<String, u64>,
    /// Each reader's room and how often it was shown each seq.
    pub readers: Vec<(String, HashMap<i64, u32>)>,
    /// Senders' messages never acknowledged by the end.
    pub unacked: u64,
    /// How long each lost connection took to come back.
    pub outages: Vec<Duration>,
    /// `reset` frames (more missed than a replay gives).
    pub resets: u64,
}

impl Shared {
    pub fn room(&self, index: usize, rooms: usize) -> String {
        format!("{}-{}", self.room_prefix, index % rooms)
    }

    /// Whether every reader was shown its room's newest seq in `newest`.
    pub fn caught_up(&self, rooms: usize, newest: &HashMap<String, i64>) -> bool {
        let progress = self.progress.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        progress.iter().enumerate().all(|(index, &last)| last >= newest.get(&self.room(index, rooms)).copied().unwrap_or(0))
    }

    fn shown(&self, index: usize, last: i64) {
        if let Some(slot) = self.progress.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get_mut(index) {
            *slot = last;
        }
    }

    fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn connect(&self, room: &str, after: i64, cookie: &HeaderValue) -> Result<crate::Socket, tungstenite::Error> {
        let mut request = format!("{}/ws/room/{room}/?after={after}", self.ws_base).into_client_request()?;
        request.headers_mut().insert("cookie", cookie.clone());
        request.headers_mut().insert("origin", self.origin.clone());
        let connect = tokio_tungstenite::connect_async(request);
        match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(result) => result.map(|(socket, _)| socket),
            Err(_) => Err(tungstenite::Error::Io(std::io::Error::other("connect timed out"))),
        }
    }

    /// Connects, retrying with backoff until it works or the run is done;
    /// records how long the connection was away (from `lost`).
    async fn reconnect(&self, room: &str, after: i64, cookie: &HeaderValue, lost: Option<Instant>) -> Option<crate::Socket> {
        let mut backoff = FIRST_BACKOFF;
        loop {
            if self.done.load(Relaxed) {
                return None;
            }
            match self.connect(room, after, cookie).await {
                Ok(socket) => {
                    if let Some(lost) = lost {
                        self.reconnects.fetch_add(1, Relaxed);
                        self.record().outages.push(lost.elapsed());
                    }
                    return Some(socket);
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

/// A message in a sender's outbox.
struct Pending {
    client_id: String,
    frame: String,
    /// When it was made (µs on the run's clock).
    made_at: u128,
}

/// Sends `per_second` messages to room `index mod rooms` while the run sends,
/// then until its outbox is empty or `deadline`.
pub async fn sender(shared: Arc<Shared>, index: usize, rooms: usize, per_second: f64, cookie: HeaderValue, deadline: Instant) {
    let room = shared.room(index, rooms);
    let mut outbox: VecDeque<Pending> = VecDeque::new();
    let (mut made, mut last_seen) = (0u64, 0i64);
    let began = Instant::now();
    let mut lost = None;
    let mut backoff = FIRST_BACKOFF;
    'connections: while Instant::now() < deadline {
        let Some(socket) = shared.reconnect(&room, last_seen, &cookie, lost).await else { break };
        let (mut sink, mut stream) = socket.split();
        // Everything not acknowledged goes again, in order, with its client id.
        let mut resend_at = Some(tokio::time::Instant::now());
        let mut tick = tokio::time::interval(Duration::from_millis(5));
        loop {
            if !shared.sending.load(Relaxed) && outbox.is_empty() || Instant::now() >= deadline {
                let _ = sink.close().await;
                break 'connections;
            }
            tokio::select! {
                _ = tick.tick() => {
                    if let Some(at) = resend_at && tokio::time::Instant::now() >= at {
                        resend_at = None;
                        for pending in &outbox {
                            if sink.send(tungstenite::Message::text(pending.frame.clone())).await.is_err() {
                                lost = Some(Instant::now());
                                continue 'connections;
                            }
                        }
                    }
                    let due = if shared.sending.load(Relaxed) { (began.elapsed().as_secs_f64() * per_second) as u64 } else { made };
                    while made < due {
                        let client_id = format!("s{index}-{made}");
                        let at = shared.clock.elapsed().as_micros();
                        let frame = format!(r#"{{"type":"send","text":"{client_id} {at}","client_id":"{client_id}"}}"#);
                        made += 1;
                        shared.sent.fetch_add(1, Relaxed);
                        outbox.push_back(Pending { client_id, frame: frame.clone(), made_at: at });
                        // While a refusal waits for its resend, new messages wait in the outbox.
                        if resend_at.is_none() && sink.send(tungstenite::Message::text(frame)).await.is_err() {
                            lost = Some(Instant::now());
                            continue 'connections;
                        }
                    }
                }
                frame = stream.next() => {
                    let Some(Ok(tungstenite::Message::Text(text))) = frame else {
                        if matches!(frame, Some(Ok(_))) {
                            continue;
                        }
                        lost = Some(Instant::now());
                        continue 'connections;
                    };
                    let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                    match frame["type"].as_str() {
                        Some("ack") => {
                            if let (Some(client_id), Some(seq)) = (frame["client_id"].as_str(), frame["seq"].as_i64())
                                && let Some(at) = outbox.iter().position(|p| p.client_id == client_id)
                            {
                                let acked = outbox.remove(at).map_or(0, |pending| pending.made_at);
                                let micros = shared.clock.elapsed().as_micros().saturating_sub(acked) as u64;
                                let _ = shared.ack_latency.lock().unwrap_or_else(|p| p.into_inner()).record(micros.max(1));
                                backoff = FIRST_BACKOFF;
                                shared.record().acked.insert(client_id.to_owned(), (room.clone(), seq));
                            }
                        }
                        Some("message") => last_seen = last_seen.max(frame["seq"].as_i64().unwrap_or(0)),
                        Some("error") => {
                            let code = frame["code"].as_str().unwrap_or("?").to_owned();
                            *shared.record().errors.entry(code).or_default() += 1;
                            if resend_at.is_none() && frame["client_id"].is_string() {
                                resend_at = Some(tokio::time::Instant::now() + backoff);
                                backoff = (backoff * 2).min(MAX_BACKOFF);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    shared.record().unacked += outbox.len() as u64;
}

/// Reads room `index mod rooms` until the run is done, recording every `seq`
/// shown and each message's delivery latency.
pub async fn reader(shared: Arc<Shared>, index: usize, rooms: usize, cookie: HeaderValue, latency: Arc<Mutex<Histogram<u64>>>) {
    let room = shared.room(index, rooms);
    let mut seen: HashMap<i64, u32> = HashMap::new();
    let mut last = 0i64;
    let mut lost = None;
    'connections: while let Some(socket) = shared.reconnect(&room, last, &cookie, lost).await {
        let (_, mut stream) = socket.split();
        loop {
            let frame = tokio::select! {
                frame = stream.next() => frame,
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    if shared.done.load(Relaxed) {
                        break 'connections;
                    }
                    continue;
                }
            };
            let Some(Ok(message)) = frame else {
                lost = Some(Instant::now());
                continue 'connections;
            };
            let tungstenite::Message::Text(text) = message else { continue };
            let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
            match frame["type"].as_str() {
                Some("message") => {
                    let Some(seq) = frame["seq"].as_i64() else { continue };
                    *seen.entry(seq).or_default() += 1;
                    last = last.max(seq);
                    shared.shown(index, last);
                    let sent_at = frame["text"].as_str().and_then(|t| t.split(' ').nth(1)).and_then(|at| at.parse::<u128>().ok());
                    if let Some(sent_at) = sent_at {
                        let micros = shared.clock.elapsed().as_micros().saturating_sub(sent_at) as u64;
                        let _ = latency.lock().unwrap_or_else(|p| p.into_inner()).record(micros.max(1));
                    }
                }
                Some("reset") => {
                    shared.record().resets += 1;
                    last = last.max(frame["seq"].as_i64().unwrap_or(0));
                    shared.shown(index, last);
                }
                _ => {}
            }
        }
    }
    shared.record().readers.push((room, seen));
}
