//! A new message: it may answer another message of the room (`reply_to`),
//! reply in the thread of a root message (`thread`: a message of the room that
//! is not deleted and not itself a thread reply), and carry a file its sender
//! uploaded to the room that no message carries yet. Its row keeps its current
//! state (edits and deletions change it); a thread reply updates its root's summary.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use super::{Fields, Refusal};
use crate::{
    entity::{message, message::EventKind},
    protocol::{InThread, ServerFrame, ThreadSummary, format_timestamp},
    server::{
        rows,
        storage::{
            attachments,
            events::{
                rows::{EventRow, Extras},
                targets::Loaded,
            },
            store::NewEvent,
        },
    },
};

pub fn judge(
    event: &NewEvent,
    room_id: Option<i64>,
    reply_to: Option<i64>,
    thread: Option<InThread>,
    attachment: Option<&str>,
    loaded: &mut Loaded,
) -> Result<(), Refusal> {
    if let Some(parent) = reply_to {
        loaded.message(room_id.ok_or(Refusal::NotFound)?, parent)?;
    }
    if let Some(InThread { root, .. }) = thread {
        let root = loaded.live_message(room_id.ok_or(Refusal::NotFound)?, root)?;
        if root.thread.is_some() {
            return Err(Refusal::BadThread);
        }
    }
    if let Some(id) = attachment {
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

/// The file it carries is sent: it belongs to this message now; a thread
/// reply is counted in its root's summary.
pub async fn apply(
    txn: &impl ConnectionTrait,
    room_id: i64,
    attachment: Option<&str>,
    thread: Option<InThread>,
    seq: i64,
    sender: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if let Some(id) = attachment {
        attachments::mark_sent(txn, id, seq).await?;
    }
    if let Some(InThread { root, .. }) = thread {
        count_reply(txn, room_id, root, seq, sender, now).await?;
    }
    Ok(())
}

/// Adds reply `seq` by `sender` to the summary of root `root`, by the rule
/// browsers fold live replies with ([`ThreadSummary::add_reply`]).
async fn count_reply(
    txn: &impl ConnectionTrait,
    room_id: i64,
    root: i64,
    seq: i64,
    sender: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let found = EventRow::select()
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.eq(root))
        .into_model::<EventRow>()
        .one(txn)
        .await?;
    // Judged a moment ago in this transaction: it is there.
    let row = found.ok_or_else(|| DbErr::RecordNotFound(format!("thread root {root} in room {room_id}")))?;
    let next = ThreadSummary::add_reply(row.summary().as_ref(), seq, sender, &format_timestamp(now));
    message::Entity::update_many()
        .col_expr(message::Column::ReplyCount, Expr::value(next.count))
        .col_expr(message::Column::LastReplySeq, Expr::value(next.last_seq))
        .col_expr(message::Column::LastReplyAt, Expr::value(now))
        .col_expr(message::Column::Participants, Expr::value(next.participants.join(",")))
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.eq(root))
        .exec(txn)
        .await?;
    Ok(())
}

pub fn frame(row: EventRow, room: &str, extras: &Extras) -> ServerFrame {
    ServerFrame::Message { room: room.to_owned(), message: rows::formatted(row.into_message(extras)) }
}
