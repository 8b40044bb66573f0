//! The inbox's part for threads: the threads its user follows, their unread
//! and mention counts kept live from the rooms' events (a reply counts for
//! its thread's followers), read again from the database when the user's
//! follows or read markers change, and a `thread` frame for each that changed.
//! A room whose access ends takes its threads with it.

use std::collections::{HashMap, HashSet};

use crate::{
    protocol::{ServerFrame, ThreadStatus},
    server::{
        bus::RoomEvent,
        storage::{Store, StoreError},
    },
};

/// A thread: its room and its root's `seq`.
pub type ThreadKey = (String, i64);

/// One followed thread: its counts, and the newest reply they include (a
/// reply heard again after a read from the database is not counted twice).
struct Followed {
    status: ThreadStatus,
    newest: i64,
}

impl Followed {
    fn of(status: ThreadStatus) -> Self {
        let newest = status.replies.as_ref().map_or(status.thread, |replies| replies.last_seq);
        Self { status: counts_only(status), newest }
    }
}

/// The threads one user follows, as their inbox last reported them.
#[derive(Default)]
pub struct FollowedThreads {
    threads: HashMap<ThreadKey, Followed>,
    /// Changed since the last report (a key no longer in `threads` is
    /// reported as no longer followed).
    dirty: HashSet<ThreadKey>,
}

impl FollowedThreads {
    /// Every thread `user_id` follows, each to be reported.
    pub async fn load(store: &Store, user_id: i64) -> Result<Self, StoreError> {
        let mut followed = Self::default();
        followed.replace_all(store.threads().followed_threads(user_id).await?);
        Ok(followed)
    }

    /// Reads them all again (news may have been lost).
    pub async fn reload_all(&mut self, store: &Store, user_id: i64) -> Result<(), StoreError> {
        let fresh = store.threads().followed_threads(user_id).await?;
        self.dirty.extend(self.threads.keys().cloned());
        self.threads.clear();
        self.replace_all(fresh);
        Ok(())
    }

    fn replace_all(&mut self, statuses: Vec<ThreadStatus>) {
        for status in statuses {
            let key = (status.room.clone(), status.thread);
            self.dirty.insert(key.clone());
            self.threads.insert(key, Followed::of(status));
        }
    }

    /// Reads one thread again (its follow or read marker changed).
    pub async fn reload(&mut self, store: &Store, user_id: i64, room: &str, thread: i64) -> Result<(), StoreError> {
        let key = (room.to_owned(), thread);
        match store.threads().thread_status(user_id, room, thread).await? {
            Some(status) => {
                self.threads.insert(key.clone(), Followed::of(status));
            }
            None => {
                self.threads.remove(&key);
            }
        }
        self.dirty.insert(key);
        Ok(())
    }

    /// Reads the followed threads of `room` again (the room left the user's
    /// list: a removal takes its threads, a public room's stay).
    pub async fn reload_room(&mut self, store: &Store, user_id: i64, room: &str) -> Result<(), StoreError> {
        let keys: Vec<i64> = self.threads.keys().filter(|(followed, _)| followed == room).map(|(_, thread)| *thread).collect();
        for thread in keys {
            self.reload(store, user_id, room, thread).await?;
        }
        Ok(())
    }

    /// The rooms the followed threads are in (the inbox listens to them).
    pub fn rooms(&self) -> HashSet<String> {
        self.threads.keys().map(|(room, _)| room.clone()).collect()
    }

    /// Whether a thread of `room` is followed.
    pub fn in_room(&self, room: &str) -> bool {
        self.threads.keys().any(|(followed, _)| followed == room)
    }

    /// Counts a room event for the thread it replies in, if followed.
    pub fn count(&mut self, room: &str, event: &RoomEvent, me: i64) {
        let (Some(root), Some(latest)) = (event.meta.thread, &event.meta.latest) else { return };
        let key = (room.to_owned(), root);
        let Some(Followed { status, newest }) = self.threads.get_mut(&key) else { return };
        if event.seq <= *newest {
            return;
        }
        *newest = event.seq;
        if event.meta.sender_id == Some(me) {
            // One has read the thread one answers in.
            status.last_read_seq = event.seq;
            status.unread = 0;
            status.mentions = 0;
            status.latest = None;
        } else {
            status.unread += 1;
            if event.meta.mentioned.contains(&me) {
                status.mentions += 1;
            }
            status.latest = Some(latest.clone());
        }
        self.dirty.insert(key);
    }

    /// The user's access to `room` ended: its threads are no longer followed.
    pub fn drop_room(&mut self, room: &str) {
        let gone: Vec<ThreadKey> = self.threads.keys().filter(|(followed, _)| followed == room).cloned().collect();
        for key in gone {
            self.threads.remove(&key);
            self.dirty.insert(key);
        }
    }

    /// Whether anything waits to be reported.
    pub fn has_changes(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// A `thread` frame for each thread that changed since the last report.
    pub fn frames(&mut self) -> Vec<ServerFrame> {
        let mut frames = Vec::with_capacity(self.dirty.len());
        for (room, thread) in self.dirty.drain() {
            let status = match self.threads.get_mut(&(room.clone(), thread)) {
                Some(Followed { status, .. }) => {
                    let frame = status.clone();
                    status.latest = None;
                    frame
                }
                None => ThreadStatus::unfollowed(&room, thread),
            };
            frames.push(ServerFrame::Thread { status });
        }
        frames
    }
}

/// What the inbox keeps of a status: the counts (the list's root and summary
/// are for `GET /api/threads/`).
fn counts_only(mut status: ThreadStatus) -> ThreadStatus {
    status.root = None;
    status.replies = None;
    status.latest = None;
    status
}
