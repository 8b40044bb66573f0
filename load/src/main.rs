//! `parlor-load`: a load generator for Parlor. It logs users in over HTTP, opens
//! N room sockets (over one or many rooms), has S of them send at a steady total
//! rate, and reports end-to-end delivery latency (send to receipt, every
//! receiver), deliveries per second, acked and lost messages, and connect times,
//! as a readable line and optionally as JSON.
//!
//! It is built to stay cheap next to the server on the same machine: one task per
//! socket, frames parsed with borrowed strings, latencies in per-task histograms.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use clap::Parser;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig};
use serde::Deserialize;

#[derive(Parser, Debug, Clone)]
#[command(name = "parlor-load", about = "Load generator for Parlor")]
struct Args {
    /// Base URL of the server (or of the load balancer).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Room sockets to open.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// How many of them also send.
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Messages per second, in total over all senders.
    #[arg(long, default_value_t = 100)]
    rate: u64,
    /// Seconds of sending (or of holding idle sockets).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Rooms to spread the clients over (client i joins room i mod rooms).
    #[arg(long, default_value_t = 1)]
    rooms: usize,
    /// Prefix of the room names (`<prefix>-0`, `<prefix>-1`, ...).
    #[arg(long, default_value = "load")]
    room_prefix: String,
    /// Only open the sockets and hold them, sending nothing.
    #[arg(long)]
    idle: bool,
    /// Sockets opened at once while connecting.
    #[arg(long, default_value_t = 64)]
    connect_parallelism: usize,
    /// Also print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Add the realistic mix: every socket sends a read marker once a second,
    /// every sender a typing frame every 3 s.
    #[arg(long)]
    mix: bool,
    /// Words per message after the send time, drawn from a vocabulary of
    /// 20,000 (`w1` ... `w20000`, log-uniformly: `w1` is in most messages,
    /// `w15000` in a few), so that search has text to index (benchmark g).
    #[arg(long, default_value_t = 0)]
    words: usize,
}

/// Size of the `--words` vocabulary.
const VOCABULARY: f64 = 20_000.0;

/// `count` words for message `seed` (splitmix64: a load generator needs
/// variety, not secrecy).
fn words(mut seed: u64, count: usize) -> String {
    let mut text = String::new();
    for _ in 0..count {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        let rank = VOCABULARY.powf(unit).floor() as u64;
        text.push_str(&format!(" w{rank}"));
    }
    text
}

const PASSWORD: &str = "parlor-load-password";

/// The parts of a server frame the generator looks at.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default)]
    text: Option<&'a str>,
    #[serde(default)]
    seq: Option<i64>,
}

/// Counters shared by all client tasks.
struct Totals {
    sent: AtomicU64,
    /// Acks, per room.
    acked: Vec<AtomicU64>,
    errors: AtomicU64,
    deliveries: AtomicU64,
}

impl Totals {
    fn new(rooms: usize) -> Self {
        Self {
            sent: AtomicU64::new(0),
            acked: (0..rooms).map(|_| AtomicU64::new(0)).collect(),
            errors: AtomicU64::new(0),
            deliveries: AtomicU64::new(0),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let base = args.url.trim_end_matches('/').to_owned();
    let senders = if args.idle { 0 } else { args.senders.min(args.clients) };

    // Accounts: one per sender (message limits are per user), one shared by readers.
    let http = reqwest::Client::builder().build()?;
    let reader_cookie = session_cookie(&http, &base, "load_reader").await?;
    let mut sender_cookies = Vec::new();
    for i in 0..senders {
        sender_cookies.push(session_cookie(&http, &base, &format!("load_sender{i}")).await?);
    }

    // Connect every socket, `connect_parallelism` at a time.
    let mut connect_times = Histogram::<u64>::new(3)?;
    let mut sockets = Vec::with_capacity(args.clients);
    let ws_base = base.replacen("http", "ws", 1);
    let started_connecting = Instant::now();
    for chunk_start in (0..args.clients).step_by(args.connect_parallelism.max(1)) {
        let chunk_end = (chunk_start + args.connect_parallelism.max(1)).min(args.clients);
        let mut pending = Vec::new();
        for i in chunk_start..chunk_end {
            let cookie = if i < senders { sender_cookies[i].clone() } else { reader_cookie.clone() };
            let url = format!("{ws_base}/ws/room/{}-{}/", args.room_prefix, i % args.rooms.max(1));
            let origin = base.clone();
            pending.push(tokio::spawn(async move {
                let began = Instant::now();
                let mut request = url.into_client_request()?;
                request.headers_mut().insert("cookie", HeaderValue::from_str(&cookie)?);
                request.headers_mut().insert("origin", HeaderValue::from_str(&origin)?);
                let (socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(socket_config()), true).await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>((socket, began.elapsed()))
            }));
        }
        for task in pending {
            let (socket, took) = task.await?.map_err(|e| format!("connect failed: {e}"))?;
            connect_times.record(took.as_micros() as u64)?;
            sockets.push(socket);
        }
    }
    let connect_secs = started_connecting.elapsed().as_secs_f64();
    eprintln!("connected {} sockets in {connect_secs:.2}s", sockets.len());

    let rooms = args.rooms.max(1);
    let totals = Arc::new(Totals::new(rooms));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let clock = Instant::now();
    let sending = Arc::new(AtomicBool::new(!args.idle));
    let per_sender = if senders > 0 { args.rate as f64 / senders as f64 } else { 0.0 };
    let mut tasks = Vec::new();
    for (i, socket) in sockets.into_iter().enumerate() {
        let (sink, stream) = socket.split();
        let totals = totals.clone();
        let seen = Arc::new(AtomicI64::new(0));
        let receiver = tokio::spawn(receive(stream, totals.clone(), i % rooms, clock, stopped.clone(), seen.clone()));
        let mix = args.mix.then_some(seen);
        let sender = if i < senders {
            let sender = Sender { per_second: per_sender, index: i, word_count: args.words };
            Some(tokio::spawn(send(sink, sender, totals, clock, sending.clone(), mix)))
        } else {
            if let Some(seen) = mix {
                tokio::spawn(mark_read(sink, seen, sending.clone()));
            }
            None
        };
        tasks.push((receiver, sender));
    }

    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    sending.store(false, Ordering::Relaxed);
    let sending_secs = clock.elapsed().as_secs_f64();
    // Senders finish the frames due in their current tick; after that `sent` is final.
    for (_, sender) in &mut tasks {
        if let Some(sender) = sender.take() {
            sender.await?;
        }
    }
    let clients_per_room: Vec<u64> =
        (0..rooms).map(|room| (0..args.clients).filter(|i| i % rooms == room).count() as u64).collect();
    // Every acked message is due to every socket of its room, its sender's included.
    let expected = || -> u64 {
        totals.acked.iter().zip(&clients_per_room).map(|(a, n)| a.load(Ordering::Relaxed) * n).sum()
    };
    // Let sends still queued be answered and deliveries still in flight arrive
    // (up to 30 s), so `lost` counts only what never came.
    let answered = || -> u64 {
        totals.acked.iter().map(|a| a.load(Ordering::Relaxed)).sum::<u64>() + totals.errors.load(Ordering::Relaxed)
    };
    let settled = || answered() >= totals.sent.load(Ordering::Relaxed) && totals.deliveries.load(Ordering::Relaxed) >= expected();
    let drain = Instant::now();
    while !settled() && drain.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drain_secs = drain.elapsed().as_secs_f64();
    let _ = stop.send(true);
    let mut latencies = Histogram::<u64>::new(3)?;
    for (receiver, _) in tasks {
        latencies.add(&receiver.await?)?;
    }

    let acked: u64 = totals.acked.iter().map(|a| a.load(Ordering::Relaxed)).sum();
    let expected = expected();
    let deliveries = totals.deliveries.load(Ordering::Relaxed);
    let report = serde_json::json!({
        "clients": args.clients,
        "senders": senders,
        "rooms": args.rooms,
        "target_rate": args.rate,
        "duration_s": sending_secs,
        "sent": totals.sent.load(Ordering::Relaxed),
        "acked": acked,
        "errors": totals.errors.load(Ordering::Relaxed),
        "deliveries": deliveries,
        "deliveries_per_s": deliveries as f64 / (sending_secs + drain_secs),
        "lost": expected.saturating_sub(deliveries),
        "latency_ms": summary(&latencies),
        "connect_ms": summary(&connect_times),
        "connect_total_s": connect_secs,
        "drain_s": drain_secs,
    });
    println!(
        "clients={} senders={} rooms={} rate={}/s sent={} acked={} errors={} deliveries={} ({:.0}/s) lost={} \
         latency p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms connect p50={:.2}ms p99={:.2}ms drain={:.1}s",
        args.clients,
        senders,
        args.rooms,
        args.rate,
        report["sent"],
        acked,
        report["errors"],
        deliveries,
        report["deliveries_per_s"].as_f64().unwrap_or(0.0),
        report["lost"],
        ms(&latencies, 50.0),
        ms(&latencies, 90.0),
        ms(&latencies, 99.0),
        latencies.max() as f64 / 1000.0,
        ms(&connect_times, 50.0),
        ms(&connect_times, 99.0),
        drain_secs,
    );
    if args.json {
        println!("{report}");
    }
    Ok(())
}

fn ms(histogram: &Histogram<u64>, percentile: f64) -> f64 {
    histogram.value_at_percentile(percentile) as f64 / 1000.0
}

fn summary(histogram: &Histogram<u64>) -> serde_json::Value {
    serde_json::json!({
        "p50": ms(histogram, 50.0),
        "p90": ms(histogram, 90.0),
        "p99": ms(histogram, 99.0),
        "max": histogram.max() as f64 / 1000.0,
        "count": histogram.len(),
    })
}

/// The session cookie of the generator's account `username`.
async fn session_cookie(http: &reqwest::Client, base: &str, username: &str) -> Result<String, Box<dyn std::error::Error>> {
    parlor_load::session_cookie(http, base, username, PASSWORD).await.map_err(|e| e.to_string().into())
}

type Sink = futures::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tungstenite::Message,
>;
/// Small buffers (tungstenite reserves and zeroes 128 KiB per read by default),
/// so the generator spends its time on frames, not on memset.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(16 * 1024).write_buffer_size(0)
}

type Stream = futures::stream::SplitStream<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
>;

/// The read marker of a socket's newest message, as a frame.
fn read_frame(seen: &AtomicI64) -> Option<String> {
    let seq = seen.load(Ordering::Relaxed);
    (seq > 0).then(|| format!(r#"{{"type":"read","seq":{seq}}}"#))
}

/// For a socket that only reads, in the mix: a read marker once a second.
async fn mark_read(mut sink: Sink, seen: Arc<AtomicI64>, sending: Arc<AtomicBool>) {
    let mut every_second = tokio::time::interval(Duration::from_secs(1));
    while sending.load(Ordering::Relaxed) {
        every_second.tick().await;
        if let Some(frame) = read_frame(&seen)
            && sink.send(tungstenite::Message::text(frame)).await.is_err()
        {
            return;
        }
    }
}

/// Who a sending socket is and how it sends.
struct Sender {
    per_second: f64,
    /// Which sender (in client ids, and to vary the words).
    index: usize,
    /// Words after the send time in each text (`--words`).
    word_count: usize,
}

/// Sends at `per_second`, paced against the clock; the text is the send time in
/// µs. In the mix, also a read marker once a second and a typing frame every 3 s.
async fn send(
    mut sink: Sink,
    Sender { per_second, index, word_count }: Sender,
    totals: Arc<Totals>,
    clock: Instant,
    sending: Arc<AtomicBool>,
    mix: Option<Arc<AtomicI64>>,
) {
    let began = Instant::now();
    let mut sent: u64 = 0;
    let (mut last_read, mut last_typing) = (began, began);
    // Wake about once per message (1-10 ms): hundreds of senders waking every
    // millisecond would cost the generator more than the sends themselves.
    let period = Duration::from_secs_f64(1.0 / per_second.max(1.0)).clamp(Duration::from_millis(1), Duration::from_millis(10));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while sending.load(Ordering::Relaxed) {
        tick.tick().await;
        if let Some(seen) = &mix {
            let mut extra = Vec::new();
            if last_read.elapsed() >= Duration::from_secs(1) {
                last_read = Instant::now();
                extra.extend(read_frame(seen));
            }
            if last_typing.elapsed() >= Duration::from_secs(3) {
                last_typing = Instant::now();
                extra.push(r#"{"type":"typing"}"#.to_owned());
            }
            for frame in extra {
                if sink.send(tungstenite::Message::text(frame)).await.is_err() {
                    return;
                }
            }
        }
        let due = (began.elapsed().as_secs_f64() * per_second) as u64;
        while sent < due {
            let at = clock.elapsed().as_micros();
            let said = words(((index as u64) << 32) | sent, word_count);
            let frame = format!(r#"{{"type":"send","text":"{at}{said}","client_id":"{index}-{sent}-{at}"}}"#);
            if sink.send(tungstenite::Message::text(frame)).await.is_err() {
                return;
            }
            sent += 1;
            totals.sent.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Counts frames and records each message's latency until `stop` turns true.
async fn receive(
    mut stream: Stream,
    totals: Arc<Totals>,
    room: usize,
    clock: Instant,
    mut stop: tokio::sync::watch::Receiver<bool>,
    seen: Arc<AtomicI64>,
) -> Histogram<u64> {
    let mut latencies = Histogram::<u64>::new(3).expect("histogram");
    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            _ = stop.wait_for(|&stop| stop) => break,
        };
        let Some(Ok(message)) = message else { break };
        let tungstenite::Message::Text(text) = message else { continue };
        let Ok(frame) = serde_json::from_str::<Frame>(&text) else { continue };
        match frame.kind {
            "message" => {
                if let Some(seq) = frame.seq {
                    seen.fetch_max(seq, Ordering::Relaxed);
                }
                if let Some(sent_at) = frame.text.and_then(|t| t.split(' ').next()?.parse::<u128>().ok()) {
                    let now = clock.elapsed().as_micros();
                    let _ = latencies.record(now.saturating_sub(sent_at) as u64);
                    totals.deliveries.fetch_add(1, Ordering::Relaxed);
                }
            }
            "ack" => {
                totals.acked[room].fetch_add(1, Ordering::Relaxed);
            }
            "error" => {
                totals.errors.fetch_add(1, Ordering::Relaxed);
            }
            // Presence, typing and read markers of the mix.
            _ => {}
        }
    }
    latencies
}
