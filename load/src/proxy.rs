//! A TCP proxy that makes network faults, between a Parlor instance and Redis
//! (or anything else), for `scripts/faults.sh` (through `parlor-faults proxy`,
//! controlled by lines on a control address) and for the integration tests
//! (in process, through [`Proxy`]'s methods). The faults:
//! - `cut`: a network partition. Nothing passes either way and new connections
//!   wait, but no connection is closed (as when a link goes dark: the ends
//!   learn of it only from their own timeouts); `heal` lets everything held
//!   through, as TCP's retransmissions would.
//! - `reset`: every open connection is closed at once.
//! - `delay <ms>`: every byte, both ways, is held that long.
//!
//! On the control address each line is one of these words, answered `ok`.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{
        TcpListener, TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
    sync::{mpsc, watch},
    time::Instant,
};

/// What the control address sets.
struct Faults {
    /// True while the link is cut.
    cut: watch::Sender<bool>,
    /// Bumped on every `reset`: open connections end when it changes.
    resets: watch::Sender<u64>,
    delay_ms: AtomicU64,
}

impl Faults {
    /// Returns once the link is not cut.
    async fn passable(&self) {
        let _ = self.cut.subscribe().wait_for(|cut| !*cut).await;
    }
}

/// A running proxy; it stops when dropped.
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    faults: Arc<Faults>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on `listen` (port 0 picks one) and relays each connection to `to`.
    pub async fn start(listen: SocketAddr, to: SocketAddr) -> std::io::Result<Self> {
        let faults = Arc::new(Faults { cut: watch::channel(false).0, resets: watch::channel(0).0, delay_ms: AtomicU64::new(0) });
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let relayed = faults.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let faults = relayed.clone();
                tokio::spawn(async move {
                    faults.passable().await;
                    if let Ok(server) = TcpStream::connect(to).await {
                        relay(client, server, faults).await;
                    }
                });
            }
        });
        Ok(Self { addr, faults, accepting })
    }

    /// Partitions the link: nothing passes, nothing is closed.
    pub fn cut(&self) {
        self.faults.cut.send_replace(true);
    }

    /// Ends a partition: everything held passes.
    pub fn heal(&self) {
        self.faults.cut.send_replace(false);
    }

    /// Closes every open connection.
    pub fn reset(&self) {
        self.faults.resets.send_modify(|resets| *resets += 1);
    }

    /// Holds every byte `delay` from now on.
    pub fn delay(&self, delay: Duration) {
        self.faults.delay_ms.store(delay.as_millis() as u64, Relaxed);
    }

    /// Takes control lines on `control`, forever.
    pub async fn serve_control(&self, control: SocketAddr) -> std::io::Result<()> {
        let controls = TcpListener::bind(control).await?;
        loop {
            let (stream, _) = controls.accept().await?;
            tokio::spawn(command(stream, self.faults.clone()));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.reset();
    }
}

async fn command(stream: TcpStream, faults: Arc<Faults>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let words: Vec<&str> = line.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["cut"] => {
                faults.cut.send_replace(true);
                "ok"
            }
            ["heal"] => {
                faults.cut.send_replace(false);
                "ok"
            }
            ["reset"] => {
                faults.resets.send_modify(|resets| *resets += 1);
                "ok"
            }
            ["delay", ms] => match ms.parse() {
                Ok(ms) => {
                    faults.delay_ms.store(ms, Relaxed);
                    "ok"
                }
                Err(_) => "bad delay",
            },
            _ => "unknown command (cut, heal, reset, delay <ms>)",
        };
        if write.write_all(format!("{answer}\n").as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Pumps both ways until either side closes or a reset comes.
async fn relay(client: TcpStream, server: TcpStream, faults: Arc<Faults>) {
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let mut reset = faults.resets.subscribe();
    tokio::select! {
        () = pump(client_read, server_write, faults.clone()) => {}
        () = pump(server_read, client_write, faults.clone()) => {}
        _ = reset.changed() => {}
    }
}

/// Copies `from` to `to`: each chunk held until the delay set when it was read
/// has passed, and nothing written while the link is cut.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, faults: Arc<Faults>) {
    let (chunks, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let held = faults.clone();
    let writer = async move {
        while let Some((at, chunk)) = due.recv().await {
            tokio::time::sleep_until(at).await;
            held.passable().await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
    };
    let reader = async move {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            match from.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => {
                    let at = Instant::now() + Duration::from_millis(faults.delay_ms.load(Relaxed));
                    if chunks.send((at, buffer[..read].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
    };
    tokio::join!(reader, writer);
}
