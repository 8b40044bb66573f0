//! `parlor-load`: a load generator for Parlor. It logs users in over HTTP, opens
//! N room sockets (over one or many rooms, optionally from several loopback
//! source addresses so that more than one address's ~28k ephemeral ports fit),
//! has S of them send at a steady total rate, and reports end-to-end delivery
//! latency (send to receipt, every receiver), deliveries per second, acked and
//! lost messages, and connect times, as a readable line and optionally as JSON.
//!
//! Modes beyond plain sending:
//! - `--mix`: read markers, typing, a reply in a thread for 20% of the messages
//!   (to the sender's newest acked message outside threads), and a reaction and
//!   an edit for 5% of the acked messages (counted apart from messages, as `changes`); `--churn N`
//!   adds N uncounted sockets of their own users that join and leave.
//! - `--idle`: the sockets only hold (and answer pings) for `--duration`;
//!   `--then-send K` first has one socket per room send K messages and waits
//!   until every socket has them, printing `settled ...` on stderr.
//!
//! It is built to stay cheap next to the server on the same machine: a reading
//! socket is one small task (a sending one two), frames are parsed with
//! borrowed strings, latencies go to a few shared histograms, and it raises its
//! own open-file limit to the hard limit.

mod accounts;
mod args;
mod churn;
mod connect;
mod frames;
mod receive;
mod report;
mod run;
mod send;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use clap::Parser;
use tokio::sync::watch;

use crate::{
    args::Args,
    connect::Connector,
    report::Measured,
    run::{Run, Totals},
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

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

    let cookies = accounts::log_in(&base, senders, args.churn).await?;

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
        reader_cookie: cookies.reader,
        sender_cookies: cookies.senders,
        args: args.clone(),
    });
    let totals = &run.totals;

    // Connect every socket, `connect_parallelism` at a time; each starts reading at once.
    let started_connecting = Instant::now();
    let (connect_times, send_tasks) = connect::connect_all(&run).await?;
    let connect_secs = started_connecting.elapsed().as_secs_f64();
    eprintln!("connected {} sockets in {connect_secs:.2}s", args.clients);
    // Live messages reach a socket once the server has joined it to the room,
    // which its first frame (the presence snapshot) shows.
    let ready = || totals.ready.load(Relaxed) >= args.clients as u64;
    if !wait_until(ready, Duration::from_secs(30)).await {
        eprintln!("warning: only {} of {} sockets heard from the server", totals.ready.load(Relaxed), args.clients);
    }

    for (j, cookie) in cookies.churn.into_iter().enumerate() {
        tokio::spawn(churn::churn(run.clone(), j, cookie));
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

    report::print(&run, Measured { connect_times, connect_secs, sending_secs, drain_secs, expected, deliveries })
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
    // `rlim_t` is `u64` here, not on every platform.
    #[allow(clippy::unnecessary_cast)]
    let files = limit.rlim_cur as u64;
    files
}
