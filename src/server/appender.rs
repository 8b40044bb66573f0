//! Group commit. Room sockets hand their sends to one writer task, which stores
//! whatever is waiting in a single transaction, publishes the new messages to
//! their rooms in `seq` order, and then answers each socket. Every message still
//! gets its own `seq`, and its ack still waits for the commit; under load, many
//! messages share one commit instead of paying for one each. If a batch is
//! refused, its messages are retried one by one so that one bad message cannot
//! fail the others.
//!
//! Publishing here, not in each socket's task, keeps a room's events in commit
//! order: subscribers then see consecutive `seq`s and never mistake a reordering
//! for a gap that would send them to the database.

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{mpsc, oneshot};

use crate::server::{
    layer::{ChannelLayer, Event},
    store::{self, NewMessage, Stored},
};

/// Most messages committed together.
const MAX_BATCH: usize = 512;
/// Sends waiting for the writer before senders wait for room in the queue.
const QUEUE: usize = 8192;

struct Request {
    message: NewMessage,
    reply: oneshot::Sender<Result<Stored, DbErr>>,
}

/// The writer's queue. Cheap to clone.
#[derive(Clone)]
pub struct Appender {
    queue: mpsc::Sender<Request>,
}

impl Appender {
    /// Starts the writer task, which stores into `db` and publishes through `layer`.
    pub fn start(db: DatabaseConnection, layer: Arc<dyn ChannelLayer>) -> Self {
        let (queue, requests) = mpsc::channel(QUEUE);
        tokio::spawn(Writer { db, layer }.run(requests));
        Self { queue }
    }

    /// Queues `message` (waiting while the queue is full) and returns what resolves
    /// once it is committed and published. Messages are stored in the order they
    /// were queued, and a queued message is stored even if nobody waits for it.
    pub async fn submit(&self, message: NewMessage) -> impl Future<Output = Result<Stored, DbErr>> + Send + 'static {
        let (reply, stored) = oneshot::channel();
        let queued = self.queue.send(Request { message, reply }).await;
        async move {
            queued.map_err(|_| writer_stopped())?;
            stored.await.map_err(|_| writer_stopped())?
        }
    }
}

fn writer_stopped() -> DbErr {
    DbErr::Custom("the message writer has stopped".into())
}

struct Writer {
    db: DatabaseConnection,
    layer: Arc<dyn ChannelLayer>,
}

impl Writer {
    async fn run(self, mut requests: mpsc::Receiver<Request>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while requests.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let messages: Vec<&NewMessage> = batch.iter().map(|r| &r.message).collect();
            match store::append_batch(&self.db, &messages).await {
                Ok(stored) => {
                    for (request, stored) in batch.drain(..).zip(stored) {
                        self.publish(&request.message.room, &stored).await;
                        let _ = request.reply.send(Ok(stored));
                    }
                }
                // The database is unreachable: every message fails alike, at once.
                Err(err) if err.sql_err().is_none() => {
                    tracing::error!(%err, size = batch.len(), "group commit failed");
                    for request in batch.drain(..) {
                        let _ = request.reply.send(Err(DbErr::Custom(err.to_string())));
                    }
                }
                // A statement was refused: find which, without failing the others.
                Err(err) => {
                    tracing::warn!(%err, size = batch.len(), "group commit failed; storing one by one");
                    for request in batch.drain(..) {
                        let stored = store::append_message(&self.db, &request.message).await;
                        if let Ok(stored) = &stored {
                            self.publish(&request.message.room, stored).await;
                        }
                        let _ = request.reply.send(stored);
                    }
                }
            }
        }
    }

    /// Hands a newly committed message to its room's group (a resend was published already).
    async fn publish(&self, room: &str, stored: &Stored) {
        if stored.duplicate {
            return;
        }
        let event = Event::message(room, stored.message.clone());
        if let Err(err) = self.layer.group_send(room, event).await {
            // The message is committed; subscribers find it when they next catch up.
            tracing::warn!(%err, room, seq = stored.message.seq, "publishing a message failed");
        }
    }
}
