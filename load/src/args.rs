//! The command line: every flag of the generator and its default.

use clap::Parser;

#[derive(Parser, Debug, Clone)]
#[command(name = "parlor-load", about = "Load generator for Parlor")]
pub struct Args {
    /// Base URL of the server (or of the load balancer); `http://` only.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// Room sockets to open (the counted receivers).
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// How many of them also send.
    #[arg(long, default_value_t = 10)]
    pub senders: usize,
    /// Messages per second, in total over all senders.
    #[arg(long, default_value_t = 100)]
    pub rate: u64,
    /// Seconds of sending; with --idle, seconds of holding the sockets once they
    /// are connected (and --then-send's messages have arrived).
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Rooms to spread the clients over (client i joins room i mod rooms).
    #[arg(long, default_value_t = 1)]
    pub rooms: usize,
    /// Prefix of the room names (`<prefix>-0`, `<prefix>-1`, ...).
    #[arg(long, default_value = "load")]
    pub room_prefix: String,
    /// Only open the sockets and hold them, sending nothing (but --then-send).
    #[arg(long)]
    pub idle: bool,
    /// With --idle: once every socket is connected, the first socket of each
    /// room sends this many messages at once; the generator waits until they
    /// reached every socket (printing `settled ...` on stderr), then holds.
    #[arg(long, default_value_t = 0, requires = "idle")]
    pub then_send: u64,
    /// Sockets opened at once while connecting.
    #[arg(long, default_value_t = 64)]
    pub connect_parallelism: usize,
    /// Local addresses to connect from: socket i binds 127.0.0.(1 + i mod N), so
    /// that N × ~28k sockets fit in the ephemeral ports (loopback servers only).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=254))]
    pub source_addrs: u8,
    /// Instances to open sockets to, socket i to the (i mod N)-th (repeat the
    /// flag; default: --url). Accounts are made through --url; every instance
    /// must share its database and channel layer.
    #[arg(long = "socket-url")]
    pub socket_urls: Vec<String>,
    /// Longest wait, after sending, for answers and deliveries still in flight.
    #[arg(long, default_value_t = 30)]
    pub drain_secs: u64,
    /// Also print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Add the realistic mix: every socket sends a read marker once a second,
    /// every sender a typing frame every 3 s and, for every 20th acked message
    /// (5%), a reaction on it and an edit of its previous one.
    #[arg(long)]
    pub mix: bool,
    /// Presence churn: this many extra sockets, each of its own user
    /// (`load_churn<j>`), that stay --churn-secs in a room, leave for as long and
    /// come back, while the senders send. They are not counted as receivers.
    #[arg(long, default_value_t = 0)]
    pub churn: usize,
    /// Seconds a churn socket stays (and then stays away).
    #[arg(long, default_value_t = 2.0)]
    pub churn_secs: f64,
    /// Words per message after the send time, drawn from a vocabulary of
    /// 20,000 (`w1` ... `w20000`, log-uniformly: `w1` is in most messages,
    /// `w15000` in a few), so that search has text to index (benchmark g).
    #[arg(long, default_value_t = 0)]
    pub words: usize,
}
