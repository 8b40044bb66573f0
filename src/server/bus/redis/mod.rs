//! The Redis channel layers, for several Parlor instances serving the same
//! rooms: over one Redis server (`redis://…`, pub/sub) or a Redis Cluster
//! (`redis-cluster://…`, sharded pub/sub, so that the rooms' traffic spreads
//! over its nodes).
//!
//! Each instance keeps its own [`LocalGroups`] and holds one Redis subscription
//! per group that has local subscribers (its channel: `wire`). Publishing
//! delivers to this instance's sockets directly and queues the event for
//! Redis, for the others; an instance ignores its own events coming back.
//!
//! A publish can be lost (the queue is full, or Redis was briefly unreachable
//! from the publisher). So that no subscriber waits for a next message to
//! notice, each instance beacons its rooms' newest seqs (`beacon`).
//!
//! When a subscription connection drops, messages are still stored and
//! delivered locally and `/healthz` reports the layer down; once subscribed
//! again, the local sockets catch up from the database (`server`, `cluster`).
//!
//! - `wire`: channels and payloads; `publisher`: `PUBLISH` or `SPUBLISH`;
//! - `server`: one server's subscriptions; `cluster`: a cluster's;
//! - `beacon`: the head beacon.

mod beacon;
mod cluster;
mod publisher;
mod server;
mod wire;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use async_trait::async_trait;
use redis::{ProtocolVersion, aio::ConnectionManagerConfig, cluster::ClusterClientBuilder};
use tokio::sync::{mpsc, oneshot};

use super::{ChannelLayer, Event, Group, LayerError, Subscription, groups::LocalGroups};
use crate::server::tasks::Background;
use beacon::{BEACON_PERIOD, Beacon, Heads};
use publisher::{Publisher, publish_queued};

/// How long a Redis command or connection attempt may take.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// Events waiting to be published before new ones are dropped (and later
/// recovered through the head beacon).
const PUBLISH_QUEUE: usize = 16 * 1024;

/// Requests to the task that owns the subscriptions.
enum Command {
    /// Subscribe to a group; answered once Redis confirmed (or Redis is down).
    Subscribe(String, oneshot::Sender<()>),
    /// The group's last local subscriber left (it may be back by now).
    Unsubscribe(String),
}

/// Channel layer over Redis pub/sub (one server) or sharded pub/sub (a cluster).
pub struct RedisLayer {
    groups: LocalGroups,
    /// Queue of the publishing task, so a slow or absent Redis never delays a socket.
    outgoing: mpsc::Sender<(String, Vec<u8>)>,
    /// For health checks and `has_listeners`.
    publisher: Publisher,
    commands: mpsc::UnboundedSender<Command>,
    /// Whether the subscription connection is up (one server; a cluster's
    /// client keeps its node connections up itself, and pings tell).
    connected: Arc<AtomicBool>,
    /// The newest seq this instance published per room, for the beacon.
    heads: Arc<Mutex<Heads>>,
    /// Random id of this instance, to skip its own events.
    instance: u64,
}

impl RedisLayer {
    /// Connects to the Redis server at `url` and starts the publishing, beacon
    /// and subscription tasks.
    pub async fn connect(url: &str, capacity: usize, background: &Background) -> Result<Self, LayerError> {
        let client = redis::Client::open(url).map_err(|e| LayerError(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let connection = client.get_connection_manager_with_config(config).await.map_err(|e| LayerError(e.to_string()))?;
        let (layer, commands) = Self::start(Publisher::Server(connection), capacity, background);
        let task = server::SubscriptionTask {
            client,
            groups: layer.groups.clone(),
            connected: layer.connected.clone(),
            instance: layer.instance,
        };
        background.spawn(|stop| async move {
            tokio::select! {
                () = task.run(commands) => {}
                () = stop.cancelled() => {}
            }
        });
        Ok(layer)
    }

    /// Connects to the Redis Cluster that `nodes` (`redis://host:port` URLs)
    /// belong to and starts the publishing, beacon and subscription tasks.
    pub async fn connect_cluster(nodes: &[String], capacity: usize, background: &Background) -> Result<Self, LayerError> {
        let (pushed, pushes) = mpsc::unbounded_channel();
        let client = ClusterClientBuilder::new(nodes.to_vec())
            .use_protocol(ProtocolVersion::RESP3)
            .push_sender(pushed)
            .connection_timeout(REDIS_TIMEOUT)
            .response_timeout(REDIS_TIMEOUT)
            .retries(1)
            .build()
            .map_err(|e| LayerError(e.to_string()))?;
        let connection = client.get_async_connection().await.map_err(|e| LayerError(e.to_string()))?;
        let (layer, commands) = Self::start(Publisher::Cluster(connection.clone()), capacity, background);
        layer.connected.store(true, Ordering::Relaxed);
        let task = cluster::ClusterSubscriptions::new(connection, layer.groups.clone(), layer.instance);
        background.spawn(|stop| async move {
            tokio::select! {
                () = task.run(commands, pushes) => {}
                () = stop.cancelled() => {}
            }
        });
        Ok(layer)
    }

    /// The layer over `publisher`, its publishing and beacon tasks started;
    /// and where its subscription task hears what to subscribe.
    fn start(publisher: Publisher, capacity: usize, background: &Background) -> (Self, mpsc::UnboundedReceiver<Command>) {
        let instance = random_u64();
        let (outgoing, queued) = mpsc::channel(PUBLISH_QUEUE);
        let queue_publisher = publisher.clone();
        background.spawn(|stop| async move {
            tokio::select! {
                () = publish_queued(queue_publisher, queued) => {}
                () = stop.cancelled() => {}
            }
        });
        let heads = Arc::new(Mutex::new(Heads::default()));
        let beacon = Beacon { publisher: publisher.clone(), heads: heads.clone(), instance };
        background.every(BEACON_PERIOD, move || beacon.clone().send());
        let (commands, receiver) = mpsc::unbounded_channel();
        let unsubscribe = commands.clone();
        let on_empty: super::groups::OnEmpty = Arc::new(move |group: &str| {
            let _ = unsubscribe.send(Command::Unsubscribe(group.to_owned()));
        });
        let groups = LocalGroups::new(capacity, Some(on_empty));
        let connected = Arc::new(AtomicBool::new(false));
        (Self { groups, outgoing, publisher, commands, connected, heads, instance }, receiver)
    }
}

/// Hands an event that arrived on `channel_name` to its local group, unless it
/// is this instance's own.
fn route(groups: &LocalGroups, instance: u64, channel_name: &str, payload: &[u8]) {
    let Some(group) = channel_name.strip_prefix(wire::CHANNEL_PREFIX) else { return };
    if wire::probe_from(payload).is_some() {
        return;
    }
    match wire::decode(payload) {
        Some((from, _)) if from == instance => {}
        Some((_, event)) => groups.deliver(group, event),
        None => tracing::warn!(channel_name, "ignoring a malformed event from redis"),
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

/// Uniform in `[0, 1)`, for backoff jitter.
fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[async_trait]
impl ChannelLayer for RedisLayer {
    async fn group_send(&self, group: &Group, event: Event) -> Result<(), LayerError> {
        let key = group.key();
        if let Event::Sequenced(room_event) = &event {
            self.heads.lock().unwrap_or_else(|p| p.into_inner()).record(&key, room_event.seq, Instant::now());
        }
        let payload = wire::encode(self.instance, &event);
        self.groups.deliver(&key, event);
        match payload {
            Some(payload) => self
                .outgoing
                .try_send((wire::channel(&key), payload))
                .map_err(|_| LayerError("redis publish queue is full".into())),
            None => Ok(()),
        }
    }

    fn deliver_local(&self, group: &Group, event: Event) {
        self.groups.deliver(&group.key(), event);
    }

    async fn group_add(&self, group: &Group) -> Result<Subscription, LayerError> {
        let (subscription, created) = self.groups.join(group);
        if created {
            let (done, confirmed) = oneshot::channel();
            if self.commands.send(Command::Subscribe(group.key(), done)).is_ok() {
                // Waiting makes "joined, then read the database" hold across instances.
                let _ = confirmed.await;
            }
        }
        Ok(subscription)
    }

    /// This instance's groups first; then Redis: every instance subscribes to
    /// a group's channel while it has local subscribers (and a subscription is
    /// confirmed before `group_add` returns).
    fn recent(&self, group: &Group, after: i64) -> Option<Vec<std::sync::Arc<super::RoomEvent>>> {
        self.groups.recent(&group.key(), after)
    }

    async fn has_listeners(&self, group: &Group) -> Result<bool, LayerError> {
        let key = group.key();
        if self.groups.has(&key) {
            return Ok(true);
        }
        let count =
            self.publisher.clone().listeners(&wire::channel(&key)).await.map_err(|e| LayerError(format!("redis: {e}")))?;
        Ok(count > 0)
    }

    async fn health(&self) -> Result<(), LayerError> {
        if !self.connected.load(Ordering::Relaxed) {
            return Err(LayerError("redis subscription is disconnected".into()));
        }
        self.publisher.clone().ping().await.map_err(|e| LayerError(format!("redis: {e}")))
    }
}
