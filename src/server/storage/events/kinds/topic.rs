//! A room's topic set (or cleared), as a room event: its row keeps the topic
//! as set then (the text, indexed for search like a message), and the room
//! row keeps the newest, which its page shows under its name. Only the
//! room's managers may set it (the policy's `SetTopic`).

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use super::Fields;
use crate::{
    entity::{message::EventKind, room},
    protocol::{ServerFrame, events::topic, format_timestamp},
    server::{policy::Action, storage::events::event_rows::EventRow},
};

/// What setting the topic needs of the policy.
pub const ACTION: Action = Action::SetTopic;

pub fn fields(body: &topic::Body) -> Fields {
    Fields { kind: EventKind::Topic, text: body.topic.clone(), target: None, reply_to: None }
}

/// The room shows the new topic (none once cleared).
pub async fn apply(txn: &impl ConnectionTrait, room_id: i64, body: &topic::Body) -> Result<(), DbErr> {
    let topic = (!body.topic.is_empty()).then(|| body.topic.clone());
    room::Entity::update_many()
        .filter(room::Column::Id.eq(room_id))
        .col_expr(room::Column::Topic, Expr::value(topic))
        .exec(txn)
        .await?;
    Ok(())
}

pub fn frame(row: EventRow, room: &str) -> ServerFrame {
    ServerFrame::Topic(topic::Frame {
        room: room.to_owned(),
        seq: row.seq,
        sender: row.sender_username(),
        timestamp: format_timestamp(row.timestamp),
        topic: row.text,
        client_id: row.client_id,
    })
}
