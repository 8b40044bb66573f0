//! Messages in `seq` order: merging one in (never twice), prepending an older
//! page, and where the "New messages" divider goes.

use crate::protocol::ChatMessage;

/// Where the "New messages" divider goes: the first message of `messages`
/// past `last_read_seq` that `me` did not write.
pub fn first_unread(messages: &[ChatMessage], me: &str, last_read_seq: i64) -> Option<i64> {
    messages.iter().find(|m| m.seq > last_read_seq && m.sender != me).map(|m| m.seq)
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
pub(super) mod tests {
    use super::*;

    /// Message `seq` of sender "a" (also for the room state's tests).
    pub(in crate::chat) fn msg(seq: i64) -> ChatMessage {
        ChatMessage { seq, sender: "a".into(), text: format!("m{seq}"), ..Default::default() }
    }

    /// The messages' seqs, in order.
    pub(in crate::chat) fn seqs(messages: &[ChatMessage]) -> Vec<i64> {
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
    fn prepend_adds_only_older_messages() {
        let mut messages = vec![msg(3), msg(4)];
        prepend(&mut messages, vec![msg(1), msg(2), msg(3)]);
        assert_eq!(seqs(&messages), vec![1, 2, 3, 4]);
    }
}
