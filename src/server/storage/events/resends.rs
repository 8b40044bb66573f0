//! Resends: the same send (same sender, room and `client_id`) stored before,
//! or earlier in the same batch, is answered with the first copy's `seq` and
//! stored nowhere again.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::ExprTrait};

use super::seqs::{Lock, rooms_named};
use crate::{entity::message, server::storage::store::NewEvent};

/// The key that makes a send idempotent: sender id, room and `client_id`.
pub type SendKey<'a> = (i64, &'a str, &'a str);

/// A [`SendKey`] that owns its strings, for maps of stored copies.
pub type StoredKey = (i64, String, String);

pub fn send_key(new: &NewEvent) -> Option<SendKey<'_>> {
    Some((new.sender.id, new.room.as_str(), new.client_id.as_deref()?))
}

/// The batch's events that were stored before: their seqs, keyed by (sender
/// id, room, `client_id`). One lookup for the batch, one term per (sender,
/// room) pair with that pair's `client_id`s: each walks the unique (sender_id,
/// client_id, room_id) index, and the statement grows with the batch, not with
/// senders × rooms.
pub async fn stored_copies(db: &impl ConnectionTrait, batch: &[&NewEvent]) -> Result<HashMap<StoredKey, i64>, DbErr> {
    let keyed: Vec<SendKey<'_>> = batch.iter().filter_map(|event| send_key(event)).collect();
    if keyed.is_empty() {
        return Ok(HashMap::new());
    }
    // A room that does not exist yet holds no copies.
    let rooms = rooms_named(db, keyed.iter().map(|(_, room, _)| *room), Lock::None).await?;
    let mut per_pair: BTreeMap<(i64, i64), Vec<&str>> = BTreeMap::new();
    for (sender_id, room, client_id) in keyed {
        if let Some(room) = rooms.get(room) {
            per_pair.entry((sender_id, room.id)).or_default().push(client_id);
        }
    }
    if per_pair.is_empty() {
        return Ok(HashMap::new());
    }
    let any_of_them = per_pair.into_iter().fold(Condition::any(), |any, ((sender_id, room_id), ids)| {
        any.add(
            message::Column::SenderId
                .eq(sender_id)
                .and(message::Column::ClientId.is_in(ids))
                .and(message::Column::RoomId.eq(room_id)),
        )
    });
    let names: HashMap<i64, &str> = rooms.values().map(|room| (room.id, room.name.as_str())).collect();
    let found = message::Entity::find().filter(any_of_them).all(db).await?;
    Ok(found
        .into_iter()
        .filter_map(|row| Some(((row.sender_id?, (*names.get(&row.room_id)?).to_owned(), row.client_id?), row.seq)))
        .collect())
}
