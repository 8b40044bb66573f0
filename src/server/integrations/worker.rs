//! The delivery worker: every subscription's events, delivered in order,
//! once. Each round it looks (reads only) for subscriptions with events due,
//! finds the rooms a `"*"` subscription's bot joined, and gives each due
//! subscription a run of its own, which takes the subscription's lease in the
//! database (one instance delivers a subscription at a time; times on the
//! database's clock) and walks each room's cursor: events passed over move the cursor on; an event to deliver is
//! sent (the lease renewed just before it leaves), and only a 2xx moves the
//! cursor past it. One event per room is in flight; rooms of a subscription
//! and subscriptions go side by side. A failure is tried again with growing
//! pauses, the room waiting behind it; after `--delivery-retry-secs` of
//! failures the subscription is paused, and the bot's maker is told in a
//! direct message from the bot.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::{StreamExt, stream};

use super::{
    filter::EventFilter,
    send::{Delivery, Sender},
    walk::{Step, Walk},
};
use crate::protocol::events::message;
use crate::{
    backoff::Backoff,
    entity::event_subscription,
    protocol::EventBody,
    server::{
        accounts::access::role_of,
        policy::Place,
        storage::{
            NewEvent, Store, StoreError,
            integrations::{
                deliveries::{DueCursor, Failure},
                now_ms,
            },
        },
        tasks::Background,
    },
};

/// Counter of deliveries by outcome: `delivered`, `failed`, `paused`.
pub const DELIVERIES: &str = "parlor_webhook_deliveries_total";

/// How long a lease holds: longer than a delivery may take (its lookup and its answer).
const LEASE_MS: i64 = 30_000;
/// Events read at once from a room.
const BATCH: u64 = 64;
/// Deliveries to one room in one round, so that a busy room does not hold its subscription's lease forever.
const PER_ROUND: usize = 256;
/// Rooms of one subscription delivered to side by side.
const PARALLEL: usize = 4;
/// How often a `"*"` subscription looks for rooms its bot joined.
const DISCOVER_EVERY: Duration = Duration::from_secs(1);
/// How often it looks for public rooms its bot left.
const FORGET_EVERY: Duration = Duration::from_secs(10);

/// What the worker needs.
pub struct Worker {
    pub store: Store,
    pub sender: Sender,
    /// This instance, as leases name it.
    pub instance: i64,
    /// How long a failing delivery is tried before its subscription is paused.
    pub retry_for: Duration,
    /// Where each subscription's deliveries run (a stop ends them).
    pub background: Background,
    /// The subscriptions being delivered by this instance now.
    pub running: Mutex<HashSet<i64>>,
    /// When each `"*"` subscription last looked for rooms its bot joined, and
    /// for rooms it left.
    pub looked: Mutex<HashMap<i64, (Instant, Instant)>>,
}

/// How a room's walk ended this round.
enum Ended {
    /// Nothing more to send now (or the round's share was sent).
    Idle,
    /// A delivery failed, first on `failing_since` (Unix ms): tried again later.
    Failed { failing_since: i64 },
    /// The lease is another instance's now.
    LostLease,
}

/// Frees a subscription's place in [`Worker::running`] when its run ends, however it ends.
struct Running {
    worker: Arc<Worker>,
    id: i64,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut running) = self.worker.running.lock() {
            running.remove(&self.id);
        }
    }
}

impl Worker {
    /// One round: every subscription with something due that is not being
    /// delivered here already gets a run of its own (a slow receiver holds
    /// up only its own subscription). Looking costs reads only.
    pub async fn round(self: &Arc<Self>) -> Result<(), StoreError> {
        let now = now_ms();
        for subscription in self.store.subscriptions().active_subscriptions().await? {
            if self.running.lock().map_or(true, |running| running.contains(&subscription.id)) {
                continue;
            }
            if subscription.all_rooms {
                self.look_for_rooms(&subscription).await?;
            }
            if !self.store.deliveries().has_due_cursor(subscription.id, now).await? {
                continue;
            }
            if let Ok(mut running) = self.running.lock() {
                running.insert(subscription.id);
            }
            let worker = self.clone();
            let guard = Running { worker: self.clone(), id: subscription.id };
            self.background.spawn(|stop| async move {
                let _guard = guard;
                tokio::select! {
                    outcome = worker.deliver(&subscription) => if let Err(err) = outcome {
                        tracing::warn!(%err, subscription = subscription.id, "a subscription's deliveries stopped; trying again");
                    },
                    // A delivery cut off here was not recorded: it is sent again.
                    () = stop.cancelled() => {}
                }
            });
        }
        Ok(())
    }

    /// For a `"*"` subscription: the rooms its bot joined (every
    /// [`DISCOVER_EVERY`]) and left (every [`FORGET_EVERY`]).
    async fn look_for_rooms(&self, subscription: &event_subscription::Model) -> Result<(), StoreError> {
        let now = Instant::now();
        let (discovered, forgot) = self
            .looked
            .lock()
            .ok()
            .and_then(|looked| looked.get(&subscription.id).copied())
            .unwrap_or((now - FORGET_EVERY, now - FORGET_EVERY));
        let (mut discovered_now, mut forgot_now) = (discovered, forgot);
        if now - discovered >= DISCOVER_EVERY {
            self.store.subscriptions().discover_rooms(subscription).await?;
            discovered_now = now;
        }
        if now - forgot >= FORGET_EVERY {
            self.store.subscriptions().forget_left_rooms(subscription).await?;
            forgot_now = now;
        }
        if let Ok(mut looked) = self.looked.lock() {
            looked.insert(subscription.id, (discovered_now, forgot_now));
        }
        Ok(())
    }

    /// Delivers what is due of one subscription, holding its lease.
    async fn deliver(self: &Arc<Self>, subscription: &event_subscription::Model) -> Result<(), StoreError> {
        if !self.store.subscriptions().lease_subscription(subscription.id, self.instance, LEASE_MS).await? {
            return Ok(());
        }
        let due = self.store.deliveries().due_cursors(subscription.id, now_ms()).await?;
        // Every room's walk runs to its end (dropping one would cut off a delivery on its way).
        let gave_up: Vec<bool> = stream::iter(due)
            .map(|cursor| {
                let worker = self.clone();
                async move {
                    match worker.walk_room(subscription, &cursor).await {
                        Ok(Ended::Failed { failing_since }) => worker.gave_up(failing_since),
                        Ok(Ended::Idle | Ended::LostLease) => false,
                        Err(err) => {
                            tracing::warn!(%err, room = cursor.room, "a room's deliveries stopped; trying again");
                            false
                        }
                    }
                }
            })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        if gave_up.contains(&true) {
            self.pause(subscription).await?;
        }
        self.store.subscriptions().release_subscription(subscription.id, self.instance).await
    }

    /// Whether a room whose delivery has failed since `failing_since` has failed long enough.
    fn gave_up(&self, failing_since: i64) -> bool {
        now_ms() - failing_since >= self.retry_for.as_millis() as i64
    }

    /// Walks one room's events after its cursor, delivering what its bot is sent.
    async fn walk_room(&self, subscription: &event_subscription::Model, cursor: &DueCursor) -> Result<Ended, StoreError> {
        let Some(bot) = self.store.find_user(subscription.user_id).await? else { return Ok(Ended::Idle) };
        let mut walk = Walk {
            bot_id: bot.id,
            role: role_of(&bot),
            place: Place::of(cursor.kind),
            owner_id: cursor.owner_id,
            filter: EventFilter::stored(&subscription.events),
            member: cursor.member,
        };
        // What the cursor's row says now: where it stands, and its failures so far.
        let mut persisted = cursor.delivered_seq;
        let (mut attempts, mut failing_since) = (cursor.attempts, cursor.failing_since);
        let mut sent = 0;
        while sent < PER_ROUND {
            let events = self.store.deliveries().events_to_deliver(cursor.room_id, &cursor.room, persisted, BATCH).await?;
            let Some(last) = events.last().map(|event| event.seq) else { return Ok(Ended::Idle) };
            // Passed-over events move the cursor on in one write, before the next delivery.
            let mut passed: Option<(i64, bool)> = None;
            for event in events {
                let (seq, member) = match walk.step(event.seq, event.kind, event.target) {
                    Step::Pass { seq, member } => {
                        passed = Some((seq, member));
                        continue;
                    }
                    Step::Deliver { seq, member } => (seq, member),
                };
                if let Some((passed_seq, passed_member)) = passed.take() {
                    self.store.deliveries().advance_cursor(subscription.id, cursor.room_id, passed_seq, passed_member).await?;
                    persisted = passed_seq;
                }
                if !self.store.subscriptions().lease_subscription(subscription.id, self.instance, LEASE_MS).await? {
                    return Ok(Ended::LostLease);
                }
                let body = event.frame.encode();
                let id = format!("{}:{seq}", cursor.room);
                let delivery = Delivery { url: &subscription.url, secret: &subscription.secret, id: &id, body: body.as_bytes() };
                match self.sender.post(&delivery).await {
                    Ok(()) => {
                        metrics::counter!(DELIVERIES, "outcome" => "delivered").increment(1);
                        self.store.deliveries().advance_cursor(subscription.id, cursor.room_id, seq, member).await?;
                        (persisted, attempts, failing_since) = (seq, 0, None);
                        sent += 1;
                    }
                    Err(error) => {
                        metrics::counter!(DELIVERIES, "outcome" => "failed").increment(1);
                        tracing::debug!(%error, subscription = subscription.id, id, "a delivery failed; trying again later");
                        let now = now_ms();
                        let since = failing_since.unwrap_or(now);
                        attempts = attempts.saturating_add(1);
                        let pause = Backoff::DELIVERY.delay_ms(attempts.max(1) as u32 - 1, jitter());
                        let failure = Failure {
                            from_seq: persisted,
                            attempts,
                            due_at: now + i64::from(pause),
                            failing_since: since,
                            error: &error,
                        };
                        self.store.deliveries().delivery_failed(subscription.id, cursor.room_id, failure).await?;
                        return Ok(Ended::Failed { failing_since: since });
                    }
                }
            }
            if let Some((passed_seq, passed_member)) = passed {
                self.store.deliveries().advance_cursor(subscription.id, cursor.room_id, passed_seq, passed_member).await?;
            }
            persisted = last;
        }
        Ok(Ended::Idle)
    }

    /// Pauses a subscription that failed for too long, and tells the bot's maker.
    async fn pause(&self, subscription: &event_subscription::Model) -> Result<(), StoreError> {
        let hours = self.retry_for.as_secs_f64() / 3600.0;
        let reason = format!("its deliveries failed for {hours:.1} h");
        self.store.subscriptions().pause_subscription(subscription.id, &reason).await?;
        metrics::counter!(DELIVERIES, "outcome" => "paused").increment(1);
        tracing::warn!(subscription = subscription.id, url = subscription.url, "a subscription is paused: {reason}");
        let Some(bot) = self.store.find_user(subscription.user_id).await? else { return Ok(()) };
        let Some(maker) = bot.created_by else { return Ok(()) };
        let Some(maker) = self.store.find_user(maker).await? else { return Ok(()) };
        let room = self.store.rooms().direct_room(&bot, &maker).await?;
        let text = format!(
            "Delivery of my events to {} is paused: {reason}. It resumes with `POST /api/subscriptions/resume` (id {}).",
            subscription.url, subscription.id
        );
        let body = EventBody::Message(message::Body::text(text));
        let client_id = Some(format!("paused:{}:{}", subscription.id, now_ms()));
        let event = NewEvent { room, sender: bot, client_id, body, display_as: None, hook_maker: None };
        if let Err(err) = self.store.append(event).await.await {
            tracing::warn!(%err, "could not tell a bot's maker that its subscription is paused");
        }
        Ok(())
    }
}

/// Uniform in `[0, 1)`, for the backoff's jitter.
fn jitter() -> f64 {
    let bytes = crate::server::storage::integrations::random_bytes::<4>();
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}
