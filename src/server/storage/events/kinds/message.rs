//! A new message: it may answer another message of the room (`reply_to`),
//! reply in the thread of a root message (`thread`: a message of the room that
//! is not deleted and not itself a thread reply), and carry a file its sender
//! uploaded to the room that no message carries yet. Its row keeps its current
//! state (edits and deletions change it).

use sea_orm::{ConnectionTrait, DbErr};

use super::{Fields, Refusal};
use crate::{
    entity::message::EventKind,
    protocol::{InThread, ServerFrame, events::message},
    server::{
        policy::Action,
        row_cache,
        storage::{
            attachments,
            events::{
                event_rows::{EventRow, Extras},
                targets::Loaded,
            },
            writes::NewEvent,
        },
    },
};

/// What posting a message needs of the policy.
pub const ACTION: Action = Action::Post;

pub fn judge(event: &NewEvent, room_id: Option<i64>, body: &message::Body, loaded: &mut Loaded) -> Result<(), Refusal> {
    if let Some(parent) = body.reply_to {
        loaded.message(room_id.ok_or(Refusal::NotFound)?, parent)?;
    }
    if let Some(InThread { root, .. }) = body.thread {
        let root = loaded.live_message(room_id.ok_or(Refusal::NotFound)?, root)?;
        if root.thread.is_some() {
            return Err(Refusal::BadThread);
        }
    }
    if let Some(id) = body.attachment.as_deref() {
        claim_file(loaded, id, event)?;
    }
    Ok(())
}

/// Takes attachment `id` for `event`'s message: a file its sender uploaded to
/// its room that no message carries yet (nor an earlier one of this batch).
fn claim_file(loaded: &mut Loaded, id: &str, event: &NewEvent) -> Result<(), Refusal> {
    match loaded.files.get_mut(id) {
        Some(file) if file.uploader_id == Some(event.sender.id) && file.room == event.room && file.seq.is_none() => {
            // Claimed; its real seq is written once reserved.
            file.seq = Some(0);
            Ok(())
        }
        _ => Err(Refusal::BadAttachment),
    }
}

pub fn fields(text: &str, reply_to: Option<i64>) -> Fields {
    Fields { kind: EventKind::Message, text: text.to_owned(), target: None, reply_to }
}

/// The file it carries is sent: it belongs to this message now. (A thread
/// reply's root is counted once per batch: `events::thread_replies::count_replies`.)
pub async fn apply(txn: &impl ConnectionTrait, attachment: Option<&str>, seq: i64) -> Result<(), DbErr> {
    match attachment {
        Some(id) => attachments::mark_sent(txn, id, seq).await,
        None => Ok(()),
    }
}

pub fn frame(row: EventRow, room: &str, extras: &Extras) -> ServerFrame {
    ServerFrame::Message(message::Frame { room: room.to_owned(), message: row_cache::formatted(row.into_message(extras)) })
}
