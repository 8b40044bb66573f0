//! Who is in a room now: the users with a socket open to it, on any instance.
//!
//! Each instance counts its own sockets per room and user. It publishes its set
//! to the room's presence group when the set changes (at most once a second
//! per room, however many sockets come and go) and every [`HEARTBEAT`]; it keeps
//! the other instances' sets for [`FORGET_AFTER`] after it last heard them, so
//! a dead instance's users disappear within a minute. When the merged set of a
//! room changes, the room's sockets on this instance get one `presence` frame
//! (coalesced the same way), never one per arriving socket.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use tokio_util::sync::CancellationToken;

use crate::server::bus::{ChannelLayer, Event, Group, Received};
use crate::{protocol::ServerFrame, server::tasks::Background};

/// How often dirty rooms are published and their sockets told.
const TICK: Duration = Duration::from_secs(1);
/// How often an instance repeats its sets even when nothing changed.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// How long another instance's set counts after it was last heard.
const FORGET_AFTER: Duration = Duration::from_secs(60);

/// This instance's view of presence. Cheap to clone.
#[derive(Clone)]
pub struct PresenceHub {
    state: Arc<Mutex<HashMap<String, RoomPresence>>>,
    layer: Arc<dyn ChannelLayer>,
    /// Tells this instance's sets apart from the others'.
    instance: u64,
}

#[derive(Default)]
struct RoomPresence {
    /// Open sockets per username on this instance.
    local: HashMap<String, u32>,
    /// Other instances' sets, and when each was heard.
    remote: HashMap<u64, (Vec<String>, Instant)>,
    /// This instance's set changed since it was last published.
    publish: bool,
    /// The merged set last shown to this instance's sockets.
    shown: Vec<String>,
    /// Stops the task that listens to the room's presence group.
    listening: Option<CancellationToken>,
}

impl RoomPresence {
    fn merged(&self, now: Instant) -> Vec<String> {
        let mut users: BTreeSet<&String> = self.local.keys().collect();
        for (set, heard) in self.remote.values() {
            if now.duration_since(*heard) < FORGET_AFTER {
                users.extend(set);
            }
        }
        users.into_iter().cloned().collect()
    }

    fn local_set(&self) -> Vec<String> {
        let mut users: Vec<String> = self.local.keys().cloned().collect();
        users.sort();
        users
    }
}

/// A socket's presence in a room; dropping it leaves.
pub struct Present {
    hub: PresenceHub,
    room: String,
    user: String,
}

impl Drop for Present {
    fn drop(&mut self) {
        self.hub.leave(&self.room, &self.user);
    }
}

impl PresenceHub {
    /// A hub publishing through `layer`, ticking in `background`.
    pub fn start(layer: Arc<dyn ChannelLayer>, background: &Background) -> Self {
        let hub = Self { state: Arc::default(), layer, instance: random_instance() };
        let ticking = hub.clone();
        let mut since_heartbeat = Duration::ZERO;
        background.every(TICK, move || {
            since_heartbeat += TICK;
            let heartbeat = since_heartbeat >= HEARTBEAT;
            if heartbeat {
                since_heartbeat = Duration::ZERO;
            }
            let hub = ticking.clone();
            async move { hub.tick(heartbeat).await }
        });
        hub
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, RoomPresence>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `user` has a socket open to `room` (until the result is dropped).
    pub async fn enter(&self, room: &str, user: &str) -> Present {
        let listen = {
            let mut rooms = self.lock();
            let presence = rooms.entry(room.to_owned()).or_default();
            *presence.local.entry(user.to_owned()).or_default() += 1;
            presence.publish = true;
            match presence.listening {
                Some(_) => None,
                None => {
                    let stop = CancellationToken::new();
                    presence.listening = Some(stop.clone());
                    Some(stop)
                }
            }
        };
        if let Some(stop) = listen {
            self.listen(room.to_owned(), stop).await;
        }
        Present { hub: self.clone(), room: room.to_owned(), user: user.to_owned() }
    }

    /// Who is in `room` now, sorted.
    pub fn snapshot(&self, room: &str) -> Vec<String> {
        self.lock().get(room).map(|p| p.merged(Instant::now())).unwrap_or_default()
    }

    fn leave(&self, room: &str, user: &str) {
        let mut rooms = self.lock();
        let Some(presence) = rooms.get_mut(room) else { return };
        if let Some(count) = presence.local.get_mut(user) {
            *count -= 1;
            if *count == 0 {
                presence.local.remove(user);
                presence.publish = true;
            }
        }
    }

    /// Listens to the room's presence group for the other instances' sets.
    async fn listen(&self, room: String, stop: CancellationToken) {
        let subscription = self.layer.group_add(&Group::Presence(room.clone())).await;
        let Ok(mut subscription) = subscription else {
            tracing::warn!(room, "cannot hear other instances' presence");
            return;
        };
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                let received = tokio::select! {
                    received = subscription.recv() => received,
                    () = stop.cancelled() => return,
                };
                match received {
                    Received::Event(Event::Presence { instance, users }) if instance != hub.instance => {
                        hub.heard(&room, instance, users);
                    }
                    // Events may have been lost: tell everyone this instance's set again.
                    Received::Event(Event::Resync) | Received::Lagged { .. } => hub.republish(&room),
                    Received::Event(_) => {}
                    Received::Closed => return,
                }
            }
        });
    }

    fn heard(&self, room: &str, instance: u64, users: Vec<String>) {
        let mut rooms = self.lock();
        let Some(presence) = rooms.get_mut(room) else { return };
        // A newcomer does not know this instance's set yet: say it again.
        if !presence.remote.contains_key(&instance) && !presence.local.is_empty() {
            presence.publish = true;
        }
        if users.is_empty() {
            presence.remote.remove(&instance);
        } else {
            presence.remote.insert(instance, (users, Instant::now()));
        }
    }

    fn republish(&self, room: &str) {
        if let Some(presence) = self.lock().get_mut(room) {
            presence.publish = true;
        }
    }

    /// Publishes this instance's changed sets, tells local sockets about changed
    /// merged sets, and forgets rooms nobody here is in any more.
    async fn tick(&self, heartbeat: bool) {
        let now = Instant::now();
        let mut to_publish = Vec::new();
        let mut to_show = Vec::new();
        {
            let mut rooms = self.lock();
            rooms.retain(|room, presence| {
                if presence.publish || (heartbeat && !presence.local.is_empty()) {
                    presence.publish = false;
                    to_publish.push((room.clone(), presence.local_set()));
                }
                let merged = presence.merged(now);
                if merged != presence.shown {
                    presence.shown.clone_from(&merged);
                    to_show.push((room.clone(), merged));
                }
                let keep = !presence.local.is_empty();
                if !keep && let Some(stop) = presence.listening.take() {
                    stop.cancel();
                }
                keep
            });
        }
        for (room, users) in to_publish {
            let event = Event::Presence { instance: self.instance, users };
            if let Err(err) = self.layer.group_send(&Group::Presence(room.clone()), event).await {
                tracing::debug!(%err, room, "publishing presence failed");
            }
        }
        for (room, users) in to_show {
            let frame = ServerFrame::Presence { room: room.clone(), users }.encode().into();
            self.layer.deliver_local(&Group::Room(room), Event::Relay { frame, from: None });
        }
    }
}

/// A random id for this instance's presence (the standard library's randomly
/// keyed hasher, fed the time and the process id).
fn random_instance() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    hasher.write_u32(std::process::id());
    hasher.finish()
}
