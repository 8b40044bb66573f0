//! An edit: new text for one's own message (the policy checked it is the
//! sender's). Its row keeps the text as edited then; the message's row takes
//! the new text, and its mentions are resolved again.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use super::{Fields, Refusal};
use crate::{
    entity::{message, message::EventKind},
    protocol::{ServerFrame, events::edit, format_timestamp},
    server::{
        policy::Action,
        row_cache,
        storage::events::{
            event_rows::{EventRow, joined},
            mentions,
            targets::Loaded,
        },
    },
};

/// What an edit needs of the policy: only one's own message (`own`) may be edited.
pub fn action(own: bool) -> Action {
    Action::Edit { own }
}

pub fn judge(room_id: i64, target: i64, text: &str, loaded: &mut Loaded) -> Result<(), Refusal> {
    loaded.live_message(room_id, target)?.text = text.to_owned();
    Ok(())
}

pub fn fields(target: i64, text: &str) -> Fields {
    Fields { kind: EventKind::Edit, text: text.to_owned(), target: Some(target), reply_to: None }
}

pub async fn apply(
    txn: &impl ConnectionTrait,
    room_id: i64,
    target: i64,
    text: &str,
    author_id: i64,
    mentioned: &[(i64, String)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    message::Entity::update_many()
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.eq(target))
        .col_expr(message::Column::Text, Expr::value(text))
        .col_expr(message::Column::EditedAt, Expr::value(now))
        .col_expr(message::Column::Mentions, Expr::value(joined(mentioned)))
        .exec(txn)
        .await?;
    mentions::replace(txn, room_id, target, author_id, mentioned).await
}

pub fn frame(row: EventRow, room: &str) -> ServerFrame {
    let mentions = row.mention_names();
    ServerFrame::Edit(edit::Frame {
        room: room.to_owned(),
        seq: row.seq,
        target: row.target.unwrap_or_default(),
        edited_at: format_timestamp(row.timestamp),
        sender: row.sender_username(),
        html: Some(row_cache::render_text(&row.text, &mentions)),
        mentions,
        text: row.text,
        client_id: row.client_id,
    })
}
