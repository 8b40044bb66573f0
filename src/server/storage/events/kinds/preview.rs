//! A link preview: the server's reading of the page a live message's first
//! link points to (`preview`, written by the worker in `server::previews` on
//! its author's behalf; a message gets at most one), and its removal
//! (`preview_removed`, by the author or a moderator: the policy decides). The
//! message row keeps its current preview; a deletion empties the preview rows
//! too (`delete`), so a replay gives nothing of the page back.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use super::{Fields, Refusal};
use crate::{
    entity::{message, message::EventKind},
    protocol::{PreviewRecord, ServerFrame, events::preview},
    server::{
        policy::Action,
        storage::events::{event_rows::EventRow, targets::Loaded},
    },
};

/// What a preview needs of the policy: the server previews a link for the
/// message's author, as if they changed their message, so never after they
/// lost the room.
pub fn action(own: bool) -> Action {
    Action::Edit { own }
}

/// What removing a preview needs of the policy: a small deletion, the
/// author's or a moderator's.
pub fn removal_action(own: bool) -> Action {
    Action::Delete { own }
}

pub fn judge_preview(room_id: i64, target: i64, loaded: &mut Loaded) -> Result<(), Refusal> {
    let state = loaded.live_message(room_id, target)?;
    if state.previewed {
        return Err(Refusal::AlreadyPreviewed);
    }
    state.previewed = true;
    Ok(())
}

pub fn judge_removal(room_id: i64, target: i64, loaded: &mut Loaded) -> Result<(), Refusal> {
    let state = loaded.live_message(room_id, target)?;
    if !state.previewed {
        return Err(Refusal::NoPreview);
    }
    state.previewed = false;
    Ok(())
}

pub fn fields(target: i64, record: Option<&PreviewRecord>) -> Fields {
    match record {
        Some(record) => Fields { kind: EventKind::Preview, text: record.encode(), target: Some(target), reply_to: None },
        None => Fields { kind: EventKind::PreviewRemoved, text: String::new(), target: Some(target), reply_to: None },
    }
}

/// The message shows the preview, or no longer does.
pub async fn apply(txn: &impl ConnectionTrait, room_id: i64, target: i64, record: Option<&PreviewRecord>) -> Result<(), DbErr> {
    message::Entity::update_many()
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.eq(target))
        .col_expr(message::Column::Preview, Expr::value(record.map(PreviewRecord::encode)))
        .exec(txn)
        .await?;
    Ok(())
}

/// A deleted message's preview rows lose what they said of the page.
pub async fn empty_of(txn: &impl ConnectionTrait, room_id: i64, target: i64) -> Result<(), DbErr> {
    message::Entity::update_many()
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Target.eq(target))
        .filter(message::Column::Kind.eq(EventKind::Preview))
        .col_expr(message::Column::Text, Expr::value(""))
        .exec(txn)
        .await?;
    Ok(())
}

/// A preview row's frame; an emptied one (its message was deleted) replays
/// as a removal.
pub fn frame(row: EventRow, room: &str) -> ServerFrame {
    let target = row.target.unwrap_or_default();
    match (row.kind, PreviewRecord::decode(&row.text)) {
        (EventKind::Preview, Some(record)) => {
            ServerFrame::Preview(preview::Frame { room: room.to_owned(), seq: row.seq, target, preview: record.shown })
        }
        _ => ServerFrame::PreviewRemoval(preview::RemovedFrame {
            room: room.to_owned(),
            seq: row.seq,
            target,
            sender: row.sender_username(),
            client_id: row.client_id,
        }),
    }
}
