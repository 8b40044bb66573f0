//! "Seen by": how far the other readers of a small room (a direct room, or one
//! of at most [`SEEN_BY_MAX_MEMBERS`] members) have read, from the read
//! markers that exist anyway. Only users who share their reads are shown, and
//! only to users who share theirs; no read times are kept.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use super::{ReadMarker, db::statement, error::StoreError, store::Store};
use crate::{
    entity::{membership, room, user},
    protocol::{RoomKind, SEEN_BY_MAX_MEMBERS, SeenRead},
};

/// Whether a room is small enough to show who has read it.
async fn is_small(db: &impl ConnectionTrait, room: &room::Model) -> Result<bool, DbErr> {
    if room.kind == RoomKind::Direct {
        return Ok(true);
    }
    let members = membership::Entity::find().filter(membership::Column::RoomId.eq(room.id)).count(db).await?;
    Ok(members <= SEEN_BY_MAX_MEMBERS)
}

/// Of markers that just moved, those others may be shown, with the room they
/// are in: the reader shares reads and the room is small.
pub(super) async fn shared(db: &impl ConnectionTrait, moved: &[ReadMarker]) -> Result<Vec<(String, SeenRead)>, DbErr> {
    if moved.is_empty() {
        return Ok(Vec::new());
    }
    let user_ids: Vec<i64> = moved.iter().map(|m| m.user_id).collect();
    let sharing: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .filter(user::Column::ShareReads.eq(true))
        .filter(user::Column::Deactivated.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut small: HashMap<String, bool> = HashMap::new();
    let mut shared = Vec::new();
    for marker in moved {
        let Some(username) = sharing.get(&marker.user_id) else { continue };
        if !small.contains_key(&marker.room) {
            let room = room::Entity::find().filter(room::Column::Name.eq(marker.room.as_str())).one(db).await?;
            let is = match room {
                Some(room) => is_small(db, &room).await?,
                None => false,
            };
            small.insert(marker.room.clone(), is);
        }
        if small.get(&marker.room) == Some(&true) {
            shared.push((marker.room.clone(), SeenRead { user: username.clone(), seq: marker.seq }));
        }
    }
    Ok(shared)
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
