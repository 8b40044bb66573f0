//! The inbox socket in the browser (`/ws/inbox/`): keeps the user's rooms
//! ([`MyRooms`]) live with the server's `room` and `left` frames, reconnecting
//! with backoff, and raises a notification when a room's level asks for one.

use futures::{
    StreamExt,
    future::{AbortHandle, Abortable},
};
use gloo_net::websocket::{Message, futures::WebSocket};
use gloo_timers::future::TimeoutFuture;
use leptos::{prelude::*, task::spawn_local};

use super::notify;
use crate::{
    backoff::Backoff,
    paths,
    protocol::{NotifyLevel, ServerFrame, room_label},
    room_counts::{MyRooms, RoomChange, should_notify},
};

/// The inbox of this tab. `close` stops it.
pub struct InboxConnection {
    abort: AbortHandle,
}

impl InboxConnection {
    /// Starts the inbox for `me`'s rooms.
    pub fn open(rooms: MyRooms, me: String) -> Self {
        let (abort, registration) = AbortHandle::new_pair();
        spawn_local(async move {
            let _ = Abortable::new(run(rooms, me), registration).await;
        });
        Self { abort }
    }

    pub fn close(self) {
        self.abort.abort();
    }
}

async fn run(rooms: MyRooms, me: String) {
    let mut failures = 0;
    loop {
        match connect().await {
            Some(socket) => {
                failures = 0;
                serve(socket, rooms, &me).await;
            }
            None => failures += 1,
        }
        TimeoutFuture::new(Backoff::BROWSER.delay_ms(failures, js_sys::Math::random())).await;
    }
}

async fn connect() -> Option<WebSocket> {
    let location = window().location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    let socket = WebSocket::open(&format!("{scheme}://{}{}", location.host().ok()?, paths::INBOX_SOCKET)).ok()?;
    loop {
        match socket.state() {
            gloo_net::websocket::State::Open => return Some(socket),
            gloo_net::websocket::State::Connecting => TimeoutFuture::new(20).await,
            _ => return None,
        }
    }
}

async fn serve(socket: WebSocket, rooms: MyRooms, me: &str) {
    let (_sink, mut stream) = socket.split();
    while let Some(Ok(Message::Text(text))) = stream.next().await {
        match serde_json::from_str::<ServerFrame>(&text) {
            Ok(ServerFrame::Room { room, kind, title, with, last_seq, unread, mentions, latest, retract }) => {
                if let Some(seq) = retract {
                    notify::retract(&room, seq);
                }
                let label = room_label(&room, kind, title.as_deref(), with.as_deref());
                let change = RoomChange {
                    room: room.clone(),
                    kind,
                    title,
                    with,
                    last_seq,
                    unread,
                    mentions,
                    latest: latest.clone(),
                    retract,
                };
                let before = rooms.apply(change.clone());
                let level = rooms.notify_level(&room);
                if let Some(latest) = latest.filter(|latest| should_notify(level, before.as_ref(), &change, latest, me))
                    && notify::allowed()
                    && notify::page_hidden()
                {
                    let title = if change.mentions > before.map_or(0, |b| b.mentions) {
                        format!("{} mentioned you in {label}", latest.sender)
                    } else {
                        format!("{} in {label}", latest.sender)
                    };
                    notify::show(&title, &latest.text, (&room, latest.seq), paths::message(&room, latest.seq));
                }
            }
            Ok(ServerFrame::Thread { status }) => {
                let before = rooms.threads.with_untracked(|t| t.get(&(status.room.clone(), status.thread)).map(|t| t.mentions));
                let mentioned = status.mentions > before.unwrap_or(0);
                // A followed thread's replies notify as its room would.
                let level = rooms.notify_level(&status.room);
                if let Some(latest) = status.latest.clone()
                    && (level == NotifyLevel::All || (level == NotifyLevel::Mentions && mentioned))
                    && notify::allowed()
                    && notify::page_hidden()
                {
                    let title = format!("{} replied in a thread of #{}", latest.sender, status.room);
                    notify::show(&title, &latest.text, (&status.room, latest.seq), paths::thread(&status.room, status.thread));
                }
                rooms.apply_thread(status);
            }
            Ok(ServerFrame::Left { room }) => {
                super::offline::access_ended(&room);
                rooms.remove(&room);
            }
            _ => {}
        }
    }
}
