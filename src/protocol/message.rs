//! A message as clients see it: the DTO of history pages and `message`
//! frames, the file it carries, the message it answers, and the inbox's
//! summary of the newest one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::LinkPreview;

/// One stored chat message as clients see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Position in the room's history, starting at 1.
    pub seq: i64,
    /// Username of the author.
    pub sender: String,
    /// The author's display name, when they set one (shown beside the username).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    pub text: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// The sender's idempotency key, when it gave one: lets its outbox match
    /// replayed messages to what it sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Usernames the text mentions (`@name` of an existing user), resolved by
    /// the server; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// When the text was last edited (RFC 3339, UTC); absent if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    /// Deleted: the text is removed, the message stays as a placeholder.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Reactions now on it: each reaction with who reacted, in order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reactions: BTreeMap<String, Vec<String>>,
    /// The message it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyRef>,
    /// The sender's account is deactivated (history only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sender_deactivated: bool,
    /// The file it carries (gone once the message is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
    /// The preview of its first link (gone once removed, or the message deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<LinkPreview>,
    /// Its text formatted as HTML (`<div dir="auto" class="text">…</div>`, the markup the
    /// room page shows), so that browsers never parse Markdown: in `message`
    /// frames and the room page's own history reads; absent from the JSON
    /// history API and when deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// For a reply in a thread: the `seq` of the thread's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<i64>,
    /// A thread reply shown in the room's timeline too.
    #[serde(default, skip_serializing_if = "is_false")]
    pub also_in_room: bool,
    /// For a root with replies: its thread's summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<ThreadSummary>,
    /// Sent by a bot or an incoming webhook (shown with a BOT badge).
    #[serde(default, skip_serializing_if = "is_false")]
    pub bot: bool,
}

/// A thread as shown under its root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSummary {
    /// Replies (deleted ones included: they stay as placeholders).
    pub count: i64,
    /// The newest reply's `seq` and time (RFC 3339, UTC).
    pub last_seq: i64,
    pub last_at: String,
    /// The first [`THREAD_PARTICIPANTS`] who replied, in the order they did.
    pub participants: Vec<String>,
}

/// How many repliers a [`ThreadSummary`] names.
pub const THREAD_PARTICIPANTS: usize = 5;

impl ThreadSummary {
    /// The summary once reply `seq` by `sender` at `at` is added: what the
    /// server stores and what browsers fold from live frames alike.
    pub fn add_reply(summary: Option<&Self>, seq: i64, sender: &str, at: &str) -> Self {
        let mut next = summary.cloned().unwrap_or_default();
        if seq <= next.last_seq {
            return next;
        }
        next.count += 1;
        next.last_seq = seq;
        next.last_at = at.to_owned();
        if next.participants.len() < THREAD_PARTICIPANTS && !next.participants.iter().any(|p| p == sender) {
            next.participants.push(sender.to_owned());
        }
        next
    }
}

/// One thread the user follows, as `GET /api/threads/` lists it and the
/// inbox's `thread` frame reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadStatus {
    pub room: String,
    /// The root's `seq`.
    pub thread: i64,
    /// Replies after the newest `seq` of the thread the user has seen.
    pub unread: i64,
    /// Of those, the ones that mention the user.
    pub mentions: i64,
    /// The newest `seq` of the thread the user has seen.
    pub last_read_seq: i64,
    /// Whether the user follows it (`false` only in the frame that says they stopped).
    pub following: bool,
    /// The root (its first 140 characters) and the thread's summary (in
    /// `GET /api/threads/`; the inbox's frames carry the counts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<Latest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<ThreadSummary>,
    /// In an inbox frame: the newest reply, when the change is a new reply by
    /// someone else (for notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<Latest>,
}

/// A file posted in a room, as messages carry it and an upload answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attachment {
    /// 32 hex digits; what a `send` frame's `attachment` names.
    pub id: String,
    /// The file's name as uploaded.
    pub name: String,
    /// Bytes.
    pub size: i64,
    pub content_type: String,
    /// Where the file is served (to readers of the room only).
    pub url: String,
    /// For an image: its size in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    /// For an image: a small copy to show inline (at most
    /// [`THUMB_EDGE`] pixels on its longer side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
}

impl Attachment {
    /// The file's size as people read it: "812 B", "4.2 KB", "18.0 MB".
    pub fn human_size(&self) -> String {
        human_size(self.size)
    }
}

/// A size in bytes as people read it (decimal units, like file managers).
pub fn human_size(bytes: i64) -> String {
    match bytes {
        ..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} KB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.1} GB", bytes as f64 / 1e9),
    }
}

/// Longest side of an image attachment's thumbnail, in pixels.
pub const THUMB_EDGE: u32 = 480;

/// The message a reply answers, as quoted with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReplyRef {
    pub seq: i64,
    pub sender: String,
    /// Its first [`REPLY_QUOTE_CHARS`](super::REPLY_QUOTE_CHARS) characters (empty when deleted).
    pub text: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
}

pub(super) fn is_false(value: &bool) -> bool {
    !*value
}

/// The newest message of a room, as the inbox reports it (for notifications).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latest {
    pub seq: i64,
    pub sender: String,
    /// The first 140 characters of the text.
    pub text: String,
    /// Sent by a bot or an incoming webhook (shown with a BOT badge).
    #[serde(default, skip_serializing_if = "is_false")]
    pub bot: bool,
}

/// A sender's name as text without badges shows it (a mail, a
/// notification): a bot's or a webhook's marked as such, as pages mark it.
pub fn sender_label(name: &str, bot: bool) -> String {
    if bot { format!("{name} (bot)") } else { name.to_owned() }
}

/// How far another reader of a small room has read ("Seen by").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenRead {
    pub user: String,
    pub seq: i64,
}

/// A slice of a room's history, in ascending `seq` order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub room: String,
    pub messages: Vec<ChatMessage>,
    /// For a thread's page: its root's `seq`, and the root itself (the
    /// messages are then its replies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<ChatMessage>,
}

impl HistoryPage {
    /// A page of the room's timeline.
    pub fn of_room(room: String, messages: Vec<ChatMessage>) -> Self {
        Self { room, messages, thread: None, root: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_counts_replies_once_and_names_the_first_five_repliers() {
        let mut summary = None;
        for (seq, sender) in [(2, "bob"), (3, "carol"), (4, "bob"), (5, "d"), (6, "e"), (7, "f"), (8, "g")] {
            summary = Some(ThreadSummary::add_reply(summary.as_ref(), seq, sender, "t"));
        }
        let summary = summary.unwrap();
        assert_eq!((summary.count, summary.last_seq), (7, 8));
        assert_eq!(summary.participants, ["bob", "carol", "d", "e", "f"]);
        let again = ThreadSummary::add_reply(Some(&summary), 8, "h", "t");
        assert_eq!(again, summary, "a reply heard twice counts once");
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(4_200), "4.2 KB");
        assert_eq!(human_size(18_000_000), "18.0 MB");
    }
}
