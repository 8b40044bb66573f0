//! "Seen by" under a small room's newest message: from how far each other
//! reader has read (the room page's initial `seen` and the live `seen`
//! frames), who has read that message — never the reader, never its sender.

use std::collections::BTreeMap;

use crate::protocol::{ChatMessage, SeenRead};

/// How far each other reader has read, by username.
pub type ReadBy = BTreeMap<String, i64>;

/// Keeps the furthest `seq` heard for a reader (markers only move forward).
pub fn note(read_by: &mut ReadBy, SeenRead { user, seq }: SeenRead) {
    let furthest = read_by.entry(user).or_default();
    *furthest = (*furthest).max(seq);
}

/// Who, besides `me` and its sender, has read the newest of `messages`
/// (sorted; empty when there is no message).
pub fn seen_by(messages: &[ChatMessage], read_by: &ReadBy, me: &str) -> Vec<String> {
    let Some(newest) = messages.iter().rev().find(|m| !m.deleted) else { return Vec::new() };
    read_by
        .iter()
        .filter(|(user, seq)| **seq >= newest.seq && user.as_str() != me && **user != newest.sender)
        .map(|(user, _)| user.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: i64, sender: &str) -> ChatMessage {
        ChatMessage {
            seq,
            sender: sender.into(),
            text: "hi".into(),
            timestamp: "2026-12-02T10:00:00Z".into(),
            ..Default::default()
        }
    }

    #[test]
    fn only_readers_of_the_newest_message_are_named() {
        let mut read_by = ReadBy::new();
        note(&mut read_by, SeenRead { user: "ben".into(), seq: 5 });
        note(&mut read_by, SeenRead { user: "cat".into(), seq: 3 });
        note(&mut read_by, SeenRead { user: "me".into(), seq: 9 });
        let messages = [message(3, "ana"), message(5, "ana")];
        assert_eq!(seen_by(&messages, &read_by, "me"), ["ben"]);
        note(&mut read_by, SeenRead { user: "cat".into(), seq: 7 });
        assert_eq!(seen_by(&messages, &read_by, "me"), ["ben", "cat"]);
    }

    #[test]
    fn markers_never_go_back_and_the_sender_is_not_listed() {
        let mut read_by = ReadBy::new();
        note(&mut read_by, SeenRead { user: "ben".into(), seq: 8 });
        note(&mut read_by, SeenRead { user: "ben".into(), seq: 2 });
        assert_eq!(read_by["ben"], 8);
        assert!(seen_by(&[message(8, "ben")], &read_by, "me").is_empty(), "the sender has seen their own");
        assert!(seen_by(&[], &read_by, "me").is_empty());
    }
}
