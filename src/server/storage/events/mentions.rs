//! `@mentions`: each new message's and edit's `@names` resolved against the
//! accounts in one lookup per batch; in a private or direct room only its
//! members can be mentioned (a mention never lets anyone in); and a message's
//! mention rows, kept current as it is edited or deleted.

use std::collections::HashMap;

use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::slot::Slot;
use crate::protocol::events::{edit, message};
use crate::{
    entity::{mention, room, user},
    mentions,
    protocol::{EventBody, RoomKind},
    server::storage::{db::insert_chunked, writes::NewEvent},
};

/// The mentions of message `seq` become `mentioned` (its author excepted).
pub async fn replace(
    txn: &impl ConnectionTrait,
    room_id: i64,
    seq: i64,
    author_id: i64,
    mentioned: &[(i64, String)],
) -> Result<(), DbErr> {
    mention::Entity::delete_many()
        .filter(mention::Column::RoomId.eq(room_id))
        .filter(mention::Column::Seq.eq(seq))
        .exec(txn)
        .await?;
    let rows: Vec<mention::ActiveModel> = mentioned
        .iter()
        .filter(|(user_id, _)| *user_id != author_id)
        .map(|&(user_id, _)| mention::ActiveModel { user_id: Set(user_id), room_id: Set(room_id), seq: Set(seq) })
        .collect();
    insert_chunked(txn, rows, None).await
}

/// The accounts each new message or edit of the batch mentions (by index;
/// empty for the others): one lookup of every `@name` of the batch.
pub async fn resolve(txn: &impl ConnectionTrait, batch: &[&NewEvent], slots: &[Slot]) -> Result<Vec<Vec<(i64, String)>>, DbErr> {
    let candidates: Vec<Vec<String>> = batch
        .iter()
        .zip(slots)
        .map(|(event, slot)| match (slot, &event.body) {
            (Slot::New { .. }, EventBody::Message(message::Body { text, .. }) | EventBody::Edit(edit::Body { text, .. })) => {
                mentions::candidates(text)
            }
            _ => Vec::new(),
        })
        .collect();
    let mut wanted: Vec<&str> = candidates.iter().flatten().map(String::as_str).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(vec![Vec::new(); batch.len()]);
    }
    let accounts: HashMap<String, i64> = user::Entity::find()
        .filter(user::Column::Username.is_in(wanted))
        .all(txn)
        .await?
        .into_iter()
        .map(|account| (account.username, account.id))
        .collect();
    Ok(candidates
        .into_iter()
        .map(|names| names.into_iter().filter_map(|name| Some((*accounts.get(&name)?, name))).collect())
        .collect())
}

/// In a private or direct room, only its members can be mentioned: a mention
/// never lets anyone in. (Elsewhere `@name` of a non-member stays plain text.)
pub async fn keep_members(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    rooms: &HashMap<String, room::Model>,
    mentioned: &mut [Vec<(i64, String)>],
) -> Result<(), DbErr> {
    let closed_room = |event: &NewEvent| rooms.get(&event.room).filter(|room| room.kind != RoomKind::Public).map(|room| room.id);
    let mut wanted: Vec<(i64, i64)> = Vec::new();
    for (event, names) in batch.iter().zip(mentioned.iter()) {
        if let Some(room_id) = closed_room(event) {
            wanted.extend(names.iter().map(|(user_id, _)| (*user_id, room_id)));
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let members = crate::server::storage::memberships::members_among(txn, &wanted).await?;
    for (event, names) in batch.iter().zip(mentioned.iter_mut()) {
        if let Some(room_id) = closed_room(event) {
            names.retain(|(user_id, _)| members.contains(&(*user_id, room_id)));
        }
    }
    Ok(())
}
