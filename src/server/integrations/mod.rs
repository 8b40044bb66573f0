//! Outgoing webhooks: every event a bot subscribed to, delivered to its URL
//! exactly once per subscription and room, in `seq` order, across crashes and
//! instances — the room's event log and a durable cursor per subscription and
//! room make that possible (what Slack's and Mattermost's one-try webhooks
//! cannot). The bodies are the sockets' own frames; each is signed the
//! Standard Webhooks way. (Tokens, bots, incoming webhooks and commands are
//! kept by `storage::integrations` and served by `http::integrations`.)
//!
//! - [`filter`]: which event kinds a subscription is sent.
//! - [`walk`]: a cursor's walk through a room's events (no I/O): sent or
//!   passed over, following the bot's membership, by the one policy.
//! - [`signature`]: Standard Webhooks signatures.
//! - [`send`]: one delivery over HTTP, under the private-network guard.
//! - [`worker`]: leases, cursors, retries with backoff, pausing.

pub mod filter;
pub mod send;
pub mod signature;
pub mod walk;
mod worker;

use std::{sync::Arc, time::Duration};

pub use filter::EventFilter;

use crate::server::{config::Config, previews::Guard, storage::Store, tasks::Background};

/// How often subscriptions are looked at for events to deliver.
const POLL: Duration = Duration::from_millis(250);

/// Outgoing webhooks. Cheap to clone.
#[derive(Clone)]
pub struct Deliveries {
    worker: Arc<worker::Worker>,
}

impl Deliveries {
    /// Starts the delivery worker.
    pub fn start(store: &Store, config: &Config, background: &Background) -> Self {
        if !config.webhooks_test_allow.is_empty() {
            tracing::warn!(allowed = ?config.webhooks_test_allow, "webhooks may reach these non-public addresses (a test setting)");
        }
        let instance = i64::from_le_bytes(crate::server::storage::integrations::random_bytes::<8>()) & i64::MAX;
        let worker = Arc::new(worker::Worker {
            store: store.clone(),
            sender: send::Sender { guard: Guard::new(config.webhooks_test_allow.iter().copied()) },
            instance,
            retry_for: Duration::from_secs(config.delivery_retry_secs),
            background: background.clone(),
            running: Default::default(),
            looked: Default::default(),
        });
        let delivering = worker.clone();
        background.spawn(|stop| async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(POLL) => {}
                    () = stop.cancelled() => return,
                }
                if let Err(err) = delivering.round().await {
                    tracing::warn!(%err, "subscriptions could not be read; trying again");
                }
            }
        });
        Self { worker }
    }

    /// Whether `url` may be delivered to (http(s), a public address).
    pub async fn check_url(&self, url: &str) -> Result<(), String> {
        self.worker.sender.resolve(url).await.map(drop)
    }
}
