//! Group commit. Room sockets hand their sends to one writer task, which stores
//! whatever is waiting in a single transaction and then answers each socket.
//! Every message still gets its own `seq`, and its ack still waits for the
//! commit; under load, many messages share one commit instead of paying for one
//! each. If a batch fails, its messages are retried one by one so that one bad
//! message cannot fail the others.

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{mpsc, oneshot};

use crate::server::store::{self, NewMessage, Stored};

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
    /// Starts the writer task for `db`.
    pub fn start(db: DatabaseConnection) -> Self {
        let (queue, requests) = mpsc::channel(QUEUE);
        tokio::spawn(write(db, requests));
        Self { queue }
    }

    /// Stores `message` and returns once it is committed.
    pub async fn append(&self, message: NewMessage) -> Result<Stored, DbErr> {
        let (reply, stored) = oneshot::channel();
        self.queue
            .send(Request { message, reply })
            .await
            .map_err(|_| DbErr::Custom("the message writer has stopped".into()))?;
        stored.await.map_err(|_| DbErr::Custom("the message writer has stopped".into()))?
    }
}

async fn write(db: DatabaseConnection, mut requests: mpsc::Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while requests.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let messages: Vec<&NewMessage> = batch.iter().map(|r| &r.message).collect();
        match store::append_batch(&db, &messages).await {
            Ok(stored) => {
                for (request, stored) in batch.drain(..).zip(stored) {
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
                    let m = &request.message;
                    let stored = store::append_message(&db, &m.room, &m.sender, &m.text, m.client_id.as_deref()).await;
                    let _ = request.reply.send(stored);
                }
            }
        }
    }
}
