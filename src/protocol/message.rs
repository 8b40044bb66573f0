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
    /// Its text formatted as HTML (`<div class="text">…</div>`, the markup the
    /// room page shows), so that browsers never parse Markdown: in `message`
    /// frames and the room page's own history reads; absent from the JSON
    /// history API and when deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latest {
    pub seq: i64,
    pub sender: String,
    /// The first 140 characters of the text.
    pub text: String,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(4_200), "4.2 KB");
        assert_eq!(human_size(18_000_000), "18.0 MB");
    }
}
