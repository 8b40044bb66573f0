//! Room events, one home per kind. A room event is anything stored in a
//! room's log with its own `seq`; each kind's module holds all that both
//! sides share of it: the payload a client sends (`Request`, checked into
//! its stored `Body`), the frame the server sends (`Frame`), and how the
//! frame changes a message a client shows. How the server stores a kind,
//! and which policy action it needs, is its twin under
//! `server::storage::events::kinds`. `docs/architecture.md` lists the files
//! a new kind touches.
//!
//! - [`message`]: a message (`send` → `message`).
//! - [`edit`]: new text for one's message (`edit`).
//! - [`deletion`]: a message deleted (`delete`).
//! - [`reaction`]: a reaction added or taken back (`react` → `reaction`).
//! - [`preview`]: a link preview shown (`preview`) or removed (`remove_preview` → `preview_removed`).
//! - [`membership`]: someone added to, joining, removed from or leaving a private room (`member`).
//! - [`command`]: a bot's slash command typed in the room (`command`).
//! - [`topic`]: the room's topic set or cleared (`set_topic` → `topic`).

pub mod command;
pub mod deletion;
pub mod edit;
pub mod membership;
pub mod message;
pub mod preview;
pub mod reaction;
pub mod topic;

use super::{ChatMessage, LinkPreview, ReplyRef};

/// What a room event is: what a client asks to store, checked (trimmed
/// text, well-formed ids), or what the server makes (a membership change, a
/// link preview). The writer stores it as it is, each kind by its own rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventBody {
    Message(message::Body),
    Edit(edit::Body),
    Deletion(deletion::Body),
    Reaction(reaction::Body),
    Preview(preview::Body),
    PreviewRemoval(preview::Removal),
    Membership(membership::Body),
    Command(command::Body),
    Topic(topic::Body),
}

impl EventBody {
    /// The message an edit, deletion, reaction or preview is about.
    pub fn target(&self) -> Option<i64> {
        match self {
            Self::Message(_) | Self::Membership(_) | Self::Command(_) | Self::Topic(_) => None,
            Self::Edit(edit::Body { target, .. })
            | Self::Deletion(deletion::Body { target })
            | Self::Reaction(reaction::Body { target, .. })
            | Self::Preview(preview::Body { target, .. })
            | Self::PreviewRemoval(preview::Removal { target }) => Some(*target),
        }
    }

    /// The new message it is, if it is one.
    pub fn message(&self) -> Option<&message::Body> {
        match self {
            Self::Message(body) => Some(body),
            _ => None,
        }
    }

    /// The attachment a message carries.
    pub fn attachment(&self) -> Option<&str> {
        self.message().and_then(|body| body.attachment.as_deref())
    }

    /// The message a message answers.
    pub fn reply_to(&self) -> Option<i64> {
        self.message().and_then(|body| body.reply_to)
    }

    /// Whether it is a new message.
    pub fn is_message(&self) -> bool {
        self.message().is_some()
    }

    /// The thread a new message replies in.
    pub fn thread(&self) -> Option<message::InThread> {
        self.message().and_then(|body| body.thread)
    }

    /// Whether it is a new message of the room's timeline (numbered `n`,
    /// counted as the room's unread): every message but a reply kept in its thread.
    pub fn in_timeline(&self) -> bool {
        self.is_message() && self.thread().is_none_or(|thread| thread.also_in_room)
    }
}

/// A change to a message a client shows, as an event's frame says; each
/// kind's module says how it changes the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Edit(edit::Edited),
    Deletion,
    Reaction(reaction::Reacted),
    /// The server read its link: the preview shown under it.
    Preview(LinkPreview),
    /// Its preview was removed.
    PreviewRemoval,
}

impl Change {
    /// Brings `message` to its state after the change (applying it twice is
    /// the same as once).
    pub fn apply_to(&self, message: &mut ChatMessage) {
        match self {
            Self::Edit(edited) => edited.apply_to(message),
            Self::Deletion => deletion::apply_to(message),
            Self::Reaction(reacted) => reacted.apply_to(message),
            Self::Preview(shown) => preview::show(shown, message),
            Self::PreviewRemoval => preview::remove(message),
        }
    }

    /// Brings a reply's quote of the changed message up to date, as a fresh
    /// history page would show it.
    pub fn apply_to_quote(&self, quote: &mut ReplyRef) {
        match self {
            Self::Edit(edited) => edited.apply_to_quote(quote),
            Self::Deletion => deletion::apply_to_quote(quote),
            Self::Reaction(_) | Self::Preview(_) | Self::PreviewRemoval => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: i64) -> ChatMessage {
        ChatMessage { seq, sender: "a".into(), text: format!("m{seq}"), ..Default::default() }
    }

    #[test]
    fn changes_apply_once_however_often_they_arrive() {
        let mut message = msg(1);
        let like = |on| Change::Reaction(reaction::Reacted { emoji: "👍".into(), user: "bob".into(), on });
        for _ in 0..2 {
            like(true).apply_to(&mut message);
        }
        assert_eq!(message.reactions["👍"], vec!["bob".to_owned()]);
        like(false).apply_to(&mut message);
        assert!(message.reactions.is_empty());
        Change::Edit(edit::Edited { text: "fixed".into(), edited_at: "t".into(), mentions: vec![], html: None })
            .apply_to(&mut message);
        assert_eq!((message.text.as_str(), message.edited_at.as_deref()), ("fixed", Some("t")));
        Change::Deletion.apply_to(&mut message);
        assert!(message.deleted && message.text.is_empty());
    }
}
