//! The inbox: one socket per browser tab (`GET /ws/inbox/`) that keeps the
//! unread and mention counts of all the user's rooms live, without a socket per
//! room. It listens to the groups of the user's rooms (the same events the room
//! sockets get) and to the user's own group (read markers from other tabs, rooms
//! joining or leaving the list), and sends a `room` frame for each room that
//! changed, at most every [`FLUSH_EVERY`]. It starts with a frame per room.
//! A room whose event ends the user's access (their removal) leaves at once.
//! The threads the user follows are counted the same way, from the events of
//! their rooms (`followed`), with a `thread` frame each.

use std::{
    collections::{HashMap, HashSet},
    pin::Pin,
    time::Duration,
};

use axum::extract::ws::WebSocket;
use futures::{Stream, StreamExt};
use tokio_stream::StreamMap;

use super::{
    Realtime, SessionRef, SocketError, SocketHolder,
    consumer::CLOSE_GRACE,
    followed::FollowedThreads,
    keepalive::{Due, KeepAlive},
    open_sockets::SocketSlot,
    room_socket::{self, Incoming, RoomSocket},
};
use crate::{
    entity::user,
    error::AppError,
    protocol::{CloseReason, Latest, RoomStatus, ServerFrame},
    server::{
        bus::{Event, Group, Received, Subscription, UserNotice},
        metrics as m,
    },
};

/// How often changed rooms are reported (changes in between are coalesced).
const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// Why an inbox ended early.
type InboxError = SocketError;

type RoomEvents = Pin<Box<dyn Stream<Item = Received> + Send>>;

/// A room's events as a stream (for one map of all the user's rooms).
fn events_of(subscription: Subscription) -> RoomEvents {
    Box::pin(futures::stream::unfold(subscription, |mut subscription| async move {
        let received = subscription.recv().await;
        Some((received, subscription))
    }))
}

/// What the inbox knows of one room.
struct Tracked {
    status: RoomStatus,
    /// Seqs of unread messages that mention the user.
    mention_seqs: Vec<i64>,
    /// The newest message, if one arrived since the last report.
    latest: Option<Latest>,
    /// The `seq` of the newest message reported as `latest`.
    reported: Option<i64>,
    /// A reported message that was deleted since the last report.
    retract: Option<i64>,
}

impl Tracked {
    fn new(status: RoomStatus, mention_seqs: Vec<i64>) -> Self {
        Self { status, mention_seqs, latest: None, reported: None, retract: None }
    }

    /// Message `seq` was deleted: nothing of it is reported (not yet, or no
    /// longer: a report that named it is retracted), and it mentions nobody.
    fn deleted(&mut self, seq: i64) {
        if self.latest.as_ref().is_some_and(|latest| latest.seq == seq) {
            self.latest = None;
        }
        if self.reported == Some(seq) {
            self.reported = None;
            self.retract = Some(seq);
        }
        self.mention_seqs.retain(|mentioned| *mentioned != seq);
        self.recount();
    }

    fn recount(&mut self) {
        self.status.mentions = self.mention_seqs.len() as i64;
    }

    fn frame(&mut self) -> ServerFrame {
        ServerFrame::Room {
            room: self.status.room.clone(),
            kind: self.status.kind,
            title: self.status.title.clone(),
            with: self.status.with.clone(),
            last_seq: self.status.last_seq,
            unread: self.status.unread,
            mentions: self.status.mentions,
            retract: self.retract.take(),
            latest: self.latest.take().inspect(|latest| self.reported = Some(latest.seq)),
        }
    }
}

/// One user's inbox.
pub struct Inbox {
    realtime: Realtime,
    user: user::Model,
    /// The session the socket belongs to, and when it expires unless used.
    session: SessionRef,
    _slot: SocketSlot,
}

impl Inbox {
    /// The inbox of `user` on `session`: it takes one of the user's socket
    /// slots, or answers `too_many_sockets`.
    pub async fn new(realtime: &Realtime, user: user::Model, holder: &SocketHolder) -> Result<Self, AppError> {
        let (slot, session) = realtime.admit(user.id, holder, m::INBOX_SOCKETS_OPEN).await?;
        Ok(Self { realtime: realtime.clone(), user, session, _slot: slot })
    }

    /// Runs the inbox once upgraded; a stop of the server waits for it.
    pub fn serve(self, socket: WebSocket) -> impl Future<Output = ()> + Send + 'static {
        let tasks = self.realtime.tasks.clone();
        tasks.track_future(async move {
            if let Err(err) = self.run(socket).await {
                tracing::debug!(%err, user = self.user.username, "inbox ended");
            }
        })
    }

    async fn run(&self, socket: WebSocket) -> Result<(), InboxError> {
        let (credential, expires_at) = self.session.clone();
        let mut keepalive = KeepAlive::new(&self.realtime.config, self.realtime.sessions.clone(), credential, expires_at);
        let mut user_group = self.realtime.layer.group_add(&Group::User(self.user.id)).await?;
        let write_timeout = Duration::from_secs(self.realtime.config.write_timeout_secs);
        let (mut socket, mut reader) = room_socket::split(socket, write_timeout);
        let mut rooms: HashMap<String, Tracked> = HashMap::new();
        let mut events: StreamMap<String, RoomEvents> = StreamMap::new();
        for status in self.realtime.store.memberships().rooms_of(self.user.id, false).await? {
            self.track(&mut rooms, &mut events, status.room.clone()).await?;
        }
        let mut threads = FollowedThreads::load(&self.realtime.store, self.user.id).await?;
        for room in threads.rooms() {
            self.listen(&mut events, room).await?;
        }
        let mut dirty: HashSet<String> = rooms.keys().cloned().collect();
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        let shutdown = self.realtime.shutdown.clone();
        let close = loop {
            tokio::select! {
                _ = flush.tick(), if !dirty.is_empty() || threads.has_changes() => {
                    for room in dirty.drain() {
                        if let Some(tracked) = rooms.get_mut(&room) {
                            socket.queue(tracked.frame().encode().into()).await?;
                        }
                    }
                    for frame in threads.frames() {
                        socket.queue(frame.encode().into()).await?;
                    }
                    socket.flush().await?;
                }
                Some((room, received)) = events.next() => {
                    match &received {
                        Received::Event(Event::Sequenced(event)) => threads.count(&room, event, self.user.id),
                        Received::Event(Event::Resync) | Received::Lagged { .. } => {
                            threads.reload_all(&self.realtime.store, self.user.id).await?;
                        }
                        _ => {}
                    }
                    let revoked = matches!(&received, Received::Event(Event::Sequenced(event)) if event.meta.revoked == Some(self.user.id));
                    if revoked {
                        // Removed from the room (or left it): it leaves the list at
                        // once, and its threads with it.
                        threads.drop_room(&room);
                        untrack(&mut rooms, &mut events, &mut dirty, &mut socket, room).await?;
                    } else {
                        match self.room_event(&mut rooms, &room, received).await? {
                            Some(Reload::Counted) => {
                                dirty.insert(room);
                            }
                            // Read again after news was lost, the room is no longer the user's.
                            Some(Reload::Gone) => untrack(&mut rooms, &mut events, &mut dirty, &mut socket, room).await?,
                            None => {}
                        }
                    }
                }
                received = user_group.recv() => match received {
                    Received::Event(Event::EndSessions { session, reason }) if keepalive.is_ended_by(session) => break Some(reason),
                    Received::Event(Event::Notice(notice)) => {
                        self.thread_notice(&mut threads, &mut events, &notice).await?;
                        self.notice(&mut rooms, &mut events, &mut dirty, &mut socket, notice).await?;
                        // A room that left the list may still hold followed threads.
                        for room in threads.rooms() {
                            self.listen(&mut events, room).await?;
                        }
                    }
                    Received::Event(Event::Resync) | Received::Lagged { .. } | Received::Closed => {
                        if matches!(received, Received::Closed) {
                            user_group = self.realtime.layer.group_add(&Group::User(self.user.id)).await?;
                        }
                        if !keepalive.check_session().await {
                            break Some(CloseReason::SessionEnded);
                        }
                        // News may have been lost: recount every room, and let go of
                        // those that are no longer the user's (a removal lost with it).
                        threads.reload_all(&self.realtime.store, self.user.id).await?;
                        let tracked: Vec<String> = rooms.keys().cloned().collect();
                        for room in tracked {
                            match self.reload(&mut rooms, &room).await? {
                                Reload::Counted => {
                                    dirty.insert(room);
                                }
                                Reload::Gone => untrack(&mut rooms, &mut events, &mut dirty, &mut socket, room).await?,
                            }
                        }
                    }
                    Received::Event(_) => {}
                },
                incoming = reader.next() => {
                    keepalive.heard();
                    match incoming {
                        Incoming::Closed => break None,
                        Incoming::Broken(reason) => break Some(reason),
                        // The inbox takes no frames; pongs only show the client is there.
                        Incoming::Command(_) | Incoming::Refused(_) | Incoming::Control => {}
                    }
                }
                due = keepalive.due() => match due {
                    Due::Ping => socket.ping().await?,
                    Due::Close(reason) => break Some(reason),
                    Due::Nothing => {}
                },
                () = shutdown.wait() => break Some(CloseReason::Restart),
            }
        };
        if let Some(reason) = close {
            socket.close(reason).await;
            reader.finish_closing(CLOSE_GRACE).await;
        }
        Ok(())
    }

    /// Loads a room's counts and mentions, if it is in the user's list.
    async fn load(&self, room: &str) -> Result<Option<Tracked>, InboxError> {
        let Some(status) = self.realtime.store.memberships().room_status(self.user.id, room).await? else { return Ok(None) };
        let mentions = self.realtime.store.memberships().unread_mentions(self.user.id, room, status.last_read_seq).await?;
        Ok(Some(Tracked::new(status, mentions)))
    }

    /// Starts following a room of the user's list.
    async fn track(
        &self,
        rooms: &mut HashMap<String, Tracked>,
        events: &mut StreamMap<String, RoomEvents>,
        room: String,
    ) -> Result<bool, InboxError> {
        if rooms.contains_key(&room) {
            return Ok(false);
        }
        // Subscribe first, then count, so that nothing in between is missed.
        let subscription = self.realtime.layer.group_add(&Group::Room(room.clone())).await?;
        let Some(tracked) = self.load(&room).await? else { return Ok(false) };
        events.insert(room.clone(), events_of(subscription));
        rooms.insert(room, tracked);
        Ok(true)
    }

    /// Listens to `room`'s events if the inbox does not yet (for the threads
    /// followed in a room that is not in the user's list).
    async fn listen(&self, events: &mut StreamMap<String, RoomEvents>, room: String) -> Result<(), InboxError> {
        if !events.contains_key(&room) {
            let subscription = self.realtime.layer.group_add(&Group::Room(room.clone())).await?;
            events.insert(room, events_of(subscription));
        }
        Ok(())
    }

    /// News about the user's threads: a follow started or ended, a thread's
    /// read marker moved, a room left the list. Listens first, then reads, so
    /// nothing in between is missed.
    async fn thread_notice(
        &self,
        threads: &mut FollowedThreads,
        events: &mut StreamMap<String, RoomEvents>,
        notice: &UserNotice,
    ) -> Result<(), InboxError> {
        let (room, thread) = match notice {
            UserNotice::Thread { room, thread } | UserNotice::Read { room, thread: Some(thread), .. } => (room, *thread),
            UserNotice::Left { room } => return Ok(threads.reload_room(&self.realtime.store, self.user.id, room).await?),
            _ => return Ok(()),
        };
        self.listen(events, room.clone()).await?;
        Ok(threads.reload(&self.realtime.store, self.user.id, room, thread).await?)
    }

    /// Counts an event of one of the user's rooms: `None` when the counts did
    /// not change.
    async fn room_event(
        &self,
        rooms: &mut HashMap<String, Tracked>,
        room: &str,
        received: Received,
    ) -> Result<Option<Reload>, InboxError> {
        let Some(tracked) = rooms.get_mut(room) else { return Ok(None) };
        match received {
            Received::Event(Event::Sequenced(event)) if event.seq > tracked.status.last_seq => {
                tracked.status.last_seq = event.seq;
                if let Some(target) = event.meta.deleted {
                    tracked.deleted(target);
                }
                // Only new messages count; edits and reactions change no count.
                let Some(latest) = &event.meta.latest else { return Ok(Some(Reload::Counted)) };
                if event.meta.thread_only {
                    // Counted in its thread; a mention counts in the room too.
                    if event.meta.mentioned.contains(&self.user.id) {
                        tracked.mention_seqs.push(event.seq);
                        tracked.recount();
                    }
                    return Ok(Some(Reload::Counted));
                }
                if event.meta.sender_id == Some(self.user.id) {
                    // One has read what one wrote.
                    tracked.status.last_read_seq = event.seq;
                    tracked.status.unread = 0;
                    tracked.mention_seqs.clear();
                } else {
                    tracked.status.unread += 1;
                    if event.meta.mentioned.contains(&self.user.id) {
                        tracked.mention_seqs.push(event.seq);
                    }
                    tracked.latest = Some(latest.clone());
                }
                tracked.recount();
                Ok(Some(Reload::Counted))
            }
            Received::Event(Event::Head { seq }) if seq > tracked.status.last_seq => Ok(Some(self.reload(rooms, room).await?)),
            Received::Event(Event::Resync) | Received::Lagged { .. } => Ok(Some(self.reload(rooms, room).await?)),
            Received::Event(_) | Received::Closed => Ok(None),
        }
    }

    /// Reads a tracked room's counts again.
    async fn reload(&self, rooms: &mut HashMap<String, Tracked>, room: &str) -> Result<Reload, InboxError> {
        match self.load(room).await? {
            Some(fresh) => {
                rooms.insert(room.to_owned(), fresh);
                Ok(Reload::Counted)
            }
            None => Ok(Reload::Gone),
        }
    }

    /// News about the user's rooms: a read marker, a room joining or leaving the list.
    async fn notice(
        &self,
        rooms: &mut HashMap<String, Tracked>,
        events: &mut StreamMap<String, RoomEvents>,
        dirty: &mut HashSet<String>,
        socket: &mut RoomSocket,
        notice: UserNotice,
    ) -> Result<(), InboxError> {
        match notice {
            // How many messages are left unread is the database's to say.
            UserNotice::Read { room, thread, seq } => {
                // A thread's marker moves the room's mention count (mentions count everywhere).
                let moved = |tracked: &Tracked| thread.is_some() || tracked.status.last_read_seq < seq;
                if rooms.get(&room).is_some_and(moved) {
                    match self.reload(rooms, &room).await? {
                        Reload::Counted => {
                            dirty.insert(room);
                        }
                        Reload::Gone => untrack(rooms, events, dirty, socket, room).await?,
                    }
                }
            }
            UserNotice::Joined { room } => {
                if self.track(rooms, events, room.clone()).await? {
                    dirty.insert(room);
                }
            }
            UserNotice::Left { room } => untrack(rooms, events, dirty, socket, room).await?,
            UserNotice::Thread { .. } => {}
        }
        Ok(())
    }
}

/// What reading a tracked room again found.
enum Reload {
    /// Its counts, now current.
    Counted,
    /// It is no longer in the user's list (they left, or were removed).
    Gone,
}

/// Stops following a room and tells the client it left the list.
async fn untrack(
    rooms: &mut HashMap<String, Tracked>,
    events: &mut StreamMap<String, RoomEvents>,
    dirty: &mut HashSet<String>,
    socket: &mut RoomSocket,
    room: String,
) -> Result<(), InboxError> {
    events.remove(&room);
    if rooms.remove(&room).is_some() {
        dirty.remove(&room);
        socket.send(&ServerFrame::Left { room }).await?;
    }
    Ok(())
}
