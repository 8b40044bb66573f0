//! The Redis channel layer, for several Parlor instances serving the same rooms.
//!
//! Each instance keeps its own [`LocalGroups`] and holds one Redis subscription
//! per group that has local subscribers (channel `parlor:group:<key>`, e.g.
//! `parlor:group:room:general`). Publishing delivers to this instance's sockets
//! directly and queues the event for Redis, for the others; an instance ignores
//! its own events coming back from Redis.
//!
//! A publish can be lost (the queue is full, or Redis was briefly unreachable
//! from the publisher). So that no subscriber waits for a next message to
//! notice, each instance beacons its rooms' newest seqs (`bus::beacon`).
//!
//! When the subscription connection drops, messages are still stored and
//! delivered locally and `/healthz` reports the layer down. A background task
//! reconnects with backoff, subscribes again to every group, and tells every
//! local socket to catch up from the database.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use async_trait::async_trait;
use futures::StreamExt;
use redis::{
    AsyncCommands,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use strum::IntoEnumIterator;
use tokio::sync::{mpsc, oneshot};

use super::{
    ChannelLayer, Event, Forget, Group, LayerError, RoomEvent, Subscription,
    beacon::{BEACON_PERIOD, Beacon, Heads},
    groups::LocalGroups,
};
use crate::{
    backoff::Backoff,
    protocol::CloseReason,
    server::{bus::SessionKey, tasks::Background},
};

/// Prefix of every Parlor channel in Redis.
const CHANNEL_PREFIX: &str = "parlor:group:";
/// How long a Redis command or connection attempt may take.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// Events waiting to be published before new ones are dropped (and later
/// recovered through the head beacon).
const PUBLISH_QUEUE: usize = 16 * 1024;

/// Redis channel of a group key.
pub(super) fn channel(group_key: &str) -> String {
    format!("{CHANNEL_PREFIX}{group_key}")
}

/// Payload on the wire: `<instance>:<tag>:<body>`, where the tag and body are
/// `s:<seq>:<meta JSON>\n<frame JSON>` (a sequenced event), `h:<seq>` (a head
/// beacon), `e:<session or ->:<close code>` (end sessions), `r:<from or ->:<frame>`
/// (a relayed frame), `v:<frame>` (a relayed `seen` frame), `p:<users JSON>` (presence), `n:<notice JSON>` (news for
/// a user) or `f:s<session key hex>` / `f:u<user id>` (forget a cached read). A resync is local to each instance and never published.
pub(super) fn encode(instance: u64, event: &Event) -> Option<Vec<u8>> {
    let (head, frame): (String, Option<&str>) = match event {
        Event::Sequenced(room_event) => {
            let meta = serde_json::to_string(&room_event.meta).ok()?;
            (format!("s:{}:{meta}\n", room_event.seq), Some(room_event.frame.as_str()))
        }
        Event::Head { seq } => (format!("h:{seq}"), None),
        Event::EndSessions { session, reason } => {
            let session = session.map_or_else(|| "-".to_owned(), |key| format!("{:x}", key.0));
            (format!("e:{session}:{}", reason.code()), None)
        }
        Event::Relay { frame, from } => {
            let from = from.map_or_else(|| "-".to_owned(), |id| id.to_string());
            (format!("r:{from}:"), Some(frame.as_str()))
        }
        Event::Seen { frame } => ("v:".to_owned(), Some(frame.as_str())),
        Event::Presence { users, .. } => (format!("p:{}", serde_json::to_string(users).ok()?), None),
        Event::Notice(notice) => (format!("n:{}", serde_json::to_string(notice).ok()?), None),
        Event::Forget(Forget::Session(key)) => (format!("f:s{key:x}"), None),
        Event::Forget(Forget::User(id)) => (format!("f:u{id}"), None),
        Event::Resync => return None,
    };
    let mut payload = format!("{instance:x}:{head}").into_bytes();
    if let Some(frame) = frame {
        payload.extend_from_slice(frame.as_bytes());
    }
    Some(payload)
}

fn decode(payload: &[u8]) -> Option<(u64, Event)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (instance, rest) = text.split_once(':')?;
    let instance = u64::from_str_radix(instance, 16).ok()?;
    let (tag, body) = rest.split_once(':')?;
    let event = match tag {
        "s" => {
            let (seq, rest) = body.split_once(':')?;
            let (meta, frame) = rest.split_once('\n')?;
            let room_event =
                RoomEvent { seq: seq.parse().ok()?, frame: frame.to_owned().into(), meta: serde_json::from_str(meta).ok()? };
            Event::Sequenced(Arc::new(room_event))
        }
        "h" => Event::Head { seq: body.parse().ok()? },
        "e" => {
            let (session, code) = body.split_once(':')?;
            let session = match session {
                "-" => None,
                hex => Some(SessionKey(u64::from_str_radix(hex, 16).ok()?)),
            };
            let code: u16 = code.parse().ok()?;
            Event::EndSessions { session, reason: CloseReason::iter().find(|r| r.code() == code)? }
        }
        "r" => {
            let (from, frame) = body.split_once(':')?;
            let from = match from {
                "-" => None,
                id => Some(id.parse().ok()?),
            };
            Event::Relay { frame: frame.to_owned().into(), from }
        }
        "v" => Event::Seen { frame: body.to_owned().into() },
        "p" => Event::Presence { instance, users: serde_json::from_str(body).ok()? },
        "n" => Event::Notice(serde_json::from_str(body).ok()?),
        "f" => match body.split_at_checked(1)? {
            ("s", key) => Event::Forget(Forget::Session(u64::from_str_radix(key, 16).ok()?)),
            ("u", id) => Event::Forget(Forget::User(id.parse().ok()?)),
            _ => return None,
        },
        _ => return None,
    };
    Some((instance, event))
}

/// Requests to the task that owns the Redis subscription connection.
enum Command {
    /// Subscribe to a group; answered once Redis confirmed (or Redis is down).
    Subscribe(String, oneshot::Sender<()>),
    /// The group's last local subscriber left (it may be back by now).
    Unsubscribe(String),
}

/// Channel layer over Redis pub/sub.
pub struct RedisLayer {
    groups: LocalGroups,
    /// Queue of the publishing task, so a slow or absent Redis never delays a socket.
    outgoing: mpsc::Sender<(String, Vec<u8>)>,
    /// For health checks.
    publisher: ConnectionManager,
    commands: mpsc::UnboundedSender<Command>,
    /// Whether the subscription connection is up.
    connected: Arc<AtomicBool>,
    /// The newest seq this instance published per room, for the beacon.
    heads: Arc<Mutex<Heads>>,
    /// Random id of this instance, to skip its own events.
    instance: u64,
}

impl RedisLayer {
    /// Connects to `url` and starts the publishing, beacon and subscription tasks.
    pub async fn connect(url: &str, capacity: usize, background: &Background) -> Result<Self, LayerError> {
        let client = redis::Client::open(url).map_err(|e| LayerError(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let publisher = client.get_connection_manager_with_config(config).await.map_err(|e| LayerError(e.to_string()))?;
        let instance = rand_instance_id();
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
        let task = SubscriptionTask { client, groups: groups.clone(), connected: connected.clone(), instance };
        background.spawn(|stop| async move {
            tokio::select! {
                () = task.run(receiver) => {}
                () = stop.cancelled() => {}
            }
        });
        Ok(Self { groups, outgoing, publisher, commands, connected, heads, instance })
    }
}

/// Publishes queued events in order. A failure is logged, not retried: the
/// head beacon tells the other instances what they missed.
async fn publish_queued(mut publisher: ConnectionManager, mut queued: mpsc::Receiver<(String, Vec<u8>)>) {
    let mut failing = false;
    while let Some((channel, payload)) = queued.recv().await {
        match publisher.publish::<_, _, i64>(&channel, payload).await {
            Ok(_) => failing = false,
            Err(err) if !failing => {
                failing = true;
                tracing::warn!(%err, "redis publish failed; the head beacon will tell other instances");
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
    async fn group_send(&self, group: &Group, event: Event) -> Result<(), LayerError> {
        let key = group.key();
        if let Event::Sequenced(room_event) = &event {
            self.heads.lock().unwrap_or_else(|p| p.into_inner()).record(&key, room_event.seq, Instant::now());
        }
        let payload = encode(self.instance, &event);
        self.groups.deliver(&key, event);
        match payload {
            Some(payload) => {
                self.outgoing.try_send((channel(&key), payload)).map_err(|_| LayerError("redis publish queue is full".into()))
            }
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

    /// This instance's groups first; then `PUBSUB NUMSUB`: every instance
    /// subscribes to a group's channel while it has local subscribers (and a
    /// subscription is confirmed before `group_add` returns).
    async fn has_listeners(&self, group: &Group) -> Result<bool, LayerError> {
        let key = group.key();
        if self.groups.has(&key) {
            return Ok(true);
        }
        let mut publisher = self.publisher.clone();
        let (_, count): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel(&key))
            .query_async(&mut publisher)
            .await
            .map_err(|e| LayerError(format!("redis: {e}")))?;
        Ok(count > 0)
    }

    async fn health(&self) -> Result<(), LayerError> {
        if !self.connected.load(Ordering::Relaxed) {
            return Err(LayerError("redis subscription is disconnected".into()));
        }
        let mut publisher = self.publisher.clone();
        redis::cmd("PING").query_async::<String>(&mut publisher).await.map(|_| ()).map_err(|e| LayerError(format!("redis: {e}")))
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
        for group in self.groups.names() {
            if let Err(err) = sink.subscribe(channel(&group)).await {
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
                    Some(Command::Subscribe(group, done)) => {
                        let result = sink.subscribe(channel(&group)).await;
                        let _ = done.send(());
                        if result.is_err() {
                            return Served::Disconnected;
                        }
                    }
                    // A socket may have joined again since the group emptied: then it stays.
                    Some(Command::Unsubscribe(group)) if !self.groups.has(&group) => {
                        if sink.unsubscribe(channel(&group)).await.is_err() {
                            return Served::Disconnected;
                        }
                    }
                    Some(Command::Unsubscribe(_)) => {}
                    None => return Served::Stopped,
                },
            }
        }
    }

    fn route(&self, channel_name: &str, payload: &[u8]) {
        let Some(group) = channel_name.strip_prefix(CHANNEL_PREFIX) else { return };
        match decode(payload) {
            Some((instance, _)) if instance == self.instance => {}
            Some((_, event)) => self.groups.deliver(group, event),
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
        let frame = r#"{"type":"message","text":"a:b\nc"}"#;
        let meta = super::super::EventMeta {
            sender_id: Some(3),
            mentioned: vec![4, 5],
            latest: None,
            revoked: Some(6),
            deleted: Some(2),
            thread: Some(7),
            thread_only: true,
        };
        let events = [
            Event::Sequenced(Arc::new(RoomEvent { seq: 42, frame: frame.into(), meta })),
            Event::Relay { frame: frame.into(), from: Some(9) },
            Event::Relay { frame: frame.into(), from: None },
            Event::Seen { frame: frame.into() },
            Event::Presence { instance: 0xabc, users: vec!["ann".into(), "bob".into()] },
            Event::Notice(super::super::UserNotice::Read { room: "r".into(), thread: Some(2), seq: 3 }),
            Event::Head { seq: 7 },
            Event::Forget(Forget::Session(0xfeed)),
            Event::Forget(Forget::User(12)),
            Event::EndSessions { session: Some(SessionKey(0xfeed)), reason: CloseReason::SessionEnded },
            Event::EndSessions { session: None, reason: CloseReason::SessionEnded },
        ];
        for event in events {
            let (instance, back) = decode(&encode(0xabc, &event).unwrap()).unwrap();
            assert_eq!((instance, back), (0xabc, event));
        }
        assert!(decode(b"garbage").is_none());
        assert!(decode(b"1:x:whatever").is_none());
        assert!(encode(1, &Event::Resync).is_none(), "a resync stays on its instance");
    }
}
