//! A room's view state, shared by the room components and the browser socket:
//! the messages shown, the outbox of messages not yet acknowledged, and the
//! connection state. Merging is by `seq`, so replays never show a message twice.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::protocol::ChatMessage;

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
}

impl ConnectionState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Reconnecting => "reconnecting",
            Self::Offline => "offline",
            Self::SignedOut => "signed out",
        }
    }
}

/// A message the user sent that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMessage {
    /// Idempotency key: resending it never stores the message twice.
    pub client_id: String,
    pub text: String,
    /// Set when the server refused it for good (it will not be resent).
    #[serde(default)]
    pub error: Option<String>,
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
}

impl RoomState {
    pub fn new(initial: Vec<ChatMessage>, has_older: bool) -> Self {
        Self {
            messages: RwSignal::new(initial),
            outbox: RwSignal::new(Vec::new()),
            connection: RwSignal::new(ConnectionState::Connecting),
            has_older: RwSignal::new(has_older),
        }
    }

    /// The newest `seq` shown (0 when none): where a resync starts.
    pub fn last_seq(&self) -> i64 {
        self.messages.with_untracked(|m| m.last().map_or(0, |m| m.seq))
    }

    /// Adds a confirmed message and settles the outbox entry it answers.
    pub fn receive(&self, message: ChatMessage) {
        if let Some(id) = &message.client_id {
            self.confirm(id);
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

    /// Drops the outbox entry with `client_id`: the server has it.
    pub fn confirm(&self, client_id: &str) {
        if self.outbox.with_untracked(|o| o.iter().any(|p| p.client_id == client_id)) {
            self.outbox.update(|o| o.retain(|p| p.client_id != client_id));
        }
    }
}

/// Inserts `incoming` into `messages` (ascending by `seq`) unless it is there.
pub fn merge(messages: &mut Vec<ChatMessage>, incoming: ChatMessage) {
    match messages.last() {
        None => messages.push(incoming),
        Some(last) if last.seq < incoming.seq => messages.push(incoming),
        _ => {
            if let Err(at) = messages.binary_search_by_key(&incoming.seq, |m| m.seq) {
                messages.insert(at, incoming);
            }
        }
    }
}

/// Prepends an older page (ascending) before the messages shown.
pub fn prepend(messages: &mut Vec<ChatMessage>, older: Vec<ChatMessage>) {
    let first = messages.first().map_or(i64::MAX, |m| m.seq);
    let mut merged: Vec<ChatMessage> = older.into_iter().filter(|m| m.seq < first).collect();
    merged.append(messages);
    *messages = merged;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: i64) -> ChatMessage {
        ChatMessage { seq, sender: "a".into(), text: format!("m{seq}"), timestamp: String::new(), client_id: None }
    }

    fn seqs(messages: &[ChatMessage]) -> Vec<i64> {
        messages.iter().map(|m| m.seq).collect()
    }

    #[test]
    fn merge_keeps_order_and_drops_duplicates() {
        let mut messages = vec![msg(1), msg(2), msg(4)];
        merge(&mut messages, msg(5));
        merge(&mut messages, msg(3));
        merge(&mut messages, msg(4));
        merge(&mut messages, msg(1));
        assert_eq!(seqs(&messages), vec![1, 2, 3, 4, 5]);
    }

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
    fn prepend_adds_only_older_messages() {
        let mut messages = vec![msg(3), msg(4)];
        prepend(&mut messages, vec![msg(1), msg(2), msg(3)]);
        assert_eq!(seqs(&messages), vec![1, 2, 3, 4]);
    }
}
