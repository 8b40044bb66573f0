//! A deletion: of one's own message, or of anyone's by a moderator (the
//! policy checked which). The message stays as a placeholder with no text,
//! mentions, reactions or file, and its edits lose their text and mentions:
//! nothing of what it said is left to read back.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use super::{Fields, Refusal};
use crate::{
    entity::{message, message::EventKind, reaction},
    protocol::{ServerFrame, events::deletion},
    server::{
        policy::Action,
        storage::{
            attachments,
            events::{event_rows::EventRow, mentions, targets::Loaded},
        },
    },
};

/// What a deletion needs of the policy: one's own message, or a moderator's right.
pub fn action(own: bool) -> Action {
    Action::Delete { own }
}

pub fn judge(room_id: i64, target: i64, loaded: &mut Loaded) -> Result<(), Refusal> {
    let state = loaded.live_message(room_id, target)?;
    state.deleted = true;
    state.text.clear();
    Ok(())
}

pub fn fields(target: i64) -> Fields {
    Fields { kind: EventKind::Delete, text: String::new(), target: Some(target), reply_to: None }
}

pub async fn apply(txn: &impl ConnectionTrait, room_id: i64, target: i64, author_id: i64) -> Result<(), DbErr> {
    // Its file goes with it (and the bytes, unless another message has the same file).
    attachments::release_of_message(txn, room_id, target).await?;
    message::Entity::update_many()
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.eq(target))
        .col_expr(message::Column::AttachmentId, Expr::value(Option::<String>::None))
        .col_expr(message::Column::Text, Expr::value(""))
        .col_expr(message::Column::Deleted, Expr::value(true))
        .col_expr(message::Column::Mentions, Expr::value(Option::<String>::None))
        .exec(txn)
        .await?;
    // Its edits keep no trace of it either: a replay sends them, text and all.
    message::Entity::update_many()
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Target.eq(target))
        .filter(message::Column::Kind.eq(EventKind::Edit))
        .col_expr(message::Column::Text, Expr::value(""))
        .col_expr(message::Column::Mentions, Expr::value(Option::<String>::None))
        .exec(txn)
        .await?;
    mentions::replace(txn, room_id, target, author_id, &[]).await?;
    // Nor its link preview: the message's, and what its preview rows said.
    message::Entity::update_many()
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.eq(target))
        .col_expr(message::Column::Preview, Expr::value(Option::<String>::None))
        .exec(txn)
        .await?;
    super::preview::empty_of(txn, room_id, target).await?;
    // A deleted message keeps no reactions (clients drop them with it).
    reaction::Entity::delete_many()
        .filter(reaction::Column::RoomId.eq(room_id))
        .filter(reaction::Column::Target.eq(target))
        .exec(txn)
        .await?;
    Ok(())
}

pub fn frame(row: EventRow, room: &str) -> ServerFrame {
    ServerFrame::Deletion(deletion::Frame {
        room: room.to_owned(),
        seq: row.seq,
        target: row.target.unwrap_or_default(),
        sender: row.sender_username(),
        client_id: row.client_id,
    })
}
