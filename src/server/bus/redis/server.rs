//! One Redis server's pub/sub: a connection of its own holds a `SUBSCRIBE` per
//! group with local subscribers. When it drops, a task reconnects with
//! backoff, subscribes again to every group, and tells every local socket to
//! catch up from the database.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures::StreamExt;
use redis::aio::PubSubSink;
use tokio::sync::mpsc;

use super::{Command, random_unit, route, wire::channel};
use crate::{backoff::Backoff, server::bus::groups::LocalGroups};

/// Owns the subscription connection: subscribes and unsubscribes rooms, routes
/// incoming events to local groups, and reconnects when Redis goes away.
pub(super) struct SubscriptionTask {
    pub(super) client: redis::Client,
    pub(super) groups: LocalGroups,
    pub(super) connected: Arc<AtomicBool>,
    pub(super) instance: u64,
}

impl SubscriptionTask {
    pub(super) async fn run(self, mut commands: mpsc::UnboundedReceiver<Command>) {
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
        let channels: Vec<String> = self.groups.names().iter().map(|group| channel(group)).collect();
        for together in channels.chunks(MAX_TOGETHER) {
            if let Err(err) = sink.subscribe(together).await {
                return Served::CouldNotConnect(err.to_string());
            }
        }
        self.connected.store(true, Ordering::Relaxed);
        if reconnecting {
            tracing::info!("redis channel layer reconnected; resyncing local sockets");
            self.groups.resync_all();
        }
        // Events are routed while a subscribe waits for its answer (a round
        // trip to Redis, long on a slow link): two loops, one connection.
        let routing = async {
            while let Some(message) = stream.next().await {
                route(&self.groups, self.instance, message.get_channel_name(), message.get_payload_bytes());
            }
            tracing::warn!("redis channel layer disconnected");
            Served::Disconnected
        };
        // Subscribes and unsubscribes in the order asked; what was asked while
        // one went to Redis goes together (a room of sockets opening at once
        // waits one round trip, not one each).
        let obeying = async {
            while let Some(first) = commands.recv().await {
                let mut asked = vec![first];
                while asked.len() < MAX_TOGETHER
                    && let Ok(next) = commands.try_recv()
                {
                    asked.push(next);
                }
                if self.obey(&mut sink, asked).await.is_err() {
                    return Served::Disconnected;
                }
            }
            Served::Stopped
        };
        tokio::select! {
            served = routing => served,
            served = obeying => served,
        }
    }
}

impl SubscriptionTask {
    /// Carries out `asked` in order: each run of subscribes as one `SUBSCRIBE`
    /// (answered once Redis confirmed), each run of unsubscribes as one
    /// `UNSUBSCRIBE` of the groups that have no local subscriber again by now.
    async fn obey(&self, sink: &mut PubSubSink, asked: Vec<Command>) -> redis::RedisResult<()> {
        let mut asked = asked.into_iter().peekable();
        while let Some(command) = asked.next() {
            match command {
                Command::Subscribe(group, done) => {
                    let (mut channels, mut answers) = (vec![channel(&group)], vec![done]);
                    while let Some(Command::Subscribe(..)) = asked.peek() {
                        if let Some(Command::Subscribe(group, done)) = asked.next() {
                            channels.push(channel(&group));
                            answers.push(done);
                        }
                    }
                    let result = sink.subscribe(channels).await;
                    for done in answers {
                        let _ = done.send(());
                    }
                    result?;
                }
                Command::Unsubscribe(group) => {
                    let mut groups = vec![group];
                    while let Some(Command::Unsubscribe(_)) = asked.peek() {
                        if let Some(Command::Unsubscribe(group)) = asked.next() {
                            groups.push(group);
                        }
                    }
                    // A socket may have joined again since the group emptied: then it stays.
                    let channels: Vec<String> =
                        groups.iter().filter(|group| !self.groups.has(group)).map(|g| channel(g)).collect();
                    if !channels.is_empty() {
                        sink.unsubscribe(channels).await?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Most subscribe or unsubscribe requests sent to Redis together.
const MAX_TOGETHER: usize = 512;

/// How a subscription connection ended.
enum Served {
    Stopped,
    Disconnected,
    CouldNotConnect(String),
}
