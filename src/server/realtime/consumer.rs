//! The `ChatConsumer`: a room's WebSocket, in the words of Django Channels.
//! [`connect`] checks the user, the origin, the room's permission, the user's
//! socket cap and the upgrade rate, then upgrades; `receive` hands each parsed
//! client frame to its handler (one per frame type, e.g. `on_send`);
//! `chat_message` forwards the room group's events to the socket in `seq`
//! order, catching up from the database whenever it sees a gap, lags behind or
//! hears of a newer head. A send is handed to the store's writer and acked once
//! committed, in the order sent, while the socket keeps reading (up to
//! [`MAX_IN_FLIGHT`] sends wait at once). The sender is always the session's user.
//!
//! Opening the socket puts the room in the user's list and the user in the
//! room's presence; `read` moves the user's read marker (their other sockets
//! hear of it), `typing` is relayed to the room's other members.
//!
//! A socket also ends with its session (its [`Lifeline`]): it listens to its
//! user's group for log-outs and new log-ins, and checks the stored session when
//! it would expire. It pings a quiet client and closes one that answers
//! nothing; a client that does not take its frames in time is dropped.

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    extract::{Path, Query, State, WebSocketUpgrade, rejection::QueryRejection},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures::{FutureExt, StreamExt, future::BoxFuture, stream::FuturesOrdered};
use serde::Deserialize;

use super::{
    layer::{Event, Group, Received, RoomEvent, Subscription, UserNotice},
    lifeline::{Due, Lifeline},
    open_sockets::SocketSlot,
    presence::Present,
    room_socket::{self, FrameReader, Incoming, RoomSocket, WriteError},
};
use crate::{
    entity::user,
    error::AppError,
    protocol::{CloseReason, Command, FrameErrorCode, FrameRejection, MAX_FRAME_BYTES, MAX_PAGE_SIZE, ServerFrame, ValidSend},
    server::{
        accounts::access::{self, Need},
        http::{client_ip::ClientIp, gate::RequireSession, origin, params::SeqParam},
        metrics as m,
        state::AppState,
        storage::{AppendError, EventBody, NewEvent, ReadMarker, Refusal, Stored},
    },
};

/// Most queued room events written to a socket with one flush.
const MAX_FRAMES_PER_WRITE: usize = 64;
/// Sends of one socket waiting for their commit before the socket stops reading.
const MAX_IN_FLIGHT: usize = 64;
/// Bytes of frames a socket gathers before writing them without waiting for the flush.
const WRITE_BUFFER_BYTES: usize = 16 * 1024;
/// How long a socket keeps a send that could not be stored first in line.
const STORE_RETRY_WAIT: Duration = Duration::from_secs(5);
/// How long the server waits for the client's reply to its close frame.
pub(super) const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// The least time between two `typing` frames a socket relays.
const TYPING_EVERY: Duration = Duration::from_secs(2);
/// How long a socket holds events that came ahead of a missing one (another
/// instance's event still on its way through Redis) before it reads the
/// database for what is missing.
const REORDER_WAIT: Duration = Duration::from_millis(100);
/// The most events a socket holds that way.
const MAX_EARLY: usize = 1024;

/// The query of `GET /ws/room/{room}/`.
#[derive(Debug, Deserialize)]
pub struct SocketParams {
    /// The last `seq` the client has shown: replay starts after it.
    after: Option<SeqParam>,
}

/// `GET /ws/room/{room}/?after=SEQ`: the `connect` step, then the upgrade.
pub async fn connect(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    RequireSession { user, session }: RequireSession,
    Path(room): Path<String>,
    params: Result<Query<SocketParams>, QueryRejection>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let room = access::room(&state.store, &user, &room, Need::Read).await?.name;
    if !origin::is_same_origin(&headers) {
        return Err(AppError::CrossSite);
    }
    if let Err(throttled) = state.limits.check_upgrade(client) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    let Query(params) = params.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let session_id = session.id().ok_or(AppError::Unauthorized)?;
    let max = state.config.max_sockets_per_user;
    let slot = state.open_sockets.claim(user.0.id, max, m::SOCKETS_OPEN).ok_or(AppError::TooManySockets { max })?;
    let expires_at = state.sessions.expires_at(&session).await;
    let lifeline = Lifeline::new(&state.config, state.sessions.clone(), session_id, expires_at);
    let write_timeout = Duration::from_secs(state.config.write_timeout_secs);
    let consumer = ChatConsumer { state, room, user: user.0, _slot: slot };
    let sockets = consumer.state.sockets.clone();
    let after = params.after.map(|seq| seq.0);
    // Small buffers: an idle socket should cost kilobytes, not tungstenite's
    // default 128 KiB read buffer. Client frames are small (a send is a few
    // hundred bytes), so 1 KiB holds several; a larger one takes more reads.
    // The write buffer fills only while frames are queued for one flush.
    Ok(ws
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(1024)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| {
            // Split here, not in the task, and handed over boxed: an async fn
            // keeps its arguments for its whole life (the socket's task would
            // carry the upgraded socket and the lifeline twice over).
            let (socket, reader) = room_socket::split(socket, write_timeout);
            sockets.track_future(consumer.serve(Box::new(Start { socket, reader, after, lifeline })))
        })
        .into_response())
}

/// Why a socket ended early.
#[derive(Debug, thiserror::Error)]
enum ConsumerError {
    #[error("socket: {0}")]
    Write(#[from] WriteError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("channel layer: {0}")]
    Layer(#[from] super::layer::LayerError),
}

/// A socket's sends on their way through the writer, answered in the order they came.
type InFlight = FuturesOrdered<BoxFuture<'static, (Option<String>, Result<Stored, AppendError>)>>;

/// What the consumer does next.
enum Next {
    KeepGoing,
    Close(Option<CloseReason>),
}

/// One user's socket in one room.
struct ChatConsumer {
    state: AppState,
    room: String,
    user: user::Model,
    /// Counts against the user's socket cap while the socket lives.
    _slot: SocketSlot,
}

/// What changes while a socket lives.
struct Live {
    socket: RoomSocket,
    /// The newest `seq` sent to the client: the next event must be the one after.
    last_sent: i64,
    in_flight: InFlight,
    /// Pings and the session.
    lifeline: Lifeline,
    /// When the socket last relayed a `typing` frame.
    last_typing: Option<Instant>,
    /// Whether the room is known to exist (its first message creates it).
    room_exists: bool,
    /// Whether the room is in the user's list (it could not be, when the room
    /// did not exist yet at connect: then it joins with the first event).
    listed: bool,
    /// A send refused for now (rate, storage) and until when: until it comes
    /// again (or the wait is over, when the client gave it up), later sends
    /// are refused too, so that a sender's messages are stored in order.
    blocked_on: Option<(String, Instant)>,
    /// The user's access to the room ended with an event sent: the socket closes.
    access_ended: bool,
    /// Events that came ahead of a missing one, by `seq`.
    early: BTreeMap<i64, Arc<RoomEvent>>,
    /// The newest `seq` another instance says it committed (its head beacon).
    head_seen: i64,
    /// Until when the socket waits for what is missing before it reads the database.
    wait_until: Option<tokio::time::Instant>,
}

/// What a socket opens with: its two halves, the client's `?after=` and its lifeline.
struct Start {
    socket: RoomSocket,
    reader: FrameReader,
    after: Option<i64>,
    lifeline: Lifeline,
}

/// An open socket, ready for its loop.
struct Opened {
    live: Live,
    reader: FrameReader,
    room_group: Subscription,
    user_group: Subscription,
    /// The user counts as present in the room while this lives.
    _present: Present,
}

impl ChatConsumer {
    async fn serve(self, start: Box<Start>) {
        if let Err(err) = self.run(start).await {
            tracing::debug!(%err, room = self.room, "room socket ended");
        }
    }

    async fn run(&self, start: Box<Start>) -> Result<(), ConsumerError> {
        // Opening reads the database. Boxed, like every other path that does,
        // so that what an idle socket keeps (its task's future) holds none of
        // those queries' state: kilobytes per socket.
        let Some(Opened { mut live, mut reader, mut room_group, mut user_group, _present }) = Box::pin(self.open(*start)).await?
        else {
            return Ok(());
        };
        let shutdown = self.state.shutdown.clone();
        loop {
            let wait_until = live.wait_until;
            let next = tokio::select! {
                incoming = reader.next(), if live.in_flight.len() < MAX_IN_FLIGHT => {
                    live.lifeline.heard();
                    Box::pin(self.receive(&mut live, incoming)).await?
                }
                Some((client_id, stored)) = live.in_flight.next() => {
                    Box::pin(self.acknowledge(&mut live, client_id, stored)).await?;
                    Next::KeepGoing
                }
                received = room_group.recv() => {
                    self.chat_message(&mut live, &mut room_group, received).await?;
                    // Whatever else is already waiting goes out in the same write.
                    for _ in 1..MAX_FRAMES_PER_WRITE {
                        if live.access_ended {
                            break;
                        }
                        let Some(received) = room_group.try_recv() else { break };
                        self.chat_message(&mut live, &mut room_group, received).await?;
                    }
                    live.socket.flush().await?;
                    if live.access_ended { Next::Close(Some(CloseReason::AccessEnded)) } else { Next::KeepGoing }
                }
                // What was missing did not come through the layer in time: the database has it.
                () = tokio::time::sleep_until(wait_until.unwrap_or_else(tokio::time::Instant::now)), if wait_until.is_some() => {
                    Box::pin(self.catch_up(&mut live)).await?;
                    if live.access_ended { Next::Close(Some(CloseReason::AccessEnded)) } else { Next::KeepGoing }
                }
                received = user_group.recv() => Box::pin(self.user_event(&mut live, &mut user_group, received)).await?,
                due = live.lifeline.due() => match due {
                    Due::Ping => {
                        live.socket.ping().await?;
                        Next::KeepGoing
                    }
                    Due::Close(reason) => Next::Close(Some(reason)),
                    Due::Nothing => Next::KeepGoing,
                },
                () = shutdown.wait() => {
                    // Answer every send that was accepted before closing.
                    while let Some((client_id, stored)) = live.in_flight.next().await {
                        Box::pin(self.acknowledge(&mut live, client_id, stored)).await?;
                    }
                    Next::Close(Some(CloseReason::Restart))
                }
            };
            if let Next::Close(reason) = next {
                if let Some(reason) = reason {
                    live.socket.close(reason).await;
                    reader.finish_closing(CLOSE_GRACE).await;
                }
                return Ok(());
            }
        }
    }

    /// Joins the room's and the user's groups, replays what the client missed
    /// and enters the room's presence; `None` when the user's access ended
    /// during the replay (the socket is closed then).
    async fn open(&self, Start { socket, mut reader, after, lifeline }: Start) -> Result<Option<Opened>, ConsumerError> {
        // Join the groups before reading the database, so nothing committed or
        // ended in between is missed.
        let room_group = self.state.layer.group_add(&Group::Room(self.room.clone())).await?;
        let user_group = self.state.layer.group_add(&Group::User(self.user.id)).await?;
        let head = self.state.store.last_seq(&self.room).await?;
        // Opening a room puts it in the user's list; their inbox hears of a new one.
        let listed = head > 0 && self.join(None, false).await;
        let mut live = Live {
            socket,
            last_sent: head,
            in_flight: InFlight::new(),
            lifeline,
            last_typing: None,
            room_exists: head > 0,
            listed,
            blocked_on: None,
            access_ended: false,
            early: BTreeMap::new(),
            head_seen: 0,
            wait_until: None,
        };
        match after {
            Some(after) if head.saturating_sub(after) > self.state.config.replay_limit as i64 => {
                live.socket.send(&ServerFrame::Reset { room: self.room.clone(), seq: head }).await?;
            }
            Some(after) => live.last_sent = after,
            None => {}
        }
        self.catch_up(&mut live).await?;
        if live.access_ended {
            live.socket.close(CloseReason::AccessEnded).await;
            reader.finish_closing(CLOSE_GRACE).await;
            return Ok(None);
        }
        let _present = self.state.presence.enter(&self.room, &self.user.username).await;
        let users = self.state.presence.snapshot(&self.room);
        live.socket.send(&ServerFrame::Presence { room: self.room.clone(), users }).await?;
        Ok(Some(Opened { live, reader, room_group, user_group, _present }))
    }

    /// Handles what the client sent: each valid frame goes to its handler.
    async fn receive(&self, live: &mut Live, incoming: Incoming) -> Result<Next, ConsumerError> {
        match incoming {
            Incoming::Command(Command::Send(ValidSend { text, client_id, reply_to, attachment })) => {
                self.on_event(live, client_id, EventBody::Message { text, reply_to, attachment }).await?;
            }
            Incoming::Command(Command::Edit { target, text, client_id }) => {
                self.on_event(live, client_id, EventBody::Edit { target, text }).await?;
            }
            Incoming::Command(Command::Delete { target, client_id }) => {
                self.on_event(live, client_id, EventBody::Delete { target }).await?;
            }
            Incoming::Command(Command::React { target, emoji, client_id }) => {
                self.on_event(live, client_id, EventBody::React { target, emoji }).await?;
            }
            Incoming::Command(Command::Read { seq }) => self.on_read(seq).await,
            Incoming::Command(Command::Typing) => self.on_typing(live).await,
            Incoming::Refused(rejection) => live.socket.send_error(rejection).await?,
            Incoming::Control => {}
            Incoming::Closed => return Ok(Next::Close(None)),
            Incoming::Broken(reason) => return Ok(Next::Close(Some(reason))),
        }
        Ok(Next::KeepGoing)
    }

    /// `send`, `edit`, `delete`, `react`: checks the sender's rates (every
    /// event counts; new rooms, for the first message of a room), then queues the
    /// event to the writer, which checks the rules (a message to change must
    /// exist, be the sender's, not be deleted); it joins `in_flight`, to be acked
    /// once committed.
    async fn on_event(&self, live: &mut Live, client_id: Option<String>, body: EventBody) -> Result<(), ConsumerError> {
        if let Some((blocked, until)) = &live.blocked_on {
            if client_id.as_ref() != Some(blocked) && Instant::now() < *until {
                return Ok(live.socket.send_error(FrameRejection::new(FrameErrorCode::OutOfOrder, client_id)).await?);
            }
            live.blocked_on = None;
        }
        if let Err(throttled) = self.state.limits.check_message(self.user.id) {
            let wait = Duration::from_secs(throttled.retry_after_secs);
            live.blocked_on = client_id.clone().map(|id| (id, Instant::now() + wait));
            return Ok(live.socket.send_error(FrameRejection::rate_limited(client_id, throttled.retry_after_secs)).await?);
        }
        if !live.room_exists && matches!(body, EventBody::Message { .. }) {
            if let Err(throttled) = self.state.limits.check_new_room(self.user.id) {
                let rejection = FrameRejection {
                    code: FrameErrorCode::RoomLimit,
                    client_id,
                    retry_after_secs: Some(throttled.retry_after_secs),
                };
                return Ok(live.socket.send_error(rejection).await?);
            }
            live.room_exists = true;
        }
        let event = NewEvent { room: self.room.clone(), sender: self.user.clone(), client_id: client_id.clone(), body };
        // Queued now, so the socket's events are stored in the order they came.
        let committed = self.state.store.append(event).await;
        live.in_flight.push_back(async move { (client_id, committed.await) }.boxed());
        Ok(())
    }

    /// Puts the room in the user's list (telling their inbox when it is new);
    /// false when the room does not exist yet.
    async fn join(&self, read_up_to: Option<i64>, just_created: bool) -> bool {
        match self.state.store.join_room(self.user.id, &self.room, read_up_to).await {
            // A room this socket saw being created is new to the user's list
            // even when the writer listed it already (its creator posted first).
            Ok(Some((_, added))) => {
                if added || just_created {
                    let notice = Event::Notice(UserNotice::Joined { room: self.room.clone() });
                    let _ = self.state.layer.group_send(&Group::User(self.user.id), notice).await;
                }
                true
            }
            Ok(None) => false,
            Err(err) => {
                tracing::warn!(%err, room = self.room, "joining a room failed");
                false
            }
        }
    }

    /// `read`: moves the user's read marker in this room (forward only); once
    /// stored, the user's other sockets hear of it.
    async fn on_read(&self, seq: i64) {
        let marker = ReadMarker { user_id: self.user.id, room: self.room.clone(), seq };
        self.state.store.mark_read(marker).await;
    }

    /// `typing`: relays that the user is composing to the room's other sockets,
    /// at most once per [`TYPING_EVERY`] per socket (more are dropped quietly).
    async fn on_typing(&self, live: &mut Live) {
        if live.last_typing.is_some_and(|at| at.elapsed() < TYPING_EVERY) {
            return;
        }
        live.last_typing = Some(Instant::now());
        let frame = ServerFrame::Typing { room: self.room.clone(), user: self.user.username.clone() };
        let event = Event::Relay { frame: frame.encode().into(), from: Some(self.user.id) };
        if let Err(err) = self.state.layer.group_send(&Group::Room(self.room.clone()), event).await {
            tracing::debug!(%err, room = self.room, "relaying typing failed");
        }
    }

    /// Answers a send once the writer is done with it: `ack` after the commit,
    /// `store_failed` when the database could not be reached (retry later),
    /// `not_stored` when it refused this message.
    async fn acknowledge(
        &self,
        live: &mut Live,
        client_id: Option<String>,
        stored: Result<Stored, AppendError>,
    ) -> Result<(), ConsumerError> {
        let stored = match stored {
            Ok(stored) => stored,
            Err(err) => {
                metrics::counter!(m::STORE_ERRORS).increment(1);
                tracing::error!(%err, room = self.room, "storing a message failed");
                let code = match err {
                    AppendError::Rejected(Refusal::NotFound) => FrameErrorCode::NotFound,
                    AppendError::Rejected(Refusal::NotYours) => FrameErrorCode::NotYours,
                    AppendError::Rejected(Refusal::Deleted) => FrameErrorCode::Deleted,
                    AppendError::Rejected(Refusal::BadAttachment) => FrameErrorCode::BadAttachment,
                    AppendError::Rejected(
                        Refusal::NoAccess | Refusal::NotAllowed | Refusal::AlreadyMember | Refusal::NotMember,
                    ) => FrameErrorCode::NoAccess,
                    AppendError::Refused(_) => FrameErrorCode::NotStored,
                    AppendError::Unavailable(_) | AppendError::Stopped => {
                        live.blocked_on = client_id.clone().map(|id| (id, Instant::now() + STORE_RETRY_WAIT));
                        FrameErrorCode::StoreFailed
                    }
                };
                return Ok(live.socket.send_error(FrameRejection::new(code, client_id)).await?);
            }
        };
        // The writer has published it to the room already.
        let counter = if stored.duplicate { m::MESSAGES_DUPLICATE } else { m::MESSAGES_STORED };
        metrics::counter!(counter).increment(1);
        live.socket.send(&ServerFrame::Ack { client_id, seq: stored.seq }).await?;
        Ok(())
    }

    /// Queues the room group's next event for the socket (the caller flushes),
    /// keeping the socket's `seq` order gap-free.
    async fn chat_message(&self, live: &mut Live, group: &mut Subscription, received: Received) -> Result<(), ConsumerError> {
        match received {
            Received::Event(Event::Sequenced(event)) if event.seq <= live.last_sent => {}
            Received::Event(Event::Sequenced(event)) if event.seq == live.last_sent + 1 => {
                self.deliver(live, &event).await?;
                self.release_early(live).await?;
            }
            // Ahead of a missing event, most likely another instance's still on
            // its way: held a moment, in order, before the database is asked.
            Received::Event(Event::Sequenced(event)) if live.early.len() < MAX_EARLY => {
                live.early.insert(event.seq, event);
                live.wait_until.get_or_insert_with(|| tokio::time::Instant::now() + REORDER_WAIT);
            }
            // Another instance committed further than this socket has seen: its
            // publish may still come; if not in time, it was lost.
            Received::Event(Event::Head { seq }) if seq > live.last_sent => {
                live.head_seen = live.head_seen.max(seq);
                live.wait_until.get_or_insert_with(|| tokio::time::Instant::now() + REORDER_WAIT);
            }
            // Typing and presence; one's own typing is not echoed.
            Received::Event(Event::Relay { frame, from }) if from != Some(self.user.id) => live.socket.queue(frame).await?,
            Received::Event(Event::Sequenced(_) | Event::Resync) | Received::Lagged { .. } | Received::Closed => {
                Box::pin(self.recover(live, group, received)).await?;
            }
            Received::Event(_) => {}
        }
        Ok(())
    }

    /// Queues one event that follows the last one sent.
    async fn deliver(&self, live: &mut Live, event: &RoomEvent) -> Result<(), ConsumerError> {
        live.socket.queue(event.frame.clone()).await?;
        live.last_sent = event.seq;
        live.access_ended |= event.meta.revoked == Some(self.user.id);
        live.room_exists = true;
        if !live.listed {
            // The room was created after this socket opened: nothing of it is read yet.
            live.listed = Box::pin(self.join(Some(event.seq - 1), true)).await;
        }
        Ok(())
    }

    /// Sends the held events that follow now; stops waiting once nothing is missing.
    async fn release_early(&self, live: &mut Live) -> Result<(), ConsumerError> {
        live.early.retain(|seq, _| *seq > live.last_sent);
        while !live.access_ended
            && let Some(next) = live.early.remove(&(live.last_sent + 1))
        {
            self.deliver(live, &next).await?;
        }
        if live.early.is_empty() && live.head_seen <= live.last_sent {
            live.wait_until = None;
        }
        Ok(())
    }

    /// The room group's rare news, each ending in a read of the database: a
    /// gap, a lost publish, a resync, a lag, a closed group.
    async fn recover(&self, live: &mut Live, group: &mut Subscription, received: Received) -> Result<(), ConsumerError> {
        match received {
            // The layer may have lost anything, the end of this user's access too.
            Received::Event(Event::Resync) => {
                self.catch_up(live).await?;
                live.access_ended |= self.access_gone().await;
            }
            Received::Lagged { missed } => {
                metrics::counter!(m::SOCKET_LAG).increment(1);
                tracing::debug!(room = self.room, missed, "socket lagged; catching up from the database");
                self.catch_up(live).await?;
            }
            Received::Closed => {
                *group = self.state.layer.group_add(&Group::Room(self.room.clone())).await?;
                self.catch_up(live).await?;
            }
            // A gap (events published out of order, or one missed): the database has it all.
            Received::Event(_) => self.catch_up(live).await?,
        }
        Ok(())
    }

    /// Handles an event for the socket's user: the end of its session, or its
    /// read marker moving in this room (on another tab or device).
    async fn user_event(&self, live: &mut Live, group: &mut Subscription, received: Received) -> Result<Next, ConsumerError> {
        let session_stands = match received {
            Received::Event(Event::EndSessions { session, reason }) if live.lifeline.is_ended_by(session) => {
                return Ok(Next::Close(Some(reason)));
            }
            Received::Event(Event::Notice(UserNotice::Read { room, seq })) if room == self.room => {
                live.socket.send(&ServerFrame::Read { room, seq }).await?;
                true
            }
            // Something may have been missed: ask the database whether the session still stands.
            Received::Event(Event::Resync) | Received::Lagged { .. } => live.lifeline.check_session().await,
            Received::Event(_) => true,
            Received::Closed => {
                *group = self.state.layer.group_add(&Group::User(self.user.id)).await?;
                live.lifeline.check_session().await
            }
        };
        Ok(if session_stands { Next::KeepGoing } else { Next::Close(Some(CloseReason::SessionEnded)) })
    }

    /// Whether the permission check refuses the user the room now.
    async fn access_gone(&self) -> bool {
        let user = crate::server::accounts::auth::User(self.user.clone());
        matches!(access::room(&self.state.store, &user, &self.room, Need::Read).await, Err(AppError::NotFound))
    }

    /// Sends every stored event after `last_sent`, oldest first (stopping at
    /// the end of the user's access).
    async fn catch_up(&self, live: &mut Live) -> Result<(), ConsumerError> {
        if live.wait_until.take().is_some() {
            metrics::counter!(m::SOCKET_LAG).increment(1);
        }
        live.head_seen = 0;
        loop {
            let page = self.state.store.events_after(&self.room, live.last_sent, MAX_PAGE_SIZE).await?;
            let full_page = page.len() as u64 == MAX_PAGE_SIZE;
            metrics::counter!(m::CATCH_UP_MESSAGES).increment(page.len() as u64);
            for (seq, frame) in page {
                live.socket.queue(frame.encode().into()).await?;
                live.last_sent = seq;
                live.room_exists = true;
                if matches!(&frame, ServerFrame::Member { user, change, .. } if *user == self.user.username && change.ends_access())
                {
                    // Nothing after their removal is theirs to see.
                    live.access_ended = true;
                    return Ok(live.socket.flush().await?);
                }
            }
            if !full_page {
                // What came early and is still newer follows, in order.
                self.release_early(live).await?;
                return Ok(live.socket.flush().await?);
            }
        }
    }
}
