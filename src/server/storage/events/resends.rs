//! Resends: the same send (same sender, room and `client_id`) stored before,
//! or earlier in the same batch, is answered with the first copy's `seq` and
//! stored nowhere again.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::seqs::{Lock, rooms_named};
use crate::{entity::room, server::storage::writes::NewEvent};

/// The key that makes a send idempotent: sender id, room and `client_id`.
pub type SendKey<'a> = (i64, &'a str, &'a str);

/// A [`SendKey`] that owns its strings, for maps of stored copies.
pub type StoredKey = (i64, String, String);

pub fn send_key(new: &NewEvent) -> Option<SendKey<'_>> {
    Some((new.sender.id, new.room.as_str(), new.client_id.as_deref()?))
}

/// The batch's events that were stored before: their seqs, keyed by (sender
/// id, room, `client_id`). `rooms` holds the batch's rooms that exist (a room
/// that does not exist yet holds no copies). One statement of one shape
/// whatever the batch: the keys go as one JSON array, each walks the unique
/// (sender_id, client_id, room_id) index. (An `OR` of a term per key was a new
/// statement to prepare for every batch, and took a third of the writer's time.)
pub async fn stored_copies(
    db: &impl ConnectionTrait,
    batch: &[&NewEvent],
    rooms: &HashMap<String, room::Model>,
) -> Result<HashMap<StoredKey, i64>, DbErr> {
    let keys: Vec<(i64, &str, i64)> = batch
        .iter()
        .filter_map(|event| send_key(event))
        .filter_map(|(sender_id, room, client_id)| Some((sender_id, client_id, rooms.get(room)?.id)))
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let keys = serde_json::to_string(&keys).map_err(|err| DbErr::Custom(err.to_string()))?;
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT m.sender_id, m.client_id, m.room_id, m.seq FROM jsonb_array_elements($1::jsonb) AS k(key) \
             JOIN message m ON m.sender_id = (k.key->>0)::bigint AND m.client_id = k.key->>1 AND m.room_id = (k.key->>2)::bigint"
        }
        _ => {
            "SELECT m.sender_id, m.client_id, m.room_id, m.seq FROM json_each(?) AS k \
             JOIN message m ON m.sender_id = json_extract(k.value, '$[0]') AND m.client_id = json_extract(k.value, '$[1]') \
             AND m.room_id = json_extract(k.value, '$[2]')"
        }
    };
    let names: HashMap<i64, &str> = rooms.values().map(|room| (room.id, room.name.as_str())).collect();
    let mut copies = HashMap::new();
    for row in db.query_all_raw(Statement::from_sql_and_values(backend, sql, [keys.into()])).await? {
        let room_id: i64 = row.try_get("", "room_id")?;
        if let Some(room) = names.get(&room_id) {
            let key = (row.try_get("", "sender_id")?, (*room).to_owned(), row.try_get("", "client_id")?);
            copies.insert(key, row.try_get("", "seq")?);
        }
    }
    Ok(copies)
}

/// The `seq` of the copy of `new` stored before, if there is one.
pub async fn stored_copy(db: &impl ConnectionTrait, new: &NewEvent) -> Result<Option<i64>, DbErr> {
    let rooms = rooms_named(db, std::iter::once(new.room.as_str()), Lock::None).await?;
    Ok(stored_copies(db, &[new], &rooms).await?.into_values().next())
}
