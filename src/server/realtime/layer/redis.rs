//! The Redis channel layer, for several Parlor instances serving the same rooms.
//!
//! Each instance keeps its own [`LocalGroups`] and holds one Redis subscription
//! per room that has local subscribers (channel `parlor:room:<name>`). Publishing
//! delivers to this instance's sockets directly and sends the event to Redis for
//! the others; an instance ignores its own events coming back from Redis.
//!
//! When Redis goes away, messages are still stored and delivered locally and
//! `/healthz` reports the layer down. A background task reconnects with backoff,
//! subscribes again to every room, and tells every local socket to catch up from
//! the database, so nothing published meanwhile is lost.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use futures::StreamExt;
use redis::{
    AsyncCommands,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use tokio::sync::{mpsc, oneshot};

use super::{ChannelLayer, Event, LayerError, Subscription, groups::LocalGroups};
use crate::{backoff::Backoff, server::tasks::Background};

/// Redis channel of a room.
fn channel(room: &str) -> String {
    format!("parlor:room:{room}")
}

/// Payload on the wire for a sequenced event: `<instance>:<seq>:<frame JSON>`.
/// A resync is local to each instance and never published.
fn encode(instance: u64, event: &Event) -> Option<Vec<u8>> {
    let Event::Sequenced { seq, frame } = event else { return None };
    let mut payload = format!("{instance:x}:{seq}:").into_bytes();
    payload.extend_from_slice(frame.as_bytes());
    Some(payload)
}

fn decode(payload: &[u8]) -> Option<(u64, Event)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (instance, rest) = text.split_once(':')?;
    let (seq, frame) = rest.split_once(':')?;
    let instance = u64::from_str_radix(instance, 16).ok()?;
    Some((instance, Event::Sequenced { seq: seq.parse().ok()?, frame: frame.to_owned().into() }))
}

/// Requests to the task that owns the Redis subscription connection.
enum Command {
    /// Subscribe to a room; answered once Redis confirmed (or Redis is down).
    Subscribe(String, oneshot::Sender<()>),
    Unsubscribe(String),
}

/// Channel layer over Redis pub/sub.
pub struct RedisLayer {
    groups: LocalGroups,
    /// Queue of the publishing task, so a slow or absent Redis never delays a
    /// socket (its events are recovered by the resync after a reconnect).
    outgoing: mpsc::Sender<(String, Vec<u8>)>,
    /// For health checks.
    publisher: ConnectionManager,
    commands: mpsc::UnboundedSender<Command>,
    /// Whether the subscription connection is up.
    connected: Arc<AtomicBool>,
    /// Random id of this instance, to skip its own events.
    instance: u64,
}

impl RedisLayer {
    /// Connects to `url` and starts the subscription task.
    pub async fn connect(url: &str, capacity: usize, background: &Background) -> Result<Self, LayerError> {
        let client = redis::Client::open(url).map_err(|e| LayerError(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let publisher = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|e| LayerError(e.to_string()))?;
        let (outgoing, queued) = mpsc::channel(PUBLISH_QUEUE);
        let queue_publisher = publisher.clone();
        background.spawn(|stop| async move {
            tokio::select! {
                () = publish_queued(queue_publisher, queued) => {}
                () = stop.cancelled() => {}
            }
        });
        let (commands, receiver) = mpsc::unbounded_channel();
        let unsubscribe = commands.clone();
        let on_empty: super::groups::OnEmpty = Arc::new(move |room: &str| {
            let _ = unsubscribe.send(Command::Unsubscribe(room.to_owned()));
        });
        let groups = LocalGroups::new(capacity, Some(on_empty));
        let connected = Arc::new(AtomicBool::new(false));
        let instance = rand_instance_id();
        let task = SubscriptionTask { client, groups: groups.clone(), connected: connected.clone(), instance };
        background.spawn(|stop| async move {
            tokio::select! {
                () = task.run(receiver) => {}
                () = stop.cancelled() => {}
            }
        });
        Ok(Self { groups, outgoing, publisher, commands, connected, instance })
    }
}

/// How long a Redis command or connection attempt may take.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// Events waiting to be published before new ones are dropped (and later resynced).
const PUBLISH_QUEUE: usize = 16 * 1024;

/// Publishes queued events in order; failures are logged, not retried, because
/// every instance resyncs its sockets from the database when Redis returns.
async fn publish_queued(mut publisher: ConnectionManager, mut queued: mpsc::Receiver<(String, Vec<u8>)>) {
    let mut failing = false;
    while let Some((channel, payload)) = queued.recv().await {
        match publisher.publish::<_, _, i64>(&channel, payload).await {
            Ok(_) => failing = false,
            Err(err) if !failing => {
                failing = true;
                tracing::warn!(%err, "redis publish failed; other instances will resync");
            }
            Err(_) => {}
        }
    }
}

/// 64 random bits (the standard library's randomly keyed hasher, fed the time).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    hasher.write_u32(std::process::id());
    hasher.finish()
}

fn rand_instance_id() -> u64 {
    random_u64()
}

/// Uniform in `[0, 1)`, for backoff jitter.
fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[async_trait]
impl ChannelLayer for RedisLayer {
    async fn group_send(&self, group: &str, event: Event) -> Result<(), LayerError> {
        let payload = encode(self.instance, &event);
        self.groups.deliver(group, event);
        match payload {
            Some(payload) => self
                .outgoing
                .try_send((channel(group), payload))
                .map_err(|_| LayerError("redis publish queue is full".into())),
            None => Ok(()),
        }
    }

    async fn group_add(&self, group: &str) -> Result<Subscription, LayerError> {
        let (subscription, created) = self.groups.join(group);
        if created {
            let (done, confirmed) = oneshot::channel();
            if self.commands.send(Command::Subscribe(group.to_owned(), done)).is_ok() {
                // Waiting makes "joined, then read the database" hold across instances.
                let _ = confirmed.await;
            }
        }
        Ok(subscription)
    }

    async fn health(&self) -> Result<(), LayerError> {
        if !self.connected.load(Ordering::Relaxed) {
            return Err(LayerError("redis subscription is disconnected".into()));
        }
        let mut publisher = self.publisher.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut publisher)
            .await
            .map(|_| ())
            .map_err(|e| LayerError(format!("redis: {e}")))
    }
}

/// Owns the subscription connection: subscribes and unsubscribes rooms, routes
/// incoming events to local groups, and reconnects when Redis goes away.
struct SubscriptionTask {
    client: redis::Client,
    groups: LocalGroups,
    connected: Arc<AtomicBool>,
    instance: u64,
}

impl SubscriptionTask {
    async fn run(self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut failures: u32 = 0;
        let mut ever_connected = false;
        loop {
            match self.serve(&mut commands, ever_connected).await {
                Served::Stopped => return,
                Served::Disconnected => {
                    ever_connected = true;
                    failures = 0;
                }
                Served::CouldNotConnect(err) => {
                    if failures == 0 {
                        tracing::warn!(%err, "redis channel layer unreachable; retrying");
                    }
                    failures = failures.saturating_add(1);
                }
            }
            self.connected.store(false, Ordering::Relaxed);
            let delay = Duration::from_millis(Backoff::REDIS.delay_ms(failures, random_unit()).into());
            // Keep answering subscribe requests while Redis is down: rooms are
            // subscribed on reconnect, and sockets must not hang meanwhile.
            let pause = tokio::time::sleep(delay);
            tokio::pin!(pause);
            loop {
                tokio::select! {
                    () = &mut pause => break,
                    command = commands.recv() => match command {
                        Some(Command::Subscribe(_, done)) => drop(done.send(())),
                        Some(Command::Unsubscribe(_)) => {}
                        None => return,
                    },
                }
            }
        }
    }

    async fn serve(&self, commands: &mut mpsc::UnboundedReceiver<Command>, reconnecting: bool) -> Served {
        let pubsub = match self.client.get_async_pubsub().await {
            Ok(pubsub) => pubsub,
            Err(err) => return Served::CouldNotConnect(err.to_string()),
        };
        let (mut sink, mut stream) = pubsub.split();
        for room in self.groups.names() {
            if let Err(err) = sink.subscribe(channel(&room)).await {
                return Served::CouldNotConnect(err.to_string());
            }
        }
        self.connected.store(true, Ordering::Relaxed);
        if reconnecting {
            tracing::info!("redis channel layer reconnected; resyncing local sockets");
            self.groups.resync_all();
        }
        loop {
            tokio::select! {
                message = stream.next() => match message {
                    Some(message) => self.route(message.get_channel_name(), message.get_payload_bytes()),
                    None => {
                        tracing::warn!("redis channel layer disconnected");
                        return Served::Disconnected;
                    }
                },
                command = commands.recv() => match command {
                    Some(Command::Subscribe(room, done)) => {
                        let result = sink.subscribe(channel(&room)).await;
                        let _ = done.send(());
                        if result.is_err() {
                            return Served::Disconnected;
                        }
                    }
                    Some(Command::Unsubscribe(room)) => {
                        if sink.unsubscribe(channel(&room)).await.is_err() {
                            return Served::Disconnected;
                        }
                    }
                    None => return Served::Stopped,
                },
            }
        }
    }

    fn route(&self, channel_name: &str, payload: &[u8]) {
        let Some(room) = channel_name.strip_prefix("parlor:room:") else { return };
        match decode(payload) {
            Some((instance, _)) if instance == self.instance => {}
            Some((_, event)) => self.groups.deliver(room, event),
            None => tracing::warn!(channel_name, "ignoring a malformed event from redis"),
        }
    }
}

/// How a subscription connection ended.
enum Served {
    Stopped,
    Disconnected,
    CouldNotConnect(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_carry_the_instance() {
        let frame = r#"{"type":"message","text":"a:b"}"#;
        let event = Event::Sequenced { seq: 42, frame: frame.into() };
        let (instance, back) = decode(&encode(0xabc, &event).unwrap()).unwrap();
        assert_eq!(instance, 0xabc);
        assert!(matches!(back, Event::Sequenced { seq: 42, frame: f } if f.as_str() == frame));
        assert!(decode(b"garbage").is_none());
        assert!(encode(1, &Event::Resync).is_none(), "a resync stays on its instance");
    }
}
