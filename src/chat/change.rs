//! A change to a message as its event says (an edit, a deletion, a reaction,
//! a link preview), and how it brings the message, and the quotes of replies
//! to it, to their state after the change.

use crate::protocol::{ChatMessage, LinkPreview, REPLY_QUOTE_CHARS, ReplyRef};

/// A change to a message, as its event says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Edited {
        text: String,
        edited_at: String,
        mentions: Vec<String>,
        /// The new text formatted (as the server sends it).
        html: Option<String>,
    },
    Deleted,
    /// `user` added (`on`) or took back `emoji`.
    Reacted {
        emoji: String,
        user: String,
        on: bool,
    },
    /// The server read its link: the preview shown under it.
    Previewed(LinkPreview),
    /// Its preview was removed.
    Unpreviewed,
}

impl Change {
    /// Brings `message` to its state after the change (applying it twice is
    /// the same as once).
    pub fn apply_to(&self, message: &mut ChatMessage) {
        match self {
            Self::Edited { text, edited_at, mentions, html } => {
                message.text.clone_from(text);
                message.edited_at = Some(edited_at.clone());
                message.mentions.clone_from(mentions);
                message.html.clone_from(html);
            }
            Self::Deleted => {
                message.deleted = true;
                message.text.clear();
                message.mentions.clear();
                message.reactions.clear();
                message.attachment = None;
                message.preview = None;
                message.html = None;
            }
            Self::Previewed(preview) if !message.deleted => message.preview = Some(preview.clone()),
            Self::Previewed(_) => {}
            Self::Unpreviewed => message.preview = None,
            Self::Reacted { emoji, user, on } => {
                let users = message.reactions.entry(emoji.clone()).or_default();
                users.retain(|u| u != user);
                if *on {
                    users.push(user.clone());
                }
                if users.is_empty() {
                    message.reactions.remove(emoji);
                }
            }
        }
    }

    /// Brings a reply's quote of the changed message up to date, as a fresh
    /// history page would show it.
    pub fn apply_to_quote(&self, quote: &mut ReplyRef) {
        match self {
            Self::Edited { text, .. } => quote.text = text.chars().take(REPLY_QUOTE_CHARS).collect(),
            Self::Deleted => {
                quote.deleted = true;
                quote.text.clear();
            }
            Self::Reacted { .. } | Self::Previewed(_) | Self::Unpreviewed => {}
        }
    }
}
