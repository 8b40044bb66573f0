//! `parlor-faults`: the load side of `scripts/faults.sh`.
//!
//! - `parlor-faults run`: senders that keep a browser's outbox (every message
//!   not acknowledged is sent again, with the same `client_id`, after a
//!   reconnect or a refusal) and readers that reconnect with `?after=`, all
//!   through one URL (the load balancer). After the sending phase it waits until
//!   every outbox is empty and every reader has been shown its room's newest
//!   message, then compares what was acknowledged and shown with each room's
//!   history: acked, lost, duplicates, gaps, unacked, the longest time a client
//!   was away, and delivery latency. It prints one line and, with `--json`, the
//!   same as JSON.
//! - `parlor-faults proxy`: a TCP proxy whose link the script can cut, reset
//!   and slow down (see [`parlor_load::proxy`]).

mod clients;
mod verify;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::clients::{Record, Shared};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Parser)]
#[command(name = "parlor-faults", about = "Load through faults, and the proxy that makes them")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sends and reads through faults, then checks every message against the history.
    Run(RunArgs),
    /// A TCP proxy from LISTEN to TO, controlled by lines sent to CONTROL.
    Proxy { listen: SocketAddr, to: SocketAddr, control: SocketAddr },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Base URL of the load balancer (`http://` only).
    #[arg(long)]
    url: String,
    /// Messages per second over all senders.
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    #[arg(long, default_value_t = 20)]
    senders: usize,
    #[arg(long, default_value_t = 40)]
    readers: usize,
    /// Rooms to spread senders and readers over (client i in room i mod rooms).
    #[arg(long, default_value_t = 20)]
    rooms: usize,
    /// Seconds of sending new messages.
    #[arg(long, default_value_t = 40)]
    seconds: u64,
    /// Longest wait after sending for outboxes to empty and readers to catch up.
    #[arg(long, default_value_t = 90)]
    drain_seconds: u64,
    #[arg(long, default_value = "faults")]
    room_prefix: String,
    /// Also print the outcome as one JSON line.
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    match Cli::parse().command {
        Command::Proxy { listen, to, control } => {
            let proxy = parlor_load::proxy::Proxy::start(listen, to).await?;
            Ok(proxy.serve_control(control).await?)
        }
        Command::Run(args) => run(args).await,
    }
}

async fn run(args: RunArgs) -> Result<(), BoxError> {
    let base = args.url.trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    let password = "load-faults-password";
    let mut cookies = Vec::new();
    for index in 0..args.senders + args.readers {
        let cookie = parlor_load::session_cookie(&http, &base, &format!("load_fault_{index}"), password).await?;
        cookies.push(HeaderValue::from_str(&cookie)?);
    }
    let shared = Arc::new(Shared {
        ws_base: base.replacen("http", "ws", 1),
        origin: HeaderValue::from_str(&base)?,
        room_prefix: args.room_prefix.clone(),
        clock: Instant::now(),
        sending: AtomicBool::new(true),
        done: AtomicBool::new(false),
        record: Mutex::new(Record::default()),
        reconnects: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        progress: Mutex::new(vec![0; args.readers]),
        ack_latency: Mutex::new(Histogram::new_with_bounds(1, 600_000_000, 3)?),
    });
    let latency = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?));
    let deadline = Instant::now() + Duration::from_secs(args.seconds + args.drain_seconds);

    let mut readers = Vec::new();
    for (index, cookie) in cookies.drain(args.senders..).enumerate() {
        readers.push(tokio::spawn(clients::reader(shared.clone(), index, args.rooms, cookie, latency.clone())));
    }
    // Readers first, so that the first messages are live for them.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let per_second = args.rate as f64 / args.senders.max(1) as f64;
    let mut senders = Vec::new();
    for (index, cookie) in cookies.into_iter().enumerate() {
        senders.push(tokio::spawn(clients::sender(shared.clone(), index, args.rooms, per_second, cookie, deadline)));
    }
    let began = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    shared.sending.store(false, Relaxed);
    for sender in senders {
        sender.await?;
    }
    let drained = began.elapsed();

    // Every reader must be shown the newest message of its room.
    let names: Vec<String> = (0..args.rooms).map(|index| shared.room(index, args.rooms)).collect();
    let reader_cookie = parlor_load::session_cookie(&http, &base, "load_fault_0", password).await?;
    let newest: HashMap<String, i64> = verify::history(&base, &reader_cookie, &names)
        .await?
        .into_iter()
        .map(|(room, kept)| (room, kept.keys().next_back().copied().unwrap_or(0)))
        .collect();
    while !shared.caught_up(args.rooms, &newest) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shared.done.store(true, Relaxed);
    for reader in readers {
        reader.await?;
    }

    let history = verify::history(&base, &reader_cookie, &names).await?;
    let record = shared.record.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let outcome = verify::outcome(&record, &history);
    let latency = latency.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let acks = shared.ack_latency.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let longest_away = record.outages.iter().max().copied().unwrap_or_default();
    let errors = record.errors.iter().map(|(code, n)| format!("{code}×{n}")).collect::<Vec<_>>().join(" ");
    println!(
        "sent {} acked {} lost {} dup {} gaps {} unacked {} resets {} | reconnects {} longest away {:.1} s | \
         latency p50 {:.1} ms p99 {:.1} ms max {:.1} ms | ack p99 {:.1} ms | drained after {:.1} s | errors {}",
        shared.sent.load(Relaxed),
        outcome.acked,
        outcome.lost,
        outcome.duplicates,
        outcome.gaps,
        outcome.unacked,
        outcome.resets,
        shared.reconnects.load(Relaxed),
        longest_away.as_secs_f64(),
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0,
        latency.max() as f64 / 1000.0,
        acks.value_at_quantile(0.99) as f64 / 1000.0,
        drained.as_secs_f64(),
        if errors.is_empty() { "none".to_owned() } else { errors },
    );
    if args.json {
        let mut json = serde_json::to_value(&outcome)?;
        json["sent"] = shared.sent.load(Relaxed).into();
        json["reconnects"] = shared.reconnects.load(Relaxed).into();
        json["longest_away_ms"] = (longest_away.as_millis() as u64).into();
        json["p50_ms"] = (latency.value_at_quantile(0.5) as f64 / 1000.0).into();
        json["p99_ms"] = (latency.value_at_quantile(0.99) as f64 / 1000.0).into();
        json["max_ms"] = (latency.max() as f64 / 1000.0).into();
        json["ack_p99_ms"] = (acks.value_at_quantile(0.99) as f64 / 1000.0).into();
        json["errors"] = serde_json::to_value(&record.errors)?;
        println!("{json}");
    }
    let clean = outcome.lost == 0 && outcome.duplicates == 0 && outcome.gaps == 0 && outcome.unacked == 0;
    std::process::exit(if clean { 0 } else { 1 });
}
