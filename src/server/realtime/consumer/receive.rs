//! `receive`: what the client sent, each valid frame to its handler. A room
//! event (`send`, `edit`, `delete`, `react`) is checked against the sender's
//! rates and queued to the writer, which judges it by the policy and the
//! kind's rules and answers once committed (`ack`, or an `error` with its
//! code); `read` moves the user's read marker; `typing` is relayed; a bot's
//! `command` becomes a room event for that bot.

use std::time::{Duration, Instant};

use futures::{FutureExt, future::BoxFuture, stream::FuturesOrdered};

use super::{ChatConsumer, ConsumerError, Live, Next};
use crate::protocol::events::command;
use crate::{
    protocol::{Command, EventBody, FrameErrorCode, FrameRejection, ServerFrame},
    server::{
        accounts::{access, auth::User},
        bus::{Event, Group, UserNotice},
        metrics as m,
        policy::Action,
        realtime::{Realtime, room_socket::Incoming},
        storage::{AppendError, NewEvent, ReadMarker, Stored},
    },
};

/// How long a socket keeps a send that could not be stored first in line.
const STORE_RETRY_WAIT: Duration = Duration::from_secs(5);
/// How long a send the writer was too busy to queue holds the later ones
/// before its refusal reaches the client (it waits its turn behind the sends
/// before it); then [`STORE_RETRY_WAIT`] more.
const BUSY_UNTIL_TOLD: Duration = Duration::from_secs(60);
/// The least time between two `typing` frames a socket relays.
const TYPING_EVERY: Duration = Duration::from_secs(2);

/// A socket's sends on their way through the writer, answered in the order they came.
pub type InFlight = FuturesOrdered<BoxFuture<'static, (Option<String>, Result<Stored, AppendError>)>>;

/// A socket's sends: those waiting for their commit, and the one refused for
/// now that later sends wait behind.
#[derive(Default)]
pub struct Sends {
    pub in_flight: InFlight,
    /// A send refused for now (rate, storage) and until when: until it comes
    /// again (or the wait is over, when the client gave it up), later sends
    /// are refused too, so that a sender's messages are stored in order.
    blocked_on: Option<(String, Instant)>,
}

impl Sends {
    /// Whether a send with `client_id` must wait behind one refused for now.
    fn out_of_order(&mut self, client_id: Option<&String>) -> bool {
        if let Some((blocked, until)) = &self.blocked_on {
            if client_id != Some(blocked) && Instant::now() < *until {
                return true;
            }
            self.blocked_on = None;
        }
        false
    }

    /// Later sends wait behind `client_id` for `wait`.
    fn block(&mut self, client_id: Option<&String>, wait: Duration) {
        self.blocked_on = client_id.cloned().map(|id| (id, Instant::now() + wait));
    }

    /// Whether later sends still wait behind `client_id` (it has not come again).
    fn held_by(&self, client_id: Option<&String>) -> bool {
        matches!((&self.blocked_on, client_id), (Some((blocked, _)), Some(id)) if blocked == id)
    }
}

/// When the socket last relayed a `typing` frame.
#[derive(Default)]
pub struct TypingThrottle(Option<Instant>);

impl TypingThrottle {
    /// Whether one more `typing` may be relayed now (at most one per [`TYPING_EVERY`]).
    fn allow(&mut self) -> bool {
        if self.0.is_some_and(|at| at.elapsed() < TYPING_EVERY) {
            return false;
        }
        self.0 = Some(Instant::now());
        true
    }
}

impl ChatConsumer {
    /// Handles what the client sent: each valid frame goes to its handler.
    pub(super) async fn receive(&self, live: &mut Live, incoming: Incoming) -> Result<Next, ConsumerError> {
        match incoming {
            Incoming::Command(Command::Event { body, client_id }) => self.on_event(live, client_id, body).await?,
            Incoming::Command(Command::Read { seq, thread }) => {
                self.joined(live).await;
                self.on_read(seq, thread).await;
            }
            Incoming::Command(Command::Typing) => self.on_typing(live).await,
            Incoming::Command(Command::BotCommand(command::Checked { name, args, client_id })) => {
                self.on_bot_command(live, name, args, client_id).await?;
            }
            Incoming::Refused(rejection) => live.socket.send_error(rejection).await?,
            Incoming::Control => {}
            Incoming::Closed => return Ok(Next::Close(None)),
            Incoming::Broken(reason) => return Ok(Next::Close(Some(reason))),
        }
        Ok(Next::KeepGoing)
    }

    /// A room event: checks the sender's rates (every event counts; new rooms,
    /// for the first message of a room), then queues the event to the writer,
    /// which judges it; it joins `in_flight`, to be acked once committed.
    async fn on_event(&self, live: &mut Live, client_id: Option<String>, body: EventBody) -> Result<(), ConsumerError> {
        if live.sends.out_of_order(client_id.as_ref()) {
            return Ok(live.socket.send_error(FrameRejection::new(FrameErrorCode::OutOfOrder, client_id)).await?);
        }
        let limits = &self.realtime.limits;
        if let Err(throttled) = limits.check_message(self.user.id) {
            live.sends.block(client_id.as_ref(), Duration::from_secs(throttled.retry_after_secs));
            return Ok(live.socket.send_error(FrameRejection::rate_limited(client_id, throttled.retry_after_secs)).await?);
        }
        if !live.listing.room_exists && body.is_message() {
            if let Err(throttled) = limits.check_new_room(self.user.id) {
                let rejection = FrameRejection {
                    code: FrameErrorCode::RoomLimit,
                    client_id,
                    retry_after_secs: Some(throttled.retry_after_secs),
                };
                return Ok(live.socket.send_error(rejection).await?);
            }
            live.listing.room_exists = true;
        }
        let event = NewEvent {
            room: self.room.clone(),
            sender: self.user.clone(),
            client_id: client_id.clone(),
            body,
            display_as: None,
            hook_maker: None,
        };
        // Queued now, so the socket's events are stored in the order they came;
        // one not queued holds the later ones at once (its refusal is answered
        // in turn, after the sends before it).
        match self.realtime.store.queue(event).await {
            Ok(committed) => live.sends.in_flight.push_back(async move { (client_id, committed.await) }.boxed()),
            Err(refused) => {
                live.sends.block(client_id.as_ref(), BUSY_UNTIL_TOLD);
                live.sends.in_flight.push_back(futures::future::ready((client_id, Err(refused))).boxed());
            }
        }
        Ok(())
    }

    /// `command`: the bot that registered `/name` is sent it as a room event
    /// (stored like any other, so its subscriptions get it once, in order),
    /// when the bot may read this room; nothing is posted.
    async fn on_bot_command(
        &self,
        live: &mut Live,
        name: String,
        args: String,
        client_id: Option<String>,
    ) -> Result<(), ConsumerError> {
        let store = &self.realtime.store;
        let refuse = |code| FrameRejection::new(code, client_id.clone());
        let Some(command) = store.commands().find_command(&name).await? else {
            return Ok(live.socket.send_error(refuse(FrameErrorCode::UnknownCommand)).await?);
        };
        let bot = match store.find_user(command.user_id).await? {
            Some(bot) if !bot.deactivated => bot,
            _ => return Ok(live.socket.send_error(refuse(FrameErrorCode::UnknownCommand)).await?),
        };
        // The bot may read the room, and one of its subscriptions will be
        // delivered the command (a room no message made yet has neither).
        let reaches = access::room(store, &User(bot.clone()), &self.room, Action::Deliver).await.is_ok()
            && store.subscriptions().prepare_command(bot.id, &self.room).await?;
        if !reaches {
            return Ok(live.socket.send_error(refuse(FrameErrorCode::BotNotInRoom)).await?);
        }
        let body = EventBody::Command(command::Body { bot_id: bot.id, bot: bot.username, name, args });
        self.on_event(live, client_id, body).await
    }

    /// Puts the room in the user's list (telling their inbox when it is new);
    /// false when the room does not exist yet.
    pub(super) async fn join(&self, read_up_to: Option<i64>, just_created: bool) -> bool {
        Self::join_as(&self.realtime, self.user.id, &self.room, read_up_to, just_created).await
    }

    /// [`Self::join`] for `user_id` in `room`, without a socket at hand.
    pub(super) async fn join_as(
        realtime: &Realtime,
        user_id: i64,
        room: &str,
        read_up_to: Option<i64>,
        just_created: bool,
    ) -> bool {
        match realtime.store.memberships().join_room(user_id, room, read_up_to).await {
            // A room this socket saw being created is new to the user's list
            // even when the writer listed it already (its creator posted first).
            Ok(Some((_, added))) => {
                if added || just_created {
                    let notice = Event::Notice(UserNotice::Joined { room: room.to_owned() });
                    let _ = realtime.layer.group_send(&Group::User(user_id), notice).await;
                }
                true
            }
            Ok(None) => false,
            Err(err) => {
                tracing::warn!(%err, room, "joining a room failed");
                false
            }
        }
    }

    /// `read`: moves the user's read marker in this room (forward only); once
    /// stored, the user's other sockets hear of it.
    async fn on_read(&self, seq: i64, thread: Option<i64>) {
        let marker = ReadMarker { user_id: self.user.id, room: self.room.clone(), thread, seq };
        self.realtime.store.memberships().mark_read(marker).await;
    }

    /// `typing`: relays that the user is composing to the room's other sockets,
    /// at most once per [`TYPING_EVERY`] per socket (more are dropped quietly).
    async fn on_typing(&self, live: &mut Live) {
        if !live.typing.allow() {
            return;
        }
        let frame = ServerFrame::Typing { room: self.room.clone(), user: self.user.username.clone() };
        let event = Event::Relay { frame: frame.encode().into(), from: Some(self.user.id) };
        if let Err(err) = self.realtime.layer.group_send(&Group::Room(self.room.clone()), event).await {
            tracing::debug!(%err, room = self.room, "relaying typing failed");
        }
    }

    /// Answers a send once the writer is done with it: `ack` after the commit,
    /// `store_failed` when the database could not be reached (retry later),
    /// `not_stored` when it refused this message, or the rule that refused it.
    pub(super) async fn acknowledge(
        &self,
        live: &mut Live,
        client_id: Option<String>,
        stored: Result<Stored, AppendError>,
    ) -> Result<(), ConsumerError> {
        let stored = match stored {
            Ok(stored) => stored,
            Err(err) => {
                metrics::counter!(m::STORE_ERRORS).increment(1);
                tracing::error!(%err, room = self.room, "storing a message failed");
                let code = err.frame_code();
                // A send the writer was too busy to queue holds the later ones
                // since it was refused: from now (the client hears of it) the
                // usual wait, unless it came again meanwhile.
                let holds = err != AppendError::Busy || live.sends.held_by(client_id.as_ref());
                if code == FrameErrorCode::StoreFailed && holds {
                    live.sends.block(client_id.as_ref(), STORE_RETRY_WAIT);
                }
                // A busy writer is a matter of a second.
                let retry_after_secs = (err == AppendError::Busy).then_some(1);
                return Ok(live.socket.send_error(FrameRejection { code, client_id, retry_after_secs }).await?);
            }
        };
        // The writer has published it to the room already.
        let counter = if stored.duplicate { m::MESSAGES_DUPLICATE } else { m::MESSAGES_STORED };
        metrics::counter!(counter).increment(1);
        live.socket.send(&ServerFrame::Ack { client_id, seq: stored.seq }).await?;
        Ok(())
    }
}
