//! A room's view state, shared by the room components and the browser socket:
//! the messages shown (kept in their current state as edits, deletions and
//! reactions arrive), the outbox of messages not yet acknowledged, the
//! connection state, who is here and who is typing, what the reader has read,
//! and what they are doing to a message (editing it, replying to it). Merging
//! is by `seq`, so replays never show a message, or apply a change, twice
//! ([`order`]); who is typing has a file of its own ([`typing`]). How each
//! event changes a message is its kind's (`protocol::events`).

mod order;
mod typing;

use leptos::prelude::*;
pub use order::{first_unread, merge, prepend};
use serde::{Deserialize, Serialize};
pub use typing::{TYPING_SHOWN_MS, Typist, typing_line};

use crate::protocol::{Attachment, Change, ChatMessage, ClientFrame, ReplyRef, ThreadSummary};

/// Whether the room's socket is live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening the first connection.
    Connecting,
    Connected,
    /// The connection dropped; a retry is scheduled.
    Reconnecting,
    /// The browser reports no network.
    Offline,
    /// The session ended (log-out elsewhere, expiry): the user must log in again.
    SignedOut,
    /// The user was removed from the room (or left it, or was deactivated).
    NoAccess,
}

impl ConnectionState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Reconnecting => "reconnecting",
            Self::Offline => "offline",
            Self::SignedOut => "signed out",
            Self::NoAccess => "no access",
        }
    }
}

/// A message the user sent that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMessage {
    /// Idempotency key: resending it never stores the message twice.
    pub client_id: String,
    pub text: String,
    /// The message it answers.
    #[serde(default)]
    pub reply_to: Option<i64>,
    /// The file it carries (uploaded already).
    #[serde(default)]
    pub attachment: Option<Attachment>,
    /// Set when the server refused it for good (it will not be resent).
    #[serde(default)]
    pub error: Option<String>,
    /// The root of the thread it replies in.
    #[serde(default)]
    pub thread: Option<i64>,
    /// A thread reply shown in the room's timeline too.
    #[serde(default)]
    pub also_in_room: bool,
}

impl PendingMessage {
    /// Whether it shows in the room's timeline (not only in its thread).
    pub fn in_timeline(&self) -> bool {
        self.thread.is_none() || self.also_in_room
    }
}

/// The thread open beside the room: its root and replies (oldest first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenThread {
    pub root: ChatMessage,
    pub replies: Vec<ChatMessage>,
}

/// Reactive state of one open room.
#[derive(Clone, Copy)]
pub struct RoomState {
    /// Confirmed messages in ascending `seq` order, without duplicates.
    pub messages: RwSignal<Vec<ChatMessage>>,
    /// Sent but not yet acknowledged, oldest first.
    pub outbox: RwSignal<Vec<PendingMessage>>,
    pub connection: RwSignal<ConnectionState>,
    /// False once "load older" reached the room's first message.
    pub has_older: RwSignal<bool>,
    /// Who has the room open now (sorted usernames).
    pub presence: RwSignal<Vec<String>>,
    /// Who is composing a message.
    pub typing: RwSignal<Vec<Typist>>,
    /// The reader's read marker, as the server last said.
    pub last_read_seq: RwSignal<i64>,
    /// Where the "New messages" divider goes: the first unread message when
    /// the room was opened.
    pub first_unread: RwSignal<Option<i64>>,
    /// The reader's username.
    pub me: StoredValue<String>,
    /// The newest `seq` the reader has had on screen (told to the server).
    pub seen: StoredValue<i64>,
    /// The newest `seq` of any event received (messages, edits, reactions):
    /// where a resync starts.
    pub newest_event: StoredValue<i64>,
    /// The message being edited in place, if any.
    pub editing: RwSignal<Option<i64>>,
    /// The message the next one answers, if any.
    pub replying: RwSignal<Option<ReplyRef>>,
    /// The message a permalink points at.
    pub highlighted: RwSignal<Option<i64>>,
    /// Edits, deletions and reactions sent but not yet acknowledged.
    pub actions: RwSignal<Vec<PendingAction>>,
    /// Why the last action was refused, for the reader.
    pub notice: RwSignal<Option<String>>,
    /// Whether the reader moderates the room (may delete any message).
    pub moderates: StoredValue<bool>,
    /// How far the room's other readers have read (small rooms; "Seen by").
    pub read_by: RwSignal<crate::seen_by::ReadBy>,
    /// The thread open beside the room, if any.
    pub thread: RwSignal<Option<OpenThread>>,
    /// The reader's read marker in the open thread, as the server last said.
    pub thread_read: StoredValue<i64>,
    /// The room's topic (empty: none) and the `seq` of the event that set it.
    pub topic: RwSignal<(String, i64)>,
}

/// An edit, deletion or reaction on its way (resent after a reconnect; its
/// `client_id` makes that safe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAction {
    pub client_id: String,
    pub frame: ClientFrame,
}

impl RoomState {
    pub fn new(initial: Vec<ChatMessage>, has_older: bool) -> Self {
        Self::opened(initial, has_older, String::new(), i64::MAX)
    }

    /// The state of a room opened by `me`, who had read it up to `last_read_seq`.
    pub fn opened(initial: Vec<ChatMessage>, has_older: bool, me: String, last_read_seq: i64) -> Self {
        let first_unread = first_unread(&initial, &me, last_read_seq);
        Self {
            messages: RwSignal::new(initial),
            outbox: RwSignal::new(Vec::new()),
            connection: RwSignal::new(ConnectionState::Connecting),
            has_older: RwSignal::new(has_older),
            presence: RwSignal::new(Vec::new()),
            typing: RwSignal::new(Vec::new()),
            last_read_seq: RwSignal::new(last_read_seq),
            first_unread: RwSignal::new(first_unread),
            me: StoredValue::new(me),
            seen: StoredValue::new(0),
            newest_event: StoredValue::new(0),
            editing: RwSignal::new(None),
            replying: RwSignal::new(None),
            highlighted: RwSignal::new(None),
            actions: RwSignal::new(Vec::new()),
            notice: RwSignal::new(None),
            moderates: StoredValue::new(false),
            read_by: RwSignal::new(Default::default()),
            thread: RwSignal::new(None),
            thread_read: StoredValue::new(0),
            topic: RwSignal::new((String::new(), 0)),
        }
    }

    /// The reader's marker in thread `root` moved (here or on another tab).
    pub fn thread_read_up_to(&self, root: i64, seq: i64) {
        if self.thread.with_untracked(|open| open.as_ref().is_some_and(|open| open.root.seq == root))
            && seq > self.thread_read.get_value()
        {
            self.thread_read.set_value(seq);
        }
    }

    /// Counts thread reply `reply` on its root, wherever the root is shown,
    /// and adds it to the open thread if it is that one's.
    fn receive_reply(&self, root: i64, reply: &ChatMessage) {
        let counted =
            |summary: Option<&ThreadSummary>| ThreadSummary::add_reply(summary, reply.seq, &reply.sender, &reply.timestamp);
        self.messages.update(|messages| {
            if let Ok(at) = messages.binary_search_by_key(&root, |m| m.seq) {
                messages[at].replies = Some(counted(messages[at].replies.as_ref()));
            }
        });
        if self.thread.with_untracked(|open| open.as_ref().is_some_and(|open| open.root.seq == root)) {
            self.thread.update(|open| {
                if let Some(open) = open {
                    open.root.replies = Some(counted(open.root.replies.as_ref()));
                    merge(&mut open.replies, reply.clone());
                }
            });
        }
    }

    /// `user` is typing, as of `now_ms`.
    pub fn typing_from(&self, user: String, now_ms: f64) {
        self.typing.update(|typing| {
            typing.retain(|t| t.user != user && t.until_ms > now_ms);
            typing.push(Typist { user, until_ms: now_ms + TYPING_SHOWN_MS });
        });
    }

    /// Forgets typists whose time is up; true while someone is still typing.
    pub fn expire_typing(&self, now_ms: f64) -> bool {
        if self.typing.with_untracked(|t| t.iter().any(|t| t.until_ms <= now_ms)) {
            self.typing.update(|t| t.retain(|t| t.until_ms > now_ms));
        }
        self.typing.with_untracked(|t| !t.is_empty())
    }

    /// The reader's read marker moved (here or on another tab).
    pub fn read_up_to(&self, seq: i64) {
        if seq > self.last_read_seq.get_untracked() {
            self.last_read_seq.set(seq);
        }
    }

    /// The newest `seq` shown (0 when none): where a resync starts.
    pub fn last_seq(&self) -> i64 {
        let newest_message = self.messages.with_untracked(|m| m.last().map_or(0, |m| m.seq));
        newest_message.max(self.newest_event.get_value())
    }

    /// The room's topic changed (event `seq`): shown unless a newer one is already.
    pub fn topic_changed(&self, seq: i64, topic: String) {
        self.saw(seq);
        if seq > self.topic.with_untracked(|(_, at)| *at) {
            self.topic.set((topic, seq));
        }
    }

    /// Notes an event that changes no message (a membership change).
    pub fn saw(&self, seq: i64) {
        if seq > self.newest_event.get_value() {
            self.newest_event.set_value(seq);
        }
    }

    /// Applies a change to message `target` (if it is shown): an edit, a
    /// deletion or a reaction, received as event `seq`.
    pub fn apply(&self, seq: i64, target: i64, change: Change) {
        self.saw(seq);
        if self.thread.with_untracked(|open| {
            open.as_ref().is_some_and(|open| open.root.seq == target || open.replies.iter().any(|m| m.seq == target))
        }) {
            self.thread.update(|open| {
                if let Some(open) = open {
                    let message = std::iter::once(&mut open.root).chain(open.replies.iter_mut()).find(|m| m.seq == target);
                    if let Some(message) = message {
                        change.apply_to(message);
                    }
                }
            });
        }
        self.messages.update(|messages| {
            let Ok(at) = messages.binary_search_by_key(&target, |m| m.seq) else { return };
            change.apply_to(&mut messages[at]);
            for reply in &mut messages[at + 1..] {
                if let Some(quote) = reply.reply_to.as_mut().filter(|quote| quote.seq == target) {
                    change.apply_to_quote(quote);
                }
            }
        });
        if matches!(change, Change::Deletion) && self.editing.get_untracked() == Some(target) {
            self.editing.set(None);
        }
    }

    /// The reader's newest message that can still be edited (for Up arrow).
    pub fn last_own_message(&self) -> Option<ChatMessage> {
        let me = self.me.get_value();
        self.messages.with_untracked(|m| m.iter().rev().find(|m| m.sender == me && !m.deleted).cloned())
    }

    /// Adds a confirmed message and settles the outbox entry it answers; its
    /// sender is no longer typing.
    pub fn receive(&self, message: ChatMessage) {
        if let Some(id) = &message.client_id {
            self.confirm(id);
        }
        self.saw(message.seq);
        if self.typing.with_untracked(|t| t.iter().any(|t| t.user == message.sender)) {
            self.typing.update(|t| t.retain(|t| t.user != message.sender));
        }
        if let Some(root) = message.thread {
            self.receive_reply(root, &message);
            if !message.also_in_room {
                return;
            }
        }
        self.messages.update(|messages| merge(messages, message));
    }

    /// Shows `newest` (the room's newest page, after a `reset`) instead of what
    /// was shown, keeping live messages that arrived after it.
    pub fn reset_to(&self, newest: Vec<ChatMessage>) {
        let last = newest.last().map_or(0, |m| m.seq);
        self.has_older.set(newest.first().is_some_and(|m| m.seq > 1));
        self.messages.update(|messages| {
            let later: Vec<ChatMessage> = messages.drain(..).filter(|m| m.seq > last).collect();
            *messages = newest;
            messages.extend(later);
        });
    }

    /// Settles the action with `client_id`; with `refused`, says why it failed.
    pub fn settle_action(&self, client_id: &str, refused: Option<String>) -> bool {
        if !self.actions.with_untracked(|a| a.iter().any(|p| p.client_id == client_id)) {
            return false;
        }
        self.actions.update(|a| a.retain(|p| p.client_id != client_id));
        if refused.is_some() {
            self.notice.set(refused);
        }
        true
    }

    /// Drops the outbox entry with `client_id`: the server has it.
    pub fn confirm(&self, client_id: &str) {
        if self.outbox.with_untracked(|o| o.iter().any(|p| p.client_id == client_id)) {
            self.outbox.update(|o| o.retain(|p| p.client_id != client_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        order::tests::{msg, seqs},
        *,
    };
    use crate::protocol::events::edit;

    #[test]
    fn a_reset_shows_the_newest_page_and_keeps_later_live_messages() {
        let owner = Owner::new();
        owner.with(|| {
            let state = RoomState::new(vec![msg(1), msg(2)], false);
            state.messages.update(|m| merge(m, msg(1502)));
            state.reset_to(vec![msg(1450), msg(1500), msg(1501)]);
            assert_eq!(seqs(&state.messages.get_untracked()), vec![1450, 1500, 1501, 1502]);
            assert!(state.has_older.get_untracked());
        });
    }

    #[test]
    fn typing_clears_after_five_seconds_or_with_the_typists_message() {
        let owner = Owner::new();
        owner.with(|| {
            let state = RoomState::new(Vec::new(), false);
            state.typing_from("bob".into(), 0.0);
            state.typing_from("carol".into(), 1_000.0);
            assert!(state.expire_typing(4_000.0));
            assert!(state.expire_typing(5_500.0), "carol still types");
            assert_eq!(state.typing.get_untracked().len(), 1);
            let mut from_carol = msg(1);
            from_carol.sender = "carol".into();
            state.receive(from_carol);
            assert!(!state.expire_typing(5_600.0));
        });
    }

    #[test]
    fn the_divider_goes_above_the_first_unread_message_of_someone_else() {
        let owner = Owner::new();
        owner.with(|| {
            let mut mine = msg(3);
            mine.sender = "me".into();
            let state = RoomState::opened(vec![msg(1), msg(2), mine, msg(4)], false, "me".into(), 2);
            assert_eq!(state.first_unread.get_untracked(), Some(4));
            let all_read = RoomState::opened(vec![msg(1), msg(2)], false, "me".into(), 2);
            assert_eq!(all_read.first_unread.get_untracked(), None);
        });
    }

    #[test]
    fn events_move_the_resync_point_past_the_last_message() {
        let owner = Owner::new();
        owner.with(|| {
            let state = RoomState::new(vec![msg(1), msg(2)], false);
            state.apply(5, 2, Change::Deletion);
            assert_eq!(state.last_seq(), 5);
            assert!(state.messages.get_untracked()[1].deleted);
        });
    }

    #[test]
    fn replies_quote_the_current_state_of_their_parent() {
        let owner = Owner::new();
        owner.with(|| {
            let mut reply = msg(2);
            reply.reply_to = Some(ReplyRef { seq: 1, sender: "s".into(), text: "first".into(), deleted: false });
            let state = RoomState::new(vec![msg(1), reply], false);
            state.apply(
                3,
                1,
                Change::Edit(edit::Edited { text: "fixed".into(), edited_at: "t".into(), mentions: vec![], html: None }),
            );
            let quote = |state: &RoomState| state.messages.get_untracked()[1].reply_to.clone().unwrap();
            assert_eq!(quote(&state).text, "fixed");
            state.apply(4, 1, Change::Deletion);
            assert!(quote(&state).deleted && quote(&state).text.is_empty());
        });
    }
}
