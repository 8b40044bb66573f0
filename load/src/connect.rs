//! Opening room sockets: the instances and local source addresses they are
//! opened to and from, the connect workers, and the tasks each socket starts.

use std::{
    net::{Ipv4Addr, SocketAddr},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
    time::Instant,
};

use futures::StreamExt;
use hdrhistogram::Histogram;
use tokio::{
    net::{TcpSocket, TcpStream},
    sync::mpsc,
    task::JoinHandle,
};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{self, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig},
};

use crate::{
    BoxError,
    receive::{read, receive},
    run::Run,
    send::{Acked, burst, send},
};

pub type Socket = WebSocketStream<TcpStream>;
pub type Sink = futures::stream::SplitSink<Socket, tungstenite::Message>;
pub type Stream = futures::stream::SplitStream<Socket>;

/// How sockets are opened: the instances, the local addresses, the buffers.
pub struct Connector {
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
    pub async fn new(bases: &[String], source_addrs: u8, idle: bool) -> Result<Self, BoxError> {
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
    pub async fn open(&self, index: usize, room: &str, cookie: &HeaderValue) -> Result<Socket, BoxError> {
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

/// Connects every socket, `connect_parallelism` at a time; each starts reading
/// at once. Returns the connect times and the send tasks.
pub async fn connect_all(run: &Arc<Run>) -> Result<(Histogram<u64>, Vec<JoinHandle<()>>), BoxError> {
    let args = &run.args;
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
    Ok((connect_times, send_tasks))
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
        let acked = mixing.then(Acked::default);
        let (changes, to_change) = if mixing {
            let (tx, rx) = mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        tokio::spawn(receive(stream, run.clone(), i, acked.clone(), changes));
        send_tasks.push(if sender {
            let per_second = run.args.rate as f64 / run.senders as f64;
            tokio::spawn(send(sink, run.clone(), i, per_second, acked, to_change))
        } else {
            tokio::spawn(burst(sink, run.clone(), i))
        });
    }
}
