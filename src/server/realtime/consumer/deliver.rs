//! `chat_message`: the room group's events to the socket, each `seq` once and
//! in order — the [`Sequencer`](crate::server::realtime::sequencer) decides,
//! this does the I/O: it sends, and catches up on a lag (from the group's
//! recent events in memory, else the database) and from the database on a gap
//! that does not fill in time, a resync or a closed group. And the
//! user group's news: the end of the socket's session, the read marker
//! moving on another tab.

use futures::FutureExt;

use super::{ChatConsumer, ConsumerError, Live, Next};
use crate::protocol::events::membership;
use crate::{
    error::AppError,
    protocol::{CloseReason, MAX_PAGE_SIZE, ServerFrame},
    server::{
        accounts::{access, auth::User},
        bus::{Event, Group, Received, RoomEvent, Subscription, UserNotice},
        metrics as m,
        policy::Action,
        realtime::sequencer::Offer,
    },
};

/// Sockets of this instance listing a room they saw created at once.
static SIDE_JOINS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

impl ChatConsumer {
    /// Queues the room group's next event for the socket (the caller flushes).
    pub(super) async fn chat_message(
        &self,
        live: &mut Live,
        group: &mut Subscription,
        received: Received,
    ) -> Result<(), ConsumerError> {
        let now = tokio::time::Instant::now();
        match received {
            Received::Event(Event::Sequenced(event)) => match live.order.offer(event.seq, event, now) {
                Offer::Deliver(event) => {
                    self.deliver(live, &event).await?;
                    self.release_ready(live).await?;
                }
                Offer::Stale | Offer::Held => {}
                Offer::CatchUp => Box::pin(self.catch_up(live)).await?,
            },
            // Another instance committed further than this socket has seen: its
            // publish may still come; if not in time, it was lost.
            Received::Event(Event::Head { seq }) => live.order.head(seq, now),
            // Typing and presence; one's own typing is not echoed.
            Received::Event(Event::Relay { frame, from }) if from != Some(self.user.id) => live.socket.queue(frame).await?,
            // Who has read how far, for those who share their own reads.
            Received::Event(Event::Seen { frame }) if self.user.share_reads => live.socket.queue(frame).await?,
            Received::Event(Event::Resync) | Received::Lagged { .. } | Received::Closed => {
                Box::pin(self.recover(live, group, received)).await?;
            }
            Received::Event(_) => {}
        }
        Ok(())
    }

    /// Queues one event that follows the last one sent.
    async fn deliver(&self, live: &mut Live, event: &RoomEvent) -> Result<(), ConsumerError> {
        live.socket.queue(event.frame.clone()).await?;
        live.access_ended |= event.meta.revoked == Some(self.user.id);
        live.listing.room_exists = true;
        if !live.listing.listed {
            self.list_on_the_side(live, event.seq - 1);
        }
        Ok(())
    }

    /// The room was created after this socket opened: nothing of it is read
    /// yet (up to `read_up_to`). Listed on the side: a new room's first events
    /// go on to every socket at once, not after a hundred sockets' writes.
    fn list_on_the_side(&self, live: &mut Live, read_up_to: i64) {
        if let Some(joining) = live.listing.joining.take() {
            if !joining.is_finished() {
                live.listing.joining = Some(joining);
                return;
            }
            if joining.now_or_never().is_some_and(|joined| joined.unwrap_or(false)) {
                live.listing.listed = true;
                return;
            }
        }
        let (realtime, user_id, room) = (self.realtime.clone(), self.user.id, self.room.clone());
        live.listing.joining = Some(tokio::spawn(async move {
            // A few at a time: the writer needs the database too.
            let _turn = SIDE_JOINS.acquire().await;
            Self::join_as(&realtime, user_id, &room, Some(read_up_to), true).await
        }));
    }

    /// Waits for a join made on the side (a read marker needs the membership).
    pub(super) async fn joined(&self, live: &mut Live) {
        if let Some(joining) = live.listing.joining.take() {
            live.listing.listed |= joining.await.unwrap_or(false);
        }
    }

    /// Sends the held events that follow now (until the user's access ends).
    async fn release_ready(&self, live: &mut Live) -> Result<(), ConsumerError> {
        while !live.access_ended
            && let Some(next) = live.order.next_ready()
        {
            self.deliver(live, &next).await?;
        }
        Ok(())
    }

    /// The room group's rare news, each ending in a read of the database: a
    /// resync, a lag, a closed group.
    async fn recover(&self, live: &mut Live, group: &mut Subscription, received: Received) -> Result<(), ConsumerError> {
        match received {
            // The layer may have lost anything, the end of this user's access too.
            Received::Event(Event::Resync) => {
                self.catch_up(live).await?;
                live.access_ended |= self.access_gone().await;
            }
            Received::Lagged { missed } => {
                metrics::counter!(m::SOCKET_LAG).increment(1);
                if !self.catch_up_from_memory(live).await? {
                    tracing::debug!(room = self.room, missed, "socket lagged; catching up from the database");
                    self.catch_up(live).await?;
                }
            }
            Received::Closed => {
                *group = self.realtime.layer.group_add(&Group::Room(self.room.clone())).await?;
                self.catch_up(live).await?;
            }
            Received::Event(_) => self.catch_up(live).await?,
        }
        Ok(())
    }

    /// After a lag: sends the room events the group delivered lately from the
    /// last one sent on (the channel layer remembers them), then what was held
    /// that follows; `false` when they do not reach back to it (the database
    /// must). The events are offered as live ones are: each `seq` once.
    async fn catch_up_from_memory(&self, live: &mut Live) -> Result<bool, ConsumerError> {
        let group = Group::Room(self.room.clone());
        let Some(events) = self.realtime.layer.recent(&group, live.order.last_sent()) else { return Ok(false) };
        metrics::counter!(m::CATCH_UP_FROM_MEMORY).increment(events.len() as u64);
        let now = tokio::time::Instant::now();
        for event in events {
            if live.access_ended {
                break;
            }
            if let Offer::Deliver(event) = live.order.offer(event.seq, event, now) {
                self.deliver(live, &event).await?;
            }
        }
        self.release_ready(live).await?;
        Ok(true)
    }

    /// Handles an event for the socket's user: the end of its session, or its
    /// read marker moving in this room (on another tab or device).
    pub(super) async fn user_event(
        &self,
        live: &mut Live,
        group: &mut Subscription,
        received: Received,
    ) -> Result<Next, ConsumerError> {
        let session_stands = match received {
            Received::Event(Event::EndSessions { session, reason }) if live.keepalive.is_ended_by(session) => {
                return Ok(Next::Close(Some(reason)));
            }
            Received::Event(Event::Notice(UserNotice::Read { room, thread, seq })) if room == self.room => {
                live.socket.send(&ServerFrame::Read { room, seq, thread }).await?;
                true
            }
            // Something may have been missed: ask the database whether the session still stands.
            Received::Event(Event::Resync) | Received::Lagged { .. } => live.keepalive.check_session().await,
            Received::Event(_) => true,
            Received::Closed => {
                *group = self.realtime.layer.group_add(&Group::User(self.user.id)).await?;
                live.keepalive.check_session().await
            }
        };
        Ok(if session_stands { Next::KeepGoing } else { Next::Close(Some(CloseReason::SessionEnded)) })
    }

    /// Whether the permission check, asking the database, refuses the user
    /// the room now (a failed check is no answer: the socket stays).
    pub(super) async fn access_gone(&self) -> bool {
        let user = User(self.user.clone());
        match access::room_now(&self.realtime.store, &user, &self.room, Action::Read).await {
            Ok(_) => false,
            Err(AppError::Internal) => {
                tracing::warn!(room = self.room, "could not check a socket's access; keeping it");
                false
            }
            Err(_) => true,
        }
    }

    /// Sends every stored event after the last one sent, oldest first
    /// (stopping at the end of the user's access), then what was held that
    /// follows.
    pub(super) async fn catch_up(&self, live: &mut Live) -> Result<(), ConsumerError> {
        if live.order.start_catch_up() {
            metrics::counter!(m::SOCKET_LAG).increment(1);
        }
        loop {
            let page = self.realtime.store.events_after(&self.room, live.order.last_sent(), MAX_PAGE_SIZE).await?;
            let full_page = page.len() as u64 == MAX_PAGE_SIZE;
            metrics::counter!(m::CATCH_UP_MESSAGES).increment(page.len() as u64);
            for (seq, frame) in page {
                live.socket.queue(frame.encode().into()).await?;
                live.order.replayed(seq);
                live.listing.room_exists = true;
                if matches!(&frame, ServerFrame::Membership(membership::Frame { user, change, .. }) if *user == self.user.username && change.ends_access())
                {
                    // Nothing after their removal is theirs to see.
                    live.access_ended = true;
                    return Ok(live.socket.flush().await?);
                }
            }
            if !full_page {
                self.release_ready(live).await?;
                return Ok(live.socket.flush().await?);
            }
        }
    }
}
