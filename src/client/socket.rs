//! The room socket in the browser: connect with `?after=<last seq shown>`, merge
//! replayed and live messages by `seq`, send the outbox, and reconnect with
//! backoff when the connection drops. A send the server asks to retry later
//! (`store_failed`, `rate_limited`) is resent on the open socket after a backoff
//! of its own; a `reset` reloads the newest page; a close for an ended session
//! stops reconnecting and offers the log-in link.

use std::collections::HashSet;

use futures::{
    FutureExt, SinkExt, StreamExt,
    channel::mpsc,
    future::{AbortHandle, Abortable, LocalBoxFuture},
    select,
    stream::SplitSink,
};
use gloo_net::websocket::{Message, State, WebSocketError, futures::WebSocket};
use gloo_timers::future::TimeoutFuture;
use leptos::{ev, prelude::*, task::spawn_local};

use super::outbox;
use crate::backoff::Backoff;
use crate::{
    api::{current_user, load_history},
    chat::{ConnectionState, PendingAction, PendingMessage, RoomState},
    paths,
    protocol::{
        Attachment, Change, ClientFrame, CloseReason, SeenRead, ServerFrame,
        events::{command, membership, message},
    },
};

/// Failed attempts after which the client checks whether the session expired.
const CHECK_SESSION_AFTER: u32 = 3;

/// Nudges for the socket task.
enum Wake {
    /// The outbox has something new to send.
    Flush,
    /// The browser regained its network: retry now instead of after the backoff.
    Online,
    /// The browser lost its network: drop the connection and say so.
    Offline,
    /// The reader has seen the room (or with a root, that thread) up to this `seq`.
    Read(i64, Option<i64>),
    /// The reader is composing a message.
    Typing,
}

/// The open room in this tab. Dropping it does not close it; `close` does.
pub struct RoomConnection {
    state: RoomState,
    wake: mpsc::UnboundedSender<Wake>,
    abort: AbortHandle,
    network_listeners: [WindowListenerHandle; 2],
}

impl RoomConnection {
    /// Restores the room's outbox and starts the socket task.
    pub fn open(room: String, state: RoomState) -> Self {
        state.outbox.set(outbox::load(&room));
        let saved_room = room.clone();
        Effect::new(move |_| state.outbox.with(|pending| outbox::save(&saved_room, pending)));
        let (wake, woken) = mpsc::unbounded();
        let (online, offline) = (wake.clone(), wake.clone());
        let network_listeners = [
            window_event_listener(ev::online, move |_| drop(online.unbounded_send(Wake::Online))),
            window_event_listener(ev::offline, move |_| drop(offline.unbounded_send(Wake::Offline))),
        ];
        let (abort, registration) = AbortHandle::new_pair();
        spawn_local(async move {
            let _ = Abortable::new(run(room, state, woken), registration).await;
        });
        Self { state, wake, abort, network_listeners }
    }

    /// Queues `text` (answering `reply_to`, carrying an uploaded `attachment`)
    /// in the outbox and sends it as soon as the socket is open.
    pub fn send(&self, text: String, reply_to: Option<i64>, attachment: Option<Attachment>) {
        let pending = PendingMessage {
            client_id: outbox::new_client_id(),
            text,
            reply_to,
            attachment,
            error: None,
            thread: None,
            also_in_room: false,
        };
        self.state.outbox.update(|o| o.push(pending));
        let _ = self.wake.unbounded_send(Wake::Flush);
    }

    /// Queues `text` (and a stored file) as a reply in the thread of `root` (shown in the room's
    /// timeline too with `also_in_room`), like [`Self::send`].
    pub fn send_in_thread(&self, text: String, attachment: Option<Attachment>, root: i64, also_in_room: bool) {
        let pending = PendingMessage {
            client_id: outbox::new_client_id(),
            text,
            reply_to: None,
            attachment,
            error: None,
            thread: Some(root),
            also_in_room,
        };
        self.state.outbox.update(|o| o.push(pending));
        let _ = self.wake.unbounded_send(Wake::Flush);
    }

    /// Tells the server the reader has seen the thread of `root` up to `seq`
    /// (once per newer `seq`).
    pub fn mark_thread_read(&self, root: i64, seq: i64) {
        if seq > self.state.thread_read.get_value() {
            self.state.thread_read.set_value(seq);
            let _ = self.wake.unbounded_send(Wake::Read(seq, Some(root)));
        }
    }

    /// Sends an edit, deletion or reaction (made from `make` with a fresh
    /// `client_id`), again after a reconnect until it is acknowledged.
    pub fn act(&self, make: impl FnOnce(Option<String>) -> ClientFrame) {
        let client_id = outbox::new_client_id();
        let frame = make(Some(client_id.clone()));
        self.state.actions.update(|a| a.push(PendingAction { client_id, frame }));
        let _ = self.wake.unbounded_send(Wake::Flush);
    }

    /// Tells the server the reader has seen the room up to `seq` (once per
    /// newer `seq`; again after a reconnect).
    pub fn mark_read(&self, seq: i64) {
        if seq > self.state.seen.get_value() {
            self.state.seen.set_value(seq);
            let _ = self.wake.unbounded_send(Wake::Read(seq, None));
        }
    }

    /// Tells the room the reader is composing (the caller spaces these out).
    pub fn typing(&self) {
        let _ = self.wake.unbounded_send(Wake::Typing);
    }

    /// Stops the socket task (leaving the page).
    pub fn close(self) {
        self.abort.abort();
        for listener in self.network_listeners {
            listener.remove();
        }
    }
}

/// Connects, serves the connection until it drops, waits, and tries again.
async fn run(room: String, state: RoomState, mut woken: mpsc::UnboundedReceiver<Wake>) {
    let mut failures: u32 = 0;
    loop {
        if browser_online() {
            if let Some(socket) = connect(&room, state.last_seq()).await {
                failures = 0;
                state.connection.set(ConnectionState::Connected);
                match serve(&room, socket, state, &mut woken).await {
                    Ended::SessionOver => {
                        super::offline::session_ended();
                        return state.connection.set(ConnectionState::SignedOut);
                    }
                    Ended::AccessLost => {
                        super::offline::access_ended(&room);
                        return state.connection.set(ConnectionState::NoAccess);
                    }
                    Ended::Dropped => {}
                }
            } else {
                failures += 1;
            }
        }
        let online = browser_online();
        state.connection.set(if online { ConnectionState::Reconnecting } else { ConnectionState::Offline });
        if failures == CHECK_SESSION_AFTER && matches!(current_user().await, Ok(None)) {
            let _ = window().location().set_href(&paths::login_then(&paths::room(&room)));
            return;
        }
        let delay = if online { Backoff::BROWSER.delay_ms(failures, js_sys::Math::random()) } else { OFFLINE_RECHECK_MS };
        wait_for_retry(delay, &mut woken).await;
    }
}

/// How long to wait, when the browser says it is offline, before looking again
/// (the `online` event usually comes first).
const OFFLINE_RECHECK_MS: u32 = 30_000;

/// Sleeps `delay_ms`, or less if the browser comes back online.
async fn wait_for_retry(delay_ms: u32, woken: &mut mpsc::UnboundedReceiver<Wake>) {
    let mut timer = TimeoutFuture::new(delay_ms).fuse();
    loop {
        select! {
            () = timer => return,
            wake = woken.next() => match wake {
                Some(Wake::Online) | None => return,
                // The outbox is sent as soon as the next connection opens; a read
                // marker goes with the next connection's first one.
                Some(Wake::Flush | Wake::Offline | Wake::Read(..) | Wake::Typing) => {}
            },
        }
    }
}

fn browser_online() -> bool {
    window().navigator().on_line()
}

/// Opens the room socket, resuming after `after`; `None` if it does not open.
async fn connect(room: &str, after: i64) -> Option<WebSocket> {
    let location = window().location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    let url = format!("{scheme}://{}{}", location.host().ok()?, paths::room_socket(room, after));
    let socket = WebSocket::open(&url).ok()?;
    loop {
        match socket.state() {
            State::Open => return Some(socket),
            State::Connecting => TimeoutFuture::new(20).await,
            State::Closing | State::Closed => return None,
        }
    }
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ended {
    /// Dropped, closed for a restart, or the browser went offline: reconnect.
    Dropped,
    /// The session is over (log-out, expiry): reconnecting cannot help.
    SessionOver,
    /// The user may no longer read the room: reconnecting cannot help.
    AccessLost,
}

/// Exchanges frames until the connection drops.
async fn serve(room: &str, socket: WebSocket, state: RoomState, woken: &mut mpsc::UnboundedReceiver<Wake>) -> Ended {
    let (mut sink, mut stream) = socket.split();
    // What this connection has sent; after a reconnect everything pending goes again.
    let mut sent = HashSet::new();
    // Sends the server asked to retry later, each waiting out its backoff.
    let mut retries = Retries::default();
    if flush(&mut sink, state, &mut sent).await.is_err() {
        return Ended::Dropped;
    }
    let seen = state.seen.get_value();
    if seen > state.last_read_seq.get_untracked()
        && sink.send(Message::Text(ClientFrame::Read { seq: seen, thread: None }.encode())).await.is_err()
    {
        return Ended::Dropped;
    }
    loop {
        select! {
            frame = stream.next().fuse() => match frame {
                Some(Ok(Message::Text(text))) => match handle_frame(&text, state) {
                    Handled::Done => {}
                    Handled::Acked => retries.progress(),
                    Handled::RetryLater => retries.schedule(),
                    Handled::Reset => reload_newest(room.to_owned(), state),
                },
                Some(Ok(Message::Bytes(_))) => {}
                Some(Err(WebSocketError::ConnectionClose(close))) if close.code == CloseReason::SessionEnded.code() => {
                    return Ended::SessionOver;
                }
                Some(Err(WebSocketError::ConnectionClose(close))) if close.code == CloseReason::AccessEnded.code() => {
                    return Ended::AccessLost;
                }
                Some(Err(_)) | None => return Ended::Dropped,
            },
            () = retries.next_due().fuse() => {
                // Everything not acked goes again, in order: the server keeps a
                // socket's messages in order by refusing what follows a refusal.
                sent.clear();
                if flush(&mut sink, state, &mut sent).await.is_err() {
                    return Ended::Dropped;
                }
            },
            wake = woken.next() => match wake {
                Some(Wake::Flush) => {
                    if flush(&mut sink, state, &mut sent).await.is_err() {
                        return Ended::Dropped;
                    }
                }
                Some(Wake::Read(seq, thread)) => {
                    if sink.send(Message::Text(ClientFrame::Read { seq, thread }.encode())).await.is_err() {
                        return Ended::Dropped;
                    }
                }
                Some(Wake::Typing) => {
                    if sink.send(Message::Text(ClientFrame::Typing.encode())).await.is_err() {
                        return Ended::Dropped;
                    }
                }
                Some(Wake::Online) => {}
                Some(Wake::Offline) | None => return Ended::Dropped,
            },
        }
    }
}

/// The resend of the outbox after the server refused a send for now, waiting
/// out a backoff that grows while nothing gets through.
#[derive(Default)]
struct Retries {
    /// Refusals since the last ack.
    tries: u32,
    due: Option<LocalBoxFuture<'static, ()>>,
}

impl Retries {
    /// Plans a resend, unless one is planned already.
    fn schedule(&mut self) {
        if self.due.is_none() {
            let delay = Backoff::RESEND.delay_ms(self.tries, js_sys::Math::random());
            self.tries += 1;
            self.due = Some(TimeoutFuture::new(delay).boxed_local());
        }
    }

    /// A send got through: the next refusal starts the backoff afresh.
    fn progress(&mut self) {
        self.tries = 0;
    }

    /// Resolves when the planned resend is due (never, while none is planned).
    async fn next_due(&mut self) {
        match &mut self.due {
            Some(due) => {
                due.await;
                self.due = None;
            }
            None => std::future::pending().await,
        }
    }
}

/// Replaces what the room shows with its newest page (after a `reset`).
fn reload_newest(room: String, state: RoomState) {
    spawn_local(async move {
        if let Ok(page) = load_history(room, None).await {
            state.reset_to(page.messages);
        }
    });
}

/// Sends every outbox entry not yet sent on this connection, oldest first.
async fn flush(
    sink: &mut SplitSink<WebSocket, Message>,
    state: RoomState,
    sent: &mut HashSet<String>,
) -> Result<(), gloo_net::websocket::WebSocketError> {
    let due: Vec<PendingMessage> = state
        .outbox
        .with_untracked(|o| o.iter().filter(|p| p.error.is_none() && !sent.contains(&p.client_id)).cloned().collect());
    for pending in due {
        let frame = ClientFrame::Message(message::Request {
            text: pending.text,
            client_id: Some(pending.client_id.clone()),
            reply_to: pending.reply_to,
            attachment: pending.attachment.map(|file| file.id),
            thread: pending.thread,
            also_in_room: pending.also_in_room,
        });
        sink.send(Message::Text(frame.encode())).await?;
        sent.insert(pending.client_id);
    }
    let actions: Vec<PendingAction> =
        state.actions.with_untracked(|a| a.iter().filter(|p| !sent.contains(&p.client_id)).cloned().collect());
    for action in actions {
        sink.send(Message::Text(action.frame.encode())).await?;
        sent.insert(action.client_id);
    }
    Ok(())
}

/// What the socket task must do after a frame.
enum Handled {
    Done,
    /// A send was acked.
    Acked,
    /// A send was refused for now: the outbox goes again after a backoff.
    RetryLater,
    /// The room's history must be reloaded from the newest page.
    Reset,
}

fn handle_frame(text: &str, state: RoomState) -> Handled {
    let Ok(frame) = serde_json::from_str::<ServerFrame>(text) else { return Handled::Done };
    match frame {
        ServerFrame::Message(frame) => state.receive(frame.message),
        // The message frame (with the same client_id) settles the outbox entry; an
        // ack for a message already shown (a resend) settles it here.
        ServerFrame::Ack { client_id: Some(id), seq } => {
            if !state.settle_action(&id, None)
                && state.messages.with_untracked(|m| m.binary_search_by_key(&seq, |m| m.seq).is_ok())
            {
                state.confirm(&id);
            }
            return Handled::Acked;
        }
        ServerFrame::Ack { client_id: None, .. } => {}
        // Transient refusals are sent again after a backoff; refusals that retrying
        // cannot fix mark the entry.
        ServerFrame::Error { code, client_id: Some(_), .. } if code.is_transient() => return Handled::RetryLater,
        ServerFrame::Error { message, client_id: Some(id), .. } if state.settle_action(&id, Some(message.clone())) => {}
        ServerFrame::Error { message, client_id: Some(id), .. } => {
            state.outbox.update(|o| {
                if let Some(p) = o.iter_mut().find(|p| p.client_id == id) {
                    p.error = Some(message);
                }
            });
        }
        ServerFrame::Error { client_id: None, .. } => {}
        ServerFrame::Reset { .. } => return Handled::Reset,
        ServerFrame::Edit(frame) => state.apply(frame.seq, frame.target, Change::Edit(frame.edited())),
        ServerFrame::Deletion(frame) => state.apply(frame.seq, frame.target, Change::Deletion),
        ServerFrame::Reaction(frame) => state.apply(frame.seq, frame.target, Change::Reaction(frame.reacted())),
        ServerFrame::Preview(frame) => state.apply(frame.seq, frame.target, Change::Preview(frame.preview)),
        ServerFrame::PreviewRemoval(frame) => state.apply(frame.seq, frame.target, Change::PreviewRemoval),
        ServerFrame::Topic(frame) => state.topic_changed(frame.seq, frame.topic),
        ServerFrame::Presence { users, .. } => state.presence.set(users),
        ServerFrame::Typing { user, .. } => state.typing_from(user, js_sys::Date::now()),
        ServerFrame::Read { seq, thread: None, .. } => state.read_up_to(seq),
        ServerFrame::Read { seq, thread: Some(root), .. } => state.thread_read_up_to(root, seq),
        ServerFrame::Seen { user, seq, .. } => state.read_by.update(|r| crate::seen_by::note(r, SeenRead { user, seq })),
        ServerFrame::Membership(membership::Frame { seq, .. }) | ServerFrame::Command(command::Frame { seq, .. }) => {
            state.saw(seq)
        }
        // Inbox frames never come on a room socket.
        ServerFrame::Room { .. } | ServerFrame::Left { .. } | ServerFrame::Thread { .. } => {}
    }
    Handled::Done
}
