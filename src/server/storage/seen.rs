//! "Seen by": how far the other readers of a small room (a direct room, or one
//! of at most [`SEEN_BY_MAX_MEMBERS`] members) have read, from the read
//! markers that exist anyway. Only users who share their reads are shown, and
//! only to users who share theirs; no read times are kept.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr};

use super::{ReadMarker, db::statement, error::StoreError, store::Store};
use crate::{
    entity::user,
    protocol::{SEEN_BY_MAX_MEMBERS, SeenRead},
};

/// Which of the readers and rooms of a batch of moved markers may be shown:
/// the reader shares reads, and the room is direct or small. One statement
/// per batch, whatever its size (`?` lists filled in by [`shared`]).
const SHOWN_OF_BATCH: &str = r#"SELECT u.id AS user_id, u.username AS username, r.name AS room FROM membership ms
    JOIN room r ON r.id = ms.room_id JOIN "user" u ON u.id = ms.user_id
    WHERE ms.user_id IN (USERS) AND r.name IN (ROOMS) AND u.share_reads AND NOT u.deactivated
    AND (r.kind = 'direct' OR (SELECT COUNT(*) FROM membership c WHERE c.room_id = r.id) <= ?)"#;

/// Of markers that just moved, those others may be shown, with the room they
/// are in: the reader shares reads and the room is small.
pub(super) async fn shared(db: &impl ConnectionTrait, moved: &[ReadMarker]) -> Result<Vec<(String, SeenRead)>, DbErr> {
    if moved.is_empty() {
        return Ok(Vec::new());
    }
    let mut users: Vec<i64> = moved.iter().map(|m| m.user_id).collect();
    users.sort_unstable();
    users.dedup();
    let mut rooms: Vec<&str> = moved.iter().map(|m| m.room.as_str()).collect();
    rooms.sort_unstable();
    rooms.dedup();
    let marks = |n: usize| vec!["?"; n].join(", ");
    let sql = SHOWN_OF_BATCH.replace("USERS", &marks(users.len())).replace("ROOMS", &marks(rooms.len()));
    let mut values: Vec<sea_orm::Value> = users.into_iter().map(Into::into).collect();
    values.extend(rooms.into_iter().map(Into::into));
    values.push((SEEN_BY_MAX_MEMBERS as i64).into());
    let mut shown: HashMap<(i64, String), String> = HashMap::new();
    for row in db.query_all_raw(statement(db, &sql, values)).await? {
        shown.insert((row.try_get("", "user_id")?, row.try_get("", "room")?), row.try_get("", "username")?);
    }
    Ok(moved
        .iter()
        .filter_map(|marker| {
            let user = shown.get(&(marker.user_id, marker.room.clone()))?;
            Some((marker.room.clone(), SeenRead { user: user.clone(), seq: marker.seq }))
        })
        .collect())
}

/// The other sharing readers' markers in a room, when it is small: one
/// statement (it runs for every room page).
const SEEN_IN_ROOM: &str = r#"SELECT u.username AS username, ms.last_read_seq AS seq FROM membership ms
    JOIN room r ON r.id = ms.room_id JOIN "user" u ON u.id = ms.user_id
    WHERE r.name = ? AND ms.user_id <> ? AND ms.last_read_seq > 0 AND u.share_reads AND NOT u.deactivated
    AND (r.kind = 'direct' OR (SELECT COUNT(*) FROM membership c WHERE c.room_id = r.id) <= ?)"#;

impl Store {
    /// How far the room's other sharing readers have read, for `reader` (none
    /// when the reader does not share reads, or the room is not small).
    pub async fn reads_seen(&self, room_name: &str, reader: &user::Model) -> Result<Vec<SeenRead>, StoreError> {
        if !reader.share_reads {
            return Ok(Vec::new());
        }
        let values = [room_name.into(), reader.id.into(), (SEEN_BY_MAX_MEMBERS as i64).into()];
        let rows = self.db().query_all_raw(statement(self.db(), SEEN_IN_ROOM, values)).await?;
        rows.iter()
            .map(|row| Ok(SeenRead { user: row.try_get("", "username")?, seq: row.try_get("", "seq")? }))
            .collect::<Result<_, DbErr>>()
            .map_err(StoreError::from)
    }
}
