//! A Redis Cluster's sharded pub/sub: each group's channel lives on the node
//! that owns its slot, so the rooms' traffic spreads over the cluster instead
//! of passing through one server. One cluster connection (RESP3) publishes
//! (`SPUBLISH`) and subscribes (`SSUBSCRIBE`); its pushes (messages,
//! confirmations, lost connections) are routed as they come, apart from the
//! subscribing, which may wait on a node that is down.
//!
//! A channel counts as subscribed once a node confirmed it. When a node's
//! connection is lost, every channel counts as unconfirmed and suspect: the
//! channels are asked for again every [`RETRY`] until confirmed, and each one
//! confirmed again may have missed events meanwhile, so its local sockets
//! catch up from the database.
//!
//! A subscription can also vanish without a word (a node restarted, and the
//! client replaced the connection that held it). So each instance probes its
//! own subscriptions: it publishes a probe on each channel it holds, which
//! must come back to it within [`PROBE_TIMEOUT`]; one that does not (or that
//! no subscriber received at all) counts as lost, and is asked for and caught
//! up like the others. Probes go every [`PROBE_STEADY`], and every [`RETRY`]
//! for [`UNSETTLED`] after a connection was lost.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use futures::StreamExt;
use redis::{AsyncCommands, PushInfo, PushKind, Value, cluster_async::ClusterConnection};
use tokio::sync::mpsc;

use super::{
    Command, route,
    wire::{CHANNEL_PREFIX, channel, probe, probe_from},
};
use crate::server::bus::{Event, groups::LocalGroups};

/// How often channels without a confirmed subscription are asked for again,
/// and how long one asked for may stay unconfirmed before it is.
const RETRY: Duration = Duration::from_secs(1);
/// Subscriptions asked for, or probed, at once.
const CONCURRENT_ASKS: usize = 64;
/// How often subscriptions are probed when nothing went wrong lately.
const PROBE_STEADY: Duration = Duration::from_secs(10);
/// How long after a lost connection subscriptions are probed every [`RETRY`].
const UNSETTLED: Duration = Duration::from_secs(15);
/// How long a probe may take to come back.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What is known of this instance's channels.
#[derive(Default)]
struct Tracked {
    /// Channels a node confirmed (by their confirmation push).
    confirmed: HashSet<String>,
    /// Channels that may have missed events: confirmed again, they catch up.
    suspect: HashSet<String>,
    /// Channels asked for and not confirmed yet, with when they were asked for.
    asked: HashMap<String, Instant>,
    /// Probes on their way back, by channel, with when they were sent.
    probes: HashMap<String, Instant>,
    /// When the last probe round went.
    probed: Option<Instant>,
    /// Until when to probe every [`RETRY`].
    unsettled_until: Option<Instant>,
}

impl Tracked {
    /// `name` was subscribed, and may not be any more: ask, then catch up.
    fn lost(&mut self, name: String) {
        self.confirmed.remove(&name);
        self.probes.remove(&name);
        self.suspect.insert(name);
    }

    /// Something went wrong: probe often for a while.
    fn unsettle(&mut self, now: Instant) {
        self.unsettled_until = Some(now + UNSETTLED);
    }

    /// Whether a probe round is due.
    fn probe_due(&self, now: Instant) -> bool {
        self.unsettled_until.is_some_and(|until| now < until)
            || self.probed.is_none_or(|probed| now.duration_since(probed) >= PROBE_STEADY)
    }
}

/// The sharded subscriptions of one instance.
pub(super) struct ClusterSubscriptions {
    connection: ClusterConnection,
    groups: LocalGroups,
    instance: u64,
    tracked: Arc<Mutex<Tracked>>,
}

impl ClusterSubscriptions {
    pub(super) fn new(connection: ClusterConnection, groups: LocalGroups, instance: u64) -> Self {
        Self { connection, groups, instance, tracked: Arc::default() }
    }

    fn tracked(&self) -> MutexGuard<'_, Tracked> {
        self.tracked.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Routes pushes and keeps the subscriptions until either channel closes.
    pub(super) async fn run(self, commands: mpsc::UnboundedReceiver<Command>, pushes: mpsc::UnboundedReceiver<PushInfo>) {
        tokio::select! {
            () = self.route_pushes(pushes) => {}
            () = self.subscribe(commands) => {}
        }
    }

    async fn route_pushes(&self, mut pushes: mpsc::UnboundedReceiver<PushInfo>) {
        while let Some(push) = pushes.recv().await {
            self.pushed(push);
        }
    }

    async fn subscribe(&self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut retry = tokio::time::interval(RETRY);
        retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Subscribe(group, done)) => {
                        // Waiting makes "joined, then read the database" hold across instances.
                        self.ask(channel(&group)).await;
                        let _ = done.send(());
                    }
                    // A socket may have joined again since the group emptied: then it stays.
                    Some(Command::Unsubscribe(group)) if !self.groups.has(&group) => {
                        let name = channel(&group);
                        self.tracked().asked.remove(&name);
                        if let Err(err) = self.connection.clone().sunsubscribe(&name).await {
                            tracing::debug!(%err, name, "redis cluster: unsubscribe failed");
                        }
                    }
                    Some(Command::Unsubscribe(_)) => {}
                    None => return,
                },
                _ = retry.tick() => {
                    self.ask_missing().await;
                    self.probe().await;
                }
            }
        }
    }

    /// Asks the node that owns `name`'s slot to subscribe it.
    async fn ask(&self, name: String) {
        self.tracked().asked.insert(name.clone(), Instant::now());
        if let Err(err) = self.connection.clone().ssubscribe(&name).await {
            tracing::debug!(%err, name, "redis cluster: subscribe failed; asking again");
        }
    }

    /// Asks again for every local group's channel that no node confirmed in time.
    async fn ask_missing(&self) {
        let now = Instant::now();
        let missing: Vec<String> = {
            let tracked = self.tracked();
            self.groups
                .names()
                .into_iter()
                .map(|group| channel(&group))
                .filter(|name| !tracked.confirmed.contains(name))
                .filter(|name| tracked.asked.get(name).is_none_or(|at| now.duration_since(*at) >= RETRY))
                .collect()
        };
        futures::stream::iter(missing).for_each_concurrent(CONCURRENT_ASKS, |name| self.ask(name)).await;
    }

    /// Counts the probes that did not come back as lost subscriptions, then,
    /// when a round is due, probes every confirmed channel.
    async fn probe(&self) {
        let now = Instant::now();
        let due: Vec<String> = {
            let mut tracked = self.tracked();
            let overdue: Vec<String> = tracked
                .probes
                .iter()
                .filter(|(_, sent)| now.duration_since(**sent) >= PROBE_TIMEOUT)
                .map(|(name, _)| name.clone())
                .collect();
            if !overdue.is_empty() {
                tracing::warn!(count = overdue.len(), "redis cluster: subscriptions lost; asking again, then catching up");
                tracked.unsettle(now);
            }
            overdue.into_iter().for_each(|name| tracked.lost(name));
            if !tracked.probe_due(now) {
                return;
            }
            tracked.probed = Some(now);
            tracked.confirmed.iter().filter(|name| !tracked.probes.contains_key(*name)).cloned().collect()
        };
        futures::stream::iter(due)
            .for_each_concurrent(CONCURRENT_ASKS, |name| async move {
                self.tracked().probes.insert(name.clone(), now);
                match self.connection.clone().spublish::<_, _, i64>(&name, probe(self.instance)).await {
                    // Nobody received it: not even this instance holds the channel.
                    Ok(0) => {
                        tracing::warn!(name, "redis cluster: a subscription is gone; asking again, then catching up");
                        let mut tracked = self.tracked();
                        tracked.lost(name);
                        tracked.unsettle(Instant::now());
                    }
                    Ok(_) => {}
                    // The node is away; its connection's loss is handled.
                    Err(_) => drop(self.tracked().probes.remove(&name)),
                }
            })
            .await;
    }

    fn pushed(&self, push: PushInfo) {
        let name = push.data.first().and_then(bytes).map(|name| String::from_utf8_lossy(name).into_owned());
        match (push.kind, name) {
            (PushKind::SMessage, Some(name)) => {
                if let Some(payload) = push.data.get(1).and_then(bytes) {
                    if probe_from(payload) == Some(self.instance) {
                        self.tracked().probes.remove(&name);
                    }
                    route(&self.groups, self.instance, &name, payload);
                }
            }
            (PushKind::SSubscribe, Some(name)) => {
                let mut tracked = self.tracked();
                tracked.asked.remove(&name);
                let again = tracked.suspect.remove(&name) | !tracked.confirmed.insert(name.clone());
                drop(tracked);
                if again && let Some(group) = name.strip_prefix(CHANNEL_PREFIX) {
                    tracing::info!(name, "redis cluster: subscribed again; local sockets catch up");
                    self.groups.deliver(group, Event::Resync);
                }
            }
            (PushKind::SUnsubscribe, Some(name)) => {
                let mut tracked = self.tracked();
                // Not asked for (a node gave the slot away): asked for again, and
                // caught up once confirmed.
                if name.strip_prefix(CHANNEL_PREFIX).is_some_and(|group| self.groups.has(group)) {
                    tracked.lost(name);
                    tracked.unsettle(Instant::now());
                } else {
                    tracked.confirmed.remove(&name);
                    tracked.probes.remove(&name);
                    tracked.suspect.remove(&name);
                }
            }
            (PushKind::Disconnection, _) => {
                tracing::warn!("redis cluster: a node's connection was lost; subscribing again, then catching up");
                let mut tracked = self.tracked();
                let lost: Vec<String> = tracked.confirmed.iter().cloned().collect();
                lost.into_iter().for_each(|name| tracked.lost(name));
                tracked.unsettle(Instant::now());
            }
            _ => {}
        }
    }
}

fn bytes(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.as_bytes()),
        _ => None,
    }
}
