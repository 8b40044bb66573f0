//! Group commit: the writer task. Room sockets hand their sends to one writer
//! task (through [`super::Store::append`]), which stores whatever is waiting in a
//! single transaction, publishes the new messages to their rooms in `seq` order,
//! and then answers each socket. Every message still gets its own `seq`, and its
//! ack still waits for the commit; under load, many messages share one commit
//! instead of paying for one each.
//!
//! Failure policy, all of it here: a batch that meets a busy SQLite lock is
//! retried whole; if a statement was refused, the batch is retried one message
//! at a time, so that one bad message fails alone and every other is stored;
//! only when the database cannot be reached does the whole batch fail at once.
//!
//! Publishing here, not in each socket's task, keeps a room's events in commit
//! order: subscribers then see consecutive `seq`s and never mistake a reordering
//! for a gap that would send them to the database.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use sea_orm::{DatabaseConnection, DbBackend, DbErr, RuntimeErr, SqlErr, sqlx};
use tokio::sync::{
    mpsc::{self, error::SendTimeoutError},
    oneshot,
};
use tokio_util::sync::CancellationToken;

use super::{
    events::{self, ReadMarker, Refusal},
    writes::{NewEvent, Stored},
};
use crate::protocol::events::message;
use crate::{
    entity::user,
    protocol::{FrameErrorCode, SeenRead, ServerFrame},
    server::{
        bus::{ChannelLayer, Event, Group, UserNotice},
        tasks::Background,
    },
};

/// Most events committed together. A commit's cost is mostly per commit (its
/// sync, and the index pages it dirties, which the batch's messages share), so
/// under load a bigger batch stores more per second: `scripts/bench.sh f` read
/// ≈ 18k acked msg/s with 512, ≈ 29k with 2048 and ≈ 38k with 4096. A quiet
/// room's batch is whatever is queued: one message.
pub(crate) const MAX_BATCH: usize = 4096;
/// Longest a send waits for room in a full queue (`--writer-queue` long) before it is refused as
/// `store_failed` (the database is slower than the sends: a stall, a restart).
/// The client's outbox sends it again with its `client_id`, so a refusal loses
/// nothing, and memory stays bounded however long the database is away.
const QUEUE_WAIT: Duration = Duration::from_secs(1);

/// Why a message was not stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    /// The database could not be reached; the same send may succeed later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database refused this event.
    #[error("the database refused the event: {0}")]
    Refused(String),
    /// The rules refused the event (e.g. editing someone else's message).
    #[error("{0}")]
    Rejected(#[from] Refusal),
    /// The writer's queue stayed full (`--writer-queue`): the database is slower
    /// than the sends. Nothing was queued; the same send may succeed later.
    #[error("the message writer is busy; send again shortly")]
    Busy,
    /// The server is stopping.
    #[error("the message writer has stopped")]
    Stopped,
}

impl AppendError {
    /// The `error` frame's code (and an API's answer) for an event not stored.
    pub fn frame_code(&self) -> FrameErrorCode {
        match self {
            Self::Rejected(refusal) => refusal.frame_code(),
            Self::Refused(_) => FrameErrorCode::NotStored,
            Self::Unavailable(_) | Self::Busy | Self::Stopped => FrameErrorCode::StoreFailed,
        }
    }
}

struct Request {
    event: NewEvent,
    reply: oneshot::Sender<Result<Stored, AppendError>>,
}

/// What the writer is asked to do.
// A job lives from a send to its batch; boxing the common variant would cost
// an allocation per message for nothing.
#[allow(clippy::large_enum_variant)]
enum Job {
    Append(Request),
    /// Move a read marker forward (nobody waits for the answer).
    Read(ReadMarker),
    /// A marker stored elsewhere (a first visit's membership): only tell the
    /// room's readers ("Seen by").
    Announce(ReadMarker),
}

/// A message just committed whose text may hold a link, as the link-preview
/// worker (`server::previews`) is told of it.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub room: String,
    pub seq: i64,
    pub author: user::Model,
    pub text: String,
}

/// Where the writer tells of new messages that may hold a link, once someone listens.
type Watcher = Arc<OnceLock<mpsc::Sender<NewMessage>>>;

/// The writer's queue. Cheap to clone.
#[derive(Clone)]
pub(super) struct Appender {
    queue: mpsc::Sender<Job>,
    watcher: Watcher,
}

impl Appender {
    /// Starts the writer task, which stores into `db` and publishes through
    /// `layer`; up to `queue` jobs wait for it.
    ///
    /// On SQLite the writer runs on a thread of its own. Its statements run on
    /// SQLite's worker thread, whose every answer woke the writer through the
    /// shared runtime's global queue, behind the sockets' tasks: a batch of 512
    /// spent more time waiting to be polled than in SQLite. PostgreSQL's
    /// connections belong to the runtime that opened them, so there the writer
    /// stays on the shared runtime.
    pub fn start(db: DatabaseConnection, queue: usize, layer: Arc<dyn ChannelLayer>, background: &Background) -> Self {
        let (queue, jobs) = mpsc::channel(queue);
        let watcher = Watcher::default();
        let linked = watcher.clone();
        let sqlite = db.get_database_backend() == DbBackend::Sqlite;
        let writer = |stop| Writer { db, layer, linked }.run(jobs, stop);
        if sqlite {
            background.spawn_on_own_thread("parlor-writer", writer);
        } else {
            background.spawn(writer);
        }
        Self { queue, watcher }
    }

    /// From now on, new messages that may hold a link are told to the returned
    /// receiver (the first caller's; later calls get `None`). When it falls
    /// `capacity` behind, the newest are dropped (a preview is a courtesy).
    pub fn watch_links(&self, capacity: usize) -> Option<mpsc::Receiver<NewMessage>> {
        let (sender, receiver) = mpsc::channel(capacity);
        self.watcher.set(sender).ok().map(|()| receiver)
    }

    /// Queues a read marker; once stored, the user's other sockets hear of it.
    pub async fn mark_read(&self, marker: ReadMarker) {
        if self.queue.send(Job::Read(marker)).await.is_err() {
            tracing::debug!("the writer has stopped; a read marker is dropped");
        }
    }

    /// Tells the room's other readers of a marker stored elsewhere (see [`Job::Announce`]).
    pub async fn announce_read(&self, marker: ReadMarker) {
        if self.queue.send(Job::Announce(marker)).await.is_err() {
            tracing::debug!("the writer has stopped; a seen marker is dropped");
        }
    }

    /// Queues `event` (waiting up to [`QUEUE_WAIT`] while the queue is full) and
    /// returns what resolves once it is committed and published; or, at once,
    /// why it was not queued (the writer is busy, or stopped).
    pub async fn queue(
        &self,
        event: NewEvent,
    ) -> Result<impl Future<Output = Result<Stored, AppendError>> + Send + 'static, AppendError> {
        let (reply, stored) = oneshot::channel();
        self.queue.send_timeout(Job::Append(Request { event, reply }), QUEUE_WAIT).await.map_err(|err| match err {
            SendTimeoutError::Timeout(_) => AppendError::Busy,
            SendTimeoutError::Closed(_) => AppendError::Stopped,
        })?;
        Ok(async move { stored.await.map_err(|_| AppendError::Stopped)? })
    }
}

struct Writer {
    db: DatabaseConnection,
    layer: Arc<dyn ChannelLayer>,
    /// Told of committed messages that may hold a link.
    linked: Watcher,
}

impl Writer {
    /// Commits batches until the server stops; then stores what is still queued.
    async fn run(self, mut jobs: mpsc::Receiver<Job>, stop: CancellationToken) {
        let mut received = Vec::with_capacity(MAX_BATCH);
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut markers = Vec::new();
        let mut announced = Vec::new();
        loop {
            let count = tokio::select! {
                count = jobs.recv_many(&mut received, MAX_BATCH) => count,
                () = stop.cancelled() => {
                    jobs.close();
                    jobs.recv_many(&mut received, MAX_BATCH).await
                }
            };
            if count == 0 {
                return;
            }
            for job in received.drain(..) {
                match job {
                    Job::Append(request) => batch.push(request),
                    Job::Read(marker) => markers.push(marker),
                    Job::Announce(marker) => announced.push(marker),
                }
            }
            if !batch.is_empty() {
                self.commit(&mut batch).await;
            }
            if !markers.is_empty() {
                self.mark_read(&mut markers).await;
            }
            if !announced.is_empty() {
                self.publish_seen(&announced).await;
                announced.clear();
            }
        }
    }

    /// Stores a batch of read markers and tells each user's sockets.
    async fn mark_read(&self, markers: &mut Vec<ReadMarker>) {
        let moved = loop {
            match events::mark_read(&self.db, markers).await {
                Err(err) if Failure::of(&err) == Failure::Busy => tokio::time::sleep(BUSY_PAUSE).await,
                outcome => break outcome,
            }
        };
        markers.clear();
        match moved {
            Ok(moved) => {
                // "Seen by" is about rooms' timelines.
                let in_rooms: Vec<ReadMarker> = moved.iter().filter(|marker| marker.thread.is_none()).cloned().collect();
                self.publish_seen(&in_rooms).await;
                for ReadMarker { user_id, room, thread, seq } in moved {
                    let notice = Event::Notice(UserNotice::Read { room, thread, seq });
                    if let Err(err) = self.layer.group_send(&Group::User(user_id), notice).await {
                        tracing::debug!(%err, "publishing a read marker failed");
                    }
                }
            }
            // Read markers are advisory: the next one from the client tries again.
            Err(err) => tracing::warn!(%err, "storing read markers failed"),
        }
    }

    /// "Seen by" in small rooms: tells each room of the markers others may be
    /// shown (advisory, so a failed read skips it).
    async fn publish_seen(&self, markers: &[ReadMarker]) {
        let shared = events::shared_reads(&self.db, markers).await.unwrap_or_default();
        for (room, SeenRead { user, seq }) in shared {
            let frame = ServerFrame::Seen { room: room.clone(), user, seq }.encode();
            if let Err(err) = self.layer.group_send(&Group::Room(room), Event::Seen { frame: frame.into() }).await {
                tracing::debug!(%err, "publishing a seen marker failed");
            }
        }
    }

    /// Stores, publishes and answers one batch, emptying it.
    async fn commit(&self, batch: &mut Vec<Request>) {
        let events: Vec<&NewEvent> = batch.iter().map(|r| &r.event).collect();
        match self.append(&events).await {
            Ok(stored) => {
                for (request, stored) in batch.drain(..).zip(stored) {
                    if let Ok(stored) = &stored {
                        self.publish(&request.event, stored).await;
                    }
                    let _ = request.reply.send(stored.map_err(AppendError::from));
                }
            }
            Err(err) if Failure::of(&err) == Failure::Statement => {
                tracing::warn!(%err, size = batch.len(), "group commit refused; storing one by one");
                let mut unavailable: Option<String> = None;
                for request in batch.drain(..) {
                    // Once the database is gone, the rest fail at once instead of one timeout each.
                    let stored = match &unavailable {
                        Some(why) => Err(AppendError::Unavailable(why.clone())),
                        None => self.append_one(&request.event).await,
                    };
                    match &stored {
                        Ok(stored) => self.publish(&request.event, stored).await,
                        Err(AppendError::Unavailable(why)) => unavailable = Some(why.clone()),
                        Err(_) => {}
                    }
                    let _ = request.reply.send(stored);
                }
            }
            Err(err) => {
                tracing::error!(%err, size = batch.len(), "group commit failed: database unavailable");
                for request in batch.drain(..) {
                    let _ = request.reply.send(Err(AppendError::Unavailable(err.to_string())));
                }
            }
        }
    }

    /// Stores a batch, trying again while SQLite reports its lock busy.
    async fn append(&self, batch: &[&NewEvent]) -> Result<Vec<Result<Stored, Refusal>>, DbErr> {
        let mut attempt = 0;
        loop {
            match events::append_batch(&self.db, batch).await {
                Err(err) if Failure::of(&err) == Failure::Busy && attempt < BUSY_RETRIES => {
                    attempt += 1;
                    tracing::debug!(%err, attempt, "database busy; retrying the batch");
                    tokio::time::sleep(BUSY_PAUSE * attempt).await;
                }
                outcome => return outcome,
            }
        }
    }

    /// Stores one event as a batch of one. A unique-index violation means a
    /// concurrent copy of the same send (on another instance) won the race: the
    /// answer is that copy.
    async fn append_one(&self, new: &NewEvent) -> Result<Stored, AppendError> {
        let err = match self.append(&[new]).await {
            Ok(mut stored) => {
                return stored.pop().ok_or_else(|| AppendError::Refused("nothing stored".into()))?.map_err(AppendError::from);
            }
            Err(err) => err,
        };
        if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
            && let Ok(Some(seq)) = events::stored_copy(&self.db, new).await
        {
            return Ok(Stored::repeat(seq));
        }
        match Failure::of(&err) {
            Failure::Statement => {
                tracing::warn!(%err, room = new.room, "a message was refused by the database");
                Err(AppendError::Refused(err.to_string()))
            }
            Failure::Busy | Failure::Unavailable => Err(AppendError::Unavailable(err.to_string())),
        }
    }

    /// Hands a newly committed event to its room's group (a resend was
    /// published already), and tells the users it mentions that the room is in
    /// their list.
    async fn publish(&self, new: &NewEvent, stored: &Stored) {
        let Some(frame) = stored.frame.clone() else { return };
        let room = new.room.as_str();
        if let (Some(watcher), ServerFrame::Message(message::Frame { message, .. })) = (self.linked.get(), &frame)
            && message.text.contains("http")
        {
            let linked =
                NewMessage { room: room.to_owned(), seq: stored.seq, author: new.sender.clone(), text: message.text.clone() };
            if watcher.try_send(linked).is_err() {
                tracing::debug!(room, seq = stored.seq, "the link-preview queue is full; no preview");
            }
        }
        let event = Event::sequenced(stored.seq, frame, Some(new.sender.id), stored.mentioned.clone(), stored.revoked);
        if let Err(err) = self.layer.group_send(&Group::Room(room.to_owned()), event).await {
            // The event is committed; subscribers find it when they next catch up.
            tracing::warn!(%err, room, seq = stored.seq, "publishing an event failed");
        }
        for &user_id in &stored.mentioned {
            let joined = Event::Notice(UserNotice::Joined { room: room.to_owned() });
            if let Err(err) = self.layer.group_send(&Group::User(user_id), joined).await {
                tracing::debug!(%err, user_id, "telling a mentioned user failed");
            }
        }
        if let Some(thread) = new.body.thread() {
            for &user_id in &stored.followers {
                let followed = Event::Notice(UserNotice::Thread { room: room.to_owned(), thread: thread.root });
                if let Err(err) = self.layer.group_send(&Group::User(user_id), followed).await {
                    tracing::debug!(%err, user_id, "telling a new follower failed");
                }
            }
        }
    }
}

/// Times a batch is tried again while SQLite says its lock is busy.
const BUSY_RETRIES: u32 = 20;
/// Pause before the first retry of a busy batch (longer for each later one).
const BUSY_PAUSE: Duration = Duration::from_millis(2);

/// What a failed statement says about the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// SQLite's write lock was taken (`SQLITE_BUSY` / `SQLITE_LOCKED`): try again.
    Busy,
    /// The database answered and refused this statement (a constraint, bad
    /// text, ...): the same batch without the culprit can succeed.
    Statement,
    /// The database could not be reached (connection, pool, I/O).
    Unavailable,
}

impl Failure {
    fn of(err: &DbErr) -> Self {
        let sqlx_error = match err {
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return Self::Unavailable,
            // Refusals raised by sea-orm or by Parlor's own checks.
            _ => return Self::Statement,
        };
        match &**sqlx_error {
            sqlx::Error::Database(db) => match db.code().and_then(|code| code.parse::<u32>().ok()) {
                // SQLite primary codes 5 (BUSY) and 6 (LOCKED), with their extended variants.
                Some(code) if matches!(code & 0xff, 5 | 6) && db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
                    Self::Busy
                }
                _ => Self::Statement,
            },
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::TypeNotFound { .. } => Self::Statement,
            _ => Self::Unavailable,
        }
    }
}
