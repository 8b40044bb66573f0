//! The rooms' event log: how one batch of room events is stored, and how
//! stored events are read back. Every event — a message, an edit, a deletion,
//! a reaction added or taken back, a link preview, a membership change of a
//! private room, a bot command, a topic — is
//! a row of `message` with its room's next `seq`, taken in the transaction that
//! stores it. Only the writer task (`storage::appender`) writes here.
//!
//! - [`batch`]: one batch in one transaction, step by step: resends answered
//!   with their first copy, who may write judged (`storage::admission`, by the
//!   one policy), each kind's rules in batch order, seqs reserved, rows
//!   written, their changes applied, and each sender's answer.
//! - [`kinds`]: each kind of event in a file of its own: the policy action it
//!   needs, its rules, the row it writes, what it changes elsewhere, and its
//!   frame — the one function that makes a row's frame, for live delivery and
//!   for replay alike.
//! - [`event_rows`]: a stored row with its sender, and what message rows need
//!   from elsewhere (reactions, quotes, files).
//! - [`slot`]: what the batch decided for each event, which every later step reads.
//! - [`targets`]: what the batch's events are about (messages, reactions,
//!   files), as the batch changes it.
//! - [`resends`]: finding events stored before (same sender, room, `client_id`).
//! - [`seqs`]: the writing transaction, rooms read (locked) in name order, and
//!   seqs reserved.
//! - [`mentions`]: `@names` resolved to accounts (in a private room, members only).
//! - [`read_state`]: a sender has read up to their message; a mentioned user's
//!   list gets the room.
//! - [`thread_replies`]: who follows a thread its replies bring in.
//! - [`markers`]: read markers (of rooms and threads) moved forward.
//! - [`pushes`]: the Web Push outbox rows a batch (or a read) writes.
//! - [`mails`]: the mail outbox rows of mentions and direct messages.

mod batch;
mod event_rows;
mod kinds;
mod mails;
mod markers;
mod mentions;
mod pushes;
mod read_state;
mod resends;
mod seqs;
mod slot;
mod targets;
mod thread_replies;

#[cfg(test)]
mod tests;

pub(super) use batch::append_batch;
pub(super) use event_rows::{EventRow, Extras};
pub(super) use kinds::action as action_of;
pub(super) use kinds::frame as frame_of;
pub use markers::ReadMarker;
pub(super) use markers::{last_message_n, mark_read, shared as shared_reads};
pub(super) use resends::stored_copy;
pub(super) use seqs::begin_writing;

use crate::{protocol::FrameErrorCode, server::policy::Denied};

/// Why an event was refused by the rules (nothing was stored for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("there is no such message in this room")]
    NotFound,
    #[error("only its author can change a message")]
    NotYours,
    #[error("that message is deleted")]
    Deleted,
    #[error("you are not a member of this room")]
    NoAccess,
    #[error("only the room's owner or an administrator can do that")]
    NotAllowed,
    #[error("they are a member already")]
    AlreadyMember,
    #[error("they are not a member")]
    NotMember,
    #[error("no such attachment: upload the file to this room first")]
    BadAttachment,
    #[error("that message has no link preview")]
    NoPreview,
    #[error("that message has a link preview already")]
    AlreadyPreviewed,
    #[error("that message is a reply in a thread")]
    BadThread,
    /// An incoming webhook whose maker may no longer post in its room
    /// (deactivated, removed, left): it is as good as revoked.
    #[error("this webhook's maker may no longer post here")]
    HookMakerLostAccess,
}

impl Refusal {
    /// The `error` frame's code for an event the rules refused.
    pub fn frame_code(self) -> FrameErrorCode {
        match self {
            Self::NotFound | Self::NoPreview | Self::AlreadyPreviewed => FrameErrorCode::NotFound,
            Self::NotYours => FrameErrorCode::NotYours,
            Self::Deleted => FrameErrorCode::Deleted,
            Self::BadAttachment => FrameErrorCode::BadAttachment,
            Self::BadThread => FrameErrorCode::BadThread,
            Self::NoAccess | Self::NotAllowed | Self::AlreadyMember | Self::NotMember | Self::HookMakerLostAccess => {
                FrameErrorCode::NoAccess
            }
        }
    }
}

impl From<Denied> for Refusal {
    fn from(denied: Denied) -> Self {
        match denied {
            // A room one may not see, or an account that may do nothing: no access.
            Denied::Deactivated | Denied::Hidden => Self::NoAccess,
            Denied::NotAllowed => Self::NotAllowed,
            Denied::NotYours => Self::NotYours,
        }
    }
}
