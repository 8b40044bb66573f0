//! `parlor-bare`: the ceiling Parlor's fan-out is compared with — a bare axum
//! WebSocket broadcast server (`scripts/bench.sh a` runs it beside Parlor).
//! It speaks just enough of Parlor's interface for `parlor-load`: any log-in
//! succeeds, `/ws/room/{room}/` joins the room (greeted with a `presence`
//! frame, as Parlor does), and each `send` frame is
//! numbered, turned into one `message` frame (encoded once, its bytes shared
//! by every socket) for every socket of the room, and acked to its sender.
//! Nothing is stored, checked or caught up: a socket that falls behind its
//! room's channel skips what it missed.
//!
//!     parlor-bare --addr 127.0.0.1:3401

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, Ordering},
    },
};

use axum::{
    Router,
    extract::{
        Path, State, WebSocketUpgrade,
        ws::{Message, Utf8Bytes, WebSocket},
    },
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
    serve::ListenerExt,
};
use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast;

#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3401")]
    addr: SocketAddr,
    /// Frames a room's channel holds for a slow socket.
    #[arg(long, default_value_t = 16_384)]
    capacity: usize,
}

/// A room: its sockets' channel and its next number.
struct Room {
    frames: broadcast::Sender<Utf8Bytes>,
    seq: AtomicI64,
}

#[derive(Clone)]
struct Rooms {
    rooms: Arc<Mutex<HashMap<String, Arc<Room>>>>,
    capacity: usize,
}

impl Rooms {
    fn get(&self, name: &str) -> Arc<Room> {
        let mut rooms = self.rooms.lock().expect("rooms");
        rooms
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(Room { frames: broadcast::channel(self.capacity).0, seq: AtomicI64::new(0) }))
            .clone()
    }
}

/// The part of a `send` frame the server reads.
#[derive(Deserialize)]
struct Send {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    client_id: Option<String>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let rooms = Rooms { rooms: Arc::default(), capacity: args.capacity };
    let app = Router::new()
        .route("/api/register", post(log_in))
        .route("/api/login", post(log_in))
        .route("/ws/room/{room}/", get(upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(rooms);
    // No Nagle delay, as Parlor's own listener (a small frame goes out at once).
    let listener = tokio::net::TcpListener::bind(args.addr).await.expect("listen").tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await.expect("serve");
}

/// Every log-in succeeds with the same session cookie.
async fn log_in() -> Response {
    ([(header::SET_COOKIE, "parlor_session=bare; Path=/")], "null").into_response()
}

async fn upgrade(ws: WebSocketUpgrade, Path(room): Path<String>, State(rooms): State<Rooms>) -> Response {
    let room_state = rooms.get(&room);
    ws.on_upgrade(move |socket| serve(socket, room, room_state))
}

/// Relays the room's frames to the socket, and the socket's sends to the
/// room (acking each). The writer sends what is ready together and flushes
/// once (one write for many frames), as a tuned broadcast server would.
async fn serve(socket: WebSocket, name: String, room: Arc<Room>) {
    let (mut sink, mut stream) = socket.split();
    let mut frames = room.frames.subscribe();
    let (acks, mut acks_out) = tokio::sync::mpsc::unbounded_channel::<Utf8Bytes>();
    let room_json = serde_json::to_string(&name).unwrap_or_default();
    // Parlor greets a socket that joined with the room's presence; so does this.
    let _ = acks.send(Utf8Bytes::from(format!(r#"{{"type":"presence","room":{room_json},"online":[]}}"#)));
    let writer = tokio::spawn(async move {
        loop {
            let first = tokio::select! {
                ack = acks_out.recv() => match ack { Some(ack) => ack, None => break },
                frame = frames.recv() => match frame {
                    Ok(frame) => frame,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            };
            if sink.feed(Message::Text(first)).await.is_err() {
                break;
            }
            loop {
                match frames.try_recv() {
                    Ok(frame) => {
                        if sink.feed(Message::Text(frame)).await.is_err() {
                            return;
                        }
                    }
                    Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
            while let Ok(ack) = acks_out.try_recv() {
                if sink.feed(Message::Text(ack)).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else { continue };
        let Ok(send) = serde_json::from_str::<Send>(&text) else { continue };
        if send.kind != "send" {
            continue;
        }
        let seq = room.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let text = serde_json::to_string(&send.text).unwrap_or_default();
        let client_id = serde_json::to_string(&send.client_id).unwrap_or_default();
        let message = format!(
            r#"{{"type":"message","room":{room_json},"seq":{seq},"sender":"bare","text":{text},"timestamp":"","client_id":{client_id}}}"#
        );
        let _ = room.frames.send(Utf8Bytes::from(message));
        let _ = acks.send(Utf8Bytes::from(format!(r#"{{"type":"ack","client_id":{client_id},"seq":{seq}}}"#)));
    }
    writer.abort();
}
