//! What a push says, as JSON (at most 3 KB before encryption): for a message
//! `{"kind","room","seq","title","body","url","tag","unread"}` — the title
//! the room, the body "sender: text" cut at 200 characters, the permalink,
//! the tag one notification per room, the user's unread total for the app
//! badge; an update is the same for new text; a close names what to close
//! (`seq`: the deleted message, or everything up to the read marker).

use serde::Serialize;

use crate::{
    paths,
    protocol::{RoomKind, room_label, sender_label},
    server::storage::push::PushedMessage,
};

/// Characters of the body, and of a body cut after a push service found the
/// push too large.
const BODY_CHARS: usize = 200;
const CUT_BODY_CHARS: usize = 60;

/// A push's JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Payload {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    pub seq: i64,
    pub title: String,
    pub body: String,
    pub url: String,
    pub tag: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<i64>,
}

/// The notification's tag: one per room.
pub fn tag(room: &str) -> String {
    format!("room:{room}")
}

/// A message's notification (`kind` `message` or `update`) for its reader;
/// `partner`: the other member of a direct room.
pub fn message(kind: &'static str, seq: i64, message: &PushedMessage, partner: Option<&str>, unread: i64, cut: bool) -> Payload {
    let title = room_label(&message.room, message.kind, message.title.as_deref(), partner);
    let limit = if cut { CUT_BODY_CHARS } else { BODY_CHARS };
    let sender = sender_label(&message.sender, message.bot);
    let text = format!("{sender}: {}", message.text.split_whitespace().collect::<Vec<_>>().join(" "));
    // A reply's permalink opens its thread at it.
    let url = paths::message(&message.room, seq);
    Payload {
        kind,
        room: Some(message.room.clone()),
        seq,
        title: if message.kind == RoomKind::Direct && partner.is_none() { sender } else { title },
        body: cut_at(&text, limit),
        url,
        tag: tag(&message.room),
        unread: Some(unread),
    }
}

/// Closes the room's notification of what is up to `seq`.
pub fn close(room: &str, seq: i64, unread: i64) -> Payload {
    Payload {
        kind: "close",
        room: Some(room.to_owned()),
        seq,
        title: String::new(),
        body: String::new(),
        url: paths::room(room),
        tag: tag(room),
        unread: Some(unread),
    }
}

/// "Send a test notification".
pub fn test() -> Payload {
    Payload {
        kind: "test",
        room: None,
        seq: 0,
        title: "Parlor".to_owned(),
        body: "Notifications reach this device.".to_owned(),
        url: crate::paths::SETTINGS.to_owned(),
        tag: "test".to_owned(),
        unread: None,
    }
}

/// `text` at most `limit` characters, with "…" when cut.
fn cut_at(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> PushedMessage {
        PushedMessage {
            room: "lobby".into(),
            kind: RoomKind::Public,
            title: None,
            sender: "ada".into(),
            bot: false,
            text: text.into(),
            deleted: false,
            thread: None,
        }
    }

    #[test]
    fn a_message_says_who_said_what_where_and_links_to_it() {
        let payload = message("message", 7, &said("hello\n  there"), None, 3, false);
        assert_eq!(payload.title, "#lobby");
        assert_eq!(payload.body, "ada: hello there");
        assert_eq!(payload.url, "/room/lobby/?at=7");
        assert_eq!((payload.tag.as_str(), payload.unread), ("room:lobby", Some(3)));
    }

    #[test]
    fn a_long_body_is_cut_at_200_characters_and_shorter_when_asked() {
        let long = "x".repeat(500);
        assert_eq!(message("message", 1, &said(&long), None, 0, false).body.chars().count(), BODY_CHARS);
        assert_eq!(message("message", 1, &said(&long), None, 0, true).body.chars().count(), CUT_BODY_CHARS);
        assert!(message("message", 1, &said(&long), None, 0, false).body.ends_with('…'));
    }

    #[test]
    fn a_direct_room_is_titled_by_the_other_member() {
        let direct = PushedMessage { kind: RoomKind::Direct, room: "_d1".into(), ..said("hi") };
        assert_eq!(message("message", 2, &direct, Some("ada"), 0, false).title, "@ada");
    }

    #[test]
    fn a_bots_or_webhooks_message_is_marked_as_the_page_marks_it() {
        let hook = PushedMessage { sender: "admin".into(), bot: true, ..said("deploy done") };
        assert_eq!(message("message", 3, &hook, None, 0, false).body, "admin (bot): deploy done");
    }
}
