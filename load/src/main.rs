//! `parlor-load`: a load generator for Parlor. It logs users in over HTTP, opens
//! N room sockets (over one or many rooms, optionally from several loopback
//! source addresses so that more than one address's ~28k ephemeral ports fit),
//! has S of them send at a steady total rate, and reports end-to-end delivery
//! latency (send to receipt, every receiver), deliveries per second, acked and
//! lost messages, and connect times, as a readable line and optionally as JSON.
//!
//! Modes beyond plain sending:
//! - `--mix`: read markers, typing, and a reaction and an edit for 5% of the
//!   acked messages (counted apart from messages, as `changes`); `--churn N`
//!   adds N uncounted sockets of their own users that join and leave.
//! - `--idle`: the sockets only hold (and answer pings) for `--duration`;
//!   `--then-send K` first has one socket per room send K messages and waits
//!   until every socket has them, printing `settled ...` on stderr.
//!
//! It is built to stay cheap next to the server on the same machine: a reading
//! socket is one small task (a sending one two), frames are parsed with
//! borrowed strings, latencies go to a few shared histograms, and it raises its
//! own open-file limit to the hard limit.

use std::{
    net::{Ipv4Addr, SocketAddr},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use clap::Parser;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Deserialize;
use tokio::{
    net::{TcpSocket, TcpStream},
    sync::{mpsc, watch},
    task::JoinHandle,
};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{self, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig},
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser, Debug, Clone)]
#[command(name = "parlor-load", about = "Load generator for Parlor")]
struct Args {
    /// Base URL of the server (or of the load balancer); `http://` only.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Room sockets to open (the counted receivers).
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// How many of them also send.
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Messages per second, in total over all senders.
    #[arg(long, default_value_t = 100)]
    rate: u64,
    /// Seconds of sending; with --idle, seconds of holding the sockets once they
    /// are connected (and --then-send's messages have arrived).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Rooms to spread the clients over (client i joins room i mod rooms).
    #[arg(long, default_value_t = 1)]
    rooms: usize,
    /// Prefix of the room names (`<prefix>-0`, `<prefix>-1`, ...).
    #[arg(long, default_value = "load")]
    room_prefix: String,
    /// Only open the sockets and hold them, sending nothing (but --then-send).
    #[arg(long)]
    idle: bool,
    /// With --idle: once every socket is connected, the first socket of each
    /// room sends this many messages at once; the generator waits until they
    /// reached every socket (printing `settled ...` on stderr), then holds.
    #[arg(long, default_value_t = 0, requires = "idle")]
    then_send: u64,
    /// Sockets opened at once while connecting.
    #[arg(long, default_value_t = 64)]
    connect_parallelism: usize,
    /// Local addresses to connect from: socket i binds 127.0.0.(1 + i mod N), so
    /// that N × ~28k sockets fit in the ephemeral ports (loopback servers only).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=254))]
    source_addrs: u8,
    /// Instances to open sockets to, socket i to the (i mod N)-th (repeat the
    /// flag; default: --url). Accounts are made through --url; every instance
    /// must share its database and channel layer.
    #[arg(long = "socket-url")]
    socket_urls: Vec<String>,
    /// Longest wait, after sending, for answers and deliveries still in flight.
    #[arg(long, default_value_t = 30)]
    drain_secs: u64,
    /// Also print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Add the realistic mix: every socket sends a read marker once a second,
    /// every sender a typing frame every 3 s and, for every 20th acked message
    /// (5%), a reaction on it and an edit of its previous one.
    #[arg(long)]
    mix: bool,
    /// Presence churn: this many extra sockets, each of its own user
    /// (`load_churn<j>`), that stay --churn-secs in a room, leave for as long and
    /// come back, while the senders send. They are not counted as receivers.
    #[arg(long, default_value_t = 0)]
    churn: usize,
    /// Seconds a churn socket stays (and then stays away).
    #[arg(long, default_value_t = 2.0)]
    churn_secs: f64,
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

/// In the mix, every this many acked messages of a sender get a reaction and an edit (5%).
const CHANGE_EVERY: u64 = 20;

/// Latency histograms shared by the sockets (socket i records into i mod
/// SHARDS): one per socket would cost ~100 KB each at 100k sockets.
const SHARDS: usize = 64;

/// The parts of a server frame the generator looks at.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default)]
    text: Option<&'a str>,
    #[serde(default)]
    seq: Option<i64>,
    #[serde(default)]
    client_id: Option<&'a str>,
}

/// Whether a client id names a reaction or an edit (`c…`) rather than a message.
fn is_change(client_id: Option<&str>) -> bool {
    client_id.is_some_and(|id| id.starts_with('c'))
}

/// One latency histogram, on a cache line of its own.
#[repr(align(128))]
struct Shard(Mutex<Histogram<u64>>);

/// Counters shared by all sockets. "Changes" are reactions and edits.
struct Totals {
    sent: AtomicU64,
    /// Message acks, per room.
    acked: Vec<AtomicU64>,
    errors: AtomicU64,
    /// `message` frames received by counted sockets.
    deliveries: AtomicU64,
    changes_sent: AtomicU64,
    /// Change acks, per room.
    changes_acked: Vec<AtomicU64>,
    change_errors: AtomicU64,
    /// `edit` and `reaction` frames received by counted sockets.
    changes: AtomicU64,
    /// `presence` frames received by counted sockets.
    presence: AtomicU64,
    /// Counted sockets that heard from the server (it sends presence once the socket joined the room).
    ready: AtomicU64,
    /// Counted sockets that received at least one message.
    reached: AtomicU64,
    /// Counted sockets the server closed (or that failed) before the report.
    closed: AtomicU64,
    /// Churn sockets opened, and churn connects that failed.
    reconnects: AtomicU64,
    churn_failed: AtomicU64,
    latencies: Vec<Shard>,
}

impl Totals {
    fn new(rooms: usize) -> Result<Self, BoxError> {
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
fn sum(counters: &[AtomicU64]) -> u64 {
    counters.iter().map(|c| c.load(Relaxed)).sum()
}

/// What every socket task of the run shares.
struct Run {
    args: Args,
    connector: Connector,
    totals: Totals,
    /// The clock of the send times written into message texts.
    clock: Instant,
    /// True while the senders send (and read markers and churn go on).
    sending: AtomicBool,
    /// Turns true once every socket is connected: the senders start.
    started: watch::Receiver<bool>,
    rooms: usize,
    /// Sockets 0..senders send at the rate, with their own accounts.
    senders: usize,
    /// With --then-send, sockets 0..bursts (one per room) send once.
    bursts: usize,
    reader_cookie: HeaderValue,
    sender_cookies: Vec<HeaderValue>,
}

impl Run {
    /// The room socket `index` joins.
    fn room(&self, index: usize) -> String {
        format!("{}-{}", self.args.room_prefix, index % self.rooms)
    }

    /// Counted sockets in `room`.
    fn clients_in(&self, room: usize) -> u64 {
        (self.args.clients / self.rooms + usize::from(room < self.args.clients % self.rooms)) as u64
    }

    /// Every acked event in `acked` is due to every socket of its room, its sender's included.
    fn expected(&self, acked: &[AtomicU64]) -> u64 {
        acked.iter().enumerate().map(|(room, a)| a.load(Relaxed) * self.clients_in(room)).sum()
    }

    /// Every send and change answered, every delivery arrived.
    fn settled(&self) -> bool {
        let t = &self.totals;
        sum(&t.acked) + t.errors.load(Relaxed) >= t.sent.load(Relaxed)
            && sum(&t.changes_acked) + t.change_errors.load(Relaxed) >= t.changes_sent.load(Relaxed)
            && t.deliveries.load(Relaxed) >= self.expected(&t.acked)
            && t.changes.load(Relaxed) >= self.expected(&t.changes_acked)
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let base = args.url.trim_end_matches('/').to_owned();
    let rooms = args.rooms.max(1);
    let senders = if args.idle { 0 } else { args.senders.min(args.clients) };
    let bursts = if args.then_send > 0 { rooms.min(args.clients) } else { 0 };
    let open_files = raise_open_file_limit();
    let wanted = (args.clients + args.churn + 64) as u64;
    if open_files < wanted {
        eprintln!("warning: the open-file limit is {open_files}, this run needs about {wanted}");
    }

    // Accounts: one per sender (message limits are per user), one shared by
    // readers (and --then-send), one per churn socket (so presence changes).
    let http = reqwest::Client::builder().build()?;
    let reader_cookie = session_cookie(&http, &base, "load_reader").await?;
    let mut sender_cookies = Vec::new();
    for i in 0..senders {
        sender_cookies.push(session_cookie(&http, &base, &format!("load_sender{i}")).await?);
    }
    let mut churn_cookies = Vec::new();
    for j in 0..args.churn {
        churn_cookies.push(session_cookie(&http, &base, &format!("load_churn{j}")).await?);
    }

    let socket_bases = if args.socket_urls.is_empty() { vec![base.clone()] } else { args.socket_urls.clone() };
    let connector = Connector::new(&socket_bases, args.source_addrs, args.idle).await?;
    let (start, started) = watch::channel(false);
    let run = Arc::new(Run {
        connector,
        totals: Totals::new(rooms)?,
        clock: Instant::now(),
        sending: AtomicBool::new(!args.idle),
        started,
        rooms,
        senders,
        bursts,
        reader_cookie,
        sender_cookies,
        args: args.clone(),
    });
    let totals = &run.totals;

    // Connect every socket, `connect_parallelism` at a time; each starts reading at once.
    let started_connecting = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..args.connect_parallelism.clamp(1, args.clients.max(1)))
        .map(|_| tokio::spawn(connect_some(run.clone(), next.clone())))
        .collect();
    let mut connect_times = Histogram::<u64>::new(3)?;
    let mut send_tasks = Vec::new();
    for worker in workers {
        let (times, tasks) = worker.await??;
        connect_times.add(times)?;
        send_tasks.extend(tasks);
    }
    let connect_secs = started_connecting.elapsed().as_secs_f64();
    eprintln!("connected {} sockets in {connect_secs:.2}s", args.clients);
    // Live messages reach a socket once the server has joined it to the room,
    // which its first frame (the presence snapshot) shows.
    let ready = || totals.ready.load(Relaxed) >= args.clients as u64;
    if !wait_until(ready, Duration::from_secs(30)).await {
        eprintln!("warning: only {} of {} sockets heard from the server", totals.ready.load(Relaxed), args.clients);
    }

    for (j, cookie) in churn_cookies.into_iter().enumerate() {
        tokio::spawn(churn(run.clone(), j, cookie));
    }
    let _ = start.send(true);
    let began = Instant::now();
    if !args.idle {
        tokio::time::sleep(Duration::from_secs(args.duration)).await;
        run.sending.store(false, Relaxed);
    }
    let sending_secs = began.elapsed().as_secs_f64();
    // Senders finish the frames due in their current tick; after that `sent` is final.
    for task in send_tasks {
        task.await?;
    }
    // Let sends still queued be answered and deliveries still in flight arrive,
    // so `lost` counts only what never came.
    let drain = Instant::now();
    wait_until(|| run.settled(), Duration::from_secs(args.drain_secs)).await;
    let drain_secs = drain.elapsed().as_secs_f64();
    let expected = run.expected(&totals.acked);
    let deliveries = totals.deliveries.load(Relaxed);
    if args.idle {
        eprintln!(
            "settled after {drain_secs:.1}s: deliveries={deliveries} lost={} reached={}/{}; holding the sockets for {}s",
            expected.saturating_sub(deliveries),
            totals.reached.load(Relaxed),
            args.clients,
            args.duration,
        );
        tokio::time::sleep(Duration::from_secs(args.duration)).await;
    }

    let mut latencies = Histogram::<u64>::new(3)?;
    for shard in &totals.latencies {
        latencies.add(&*shard.0.lock().expect("histogram"))?;
    }
    let acked = sum(&totals.acked);
    let changes = totals.changes.load(Relaxed);
    let changes_expected = run.expected(&totals.changes_acked);
    // Idle runs send nothing at a rate, deliver only during the drain, and hold for --duration.
    let rate = if args.idle { 0 } else { args.rate };
    let active_secs = if args.idle { drain_secs } else { sending_secs + drain_secs };
    let held_secs = if args.idle { args.duration as f64 } else { sending_secs };
    let report = serde_json::json!({
        "clients": args.clients,
        "senders": senders + bursts,
        "rooms": args.rooms,
        "source_addrs": args.source_addrs,
        "target_rate": rate,
        "duration_s": held_secs,
        "sent": totals.sent.load(Relaxed),
        "acked": acked,
        "errors": totals.errors.load(Relaxed),
        "deliveries": deliveries,
        "deliveries_per_s": deliveries as f64 / active_secs.max(1e-3),
        "lost": expected.saturating_sub(deliveries),
        "reached": totals.reached.load(Relaxed),
        "closed": totals.closed.load(Relaxed),
        "changes_sent": totals.changes_sent.load(Relaxed),
        "changes_acked": sum(&totals.changes_acked),
        "change_errors": totals.change_errors.load(Relaxed),
        "changes": changes,
        "changes_lost": changes_expected.saturating_sub(changes),
        "presence": totals.presence.load(Relaxed),
        "churn": args.churn,
        "reconnects": totals.reconnects.load(Relaxed),
        "churn_failed": totals.churn_failed.load(Relaxed),
        "latency_ms": summary(&latencies),
        "connect_ms": summary(&connect_times),
        "connect_total_s": connect_secs,
        "drain_s": drain_secs,
    });
    let mut line = format!(
        "clients={} senders={} rooms={} rate={}/s sent={} acked={} errors={} deliveries={} ({:.0}/s) lost={} \
         latency p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms connect p50={:.2}ms p99={:.2}ms drain={:.1}s",
        args.clients,
        senders + bursts,
        args.rooms,
        rate,
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
    if args.mix || args.churn > 0 {
        line += &format!(
            " changes={changes} (sent {} acked {} errors {} lost {}) presence={} churn={} reconnects={} churn_failed={}",
            report["changes_sent"],
            report["changes_acked"],
            report["change_errors"],
            report["changes_lost"],
            report["presence"],
            args.churn,
            report["reconnects"],
            report["churn_failed"],
        );
    }
    if args.idle {
        line += &format!(
            " reached={} closed={} connect_total={connect_secs:.1}s source_addrs={}",
            report["reached"], report["closed"], args.source_addrs
        );
    }
    println!("{line}");
    if args.json {
        println!("{report}");
    }
    Ok(())
}

/// Polls `done` every 50 ms for up to `limit`; whether it came true.
async fn wait_until(done: impl Fn() -> bool, limit: Duration) -> bool {
    let since = Instant::now();
    while !done() {
        if since.elapsed() >= limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    true
}

/// Raises the soft limit of open files to the hard one (a socket is a file);
/// returns the soft limit in force.
fn raise_open_file_limit() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur as u64
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

/// The session cookie of the generator's account `username`, as a header value.
async fn session_cookie(http: &reqwest::Client, base: &str, username: &str) -> Result<HeaderValue, BoxError> {
    Ok(HeaderValue::from_str(&parlor_load::session_cookie(http, base, username, PASSWORD).await?)?)
}

type Socket = WebSocketStream<TcpStream>;
type Sink = futures::stream::SplitSink<Socket, tungstenite::Message>;
type Stream = futures::stream::SplitStream<Socket>;

/// How sockets are opened: the instances, the local addresses, the buffers.
struct Connector {
    targets: Vec<Target>,
    source_addrs: u8,
    config: WebSocketConfig,
}

/// An instance sockets are opened to: its address, WebSocket base URL and origin.
struct Target {
    server: SocketAddr,
    ws_base: String,
    origin: HeaderValue,
}

impl Target {
    async fn new(base: &str, source_addrs: u8) -> Result<Self, BoxError> {
        let base = base.trim_end_matches('/');
        let authority = base.strip_prefix("http://").ok_or("--url and --socket-url must be http:// URLs")?;
        let authority = authority.split('/').next().unwrap_or_default();
        let server = match tokio::net::lookup_host(authority).await {
            Ok(mut found) => found.next(),
            Err(_) => tokio::net::lookup_host(format!("{authority}:80")).await?.next(),
        }
        .ok_or_else(|| format!("cannot resolve {authority}"))?;
        if source_addrs > 1 && !(server.is_ipv4() && server.ip().is_loopback()) {
            return Err(format!("--source-addrs needs an IPv4 loopback server, not {server}").into());
        }
        Ok(Self { server, ws_base: format!("ws://{authority}"), origin: HeaderValue::from_str(base)? })
    }
}

impl Connector {
    async fn new(bases: &[String], source_addrs: u8, idle: bool) -> Result<Self, BoxError> {
        let mut targets = Vec::new();
        for base in bases {
            targets.push(Target::new(base, source_addrs).await?);
        }
        // Small buffers (tungstenite reserves and zeroes 128 KiB per read by
        // default), so the generator spends its time on frames, not on memset;
        // idle sockets, which are many and hear little, get 4 KiB.
        let read_buffer = if idle { 4 * 1024 } else { 16 * 1024 };
        Ok(Self { targets, source_addrs, config: WebSocketConfig::default().read_buffer_size(read_buffer).write_buffer_size(0) })
    }

    /// Opens socket `index` to `room` as the user of `cookie`.
    async fn open(&self, index: usize, room: &str, cookie: &HeaderValue) -> Result<Socket, BoxError> {
        let target = &self.targets[index % self.targets.len()];
        let socket = if target.server.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        if self.source_addrs > 1 {
            let local = Ipv4Addr::new(127, 0, 0, 1 + (index % usize::from(self.source_addrs)) as u8);
            socket.bind((local, 0).into())?;
        }
        let stream = socket.connect(target.server).await?;
        stream.set_nodelay(true)?;
        let mut request = format!("{}/ws/room/{room}/", target.ws_base).into_client_request()?;
        request.headers_mut().insert("cookie", cookie.clone());
        request.headers_mut().insert("origin", target.origin.clone());
        let (socket, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(self.config)).await?;
        Ok(socket)
    }
}

/// A connect worker: opens the next socket not yet claimed until there are
/// none, and starts its tasks. Returns its connect times and the send tasks.
async fn connect_some(run: Arc<Run>, next: Arc<AtomicUsize>) -> Result<(Histogram<u64>, Vec<JoinHandle<()>>), BoxError> {
    let mut times = Histogram::<u64>::new(3)?;
    let mut send_tasks = Vec::new();
    loop {
        let i = next.fetch_add(1, Relaxed);
        if i >= run.args.clients {
            return Ok((times, send_tasks));
        }
        let began = Instant::now();
        let cookie = if i < run.senders { &run.sender_cookies[i] } else { &run.reader_cookie };
        let socket = match run.connector.open(i, &run.room(i), cookie).await {
            Ok(socket) => socket,
            Err(err) => {
                // The other workers stop too.
                next.store(run.args.clients, Relaxed);
                return Err(format!("connect failed (socket {i}): {err}").into());
            }
        };
        times.record(began.elapsed().as_micros() as u64)?;
        if i >= run.senders && i >= run.bursts {
            tokio::spawn(read(socket, run.clone(), i));
            continue;
        }
        let (sink, stream) = socket.split();
        let sender = i < run.senders;
        let mixing = sender && run.args.mix;
        let seen = mixing.then(|| Arc::new(AtomicI64::new(0)));
        let (changes, to_change) = if mixing {
            let (tx, rx) = mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        tokio::spawn(receive(stream, run.clone(), i, seen.clone(), changes));
        send_tasks.push(if sender {
            let per_second = run.args.rate as f64 / run.senders as f64;
            tokio::spawn(send(sink, run.clone(), i, per_second, seen, to_change))
        } else {
            tokio::spawn(burst(sink, run.clone(), i))
        });
    }
}

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

/// The read marker of a socket's newest message, as a frame.
fn read_frame(seq: i64) -> Option<tungstenite::Message> {
    (seq > 0).then(|| tungstenite::Message::text(format!(r#"{{"type":"read","seq":{seq}}}"#)))
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
async fn read(mut socket: Socket, run: Arc<Run>, index: usize) {
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
async fn receive(
    mut stream: Stream,
    run: Arc<Run>,
    index: usize,
    seen: Option<Arc<AtomicI64>>,
    changes: Option<mpsc::UnboundedSender<(i64, i64)>>,
) {
    let mut counter = Counter::new(&run, index);
    let (mut acked, mut previous) = (0u64, None);
    while let Some(Ok(message)) = stream.next().await {
        let tungstenite::Message::Text(text) = message else { continue };
        let Some(frame) = counter.count(&run, &text) else { continue };
        if let Some(seen) = &seen {
            seen.store(counter.seen, Relaxed);
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

/// A `send` frame whose text starts with the send time in µs (then `word_count` words).
fn message_frame(run: &Run, index: usize, n: u64, word_count: usize) -> tungstenite::Message {
    let at = run.clock.elapsed().as_micros();
    let said = words(((index as u64) << 32) | n, word_count);
    tungstenite::Message::text(format!(r#"{{"type":"send","text":"{at}{said}","client_id":"{index}-{n}-{at}"}}"#))
}

/// `--then-send`: once every socket is connected, sends its messages at once.
async fn burst(mut sink: Sink, run: Arc<Run>, index: usize) {
    let mut started = run.started.clone();
    let _ = started.wait_for(|&started| started).await;
    for n in 0..run.args.then_send {
        if sink.send(message_frame(&run, index, n, run.args.words)).await.is_err() {
            return;
        }
        run.totals.sent.fetch_add(1, Relaxed);
    }
}

/// Sends at `per_second`, paced against the clock, from the start until
/// `sending` turns false. In the mix, also a read marker once a second, a typing
/// frame every 3 s, and the reactions and edits [`receive`] asks for.
async fn send(
    mut sink: Sink,
    run: Arc<Run>,
    index: usize,
    per_second: f64,
    seen: Option<Arc<AtomicI64>>,
    mut to_change: Option<mpsc::UnboundedReceiver<(i64, i64)>>,
) {
    let mut started = run.started.clone();
    let _ = started.wait_for(|&started| started).await;
    let began = Instant::now();
    let (mut sent, mut changed): (u64, u64) = (0, 0);
    let (mut last_read, mut last_typing) = (began, began);
    // Wake about once per message (1-10 ms): hundreds of senders waking every
    // millisecond would cost the generator more than the sends themselves.
    let period = Duration::from_secs_f64(1.0 / per_second.max(1.0)).clamp(Duration::from_millis(1), Duration::from_millis(10));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while run.sending.load(Relaxed) {
        tick.tick().await;
        let mut extra = Vec::new();
        if let Some(seen) = &seen {
            if last_read.elapsed() >= Duration::from_secs(1) {
                last_read = Instant::now();
                extra.extend(read_frame(seen.load(Relaxed)));
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
            if sink.send(message_frame(&run, index, sent, run.args.words)).await.is_err() {
                return;
            }
            sent += 1;
            run.totals.sent.fetch_add(1, Relaxed);
        }
        while let Some(Ok((react_on, edit))) = to_change.as_mut().map(|changes| changes.try_recv()) {
            changed += 1;
            let react = format!(r#"{{"type":"react","target":{react_on},"emoji":"👍","client_id":"c{index}-r{changed}"}}"#);
            let edit = format!(r#"{{"type":"edit","target":{edit},"text":"edited","client_id":"c{index}-e{changed}"}}"#);
            for frame in [react, edit] {
                if sink.send(tungstenite::Message::text(frame)).await.is_err() {
                    return;
                }
                run.totals.changes_sent.fetch_add(1, Relaxed);
            }
        }
    }
}

/// A churn socket (`--churn`): from the start until sending stops, stays in its
/// room for `--churn-secs`, leaves for as long, and comes back. Its frames are
/// read (pings answered) but counted nowhere; only its connects are.
async fn churn(run: Arc<Run>, j: usize, cookie: HeaderValue) {
    let mut started = run.started.clone();
    let _ = started.wait_for(|&started| started).await;
    let stay = Duration::from_secs_f64(run.args.churn_secs.max(0.01));
    // Spread the sockets over one cycle, so that joins and leaves come evenly.
    tokio::time::sleep(stay.mul_f64(2.0 * j as f64 / run.args.churn as f64)).await;
    let index = run.args.clients + j;
    let room = run.room(index);
    while run.sending.load(Relaxed) {
        match run.connector.open(index, &room, &cookie).await {
            Ok(mut socket) => {
                run.totals.reconnects.fetch_add(1, Relaxed);
                let leave = tokio::time::sleep(stay);
                tokio::pin!(leave);
                loop {
                    tokio::select! {
                        message = socket.next() => if !matches!(message, Some(Ok(_))) { break },
                        () = &mut leave => {
                            let _ = socket.close(None).await;
                            break;
                        }
                    }
                }
            }
            Err(_) => {
                run.totals.churn_failed.fetch_add(1, Relaxed);
            }
        }
        tokio::time::sleep(stay).await;
    }
}
