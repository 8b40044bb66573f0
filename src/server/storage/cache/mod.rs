//! What the server keeps in memory so that most page views and history reads
//! touch no database: the session of a request, its account, and each room's
//! access facts and newest page.
//!
//! Every instance is told when to forget. Writing a session or an account
//! publishes [`Forget`] on the `caches` group of the channel layer, which
//! every instance's [`Caches`] listens to; a room's entry watches the room's
//! own group (see [`rooms`]). A layer that may have lost events (a resync, a
//! lag) empties the session and account caches, and no entry outlives
//! [`MAX_AGE`] — the bound on staleness should a word get lost anyway. Until
//! the listener is subscribed, sessions and accounts are read from the database.

mod expiring_map;
pub mod room_entries;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tower_sessions::session::Record;

pub use expiring_map::{ExpiringMap, Ticket};
pub use room_entries::{RoomCache, RoomEntry, RoomRecord, SeenMarker};

use crate::{
    entity::user,
    server::{
        bus::{ChannelLayer, Event, Forget, Group, Received},
        row_cache::RowCache,
        tasks::Background,
    },
};

/// The longest any cached read is used.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// How often stale room entries are dropped (see [`RoomCache::sweep`]).
const SWEEP_EVERY: Duration = Duration::from_secs(10);
/// Sessions, accounts and rooms kept (the least used go first).
const SESSIONS: usize = 100_000;
const USERS: usize = 100_000;
const ROOMS: usize = 1_000;

/// The caches of one instance.
pub struct Caches {
    /// Session records by [`SessionKey`](crate::server::bus::SessionKey).
    sessions: ExpiringMap<u64, Record>,
    /// Accounts by id.
    users: ExpiringMap<i64, user::Model>,
    pub rooms: RoomCache,
    /// Message rows as the room page shows them, rendered once per change.
    pub rows: RowCache,
    layer: Arc<dyn ChannelLayer>,
    /// Whether this instance hears every [`Forget`] (sessions and accounts are
    /// only cached while it does).
    listening: Arc<AtomicBool>,
}

impl Caches {
    /// Empty caches, and the task that listens for what to forget.
    pub fn start(layer: Arc<dyn ChannelLayer>, background: &Background) -> Arc<Self> {
        let caches = Arc::new(Self {
            sessions: ExpiringMap::new(SESSIONS),
            users: ExpiringMap::new(USERS),
            rooms: RoomCache::new(layer.clone(), ROOMS),
            rows: RowCache::default(),
            layer,
            listening: Arc::default(),
        });
        let weak = Arc::downgrade(&caches);
        background.spawn(|stop| async move {
            tokio::select! {
                () = listen(weak) => {}
                () = stop.cancelled() => {}
            }
        });
        let weak = Arc::downgrade(&caches);
        background.spawn(|stop| async move {
            tokio::select! {
                () = sweep_rooms(weak) => {}
                () = stop.cancelled() => {}
            }
        });
        caches
    }

    /// The cached session record with this key, if any.
    pub fn session(&self, key: u64) -> Option<Record> {
        self.listening.load(Ordering::SeqCst).then(|| self.sessions.get(&key)).flatten()
    }

    pub fn session_ticket(&self) -> Ticket {
        self.sessions.ticket()
    }

    pub fn keep_session(&self, ticket: Ticket, key: u64, record: Record) {
        self.sessions.keep(ticket, key, record);
    }

    /// The cached account `id`, if any.
    pub fn user(&self, id: i64) -> Option<user::Model> {
        self.listening.load(Ordering::SeqCst).then(|| self.users.get(&id)).flatten()
    }

    pub fn user_ticket(&self) -> Ticket {
        self.users.ticket()
    }

    pub fn keep_user(&self, ticket: Ticket, user: user::Model) {
        self.users.keep(ticket, user.id, user);
    }

    /// Forgets `what` here and on every other instance.
    pub async fn forget(&self, what: Forget) {
        self.apply(&what);
        if let Err(err) = self.layer.group_send(&Group::Caches, Event::Forget(what)).await {
            tracing::warn!(%err, "could not tell the other instances to forget a cached read; it ages out");
        }
    }

    fn apply(&self, what: &Forget) {
        match what {
            Forget::Session(key) => self.sessions.forget(key),
            Forget::User(id) => self.users.forget(id),
        }
    }

    fn forget_all(&self) {
        self.sessions.forget_all();
        self.users.forget_all();
    }
}

/// Drops stale room entries every [`SWEEP_EVERY`], for as long as the caches exist.
async fn sweep_rooms(caches: std::sync::Weak<Caches>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Some(caches) = caches.upgrade() else { return };
        caches.rooms.sweep();
    }
}

/// Applies every [`Forget`] any instance publishes, for as long as the caches
/// exist; (re)subscribes with a pause when the layer is down.
async fn listen(caches: std::sync::Weak<Caches>) {
    loop {
        let Some(layer) = caches.upgrade().map(|c| c.layer.clone()) else { return };
        let mut subscription = match layer.group_add(&Group::Caches).await {
            Ok(subscription) => subscription,
            Err(err) => {
                tracing::warn!(%err, "caches cannot hear the other instances yet; reading the database");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        drop(layer);
        let Some(listening) = caches.upgrade().map(|c| c.listening.clone()) else { return };
        listening.store(true, Ordering::SeqCst);
        loop {
            let received = subscription.recv().await;
            let Some(caches) = caches.upgrade() else { return };
            match received {
                Received::Event(Event::Forget(what)) => caches.apply(&what),
                Received::Event(Event::Resync) | Received::Lagged { .. } => caches.forget_all(),
                Received::Event(_) => {}
                Received::Closed => {
                    listening.store(false, Ordering::SeqCst);
                    caches.forget_all();
                    break;
                }
            }
        }
    }
}
